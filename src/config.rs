//! `data-*` attributes of the script tag → a typed, validated [`Config`].
//!
//! Values come from the host page and are untrusted. Each bad value yields a [`ConfigProblem`]
//! (logged once to the console by the browser glue) and a safe fallback, so a typo never breaks the
//! page.

/// What the widget needs to talk to the backend and to show itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// `data-web-chat-id`: the web chat that conversations belong to.
    pub web_chat_id: String,
    /// `data-chatbot-id`: the chatbot that answers.
    pub chatbot_id: String,
    /// `data-api-base`: absolute URL ending in `/`, e.g. `https://example.com/api/v1/`.
    pub api_base: String,
    /// `data-title`: the panel's heading; without it, the locale's (see [`Config::title`]).
    pub title: Option<String>,
    /// `data-reply-timeout` (seconds): a reply with no first byte or no progress for this long
    /// is given up as stalled.
    pub reply_timeout_ms: u32,
    /// `data-subtitle`: a line under the title.
    pub subtitle: Option<String>,
    /// `data-avatar`: the assistant's picture in the header (http(s) only).
    pub avatar: Option<String>,
    /// `data-greeting`: the assistant's first bubble, shown but never sent.
    pub greeting: Option<String>,
    /// `data-starters`: suggested first messages, separated by `|`.
    pub starters: Vec<String>,
    /// `data-placeholder`: the message box's hint (the locale's own when unset).
    pub placeholder: Option<String>,
    /// `data-locale`: the widget's words. `locale_auto` (the default) means the browser glue
    /// picks them from the visitor's languages.
    pub texts: &'static Texts,
    pub locale_auto: bool,
    /// `data-open`: open the panel as soon as the widget is ready.
    pub open_on_load: bool,
    /// `data-persistence`: where the conversation id, draft and unsent messages are kept.
    pub persistence: Persistence,
    /// `data-follow-ups`: read the history again for a while after each reply, to show
    /// messages the assistant sends later by itself (a backend that has them, e.g. the server's
    /// Maax V2 mode); see [`crate::follow_ups`].
    pub follow_ups: bool,
    /// `data-ask-contact`: before the first message, ask the visitor's name and an email or
    /// phone number (they may skip it); see [`crate::contact`].
    pub ask_contact: bool,
    pub appearance: Appearance,
    /// `data-attachments`, `data-attachment-types`, `data-attachment-max-mb`.
    pub attachments: AttachmentSettings,
}

/// Where what must survive a reload is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Persistence {
    /// localStorage: across reloads and tabs, until the visitor clears it.
    #[default]
    Local,
    /// sessionStorage: this tab only, gone when it closes.
    Session,
    /// Nothing is kept: every page load starts a new conversation.
    None,
}

mod attachments;
pub mod names;

use crate::appearance::Appearance;
use crate::markdown::safe_url;
use crate::texts::{self, Locale, Texts};
use crate::uploads::AttachmentSettings;

/// A problem with one attribute, phrased for the site owner reading the console.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigProblem {
    pub attribute: &'static str,
    pub message: String,
}

/// Why the widget cannot start at all.
pub const REQUIRED: [&str; 2] = ["data-web-chat-id", "data-chatbot-id"];

const DEFAULT_REPLY_TIMEOUT_SECS: u32 = 30;
const REPLY_TIMEOUT_RANGE: std::ops::RangeInclusive<u32> = 2..=300;
const MAX_TITLE_CHARS: usize = 80;
const MAX_TEXT_CHARS: usize = 500;
const MAX_STARTERS: usize = 4;
const MAX_ID_CHARS: usize = 200;

impl Config {
    /// Reads the attributes (names as written in HTML, e.g. `data-web-chat-id`) against the URL
    /// of the loader script's folder, which is the default API host.
    pub fn from_attributes(
        attributes: &[(String, String)],
        script_base: &str,
    ) -> (Option<Config>, Vec<ConfigProblem>) {
        let get = |name: &str| {
            attributes
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.trim())
        };
        let mut problems = Vec::new();

        let mut id = |attribute: &'static str| match get(attribute) {
            Some(v) if !v.is_empty() && v.chars().count() <= MAX_ID_CHARS && is_plain_id(v) => {
                Some(v.to_owned())
            }
            Some(v) if !v.is_empty() => {
                problems.push(ConfigProblem {
                    attribute,
                    message: "must be the id shown in the dashboard (letters, digits, - and _)"
                        .into(),
                });
                None
            }
            _ => {
                problems.push(ConfigProblem {
                    attribute,
                    message: "is required".into(),
                });
                None
            }
        };
        let web_chat_id = id("data-web-chat-id");
        let chatbot_id = id("data-chatbot-id");

        let default_base = default_api_base(script_base);
        let api_base = match get("data-api-base") {
            None | Some("") => default_base,
            Some(v) => match resolve_api_base(v, script_base) {
                Some(base) => base,
                None => {
                    problems.push(ConfigProblem {
                        attribute: "data-api-base",
                        message: format!(
                            "must be an http(s) URL or a path; using {default_base} instead"
                        ),
                    });
                    default_base
                }
            },
        };

        let mut text = |attribute: &'static str, max_chars: usize| match get(attribute) {
            None | Some("") => None,
            Some(v) if v.chars().count() > max_chars => {
                problems.push(ConfigProblem {
                    attribute,
                    message: format!("is longer than {max_chars} characters; cut short"),
                });
                Some(v.chars().take(max_chars).collect::<String>())
            }
            Some(v) => Some(v.to_owned()),
        };
        let title = text("data-title", MAX_TITLE_CHARS);
        let subtitle = text("data-subtitle", MAX_TITLE_CHARS);
        let greeting = text("data-greeting", MAX_TEXT_CHARS);
        let placeholder = text("data-placeholder", MAX_TITLE_CHARS);
        let starters_text = text("data-starters", MAX_TEXT_CHARS).unwrap_or_default();
        let starters = checked_starters(starters_text.split('|'), &mut problems);
        let avatar = match get("data-avatar") {
            None | Some("") => None,
            Some(v) => {
                let url = safe_url(v, false);
                if url.is_none() {
                    problems.push(ConfigProblem {
                        attribute: "data-avatar",
                        message: "must be an http(s) URL of an image; no avatar shown".into(),
                    });
                }
                url
            }
        };
        // A switch left empty (`data-open` alone, or a template that wrote nothing) is off, and
        // said so: the site owner may have meant it on.
        let mut switch = |attribute: &'static str| match get(attribute) {
            None | Some("false") => false,
            Some("true") => true,
            Some(v) => {
                let message = if v.is_empty() {
                    "is empty: write true or false; using false"
                } else {
                    "must be true or false; using false"
                };
                problems.push(ConfigProblem {
                    attribute,
                    message: message.into(),
                });
                false
            }
        };
        let open_on_load = switch("data-open");
        let follow_ups = switch("data-follow-ups");
        let ask_contact = switch("data-ask-contact");
        let persistence = match get("data-persistence")
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("") | Some("local") => Persistence::Local,
            Some("session") => Persistence::Session,
            Some("none") => Persistence::None,
            Some(_) => {
                problems.push(ConfigProblem {
                    attribute: "data-persistence",
                    message: "must be local, session or none; using local".into(),
                });
                Persistence::Local
            }
        };
        let locale =
            texts::for_attribute(get("data-locale").unwrap_or_default()).unwrap_or_else(|| {
                problems.push(ConfigProblem {
                    attribute: "data-locale",
                    message: "must be auto, en or zh-TW; using auto".into(),
                });
                Locale::Auto
            });
        let appearance = Appearance::from_attributes(get, &mut problems);

        let reply_timeout_secs = match get("data-reply-timeout") {
            None | Some("") => DEFAULT_REPLY_TIMEOUT_SECS,
            Some(v) => match v.parse::<u32>() {
                Ok(secs) if REPLY_TIMEOUT_RANGE.contains(&secs) => secs,
                _ => {
                    problems.push(ConfigProblem {
                        attribute: "data-reply-timeout",
                        message: format!(
                            "must be whole seconds from {} to {}; using {DEFAULT_REPLY_TIMEOUT_SECS}",
                            REPLY_TIMEOUT_RANGE.start(),
                            REPLY_TIMEOUT_RANGE.end()
                        ),
                    });
                    DEFAULT_REPLY_TIMEOUT_SECS
                }
            },
        };

        let attachments = attachments::settings(get, &mut problems);

        let config = match (web_chat_id, chatbot_id) {
            (Some(web_chat_id), Some(chatbot_id)) => Some(Config {
                web_chat_id,
                chatbot_id,
                api_base,
                title,
                reply_timeout_ms: reply_timeout_secs * 1000,
                subtitle,
                avatar,
                greeting,
                starters,
                placeholder,
                texts: match locale {
                    Locale::Fixed(texts) => texts,
                    Locale::Auto => &texts::EN,
                },
                locale_auto: locale == Locale::Auto,
                open_on_load,
                persistence,
                follow_ups,
                ask_contact,
                appearance,
                attachments,
            }),
            _ => None,
        };
        (config, problems)
    }

    /// The URL of an API path such as `conversations/`.
    /// The panel's heading: the site's, or in the widget's language ("Chat", "對話").
    pub fn title(&self) -> String {
        self.title
            .clone()
            .unwrap_or_else(|| self.texts.title.to_owned())
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.api_base, path)
    }
}

/// Ids go into URL paths: allow only characters that need no escaping.
fn is_plain_id(v: &str) -> bool {
    v.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// `scheme://host[:port]` of an absolute http(s) URL.
fn origin_of(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let host_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    if host_len == 0 {
        return None;
    }
    Some(&url[..url.len() - rest.len() + host_len])
}

/// Whether two absolute URLs share scheme, host and port.
pub fn same_origin(a: &str, b: &str) -> bool {
    matches!((origin_of(a), origin_of(b)), (Some(x), Some(y)) if x.eq_ignore_ascii_case(y))
}

/// Suggested first messages, as given: each trimmed, the empty left out, and at most
/// [`MAX_STARTERS`] of at most [`MAX_TEXT_CHARS`] characters each (what is cut is said).
pub(crate) fn checked_starters<'a>(
    given: impl IntoIterator<Item = &'a str>,
    problems: &mut Vec<ConfigProblem>,
) -> Vec<String> {
    let mut too_long = false;
    let mut starters: Vec<String> = given
        .into_iter()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            too_long |= s.chars().nth(MAX_TEXT_CHARS).is_some();
            s.chars().take(MAX_TEXT_CHARS).collect()
        })
        .collect();
    if too_long {
        problems.push(ConfigProblem {
            attribute: "data-starters",
            message: format!("has a suggestion longer than {MAX_TEXT_CHARS} characters; cut short"),
        });
    }
    if starters.len() > MAX_STARTERS {
        problems.push(ConfigProblem {
            attribute: "data-starters",
            message: format!("has more than {MAX_STARTERS} suggestions; the rest are left out"),
        });
        starters.truncate(MAX_STARTERS);
    }
    starters
}

/// The loader's own origin with `/api/v1/`: the server that serves the widget also fronts the API.
fn default_api_base(script_base: &str) -> String {
    match origin_of(script_base) {
        Some(origin) => format!("{origin}/api/v1/"),
        None => "/api/v1/".to_owned(),
    }
}

/// An absolute http(s) URL, or a path starting with `/` on the loader's origin; always ends in `/`.
fn resolve_api_base(value: &str, script_base: &str) -> Option<String> {
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let absolute = if origin_of(value).is_some() {
        value.to_owned()
    } else if value.starts_with('/') && !value.starts_with("//") {
        format!("{}{value}", origin_of(script_base)?)
    } else {
        return None;
    };
    let without_query = absolute.split(['?', '#']).next().unwrap_or_default();
    Some(if without_query.ends_with('/') {
        without_query.to_owned()
    } else {
        format!("{without_query}/")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn attrs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    pub(super) const BASE: &str = "https://cdn.example.com/widget/";

    #[test]
    fn texts_and_switches() {
        let (config, problems) = Config::from_attributes(
            &attrs(&[
                ("data-web-chat-id", "w"),
                ("data-chatbot-id", "b"),
                ("data-subtitle", "We reply at once"),
                ("data-greeting", "Hi! <b>Ask</b> me"),
                ("data-starters", " Prices | | Opening hours|Returns "),
                ("data-placeholder", "Ask away"),
                ("data-avatar", "https://cdn.example.com/bot.png"),
                ("data-open", "true"),
                ("data-persistence", "Session"),
                ("data-locale", "zh-TW"),
            ]),
            BASE,
        );
        assert!(problems.is_empty(), "{problems:?}");
        let config = config.unwrap();
        assert_eq!(config.subtitle.as_deref(), Some("We reply at once"));
        assert_eq!(config.greeting.as_deref(), Some("Hi! <b>Ask</b> me"));
        assert_eq!(config.starters, ["Prices", "Opening hours", "Returns"]);
        assert_eq!(config.placeholder.as_deref(), Some("Ask away"));
        assert_eq!(config.texts, &texts::ZH_TW);
        assert!(!config.locale_auto);
        assert_eq!(
            config.avatar.as_deref(),
            Some("https://cdn.example.com/bot.png")
        );
        assert!(config.open_on_load);
        assert_eq!(config.persistence, Persistence::Session);

        let (config, problems) = Config::from_attributes(
            &attrs(&[
                ("data-web-chat-id", "w"),
                ("data-chatbot-id", "b"),
                ("data-starters", "a|b|c|d|e"),
                ("data-avatar", "javascript:alert(1)"),
                ("data-open", "yes"),
                ("data-persistence", "cookie"),
                ("data-locale", "klingon"),
                ("data-greeting", &"x".repeat(600)),
            ]),
            BASE,
        );
        let config = config.unwrap();
        let named: Vec<&str> = problems.iter().map(|p| p.attribute).collect();
        assert_eq!(
            named,
            [
                "data-greeting",
                "data-starters",
                "data-avatar",
                "data-open",
                "data-persistence",
                "data-locale"
            ]
        );
        assert_eq!(config.persistence, Persistence::Local);
        assert_eq!(config.starters.len(), 4);
        assert_eq!(config.avatar, None);
        assert!(!config.open_on_load);
        assert_eq!(config.greeting.map(|g| g.chars().count()), Some(500));
        assert_eq!(config.placeholder, None);
        assert!(config.locale_auto);
        assert_eq!(config.subtitle, None);
    }

    #[test]
    fn a_switch_left_empty_is_off_and_said_so() {
        let (config, problems) = Config::from_attributes(
            &attrs(&[
                ("data-web-chat-id", "w"),
                ("data-chatbot-id", "b"),
                ("data-open", ""),
                ("data-ask-contact", " "),
                ("data-follow-ups", "false"),
            ]),
            BASE,
        );
        let config = config.unwrap();
        assert!(!config.open_on_load && !config.ask_contact && !config.follow_ups);
        let said: Vec<(&str, &str)> = problems
            .iter()
            .map(|p| (p.attribute, p.message.as_str()))
            .collect();
        assert_eq!(
            said,
            [
                ("data-open", "is empty: write true or false; using false"),
                (
                    "data-ask-contact",
                    "is empty: write true or false; using false"
                ),
            ]
        );
    }

    #[test]
    fn full_config() {
        let (config, problems) = Config::from_attributes(
            &attrs(&[
                ("data-web-chat-id", "wc-1"),
                ("data-chatbot-id", "bot_2"),
                ("data-api-base", "https://api.example.com/api/v1"),
                ("data-title", " Help "),
                ("data-reply-timeout", "5"),
            ]),
            BASE,
        );
        assert!(problems.is_empty(), "{problems:?}");
        let config = config.unwrap();
        assert_eq!(config.api_base, "https://api.example.com/api/v1/");
        assert_eq!(config.title(), "Help");
        assert_eq!(config.reply_timeout_ms, 5000);
        assert_eq!(
            config.url("conversations/"),
            "https://api.example.com/api/v1/conversations/"
        );
    }

    #[test]
    fn defaults_and_relative_base() {
        let ids = [("data-web-chat-id", "a"), ("data-chatbot-id", "b")];
        let (config, problems) = Config::from_attributes(&attrs(&ids), BASE);
        assert!(problems.is_empty());
        let config = config.unwrap();
        assert_eq!(config.api_base, "https://cdn.example.com/api/v1/");
        assert_eq!(config.title(), "Chat");

        let mut with_path = ids.to_vec();
        with_path.push(("data-api-base", "/api/"));
        let (config, _) = Config::from_attributes(&attrs(&with_path), BASE);
        assert_eq!(config.unwrap().api_base, "https://cdn.example.com/api/");
    }

    #[test]
    fn bad_values_fall_back_with_a_message() {
        let (config, problems) = Config::from_attributes(
            &attrs(&[
                ("data-web-chat-id", "a"),
                ("data-chatbot-id", "b"),
                ("data-api-base", "javascript:alert(1)"),
                ("data-title", &"x".repeat(200)),
                ("data-reply-timeout", "0.5"),
            ]),
            BASE,
        );
        let config = config.unwrap();
        assert_eq!(config.api_base, "https://cdn.example.com/api/v1/");
        assert_eq!(config.title().chars().count(), 80);
        assert_eq!(config.reply_timeout_ms, 30_000);
        let named: Vec<_> = problems.iter().map(|p| p.attribute).collect();
        assert_eq!(named, ["data-api-base", "data-title", "data-reply-timeout"]);
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        assert!(same_origin(
            "https://a.com/api/v1/messages/?cursor=x",
            "https://a.com/api/v1/"
        ));
        assert!(!same_origin("https://a.com.evil.net/", "https://a.com/"));
        assert!(!same_origin("http://a.com/", "https://a.com/"));
        assert!(!same_origin("https://a.com:8443/", "https://a.com/"));
        assert!(!same_origin("/relative", "https://a.com/"));
    }

    #[test]
    fn missing_or_unsafe_ids_stop_the_widget() {
        let (config, problems) =
            Config::from_attributes(&attrs(&[("data-chatbot-id", "../../x")]), BASE);
        assert!(config.is_none());
        let named: Vec<_> = problems.iter().map(|p| p.attribute).collect();
        assert_eq!(named, ["data-web-chat-id", "data-chatbot-id"]);
        assert!(problems[0].message.contains("required"));
    }
}

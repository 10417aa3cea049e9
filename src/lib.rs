//! chat-bubble: a website chat bubble for AI assistants.
//!
//! Two ways in. The loader script (`loader/chat-bubble.js`) builds a shadow root on the host page
//! and calls [`mount`] with its `data-*` attributes; a Leptos app renders [`ChatBubble`] with the
//! same settings as props. Pure logic (config, stream decoding, wire models, markdown) lives in
//! plain modules with native tests; the browser glue stays thin.

pub mod api;
pub mod appearance;
pub mod asked_again;
pub mod attached;
pub mod attaching;
pub mod chat;
pub mod clipboard;
mod component;
pub mod config;
pub mod contact;
pub mod crash;
pub mod errors;
pub mod file_kinds;
pub mod follow_ups;
pub mod grouping;
pub mod history_merge;
pub mod history_slices;
pub mod js_api;
pub mod markdown;
pub mod message_length;
pub mod models;
pub mod regenerated;
pub mod render;
pub mod reply_end;
pub mod reveal_pace;
pub mod session;
pub mod store;
pub mod stream;
pub mod tabs;
pub mod text_parts;
pub mod texts;
pub mod time_format;
pub mod timers;
pub mod ui;
pub mod unfinished;
pub mod unsent;
pub mod uploads;
pub mod versions;
pub mod writing_direction;

use wasm_bindgen::prelude::*;

pub use crate::chat::ChatEvent;
pub use crate::component::ChatBubble;
use crate::config::Config;
pub use crate::js_api::WidgetHandle;

/// Mounts the widget into `root` (an element inside the loader's shadow root).
///
/// `attributes` maps the script tag's attribute names (`data-web-chat-id`, …) to their values;
/// `script_base` is the URL of the folder the loader came from; `emit(name, detail)`, if given,
/// hears the widget's events (`open`, `close`, `message`, `reply`, `error`). Returns the handle
/// the loader's JS API drives, or nothing when the configuration cannot start a chat (the console
/// says why).
#[wasm_bindgen]
pub fn mount(
    root: web_sys::HtmlElement,
    attributes: js_sys::Object,
    script_base: &str,
    emit: Option<js_sys::Function>,
) -> Option<WidgetHandle> {
    let pairs: Vec<(String, String)> = js_sys::Object::entries(&attributes)
        .iter()
        .filter_map(|entry| {
            let entry: js_sys::Array = entry.unchecked_into();
            Some((entry.get(0).as_string()?, entry.get(1).as_string()?))
        })
        .collect();
    start(root, &pairs, None, script_base, emit)
}

/// Checks the settings (each problem is logged once) and mounts the widget into `root`.
/// `starters`: the suggestions as a list (the component's), rather than `data-starters`' text
/// cut at each `|`.
pub(crate) fn start(
    root: web_sys::HtmlElement,
    attributes: &[(String, String)],
    starters: Option<&[String]>,
    script_base: &str,
    emit: Option<js_sys::Function>,
) -> Option<WidgetHandle> {
    let (mut config, mut problems) = Config::from_attributes(attributes, script_base);
    if let Some(list) = starters {
        let starters = config::checked_starters(list.iter().map(String::as_str), &mut problems);
        if let Some(config) = &mut config {
            config.starters = starters;
        }
    }
    // A setting written wrong is ignored, and its default takes its place without a word.
    let written = |setting: &str| attributes.iter().any(|(n, _)| n == setting);
    for (name, _) in attributes {
        if let Some(setting) = config::names::meant(name).filter(|s| !written(s)) {
            let text =
                format!("chat-bubble: {name} is not a setting (ignored); did you mean {setting}?");
            web_sys::console::warn_1(&text.into());
        }
    }
    for problem in &problems {
        let text = format!("chat-bubble: {} {}", problem.attribute, problem.message);
        web_sys::console::warn_1(&text.into());
    }
    let Some(mut config) = config else {
        web_sys::console::error_1(&"chat-bubble: not started; fix the attributes above.".into());
        return None;
    };
    if config.locale_auto {
        config.texts = browser_texts();
    } else if !browser_speaks(config.texts.lang) {
        time_format::use_language(config.texts.lang);
    }
    crash::watch(&root, config.texts.crashed);
    // The loader's placeholder launcher gives way to the real one.
    let replaced_placeholder = root.child_element_count() > 0;
    root.set_text_content(None);
    apply_appearance(&root, &config.appearance);
    Some(WidgetHandle::mount(
        root,
        config,
        emit,
        replaced_placeholder,
    ))
}

/// Whether the browser's own dates and times suit words in `lang`: it speaks that language,
/// and `lang` names no region of its own (an English widget keeps a British browser's dates; a
/// Taiwanese one has its own).
fn browser_speaks(lang: &str) -> bool {
    let browser = web_sys::window()
        .and_then(|w| w.navigator().language())
        .unwrap_or_default()
        .to_ascii_lowercase();
    !lang.contains('-') && browser.split('-').next() == Some(lang)
}

/// The widget's words in the first of the visitor's languages it speaks.
fn browser_texts() -> &'static texts::Texts {
    let languages: Vec<String> = web_sys::window()
        .map(|w| {
            w.navigator()
                .languages()
                .iter()
                .filter_map(|l| l.as_string())
                .collect()
        })
        .unwrap_or_default();
    texts::for_languages(languages.iter().map(String::as_str))
}

/// Theme and side as attributes the stylesheet matches (the loader already copied the raw
/// values; these are the checked ones), colours and sizes as custom properties. They replace the
/// properties the loader set for its bubble: where the two checks disagreed, the widget's wins.
fn apply_appearance(root: &web_sys::HtmlElement, appearance: &appearance::Appearance) {
    let _ = root.set_attribute("data-theme", appearance.theme_name());
    let _ = root.set_attribute("data-position", appearance.side_name());
    let _ = root.remove_attribute("style");
    let style = root.style();
    for (property, value) in appearance.css_properties() {
        let _ = style.set_property(property, &value);
    }
}

/// Panics on purpose, so tests can check what a visitor sees after an internal error.
#[wasm_bindgen]
pub fn simulate_panic() {
    panic!("simulated by a test");
}

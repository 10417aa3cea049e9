//! [`ChatBubble`]: the widget as a component for Leptos apps.

use std::rc::Rc;

use leptos::html::Div;
use leptos::portal::Portal;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::{HtmlElement, ShadowRootInit, ShadowRootMode};

use crate::chat::{ChatEvent, ChatState};
use crate::js_api::WidgetHandle;

/// The chat bubble in a Leptos app, with the same settings as the script tag's `data-*`
/// attributes and the same checks: a bad value is reported once in the console and replaced by
/// its default; without both ids the widget does not start.
///
/// The props are read when the component mounts: an app that changes one (renders the
/// component again with another value) gets a new widget, with the conversation and the draft
/// kept and the panel closed. Two are live: `panel_open` follows and drives the panel, and
/// `on_event` hears what a page hears from the script tag's `chatbubble:*` events (the
/// component dispatches none, and defines no `window.ChatBubble`).
///
/// Wherever it sits in the app's view, it renders one `<div class="chat-bubble">` hung from
/// `<html>` beside `<body>` (through a [`Portal`], in the Portal's own `<div>`, which takes no
/// box), so that an ancestor's `transform`, `overflow` or stacking order cannot carry the fixed
/// bubble away or cover it. The `.chat-bubble` hosts a shadow root, so the app's CSS and the widget's never meet, and loads the stylesheet
/// from `stylesheet` (serve `style/chat-bubble.css` there). Unmounting the component stops any
/// reply in flight, left cut with its Retry as when the visitor goes to another page, and
/// removes the widget.
///
/// # Usage
/// ```ignore
/// view! {
///     <ChatBubble web_chat_id="YOUR_WEB_CHAT_ID" chatbot_id="YOUR_CHATBOT_ID"
///                 title="Support" starters=vec!["Prices".into()] />
/// }
/// ```
#[component]
pub fn ChatBubble(
    /// The web chat that conversations belong to (`data-web-chat-id`).
    #[prop(into)]
    web_chat_id: String,
    /// The chatbot that answers (`data-chatbot-id`).
    #[prop(into)]
    chatbot_id: String,
    /// Where the API is (`data-api-base`); by default the page's origin + `/api/v1/`.
    #[prop(optional, into)]
    api_base: Option<String>,
    /// The stylesheet's URL; `/chat-bubble.css` (at the root of the site) by default. A
    /// relative URL is read from the page's address, which changes with the app's routes.
    #[prop(optional, into)]
    stylesheet: Option<String>,
    #[prop(optional, into)] title: Option<String>,
    #[prop(optional, into)] subtitle: Option<String>,
    #[prop(optional, into)] avatar: Option<String>,
    #[prop(optional, into)] greeting: Option<String>,
    /// Suggested first messages (at most 4).
    #[prop(optional)]
    starters: Vec<String>,
    #[prop(optional, into)] placeholder: Option<String>,
    /// `en`, `zh-TW` or `auto`.
    #[prop(optional, into)]
    locale: Option<String>,
    /// `light`, `dark` or `auto`.
    #[prop(optional, into)]
    theme: Option<String>,
    /// `#rgb` or `#rrggbb`.
    #[prop(optional, into)]
    primary_color: Option<String>,
    /// `left` or `right`.
    #[prop(optional, into)]
    position: Option<String>,
    #[prop(optional)] offset_x: Option<u32>,
    #[prop(optional)] offset_y: Option<u32>,
    #[prop(optional)] z_index: Option<i32>,
    #[prop(optional)] width: Option<u32>,
    #[prop(optional)] height: Option<u32>,
    /// Opens the panel as soon as the widget is ready.
    #[prop(optional)]
    open: bool,
    /// Follows the panel both ways: true while it is open, and the app sets it to open or close
    /// the panel (from a "Contact us" button of its own, say).
    #[prop(optional)]
    panel_open: Option<RwSignal<bool>>,
    /// Called with what happens in the chat: the panel opened or closed, the visitor sent a
    /// message, a reply completed, a problem was shown.
    #[prop(optional, into)]
    on_event: Option<Callback<ChatEvent>>,
    /// `local`, `session` or `none`.
    #[prop(optional, into)]
    persistence: Option<String>,
    /// Shows messages the assistant sends later by itself (`data-follow-ups`).
    #[prop(optional)]
    follow_ups: bool,
    /// Asks the visitor's name and an email or phone first (`data-ask-contact`).
    #[prop(optional)]
    ask_contact: bool,
    /// Seconds without progress after which a reply is given up as stalled.
    #[prop(optional)]
    reply_timeout: Option<u32>,
    /// `off` (the default), `images` or `files` (`data-attachments`).
    #[prop(optional, into)]
    attachments: Option<String>,
    /// Allowed types, comma-separated: `image/png`, `image/*`, `.pdf`.
    #[prop(optional, into)]
    attachment_types: Option<String>,
    /// Largest file in whole megabytes.
    #[prop(optional)]
    attachment_max_mb: Option<u32>,
) -> impl IntoView {
    let number = |n: Option<u32>| n.map(|n| n.to_string());
    let attributes: Vec<(String, String)> = [
        ("data-web-chat-id", Some(web_chat_id)),
        ("data-chatbot-id", Some(chatbot_id)),
        ("data-api-base", api_base),
        ("data-title", title),
        ("data-subtitle", subtitle),
        ("data-avatar", avatar),
        ("data-greeting", greeting),
        ("data-placeholder", placeholder),
        ("data-locale", locale),
        ("data-theme", theme),
        ("data-primary-color", primary_color),
        ("data-position", position),
        ("data-offset-x", number(offset_x)),
        ("data-offset-y", number(offset_y)),
        ("data-z-index", z_index.map(|z| z.to_string())),
        ("data-width", number(width)),
        ("data-height", number(height)),
        ("data-open", Some(open.to_string())),
        ("data-persistence", persistence),
        ("data-follow-ups", Some(follow_ups.to_string())),
        ("data-ask-contact", Some(ask_contact.to_string())),
        ("data-reply-timeout", number(reply_timeout)),
        ("data-attachments", attachments),
        ("data-attachment-types", attachment_types),
        ("data-attachment-max-mb", number(attachment_max_mb)),
    ]
    .into_iter()
    .filter_map(|(name, value)| Some((name.to_owned(), value?)))
    .collect();
    let stylesheet = stylesheet.unwrap_or_else(|| DEFAULT_STYLESHEET.to_owned());

    let host = NodeRef::<Div>::new();
    let mounted = StoredValue::new_local(None::<Mounted>);
    let widget = RwSignal::new_local(None::<ChatState>);
    // Mounting into a shadow root is a side effect on the host element once it exists.
    Effect::new(move |_| {
        let Some(host) = host.get() else { return };
        if mounted.with_value(Option::is_some) {
            return;
        }
        // Leptos's Portal holds the host in a `<div>` of its own: that one takes no box, so the
        // app's CSS for `div`s has nothing to lay out or transform around the fixed bubble.
        if let Some(wrapper) = host.parent_element() {
            let _ = wrapper.set_attribute("style", "display: contents");
        }
        let Some(done) = mount_in_shadow(&host, &attributes, &starters, &stylesheet) else {
            return;
        };
        let state = done.handle.state();
        if let Some(on_event) = on_event {
            state.set_listener(Some(Rc::new(move |event: &ChatEvent| {
                on_event.run(event.clone())
            })));
        }
        if panel_open.is_some_and(|open| open.get_untracked()) {
            done.handle.open();
        }
        mounted.set_value(Some(done));
        widget.set(Some(state));
    });
    if let Some(panel_open) = panel_open {
        // The panel to the app's signal...
        Effect::new(move |_| {
            let Some(open) = widget.get().and_then(|state| state.open.try_get()) else {
                return;
            };
            if panel_open.get_untracked() != open {
                panel_open.set(open);
            }
        });
        // ...and the app's signal to the panel.
        Effect::new(move |_| {
            let wanted = panel_open.get();
            if let Some(state) = widget.get_untracked() {
                if state.open.try_get_untracked() == Some(!wanted) {
                    state.set_open(wanted);
                }
            }
        });
    }
    on_cleanup(move || {
        if let Some(mounted) = mounted.try_update_value(Option::take).flatten() {
            mounted.unmount();
        }
        // No panel is open once the widget is gone; one mounted next starts closed.
        if let Some(panel_open) = panel_open {
            panel_open.try_set(false);
        }
    });
    // As the script tag's widget hangs from `<html>`.
    let page_root = document()
        .document_element()
        .expect("a page that runs a Leptos app has <html>");
    view! {
        <Portal mount=page_root>
            <div class="chat-bubble" node_ref=host></div>
        </Portal>
    }
}

/// Builds the shadow root on `host` (its stylesheet and the widget's root) and starts the widget.
fn mount_in_shadow(
    host: &HtmlElement,
    attributes: &[(String, String)],
    starters: &[String],
    stylesheet: &str,
) -> Option<Mounted> {
    let document = host.owner_document()?;
    // A host that already has one (an element reused for another widget) has it emptied.
    let shadow = match host.shadow_root() {
        Some(shadow) => {
            shadow.replace_children_with_node_0();
            shadow
        }
        None => host
            .attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
            .ok()?,
    };
    let link = document.create_element("link").ok()?;
    let _ = link.set_attribute("rel", "stylesheet");
    let _ = link.set_attribute("href", stylesheet);
    let warning = warn_if_not_loaded(&link);
    let root: HtmlElement = document.create_element("div").ok()?.unchecked_into();
    root.set_class_name("cb-root");
    shadow.append_child(&link).ok()?;
    shadow.append_child(&root).ok()?;
    let page_base = document.base_uri().ok().flatten().unwrap_or_default();
    crate::crash::keep_earlier_hook();
    let Some(handle) = crate::start(root, attributes, Some(starters), &page_base, None) else {
        // Not started (its settings were wrong, and said so): no widget to style.
        forget_listener(&link, &warning);
        return None;
    };
    Some(Mounted {
        handle,
        link,
        warning,
    })
}

/// A widget mounted by the component, with its stylesheet's link and the link's listener.
struct Mounted {
    handle: WidgetHandle,
    link: web_sys::Element,
    warning: Closure<dyn Fn()>,
}

impl Mounted {
    fn unmount(self) {
        self.handle.destroy();
        forget_listener(&self.link, &self.warning);
    }
}

/// Takes the stylesheet's listener off its link before the listener is dropped: the link may
/// still fail to load after.
fn forget_listener(link: &web_sys::Element, warning: &Closure<dyn Fn()>) {
    let _ = link.remove_event_listener_with_callback("error", warning.as_ref().unchecked_ref());
}

/// Where the stylesheet is looked for unless the app says: the root of the site, the same from
/// every route of the app.
const DEFAULT_STYLESHEET: &str = "/chat-bubble.css";

/// Says in the console when the stylesheet does not load: the widget would show unstyled, in
/// the flow of the page. The listener lives as long as the widget.
fn warn_if_not_loaded(link: &web_sys::Element) -> Closure<dyn Fn()> {
    let href = link.unchecked_ref::<web_sys::HtmlLinkElement>().href();
    let warn = Closure::<dyn Fn()>::new(move || {
        let text = format!(
            "chat-bubble: the stylesheet {href} did not load; serve style/chat-bubble.css there, or name its URL with the stylesheet prop"
        );
        web_sys::console::warn_1(&text.into());
    });
    let _ = link.add_event_listener_with_callback("error", warn.as_ref().unchecked_ref());
    warn
}

use leptos::html::Section;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, KeyboardEvent, ShadowRoot};

use super::composer::Composer;
use super::header::Header;
use super::message_list::MessageList;
use crate::chat::ChatState;

/// The chat window: header, messages, the latest problem if any, and the composer.
/// Stays mounted while closed so the draft and scroll position survive.
#[component]
pub fn Panel() -> impl IntoView {
    let state = expect_context::<ChatState>();
    let title = state.config.with_value(|c| c.title.clone());
    let panel = NodeRef::<Section>::new();
    // Keyboard users land in the message box when they open the panel from the launcher, and
    // back on the launcher when it closes while focus was inside. Opening by API takes no focus.
    Effect::new(move |was_open: Option<bool>| {
        let open = state.open.get();
        let Some(panel) = panel.get() else {
            return open;
        };
        if was_open.is_some_and(|was| was != open) {
            let active = panel
                .get_root_node()
                .dyn_into::<ShadowRoot>()
                .ok()
                .and_then(|root| root.active_element());
            let launcher_had_focus = active
                .as_ref()
                .is_some_and(|a| a.class_list().contains("cb-launcher"));
            // Hiding the panel can drop focus to <body> before this runs; focus in the host
            // page is left alone.
            let focus_dropped = active.is_none()
                && panel
                    .owner_document()
                    .and_then(|d| d.active_element())
                    .is_none_or(|a| a.tag_name() == "BODY");
            let focus_was_inside =
                active.as_ref().is_some_and(|a| panel.contains(Some(a))) || focus_dropped;
            if open && launcher_had_focus {
                focus(&panel, ".cb-input");
            } else if !open && focus_was_inside {
                if let Some(widget) = panel.parent_element() {
                    focus(&widget, ".cb-launcher");
                }
            }
        }
        open
    });
    let on_keydown = move |ev: KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.stop_propagation();
            state.set_open(false);
        }
    };
    view! {
        <section
            class="cb-panel"
            role="dialog"
            aria-label=title
            hidden=move || !state.open.get()
            node_ref=panel
            on:keydown=on_keydown
        >
            <div class="cb-sr-only" aria-live="polite" aria-atomic="true">
                {move || state.announcement.get()}
            </div>
            <Header/>
            <MessageList/>
            {move || {
                state
                    .notice
                    .get()
                    .map(|text| view! { <p class="cb-notice" role="alert">{text}</p> })
            }}
            <Composer/>
        </section>
    }
}

fn focus(within: &web_sys::Element, selector: &str) {
    if let Some(target) = within.query_selector(selector).ok().flatten() {
        if let Ok(target) = target.dyn_into::<HtmlElement>() {
            let _ = target.focus();
        }
    }
}

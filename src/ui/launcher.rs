use leptos::prelude::*;

use super::carried_press::open_when_carried_press_ends;
use super::icons::{Icon, CHAT, CLOSE};
use crate::chat::ChatState;
use crate::texts::fill;
use crate::time_format;

/// The round button in the corner that opens and closes the panel, with a badge counting the
/// replies that arrived while it was closed, or marking a problem put up meanwhile (a message
/// not sent, a reply cut off), which the visitor would otherwise only learn of by opening it.
///
/// `replaced_placeholder`: it took the place of the loader's bubble, on which a press may have
/// begun that ends on this one.
#[component]
pub fn Launcher(replaced_placeholder: bool) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let (open, unread) = (state.open, state.unread);
    let button = NodeRef::new();
    if replaced_placeholder {
        // Later than the release: the widget may have been destroyed in between.
        open_when_carried_press_ends(button, move || {
            if open.try_get_untracked() == Some(false) {
                state.set_open(true);
            }
        });
    }
    let t = state.config.with_value(|c| c.texts);
    let problem = move || {
        if open.get() {
            None
        } else {
            state.unseen_problem()
        }
    };
    let label = move || match (open.get(), problem(), unread.get()) {
        (true, _, _) => t.close_chat.to_owned(),
        (false, Some(problem), _) => fill(t.open_chat_problem, problem),
        (false, None, 0) => t.open_chat.to_owned(),
        (false, None, n) => fill(t.open_chat_unread, n),
    };
    let badge = move || match (problem().is_some(), unread.get()) {
        _ if open.get() => None,
        (true, _) => Some("!".to_owned()),
        (false, 0) => None,
        (false, n) => Some(n.min(99).to_string()),
    };
    view! {
        <button
            type="button"
            class="cb-launcher"
            node_ref=button
            aria-expanded=move || if open.get() { "true" } else { "false" }
            aria-label=label
            // The second click of a double click (many visitors double-click icons) would close
            // the panel the first one opened.
            on:click=move |ev: web_sys::MouseEvent| {
                if ev.detail() <= 1 {
                    state.set_open(!open.get_untracked());
                }
            }
            // A pointer over the bubble, or focus on it, is a visitor about to open it. The
            // rows need the time formatter, whose first creation in a page takes a while (see
            // `time_format`): made now, it is not in the task that opens the panel.
            on:pointerenter=move |_| time_format::warm()
            on:focus=move |_| time_format::warm()
            // Escape closes the panel from here too, as from anywhere in it.
            on:keydown=move |ev: web_sys::KeyboardEvent| {
                if ev.key() == "Escape" && open.get_untracked() {
                    state.set_open(false);
                }
            }
        >
            {move || view! { <Icon path=if open.get() { CLOSE } else { CHAT }/> }}
            {move || badge().map(|mark| view! { <span class="cb-badge" aria-hidden="true">{mark}</span> })}
        </button>
    }
}

use crate::reactive::*;
use web_sys::{Document, Element};

use super::launcher::launcher;
use super::panel::panel;
use super::phone::fit_to_phone;
use super::warm_up;
use crate::chat::{ChatState, HistoryStatus};
use crate::dom::{bind, element};
use crate::session;

/// The whole widget: the panel and the launcher, each handed the one [`ChatState`] (directly:
/// providing it through Leptos context was measured at 2 KB more brotli'd wasm).
///
/// Built by hand and kept in step by effects on the state's signals (under the current reactive
/// owner: disposing it ends them and their listeners), which costs far fewer wasm bytes than
/// templates. Mount it with [`crate::mount`].
pub fn widget(document: &Document, state: ChatState) -> Element {
    // Effects run on the browser's microtask queue (`mount` sets it up too; this is for a widget
    // built directly, as in the browser tests).
    let _ = Executor::init_wasm_bindgen();
    session::restore_unsent(state);
    if state.config.with_value(|c| c.open_on_load) {
        state.set_open(true);
    }
    // History is fetched when the visitor first opens the panel, not on page load; the reply
    // path is readied then too, for the first message.
    bind(move || {
        if state.open.get() {
            if state.history.get_untracked() == HistoryStatus::NotLoaded {
                warm_up::start(state);
            }
            session::load_history(state);
        }
    });
    let widget = element(document, "div", "cb-widget");
    let _ = widget.append_child(&panel(document, state));
    let _ = widget.append_child(&launcher(document, state));
    fit_to_phone(state, &widget);
    widget
}

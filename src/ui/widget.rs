use leptos::prelude::*;

use super::launcher::Launcher;
use super::panel::Panel;
use super::phone::fit_to_phone;
use crate::chat::ChatState;
use crate::session;

/// The whole widget: the launcher and the panel, sharing one [`ChatState`] through context.
#[component]
pub fn Widget(state: ChatState) -> impl IntoView {
    provide_context(state);
    session::restore_unsent(state);
    if state.config.with_value(|c| c.open_on_load) {
        state.set_open(true);
    }
    // History is fetched when the visitor first opens the panel, not on page load.
    Effect::new(move |_| {
        if state.open.get() {
            session::load_history(state);
        }
    });
    let widget = NodeRef::new();
    fit_to_phone(state, widget);
    view! {
        <div class="cb-widget" node_ref=widget>
            <Panel/>
            <Launcher/>
        </div>
    }
}

use leptos::prelude::*;

use super::icons::close_icon;
use crate::chat::ChatState;

/// The panel's title bar with a close button.
#[component]
pub fn Header() -> impl IntoView {
    let state = expect_context::<ChatState>();
    let title = state.config.with_value(|c| c.title.clone());
    view! {
        <header class="cb-header">
            <h2 class="cb-title">{title}</h2>
            <button
                type="button"
                class="cb-icon-button"
                aria-label="Close chat"
                on:click=move |_| state.open.set(false)
            >
                {close_icon()}
            </button>
        </header>
    }
}

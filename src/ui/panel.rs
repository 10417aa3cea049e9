use leptos::prelude::*;

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
    view! {
        <section
            class="cb-panel"
            role="dialog"
            aria-label=title
            hidden=move || !state.open.get()
        >
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

use leptos::prelude::*;

use super::keyboard_focus::{go_on_at, MESSAGE_BOX};
use crate::chat::{ChatState, HistoryStatus};
use crate::contact::ContactStep;
use crate::session;

/// The suggested first messages (`data-starters`), shown while the conversation is empty; a
/// click sends one. They come with the message box: while the contact step holds its place, a
/// suggestion would start the conversation without the visitor's answer.
#[component]
pub fn Starters() -> impl IntoView {
    let state = expect_context::<ChatState>();
    let (starters, t) = state.config.with_value(|c| (c.starters.clone(), c.texts));
    let hidden = {
        let none = starters.is_empty();
        move || {
            none || !state.messages.with(Vec::is_empty)
                || matches!(
                    state.history.get(),
                    HistoryStatus::Loading | HistoryStatus::Failed { .. }
                )
                || state.contact.with(ContactStep::asking)
        }
    };
    view! {
        <div class="cb-starters" role="group" aria-label=t.suggestions hidden=hidden>
            {starters
                .into_iter()
                .map(|text| {
                    let sent = text.clone();
                    view! {
                        <button
                            type="button"
                            class="cb-starter"
                            dir="auto"
                            on:click=move |ev| {
                                // The suggestions go once one is sent.
                                go_on_at(&ev, MESSAGE_BOX);
                                session::send_message(state, sent.clone());
                            }
                        >
                            {text}
                        </button>
                    }
                })
                .collect_view()}
        </div>
    }
}

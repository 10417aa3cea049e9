use leptos::prelude::*;

use crate::chat::{ChatState, HistoryStatus};
use crate::session;

/// Where the earlier messages would be when reading them failed: says so, and offers to read
/// them again. The conversation is there, only unread: no greeting or suggestions stand in for it.
#[component]
pub fn HistoryFailed() -> impl IntoView {
    let state = expect_context::<ChatState>();
    let t = state.config.with_value(|c| c.texts);
    let failed = move || matches!(state.history.get(), HistoryStatus::Failed { .. });
    view! {
        <Show when=failed>
            <p class="cb-status cb-history-failed">
                {t.history_failed}
                " "
                <button
                    type="button"
                    class="cb-retry"
                    // A reply streaming now is not in the history yet: read it once it ends.
                    disabled=move || state.replying.get()
                    on:click=move |_| session::retry_history(state)
                >
                    {t.retry}
                </button>
            </p>
        </Show>
    }
}

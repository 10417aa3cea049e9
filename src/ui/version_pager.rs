use leptos::prelude::*;

use crate::chat::{ChatMessage, ChatState};
use crate::session;
use crate::texts;

/// "‹ 2 / 2 ›" under a regenerated reply: steps through its versions (its row shows it once
/// there is more than one). Its buttons say they are off (at either end, or while a reply streams) rather than
/// being disabled, so the one a keyboard user just pressed keeps focus.
#[component]
pub fn VersionPager(message: ChatMessage) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let t = state.config.with_value(|c| c.texts);
    let position = move || message.versions.with(|v| (v.shown(), v.count()));
    // "Version 2 of 3", for screen readers; the eye reads "2 / 3".
    let said = move || {
        let (shown, count) = position();
        texts::fill(&texts::fill(t.version_of, shown + 1), count)
    };
    let go = move |step: isize| {
        let (shown, count) = position();
        let to = shown as isize + step;
        if (0..count as isize).contains(&to) {
            session::show_version(state, message, to as usize);
            // The reply changes where focus is not: read out which version shows, and its words.
            state.version_shown(said(), &message.text.get_untracked());
        }
    };
    let label = move || {
        let (shown, count) = position();
        format!("{} / {count}", shown + 1)
    };
    view! {
        <div class="cb-versions" role="group" aria-label=said>
                <button
                    type="button"
                    class="cb-version-step"
                    aria-label=t.previous_version
                    title=t.previous_version
                    aria-disabled=move || (state.replying.get() || position().0 == 0).to_string()
                    on:click=move |_| go(-1)
                >
                    "‹"
                </button>
                <span aria-hidden="true">{label}</span>
                <button
                    type="button"
                    class="cb-version-step"
                    aria-label=t.next_version
                    title=t.next_version
                    aria-disabled=move || {
                        let (shown, count) = position();
                        (state.replying.get() || shown + 1 >= count).to_string()
                    }
                    on:click=move |_| go(1)
                >
                    "›"
                </button>
        </div>
    }
}

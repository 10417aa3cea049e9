use leptos::prelude::*;

use super::follow::Follow;
use super::icons::{Icon, DOWN};
use super::keyboard_focus::{go_on_at, MESSAGE_BOX};
use crate::chat::ChatState;
use crate::texts::fill;

/// Shown at the foot of the list while the visitor is scrolled up: brings them back to the end,
/// and says how many replies finished meanwhile.
#[component]
pub fn JumpToLatest() -> impl IntoView {
    let state = expect_context::<ChatState>();
    let follow = expect_context::<Follow>();
    let t = state.config.with_value(|c| c.texts);
    // Every finished reply puts its words in the announcement: the one signal that says "a
    // reply ended". It is emptied a while later (see `Announcer`), which ends nothing.
    Effect::new(move |seen_before: Option<()>| {
        let words = !state.announcement.with(String::is_empty);
        if seen_before.is_some() && words {
            follow.reply_finished();
        }
    });
    let count = move || {
        let unseen = follow.unseen();
        (unseen > 0).then(|| fill(t.new_replies, unseen))
    };
    let label = move || match count() {
        Some(count) => format!("{}{}{count}", t.jump_to_latest, t.clause_separator),
        None => t.jump_to_latest.to_owned(),
    };
    view! {
        <div class="cb-jump-holder">
            <button
                type="button"
                class="cb-jump"
                hidden=move || follow.following()
                aria-label=label
                title=t.jump_to_latest
                on:click=move |ev| {
                    go_on_at(&ev, MESSAGE_BOX);
                    follow.jump_to_end();
                }
            >
                <Icon path=DOWN/>
                {move || count().map(|count| view! { <span class="cb-jump-count">{count}</span> })}
            </button>
        </div>
    }
}

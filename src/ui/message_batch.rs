use leptos::prelude::*;

use super::message_row::MessageRow;
use crate::chat::{ChatState, LIVE};

/// The rows of one batch: a slice of the history, or the messages of this page ([`LIVE`]). A
/// batch of history is built in one step, before the batches already shown, and the browser
/// skips laying it out while it is far from the view (`.cb-earlier` in the stylesheet).
///
/// Its rows start without what sits under their text (times, actions, sources) when the batch
/// goes in far above the end of the conversation, and build it once the browser finds the batch
/// near the view: scrolled to, focused, or found in the page. A long history then costs what its
/// text costs, and the rest what the visitor comes to.
#[component]
pub fn MessageBatch(batch: u64) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let near = RwSignal::new(starts_near(state, batch));
    let came_near = move |ev: web_sys::Event| {
        if !near.get_untracked() && !is_skipped(&ev) {
            near.set(true);
        }
    };
    view! {
        <div
            class="cb-batch"
            class:cb-earlier=batch != LIVE
            style:contain-intrinsic-block-size=placeholder_size(state, batch)
            on:contentvisibilityautostatechange=came_near
        >
            <For each=move || state.batch_rows(batch) key=|message| message.key let:message>
                <MessageRow message near=near.read_only()/>
            </For>
        </div>
    }
}

/// Rows below a batch of history when it goes in, under which it is near enough to the end of
/// the conversation, where the list opens, to be seen at once.
const NEAR_ROWS: usize = 40;

/// Whether a batch's rows start whole: the messages of this page, and the history's batches at
/// the end of the conversation. A browser that does not skip content far from view, and so does
/// not say when it comes near, has all its rows start whole.
fn starts_near(state: ChatState, batch: u64) -> bool {
    batch == LIVE || state.rows_after_batch(batch) < NEAR_ROWS || !skips_far_content()
}

/// Whether the browser skips laying out content far from view (`content-visibility: auto`) and
/// says when it comes near (`contentvisibilityautostatechange`: Chromium has the first since 85,
/// the second since 108).
fn skips_far_content() -> bool {
    web_sys::css::supports_with_value("content-visibility", "auto").unwrap_or(false)
        && js_sys::Reflect::has(
            &js_sys::global(),
            &"ContentVisibilityAutoStateChangeEvent".into(),
        )
        .unwrap_or(false)
}

/// Whether a `contentvisibilityautostatechange` event says its element went out of view.
fn is_skipped(ev: &web_sys::Event) -> bool {
    js_sys::Reflect::get(ev, &"skipped".into()).is_ok_and(|skipped| skipped.is_truthy())
}

/// About how tall a history row is, for a batch the browser has not laid out yet.
const ROW_HEIGHT_GUESS: usize = 64;

/// The size a batch of earlier rows takes while the browser skips laying it out: about its
/// rows' height, so the scrollbar is about right; once laid out, the browser keeps its real
/// size.
fn placeholder_size(state: ChatState, batch: u64) -> Option<String> {
    (batch != LIVE).then(|| {
        let rows = untrack(|| state.batch_rows(batch).len());
        format!("auto {}px", rows * ROW_HEIGHT_GUESS)
    })
}

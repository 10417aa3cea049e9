use leptos::prelude::*;

use crate::chat::ChatState;

/// The latest problem, if any, above the message box, where it stays to be read. The announcer
/// tells screen readers of it once, as it goes up (see [`crate::chat::Alert`]): a countdown to
/// an automatic retry shows its seconds here, to the eye, without being said every second.
#[component]
pub fn Notice() -> impl IntoView {
    let state = expect_context::<ChatState>();
    let text = move || {
        state
            .notice
            .with(|n| n.as_ref().map(|n| n.text.clone()))
            .unwrap_or_default()
    };
    view! {
        <Show when=move || state.notice.with(Option::is_some)>
            <p class="cb-notice">{text}</p>
        </Show>
    }
}

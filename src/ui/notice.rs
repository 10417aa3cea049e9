use leptos::prelude::*;

use crate::chat::ChatState;

/// The latest problem, if any, as an alert. Each problem gets an element of its own, so screen
/// readers announce every one.
#[component]
pub fn Notice() -> impl IntoView {
    let state = expect_context::<ChatState>();
    move || {
        state
            .notice
            .get()
            .map(|text| view! { <p class="cb-notice" role="alert">{text}</p> })
    }
}

use leptos::prelude::*;

use crate::chat::ChatState;

/// The latest problem, if any, as an alert. Each problem gets an element of its own, so screen
/// readers announce every one; a countdown to an automatic retry keeps its element, and shows
/// its seconds to the eye alone, so that it is said once rather than every second.
#[component]
pub fn Notice() -> impl IntoView {
    let state = expect_context::<ChatState>();
    let which = Memo::new(move |_| {
        state
            .notice
            .with(|n| n.as_ref().map(|n| (n.id, n.said.clone())))
    });
    let text = move || {
        state
            .notice
            .with(|n| n.as_ref().map(|n| n.text.clone()))
            .unwrap_or_default()
    };
    move || {
        which.get().map(|(_, said)| match said {
            None => view! { <p class="cb-notice" role="alert">{text}</p> }.into_any(),
            Some(said) => view! {
                <p class="cb-notice" role="alert">
                    <span class="cb-sr-only">{said}</span>
                    <span aria-hidden="true">{text}</span>
                </p>
            }
            .into_any(),
        })
    }
}

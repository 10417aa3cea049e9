use leptos::prelude::*;

/// Who wrote a run of messages, for screen readers only: the side a bubble sits on and its
/// colour say it to the eye.
#[component]
pub fn SaidBy(who: &'static str) -> impl IntoView {
    view! { <span class="cb-sr-only">{who}</span> }
}

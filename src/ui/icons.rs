//! Inline SVG icons: no requests, no fonts, and they follow `currentColor`.

use leptos::prelude::*;

/// A speech bubble, for the launcher (the loader draws the same path before the wasm is ready).
pub fn chat_icon() -> impl IntoView {
    view! {
        <svg class="cb-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"></path>
        </svg>
    }
}

pub fn close_icon() -> impl IntoView {
    view! {
        <svg class="cb-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <path d="M6 6l12 12M18 6L6 18"></path>
        </svg>
    }
}

pub fn send_icon() -> impl IntoView {
    view! {
        <svg class="cb-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <path d="M4 12l16-8-6 16-2-6-8-2z"></path>
        </svg>
    }
}

pub fn stop_icon() -> impl IntoView {
    view! {
        <svg class="cb-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <rect x="7" y="7" width="10" height="10" rx="1.5"></rect>
        </svg>
    }
}

/// A pencil on a page: start a new conversation.
pub fn new_icon() -> impl IntoView {
    view! {
        <svg class="cb-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <path d="M12 5H6a2 2 0 0 0-2 2v11a2 2 0 0 0 2 2h11a2 2 0 0 0 2-2v-6M17.5 3.5a2.1 2.1 0 0 1 3 3L12 15l-4 1 1-4z"></path>
        </svg>
    }
}

//! The icons: outlines on a 24×24 grid drawn in `currentColor`, so they take the colour of the
//! button they sit in; no requests, no fonts.

use leptos::prelude::*;

/// A speech bubble, for the launcher (the loader draws the same path before the wasm is ready).
pub const CHAT: &str =
    "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z";
pub const CLOSE: &str = "M6 6l12 12M18 6L6 18";
pub const SEND: &str = "M4 12l16-8-6 16-2-6-8-2z";
/// A rounded square (filled by the stylesheet).
pub const STOP: &str = "M8.5 7h7a1.5 1.5 0 0 1 1.5 1.5v7a1.5 1.5 0 0 1-1.5 1.5h-7A1.5 1.5 0 0 1 7 15.5v-7A1.5 1.5 0 0 1 8.5 7z";
/// An exclamation mark in a circle: something did not go through.
pub const ALERT: &str = "M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18zM12 7.5v5.5M12 16.5v.5";
/// An arrow pointing down: to the end of the conversation.
pub const DOWN: &str = "M12 5v14M6 13l6 6 6-6";
/// A pencil on a page: start a new conversation.
pub const NEW: &str =
    "M12 5H6a2 2 0 0 0-2 2v11a2 2 0 0 0 2 2h11a2 2 0 0 0 2-2v-6M17.5 3.5a2.1 2.1 0 0 1 3 3L12 15l-4 1 1-4z";

/// A paper clip: attach a file.
pub const ATTACH: &str = "M16 7v9a4 4 0 0 1-8 0V6a2.5 2.5 0 0 1 5 0v9.5a1 1 0 0 1-2 0V8";

/// An icon drawn by `path`; decorative, so hidden from screen readers (its button is labelled).
#[component]
pub fn Icon(path: &'static str) -> impl IntoView {
    view! {
        <svg class="cb-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <path d=path></path>
        </svg>
    }
}

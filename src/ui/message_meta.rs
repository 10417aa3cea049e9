use leptos::prelude::*;
use wasm_bindgen::JsValue;

use crate::chat::{ChatMessage, MessageStatus};
use crate::models::Role;

thread_local! {
    /// One formatter for every message: building one per row is slow with long histories.
    static TIME_FORMAT: js_sys::Intl::DateTimeFormat = {
        let options = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&options, &"hour".into(), &"2-digit".into());
        let _ = js_sys::Reflect::set(&options, &"minute".into(), &"2-digit".into());
        js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &options)
    };
}

/// The line under a message: its time and, for a finished reply, a Copy action.
#[component]
pub fn MessageMeta(message: ChatMessage) -> impl IntoView {
    let time = message.details.with_value(|d| d.created_at).map(|ms| {
        let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
        let iso = String::from(date.to_iso_string());
        let label = TIME_FORMAT
            .with(|format| format.format().call1(&JsValue::NULL, &date).ok())
            .and_then(|v| v.as_string())
            .unwrap_or_default();
        view! { <time datetime=iso>{label}</time> }
    });
    let copied = RwSignal::new(false);
    let can_copy =
        move || message.role == Role::Assistant && message.status.get() == MessageStatus::Complete;
    let copy = move |_| {
        if let Some(window) = web_sys::window() {
            let _ = window
                .navigator()
                .clipboard()
                .write_text(&message.text.get_untracked());
            copied.set(true);
        }
    };
    view! {
        <div class="cb-meta">
            {time}
            <Show when=can_copy>
                <button type="button" class="cb-copy-message" aria-label="Copy message" on:click=copy>
                    {move || if copied.get() { "Copied" } else { "Copy" }}
                </button>
            </Show>
        </div>
    }
}

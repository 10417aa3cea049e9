use std::time::Duration;

use leptos::prelude::*;

use super::listen::listen;
use crate::chat::ChatState;
use crate::errors;
use crate::texts::fill;

/// How a sent picture's thumbnail is doing.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Load {
    /// Its `<img>` is in: loading or loaded.
    Showing,
    /// It failed to load and is tried again later: its name links to it meanwhile.
    Waiting,
    /// It failed every try: taken to be gone from storage (its time was up).
    Gone,
}

/// The pauses before each new try of a picture that failed to load: a passing failure (a
/// server busy for a moment, a connection that dropped) shows the picture after all. Offline,
/// it is tried again once the browser is back online, and that counts no try.
const RETRY_PAUSES: [Duration; 2] = [Duration::from_secs(3), Duration::from_secs(10)];

/// A picture sent with a message: a thumbnail that opens it full size. One that cannot be
/// loaded shows its name instead, linked, until a later try loads it; one that fails every try
/// says it is no longer available rather than show a broken image.
#[component]
pub fn Picture(href: String, name: String) -> impl IntoView {
    let t = expect_context::<ChatState>().config.with_value(|c| c.texts);
    let load = RwSignal::new(Load::Showing);
    let failures = StoredValue::new(0);
    let try_again = move || {
        if load.try_get_untracked() == Some(Load::Waiting) {
            load.try_set(Load::Showing);
        }
    };
    let failed = move || {
        if !errors::is_online() {
            load.set(Load::Waiting);
            return;
        }
        let tried = failures.get_value();
        failures.set_value(tried + 1);
        match RETRY_PAUSES.get(tried) {
            Some(&pause) => {
                load.set(Load::Waiting);
                set_timeout(try_again, pause);
            }
            None => load.set(Load::Gone),
        }
    };
    if let Some(window) = web_sys::window() {
        listen(&window.into(), "online", try_again);
    }
    let unavailable = fill(t.picture_unavailable, &name);
    move || match load.get() {
        Load::Showing => view! {
            <a class="cb-attachment" href=href.clone() target="_blank" rel="noopener noreferrer">
                <img
                    class="cb-thumb"
                    src=href.clone()
                    alt=name.clone()
                    title=name.clone()
                    on:error=move |_| failed()
                />
            </a>
        }
        .into_any(),
        Load::Waiting => view! {
            <a
                class="cb-attachment cb-file"
                href=href.clone()
                target="_blank"
                rel="noopener noreferrer"
            >
                {name.clone()}
            </a>
        }
        .into_any(),
        Load::Gone => {
            view! { <span class="cb-attachment cb-file">{unavailable.clone()}</span> }.into_any()
        }
    }
}

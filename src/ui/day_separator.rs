use leptos::prelude::*;

use crate::chat::ChatState;
use crate::time_format;

/// The line above the first message of a day: "Today", "Yesterday" or the date, in the
/// visitor's locale, said again at midnight. A heading, so that a screen reader hears it apart
/// from the message under it and can go from day to day.
#[component]
pub fn DaySeparator(ms: i64) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let texts = state.config.with_value(|c| c.texts);
    let label = move || {
        state.day_changed.track();
        time_format::day_label(ms, texts)
    };
    view! {
        <h3 class="cb-day">
            <span>{label}</span>
        </h3>
    }
}

use leptos::prelude::*;

use crate::chat::ChatState;
use crate::time_format;

/// The line above the first message of a day: "Today", "Yesterday" or the date, in the
/// visitor's locale.
#[component]
pub fn DaySeparator(ms: i64) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let label = time_format::day_label(ms, state.config.with_value(|c| c.texts));
    view! {
        <div class="cb-day">
            <span>{label}</span>
        </div>
    }
}

use leptos::prelude::*;

use crate::time_format::ClockTime;

/// `<time datetime="ISO">hh:mm</time>` of a message (see [`crate::time_format::clock_time`]).
#[component]
pub fn MessageTime(time: ClockTime) -> impl IntoView {
    let ClockTime { iso, label, .. } = time;
    view! { <time datetime=iso>{label}</time> }
}

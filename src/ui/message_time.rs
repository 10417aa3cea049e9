use leptos::prelude::*;

use crate::time_format;

/// `<time datetime="ISO">hh:mm</time>` of epoch milliseconds, in the visitor's locale.
#[component]
pub fn MessageTime(ms: i64) -> impl IntoView {
    let (iso, label) = time_format::clock_time(ms);
    view! { <time datetime=iso>{label}</time> }
}

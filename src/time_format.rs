//! Message times in the visitor's locale, with one shared formatter: creating an
//! `Intl.DateTimeFormat` takes ~20 ms the first time, and one per row is slow with long histories.

use wasm_bindgen::prelude::*;

thread_local! {
    static TIME_FORMAT: js_sys::Intl::DateTimeFormat = {
        let options = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&options, &"hour".into(), &"2-digit".into());
        let _ = js_sys::Reflect::set(&options, &"minute".into(), &"2-digit".into());
        js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &options)
    };
    /// The day, for messages of another day than today: a clock time alone would make
    /// yesterday's look like today's.
    static DAY_FORMAT: js_sys::Intl::DateTimeFormat = {
        let options = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&options, &"month".into(), &"short".into());
        let _ = js_sys::Reflect::set(&options, &"day".into(), &"numeric".into());
        js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &options)
    };
}

/// Creates the formatter now (while waiting for the network) rather than when rows need it.
pub fn warm() {
    TIME_FORMAT.with(|_| ());
}

/// `(ISO 8601 for a datetime attribute, the time as the visitor reads it)` of epoch
/// milliseconds: hh:mm for today's messages, the day and hh:mm for older ones.
pub fn clock_time(ms: i64) -> (String, String) {
    let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
    let format = |with: &js_sys::Intl::DateTimeFormat| {
        with.format()
            .call1(&JsValue::NULL, &date)
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    };
    let time = TIME_FORMAT.with(format);
    let today = js_sys::Date::new_0();
    let same_day = (date.get_full_year(), date.get_month(), date.get_date())
        == (today.get_full_year(), today.get_month(), today.get_date());
    let label = if same_day {
        time
    } else {
        format!("{}, {time}", DAY_FORMAT.with(format))
    };
    (String::from(date.to_iso_string()), label)
}

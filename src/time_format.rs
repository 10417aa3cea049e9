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
}

/// Creates the formatter now (while waiting for the network) rather than when rows need it.
pub fn warm() {
    TIME_FORMAT.with(|_| ());
}

/// `(ISO 8601 for a datetime attribute, hh:mm as the visitor reads it)` of epoch milliseconds.
pub fn clock_time(ms: i64) -> (String, String) {
    let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
    let label = TIME_FORMAT
        .with(|format| format.format().call1(&JsValue::NULL, &date).ok())
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    (String::from(date.to_iso_string()), label)
}

//! Message times in the visitor's locale, with one shared formatter: creating an
//! `Intl.DateTimeFormat` takes ~20 ms the first time, and formatting is slow enough that a
//! history of a thousand rows feels it. Labels are kept per minute: a conversation's messages
//! come in bursts, and every message of a minute has the same hh:mm.

use std::cell::RefCell;
use std::collections::HashMap;

use wasm_bindgen::prelude::*;

/// Minutes whose labels are kept; past this the cache starts afresh.
const KEPT_MINUTES: usize = 2048;

thread_local! {
    static TIME_FORMAT: js_sys::Intl::DateTimeFormat = {
        let options = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&options, &"hour".into(), &"2-digit".into());
        let _ = js_sys::Reflect::set(&options, &"minute".into(), &"2-digit".into());
        js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &options)
    };
    /// Epoch minute → (its ISO 8601 up to the minutes' colon, its hh:mm label).
    static MINUTES: RefCell<HashMap<i64, (String, String)>> = RefCell::default();
}

/// Creates the formatter now (while waiting for the network) rather than when rows need it.
pub fn warm() {
    TIME_FORMAT.with(|_| ());
}

/// `(ISO 8601 for a datetime attribute, hh:mm as the visitor reads it)` of epoch milliseconds.
pub fn clock_time(ms: i64) -> (String, String) {
    let minute = ms.div_euclid(60_000);
    let (prefix, label) = MINUTES.with(|minutes| {
        let mut minutes = minutes.borrow_mut();
        if minutes.len() >= KEPT_MINUTES {
            minutes.clear();
        }
        minutes
            .entry(minute)
            .or_insert_with(|| format_minute(minute * 60_000))
            .clone()
    });
    let within = ms.rem_euclid(60_000);
    let iso = format!("{prefix}{:02}.{:03}Z", within / 1000, within % 1000);
    (iso, label)
}

/// The ISO 8601 of the minute up to its seconds (`2026-12-02T05:15:`), and its label.
fn format_minute(ms: i64) -> (String, String) {
    let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
    let label = TIME_FORMAT
        .with(|format| format.format().call1(&JsValue::NULL, &date).ok())
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    let mut iso = String::from(date.to_iso_string());
    // `…:00.000Z`: the seconds and milliseconds are the message's own.
    iso.truncate(iso.len().saturating_sub("00.000Z".len()));
    (iso, label)
}

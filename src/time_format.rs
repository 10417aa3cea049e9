//! Message times in the visitor's locale, with one shared formatter: the page's first
//! `Intl.DateTimeFormat` loads the browser's locale data, and formatting is slow enough that a
//! history of a thousand rows feels it. Labels are kept per minute: a conversation's messages
//! come in bursts, and every message of a minute has the same hh:mm.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use wasm_bindgen::prelude::*;

/// Minutes whose labels are kept; past this the cache starts afresh.
const KEPT_MINUTES: usize = 2048;

thread_local! {
    /// The locale's own short time: "8:05 AM" in the US, "08:05" in Britain, "上午8:05" in
    /// Taiwan. Two-digit hours would write "08:05 AM", which no clock in the US shows.
    static TIME_FORMAT: js_sys::Intl::DateTimeFormat = date_time_format(&[("timeStyle", "short")]);
    /// Epoch minute → (its ISO 8601 up to the minutes' colon, its label), for the day the
    /// labels were made on ([`day_number`]; they say the day of another day's messages).
    static MINUTES: RefCell<(i64, HashMap<i64, MinuteLabel>)> = RefCell::default();
    /// The day, for messages of another day than today: a clock time alone would make
    /// yesterday's look like today's.
    static DAY_FORMAT: js_sys::Intl::DateTimeFormat =
        date_time_format(&[("month", "short"), ("day", "numeric")]);
    /// A day separator's date, for days before yesterday.
    static SEPARATOR_FORMAT: js_sys::Intl::DateTimeFormat =
        date_time_format(&[("weekday", "short"), ("month", "short"), ("day", "numeric")]);
    /// The same with the year, for days of another year.
    static SEPARATOR_YEAR_FORMAT: js_sys::Intl::DateTimeFormat =
        date_time_format(&[("year", "numeric"), ("month", "short"), ("day", "numeric")]);
}

thread_local! {
    /// The language of dates and times, when it is not the browser's own (see [`use_language`]).
    static LANGUAGE: Cell<Option<&'static str>> = const { Cell::new(None) };
}

/// Dates and times in `lang` rather than in the browser's language, for a widget whose words
/// the site set to another language (`data-locale`): "12月7日 週一" beside Chinese words, not
/// "Mon, Dec 7" marked as Chinese. Called as the widget starts, before any time is shown.
pub fn use_language(lang: &'static str) {
    LANGUAGE.set(Some(lang));
}

/// A formatter in the visitor's locale (or the one [`use_language`] set) showing the given
/// `Intl.DateTimeFormat` fields.
fn date_time_format(fields: &[(&str, &str)]) -> js_sys::Intl::DateTimeFormat {
    let options = js_sys::Object::new();
    for (field, style) in fields {
        let _ = js_sys::Reflect::set(&options, &(*field).into(), &(*style).into());
    }
    let locales = js_sys::Array::new();
    if let Some(lang) = LANGUAGE.get() {
        locales.push(&lang.into());
    }
    js_sys::Intl::DateTimeFormat::new(&locales, &options)
}

/// `date` as `with` formats it.
fn formatted(with: &js_sys::Intl::DateTimeFormat, date: &js_sys::Date) -> String {
    with.format()
        .call1(&JsValue::NULL, date)
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

const DAY_MS: i64 = 24 * 60 * 60_000;

/// Epoch milliseconds moved by the visitor's time zone offset at that time, so that whole days
/// of it are local days. (Native builds, which have no time zone to ask, use UTC: they run the
/// pure tests only.)
fn local_ms(ms: i64) -> i64 {
    #[cfg(target_arch = "wasm32")]
    let offset_ms =
        (js_sys::Date::new(&JsValue::from_f64(ms as f64)).get_timezone_offset() * 60_000.0) as i64;
    #[cfg(not(target_arch = "wasm32"))]
    let offset_ms = 0;
    ms - offset_ms
}

/// A number for the visitor's local day of epoch milliseconds: equal for two times of one day,
/// one apart for consecutive days.
pub fn day_number(ms: i64) -> i64 {
    local_ms(ms).div_euclid(DAY_MS)
}

/// Milliseconds from epoch milliseconds `ms` to the visitor's next local midnight.
pub fn until_midnight(ms: i64) -> i64 {
    DAY_MS - local_ms(ms).rem_euclid(DAY_MS)
}

/// A day separator's words for the day of epoch milliseconds: "Today", "Yesterday", or the
/// date in the visitor's locale (with the year when it is not this year's).
pub fn day_label(ms: i64, texts: &crate::texts::Texts) -> String {
    let now = js_sys::Date::now() as i64;
    match day_number(now) - day_number(ms) {
        0 => return texts.today.to_owned(),
        1 => return texts.yesterday.to_owned(),
        _ => {}
    }
    let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
    let this_year = js_sys::Date::new_0().get_full_year() == date.get_full_year();
    let format = |with: &js_sys::Intl::DateTimeFormat| formatted(with, &date);
    if this_year {
        SEPARATOR_FORMAT.with(format)
    } else {
        SEPARATOR_YEAR_FORMAT.with(format)
    }
}

/// A minute's ISO 8601 up to its seconds, its label, and whether it is of today.
type MinuteLabel = (String, String, bool);

/// A message's time as [`clock_time`] gives it.
pub struct ClockTime {
    /// ISO 8601, for a `datetime` attribute.
    pub iso: String,
    /// The time as the visitor reads it.
    pub label: String,
    /// Of today: at midnight the label is due to gain its day.
    pub today: bool,
}

/// Creates the formatter now (while waiting for the network) rather than when rows need it.
pub fn warm() {
    TIME_FORMAT.with(|_| ());
}

/// The time of epoch milliseconds: hh:mm for today's messages, the day and hh:mm for older ones.
pub fn clock_time(ms: i64) -> ClockTime {
    let minute = ms.div_euclid(60_000);
    let today = day_number(js_sys::Date::now() as i64);
    let (prefix, label, of_today) = MINUTES.with(|minutes| {
        let (day, minutes) = &mut *minutes.borrow_mut();
        if *day != today || minutes.len() >= KEPT_MINUTES {
            *day = today;
            minutes.clear();
        }
        minutes
            .entry(minute)
            .or_insert_with(|| format_minute(minute * 60_000, today))
            .clone()
    });
    let within = ms.rem_euclid(60_000);
    let iso = format!("{prefix}{:02}.{:03}Z", within / 1000, within % 1000);
    ClockTime {
        iso,
        label,
        today: of_today,
    }
}

/// The ISO 8601 of the minute up to its seconds (`2026-12-02T05:15:`), its label, and whether
/// it is of today.
fn format_minute(ms: i64, today: i64) -> MinuteLabel {
    let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
    let format = |with: &js_sys::Intl::DateTimeFormat| formatted(with, &date);
    let time = TIME_FORMAT.with(format);
    let is_today = day_number(ms) == today;
    let label = if is_today {
        time
    } else {
        format!("{}, {time}", DAY_FORMAT.with(format))
    };
    let mut iso = String::from(date.to_iso_string());
    // `…:00.000Z`: the seconds and milliseconds are the message's own.
    iso.truncate(iso.len().saturating_sub("00.000Z".len()));
    (iso, label, is_today)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Native builds count days in UTC (see `local_ms`).
    #[test]
    fn midnight_is_the_start_of_the_next_day() {
        let day = 20_425 * DAY_MS;
        assert_eq!(until_midnight(day), DAY_MS);
        assert_eq!(until_midnight(day + 1), DAY_MS - 1);
        assert_eq!(until_midnight(day + DAY_MS - 1), 1);
        let noon = day + DAY_MS / 2;
        assert_eq!(
            day_number(noon + until_midnight(noon)),
            day_number(noon) + 1
        );
        assert_eq!(
            day_number(noon + until_midnight(noon) - 1),
            day_number(noon)
        );
    }
}

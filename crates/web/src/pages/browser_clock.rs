//! The browser's clock: dates and times people type are in their own time zone (daylight
//! saving included), and the API speaks UTC.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike, Utc};

/// A local date and time in the browser's time zone, as the browser reads it (daylight saving
/// included); `None` when the browser cannot place it.
pub fn browser_time(naive: NaiveDateTime) -> Option<DateTime<Utc>> {
    let part = |value: u32| i32::try_from(value).ok();
    let date = js_sys::Date::new_with_year_month_day_hr_min_sec(
        u32::try_from(naive.year()).ok()?,
        part(naive.month0())?,
        part(naive.day())?,
        part(naive.hour())?,
        part(naive.minute())?,
        part(naive.second())?,
    );
    let millis = date.get_time();
    if !millis.is_finite() {
        return None;
    }
    // Whole milliseconds since 1970, well within i64.
    DateTime::from_timestamp_millis(millis.round() as i64)
}

/// A moment as the browser's clock on the wall shows it.
pub fn browser_local(at: DateTime<Utc>) -> NaiveDateTime {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        at.timestamp_millis() as f64
    ));
    NaiveDate::from_ymd_opt(
        i32::try_from(date.get_full_year()).unwrap_or(1970),
        date.get_month() + 1,
        date.get_date(),
    )
    .and_then(|day| day.and_hms_opt(date.get_hours(), date.get_minutes(), 0))
    .unwrap_or_else(|| at.naive_utc())
}

/// Now, in the browser's time zone.
pub fn browser_now() -> NaiveDateTime {
    browser_local(DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default())
}

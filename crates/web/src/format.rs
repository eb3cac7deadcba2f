//! How values read on screen. Pure, so it is tested natively.

use chrono::{DateTime, Datelike, FixedOffset, TimeDelta, Utc};
use tessera_domain::token::TokenView;

/// A moment, to the minute, in the browser's time zone: `2025-03-04 15:05`. A browser that
/// keeps UTC reads `2025-03-04 14:05 UTC`, and so do the native tests.
pub fn timestamp(at: &DateTime<Utc>) -> String {
    timestamp_at(at, local_offset(at))
}

/// A moment, to the minute, at a given offset from UTC; UTC itself is named.
pub fn timestamp_at(at: &DateTime<Utc>, offset: FixedOffset) -> String {
    if offset.local_minus_utc() == 0 {
        at.format("%Y-%m-%d %H:%M UTC").to_string()
    } else {
        at.with_timezone(&offset)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }
}

/// The browser's offset from UTC at that moment (daylight saving included).
#[cfg(target_arch = "wasm32")]
fn local_offset(at: &DateTime<Utc>) -> FixedOffset {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        at.timestamp_millis() as f64
    ));
    // JavaScript counts minutes west of UTC; a whole number of minutes, well within i32.
    let east_seconds = -(date.get_timezone_offset().round() as i32) * 60;
    FixedOffset::east_opt(east_seconds).unwrap_or_else(utc)
}

#[cfg(not(target_arch = "wasm32"))]
fn local_offset(_at: &DateTime<Utc>) -> FixedOffset {
    utc()
}

fn utc() -> FixedOffset {
    FixedOffset::east_opt(0).unwrap_or_else(|| unreachable!("zero is a valid offset"))
}

/// The browser's clock now.
#[cfg(target_arch = "wasm32")]
pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}

/// How far a moment is from `now`, in words: "just now", "2 hours ago", "in 6 days". Beyond
/// about a month the date says it better: [`moment`] then gives the timestamp alone.
pub fn relative(at: &DateTime<Utc>, now: DateTime<Utc>) -> Option<String> {
    let delta = *at - now;
    let future = delta > TimeDelta::zero();
    let seconds = delta.num_seconds().unsigned_abs();
    let (count, unit) = match seconds {
        0..60 => return Some("just now".to_string()),
        60..3_600 => (seconds / 60, "minute"),
        3_600..86_400 => (seconds / 3_600, "hour"),
        86_400..2_678_400 => (seconds / 86_400, "day"),
        _ => return None,
    };
    let amount = if count == 1 {
        format!("1 {unit}")
    } else {
        format!("{count} {unit}s")
    };
    Some(if future {
        format!("in {amount}")
    } else {
        format!("{amount} ago")
    })
}

/// A moment with how far it is from now, when that helps: `2025-03-04 15:05 (2 hours ago)`.
pub fn moment_at(at: &DateTime<Utc>, now: DateTime<Utc>, offset: FixedOffset) -> String {
    let stamp = timestamp_at(at, offset);
    match relative(at, now) {
        Some(words) => format!("{stamp} ({words})"),
        None => stamp,
    }
}

/// [`moment_at`] in the browser's time zone, from the browser's clock.
#[cfg(target_arch = "wasm32")]
pub fn moment(at: &DateTime<Utc>) -> String {
    moment_at(at, now(), local_offset(at))
}

/// The day of a moment at a given offset from UTC: "12 Mar", with the year when it is not
/// the year of `now` there: "9 Mar 2025".
pub fn day_at(at: &DateTime<Utc>, now: DateTime<Utc>, offset: FixedOffset) -> String {
    let local = at.with_timezone(&offset);
    if local.year() == now.with_timezone(&offset).year() {
        local.format("%-d %b").to_string()
    } else {
        local.format("%-d %b %Y").to_string()
    }
}

/// [`day_at`] in the browser's time zone.
pub fn day(at: &DateTime<Utc>, now: DateTime<Utc>) -> String {
    day_at(at, now, local_offset(at))
}

/// A moment that may not have happened yet, such as a last sign-in.
pub fn maybe_timestamp(at: Option<&DateTime<Utc>>, never: &str) -> String {
    at.map(timestamp).unwrap_or_else(|| never.to_string())
}

/// Whether an API token still works.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenStatus {
    Active,
    Expired,
    Revoked,
}

impl TokenStatus {
    /// Revocation wins over expiry: it is what the owner did.
    pub fn of(token: &TokenView, now: DateTime<Utc>) -> Self {
        if token.revoked_at.is_some() {
            TokenStatus::Revoked
        } else if token.expires_at <= now {
            TokenStatus::Expired
        } else {
            TokenStatus::Active
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TokenStatus::Active => "Active",
            TokenStatus::Expired => "Expired",
            TokenStatus::Revoked => "Revoked",
        }
    }

    /// The CSS modifier of its badge.
    pub fn badge_class(self) -> &'static str {
        match self {
            TokenStatus::Active => "badge badge-success",
            TokenStatus::Expired => "badge badge-neutral",
            TokenStatus::Revoked => "badge badge-danger",
        }
    }
}

pub fn yes_no(value: bool) -> &'static str {
    if value { "Yes" } else { "No" }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use tessera_domain::token::TokenName;
    use tessera_domain::{TokenId, UserId};

    use super::*;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 4, hour, 5, 0)
            .single()
            .unwrap_or_default()
    }

    fn token(expires_at: DateTime<Utc>, revoked_at: Option<DateTime<Utc>>) -> Option<TokenView> {
        Some(TokenView {
            id: TokenId::from_uuid(Default::default()),
            owner_id: UserId::from_uuid(Default::default()),
            name: TokenName::parse("ci").ok()?,
            prefix: "tsr_ab12".into(),
            created_at: at(1),
            expires_at,
            last_used_at: None,
            revoked_at,
        })
    }

    #[test]
    fn timestamps_read_to_the_minute_in_utc() {
        assert_eq!(timestamp(&at(14)), "2025-03-04 14:05 UTC");
        assert_eq!(maybe_timestamp(None, "Never"), "Never");
    }

    fn hours(hours: i32) -> FixedOffset {
        FixedOffset::east_opt(hours * 3_600).unwrap_or_else(utc)
    }

    #[test]
    fn timestamps_read_in_the_given_time_zone_and_name_only_utc() {
        assert_eq!(timestamp_at(&at(14), hours(1)), "2025-03-04 15:05");
        assert_eq!(timestamp_at(&at(1), hours(-5)), "2025-03-03 20:05");
        assert_eq!(timestamp_at(&at(14), utc()), "2025-03-04 14:05 UTC");
    }

    #[test]
    fn relative_times_say_how_long_ago_or_how_soon() {
        let now = at(12);
        let cases = [
            (now, Some("just now")),
            (now - TimeDelta::seconds(59), Some("just now")),
            (now - TimeDelta::minutes(1), Some("1 minute ago")),
            (now + TimeDelta::minutes(5), Some("in 5 minutes")),
            (now - TimeDelta::hours(2), Some("2 hours ago")),
            (now + TimeDelta::minutes(90), Some("in 1 hour")),
            (now + TimeDelta::days(6), Some("in 6 days")),
            (now - TimeDelta::days(1), Some("1 day ago")),
            (now + TimeDelta::days(30), Some("in 30 days")),
            (now + TimeDelta::days(31), None),
            (now - TimeDelta::days(400), None),
        ];
        for (moment, expected) in cases {
            assert_eq!(
                relative(&moment, now).as_deref(),
                expected,
                "{moment} from {now}"
            );
        }
    }

    #[test]
    fn a_moment_adds_the_relative_time_when_it_is_near() {
        let now = at(12);
        assert_eq!(
            moment_at(&(now + TimeDelta::days(6)), now, hours(2)),
            "2025-03-10 14:05 (in 6 days)"
        );
        assert_eq!(
            moment_at(&(now - TimeDelta::days(90)), now, utc()),
            "2024-12-04 12:05 UTC"
        );
    }

    #[test]
    fn a_token_is_active_until_it_expires() {
        let status = token(at(12), None).map(|t| TokenStatus::of(&t, at(11)));
        assert_eq!(status, Some(TokenStatus::Active));
        let status = token(at(12), None).map(|t| TokenStatus::of(&t, at(12)));
        assert_eq!(status, Some(TokenStatus::Expired));
    }

    #[test]
    fn a_revoked_token_reads_revoked_even_after_expiry() {
        let status = token(at(12), Some(at(2))).map(|t| TokenStatus::of(&t, at(13)));
        assert_eq!(status, Some(TokenStatus::Revoked));
    }
}

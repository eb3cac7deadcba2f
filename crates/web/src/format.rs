//! How values read on screen. Pure, so it is tested natively.

use chrono::{DateTime, Utc};
use tessera_domain::token::TokenView;

/// A moment, to the minute, in UTC: `2025-03-04 14:05 UTC`.
pub fn timestamp(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
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

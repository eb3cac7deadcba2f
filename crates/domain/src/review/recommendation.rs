//! Decision helpers: what Tessera recommends to reviewers, from when the person last signed in
//! (`entra-governance.md` §1.11, "Recommendations"). Computed once, when the instance starts,
//! as in the reference product; the reviewer sees the last sign-in next to it.
//!
//! The same arithmetic decides the scope filter "inactive for N days" ([`is_inactive`]): a
//! person is inactive when neither their last sign-in nor, if they never signed in, their
//! account's creation falls within the window. So a person the filter selects is always
//! recommended for removal with the same window, and an account created within the window is
//! never called inactive (the reference excludes such "newly created users" too).

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// The look-back window when the administrator does not choose one, as in the reference.
pub const DEFAULT_LOOK_BACK_DAYS: u16 = 30;
/// The longest look-back window, the same as the longest inactivity filter (the reference's
/// bound for "days inactive").
pub const MAX_LOOK_BACK_DAYS: u16 = 730;

/// What a recommendation says to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RecommendedVerdict {
    Approve,
    Deny,
    /// Nothing to go on: accepting it is refused, and "take recommendations" keeps the access.
    NoInfo,
}

/// A recommendation and its reason. The verdict follows from the reason ([`Self::verdict`]), so
/// the two never disagree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Recommendation {
    /// Signed in within the window: approve.
    SignedInRecently { look_back_days: u16 },
    /// Never signed in, but the account was created within the window: approve. Judging a new
    /// account by its inactivity would recommend removing everyone who just joined.
    NewAccount { look_back_days: u16 },
    /// Last signed in before the window: deny.
    NoRecentSignIn { look_back_days: u16 },
    /// Never signed in, and the account is older than the window: deny.
    NeverSignedIn { look_back_days: u16 },
    /// The review has recommendations turned off.
    // `{}`: serde ignores unknown fields on unit variants of an internally tagged enum.
    Off {},
}

impl Recommendation {
    pub fn verdict(self) -> RecommendedVerdict {
        match self {
            Recommendation::SignedInRecently { .. } | Recommendation::NewAccount { .. } => {
                RecommendedVerdict::Approve
            }
            Recommendation::NoRecentSignIn { .. } | Recommendation::NeverSignedIn { .. } => {
                RecommendedVerdict::Deny
            }
            Recommendation::Off {} => RecommendedVerdict::NoInfo,
        }
    }

    /// The reason in words, for reviewers; also the justification recorded when a reviewer
    /// accepts the recommendation.
    pub fn message(self) -> String {
        match self {
            Recommendation::SignedInRecently { look_back_days } => {
                format!("signed in within the last {look_back_days} days")
            }
            Recommendation::NewAccount { look_back_days } => {
                format!("account created within the last {look_back_days} days, no sign-in yet")
            }
            Recommendation::NoRecentSignIn { look_back_days } => {
                format!("no sign-in in the last {look_back_days} days")
            }
            Recommendation::NeverSignedIn { .. } => "never signed in".into(),
            Recommendation::Off {} => "recommendations are off for this review".into(),
        }
    }
}

/// The recommendation for a person whose account was created at `created_at` and who last
/// signed in at `last_sign_in` (never, when absent), looking back `look_back_days` from `now`;
/// `None` means recommendations are off.
///
/// For a service account, which never signs in to the portal, pass the last use of any of its
/// API tokens: that is how it signs in.
pub fn recommendation(
    last_sign_in: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    look_back_days: Option<u16>,
    now: DateTime<Utc>,
) -> Recommendation {
    let Some(look_back_days) = look_back_days else {
        return Recommendation::Off {};
    };
    let since = window_start(now, look_back_days);
    match last_sign_in {
        Some(last) if last >= since => Recommendation::SignedInRecently { look_back_days },
        Some(_) => Recommendation::NoRecentSignIn { look_back_days },
        None if created_at >= since => Recommendation::NewAccount { look_back_days },
        None => Recommendation::NeverSignedIn { look_back_days },
    }
}

/// Whether a person counts as inactive for `days` at `now`: their last sign-in, or their
/// account's creation if they never signed in, lies before the window.
pub fn is_inactive(
    last_sign_in: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    days: u16,
    now: DateTime<Utc>,
) -> bool {
    last_sign_in.unwrap_or(created_at) < window_start(now, days)
}

/// Days of 24 hours, as every Tessera duration; saturates rather than panic on absurd input.
fn window_start(now: DateTime<Utc>, days: u16) -> DateTime<Utc> {
    now.checked_sub_signed(TimeDelta::days(i64::from(days)))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn recommendations_follow_the_last_sign_in() {
        let now = at("2026-06-01T12:00:00Z");
        let old = at("2025-01-01T00:00:00Z");
        let cases = [
            (
                "signed in yesterday",
                Some("2026-05-31T12:00:00Z"),
                old,
                Some(30),
                Recommendation::SignedInRecently { look_back_days: 30 },
                RecommendedVerdict::Approve,
                "signed in within the last 30 days",
            ),
            (
                "signed in exactly at the window's start still counts",
                Some("2026-05-02T12:00:00Z"),
                old,
                Some(30),
                Recommendation::SignedInRecently { look_back_days: 30 },
                RecommendedVerdict::Approve,
                "signed in within the last 30 days",
            ),
            (
                "last sign-in a second before the window",
                Some("2026-05-02T11:59:59Z"),
                old,
                Some(30),
                Recommendation::NoRecentSignIn { look_back_days: 30 },
                RecommendedVerdict::Deny,
                "no sign-in in the last 30 days",
            ),
            (
                "never signed in, old account",
                None,
                old,
                Some(30),
                Recommendation::NeverSignedIn { look_back_days: 30 },
                RecommendedVerdict::Deny,
                "never signed in",
            ),
            (
                "never signed in, account created last week",
                None,
                at("2026-05-25T00:00:00Z"),
                Some(30),
                Recommendation::NewAccount { look_back_days: 30 },
                RecommendedVerdict::Approve,
                "account created within the last 30 days, no sign-in yet",
            ),
            (
                "a longer window forgives an older sign-in",
                Some("2026-03-01T00:00:00Z"),
                old,
                Some(180),
                Recommendation::SignedInRecently {
                    look_back_days: 180,
                },
                RecommendedVerdict::Approve,
                "signed in within the last 180 days",
            ),
            (
                "recommendations off",
                None,
                old,
                None,
                Recommendation::Off {},
                RecommendedVerdict::NoInfo,
                "recommendations are off for this review",
            ),
        ];
        for (name, last, created, days, expected, verdict, message) in cases {
            let got = recommendation(last.map(at), created, days, now);
            assert_eq!(got, expected, "{name}");
            assert_eq!(got.verdict(), verdict, "{name}");
            assert_eq!(got.message(), message, "{name}");
        }
    }

    #[test]
    fn recommendations_are_tagged_on_the_wire() {
        let value =
            serde_json::to_value(Recommendation::NoRecentSignIn { look_back_days: 30 }).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"type": "no_recent_sign_in", "look_back_days": 30})
        );
        assert!(
            serde_json::from_value::<Recommendation>(serde_json::json!({"type": "off", "x": 1}))
                .is_err()
        );
    }

    proptest! {
        /// With recommendations on, removal is recommended exactly for the people the
        /// "inactive for N days" filter selects with the same window.
        #[test]
        fn deny_is_recommended_exactly_for_inactive_people(
            last in proptest::option::of(0i64..2000),
            created in 0i64..2000,
            days in 1u16..=MAX_LOOK_BACK_DAYS,
        ) {
            let now = at("2026-06-01T00:00:00Z");
            let ago = |hours: i64| now - TimeDelta::hours(hours * 12);
            let got = recommendation(last.map(ago), ago(created), Some(days), now);
            prop_assert_eq!(
                got.verdict() == RecommendedVerdict::Deny,
                is_inactive(last.map(ago), ago(created), days, now)
            );
            prop_assert!(got.verdict() != RecommendedVerdict::NoInfo);
        }
    }
}

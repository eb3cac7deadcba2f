//! Assignments: one person holding one access package under one of its policies, from a start
//! to an end (or for good).
//!
//! An assignment is `scheduled` until it starts, `delivered` while it grants the package's
//! resource roles, and then `expired` (its end passed) or `removed` (someone took it away).
//! Tessera's own directory receives the roles in the same transaction as the assignment, so
//! there is no separate "delivering" step and delivery cannot half-succeed.
//!
//! [`schedule`] decides when a new assignment starts and ends from what was asked and what the
//! policy allows; requests and direct assignments share it.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::policy::{AnswerInput, ValidPolicy};
use crate::problem::FieldError;
use crate::values::ValueError;
use crate::{AccessPackageId, AssignmentId, CatalogId, GroupId, PolicyId, UserId};

/// How far in the past a requested start may lie and still mean "now": clocks of browsers and
/// scripts drift, and a form filled in slowly should not be refused for it.
pub const START_TOLERANCE: TimeDelta = TimeDelta::minutes(10);

/// The latest start that can be asked for, counted from now: about five years.
pub const MAX_START_AHEAD: TimeDelta = TimeDelta::days(5 * 366);

/// Where an assignment is in its life.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AssignmentState {
    /// Starts later; grants nothing yet.
    Scheduled,
    /// Active: the person holds the package's resource roles.
    Delivered,
    /// Its end date passed.
    Expired,
    /// Taken away before its end, by an administrator, the person, or a review.
    Removed,
}

impl AssignmentState {
    pub const ALL: [AssignmentState; 4] = crate::variants::all();

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(raw: &str) -> Option<AssignmentState> {
        raw.parse().ok()
    }

    /// Scheduled or delivered: the person has, or will have, the access. At most one active
    /// assignment exists per person and package.
    pub fn is_active(self) -> bool {
        match self {
            AssignmentState::Scheduled | AssignmentState::Delivered => true,
            AssignmentState::Expired | AssignmentState::Removed => false,
        }
    }
}

/// Why someone gives, keeps or ends access: 1 to 2,000 characters once trimmed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "server", schema(value_type = String))]
#[serde(try_from = "String", into = "String")]
pub struct Justification(String);

impl Justification {
    pub const MAX_LEN: usize = 2000;

    pub fn parse(raw: impl Into<String>) -> Result<Self, ValueError> {
        let raw: String = raw.into();
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(ValueError("must not be blank".into()));
        }
        if trimmed.chars().count() > Self::MAX_LEN {
            return Err(ValueError(format!(
                "must be at most {} characters",
                Self::MAX_LEN
            )));
        }
        Ok(Justification(trimmed.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Justification {
    type Error = ValueError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Justification::parse(value)
    }
}

impl From<Justification> for String {
    fn from(value: Justification) -> String {
        value.0
    }
}

impl std::fmt::Display for Justification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// When an assignment runs, once [`schedule`] accepted it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
}

impl Schedule {
    /// Whether the assignment starts later than `now` (scheduled) or at once (delivered).
    pub fn state_at(&self, now: DateTime<Utc>) -> AssignmentState {
        if self.starts_at > now {
            AssignmentState::Scheduled
        } else {
            AssignmentState::Delivered
        }
    }
}

/// Decides when an assignment under `policy` starts and ends.
///
/// The start is `starts_at`, or now. A start up to [`START_TOLERANCE`] in the past is taken as
/// now; earlier is refused, as is one more than [`MAX_START_AHEAD`] away. The end is `ends_at`,
/// or the policy's expiry counted from the start. An end must follow the start and must not be
/// later than the policy's expiry allows. Problems are reported under `starts_at` and `ends_at`.
pub fn schedule(
    policy: &ValidPolicy,
    starts_at: Option<DateTime<Utc>>,
    ends_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Schedule, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut error = |field: &str, message: String| {
        errors.push(FieldError {
            field: field.into(),
            message,
        })
    };
    let start = match starts_at {
        None => now,
        Some(at) if at < now - START_TOLERANCE => {
            error("starts_at", "must not be in the past".into());
            now
        }
        Some(at) if at > now + MAX_START_AHEAD => {
            error("starts_at", "must be within five years from now".into());
            now
        }
        Some(at) => at.max(now),
    };
    let limit = policy.lifecycle().expiry().end_for(start);
    let end = match (ends_at, limit) {
        (None, limit) => limit,
        (Some(end), _) if end <= start => {
            error("ends_at", "must be after the start".into());
            None
        }
        (Some(end), Some(limit)) if end > limit => {
            error(
                "ends_at",
                format!(
                    "must not be later than {} (the policy's expiry)",
                    limit.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                ),
            );
            None
        }
        (Some(end), _) => Some(end),
    };
    if let Some(limit) = limit
        && limit <= start
        && ends_at.is_none()
    {
        error(
            "starts_at",
            "the policy's expiry date is not after this start; access could not begin".into(),
        );
    }
    if errors.is_empty() {
        Ok(Schedule {
            starts_at: start,
            ends_at: end,
        })
    } else {
        Err(errors)
    }
}

/// When an extended assignment ends. An extension adds the policy's duration to what is left:
/// counted from the current end (or from `now`, if that passed). An end the requester asked
/// for (`asked_end`, already checked against the policy) takes the place of the policy's.
/// Either way the end never moves earlier than `current_end`.
pub fn extended_end(
    policy: &ValidPolicy,
    current_end: Option<DateTime<Utc>>,
    asked_end: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let base = current_end.map_or(now, |end| end.max(now));
    let policy_end = policy.lifecycle().expiry().end_for(base);
    asked_end.or(policy_end).max(current_end)
}

/// Input of `POST /api/v1/access-packages/{id}/assignments`: an administrator or assignment
/// manager gives a person the package under one of its policies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewAssignment {
    /// The policy of the package the assignment follows: its scope, dates and questions.
    pub policy_id: PolicyId,
    /// The person who gets the access.
    pub user_id: UserId,
    /// When the access starts (RFC 3339); now when absent. A later start schedules it.
    #[serde(default)]
    pub starts_at: Option<DateTime<Utc>>,
    /// When the access ends (RFC 3339); by the policy's expiry when absent, and never later.
    #[serde(default)]
    pub ends_at: Option<DateTime<Utc>>,
    /// Why the person gets the access.
    #[serde(default)]
    pub justification: Option<Justification>,
    /// Answers to the policy's questions on the person's behalf.
    #[serde(default)]
    pub answers: Vec<AnswerInput>,
}

/// Input of `POST /api/v1/assignments/{id}/remove`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RemoveAssignment {
    /// Why the access is taken away; recorded in the audit trail.
    #[serde(default)]
    pub justification: Option<Justification>,
}

/// A person as lists show them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PersonSummary {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    /// Whether the person is a guest from outside the organisation (`user_type` `guest`).
    pub guest: bool,
}

/// One assignment as read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AssignmentView {
    pub id: AssignmentId,
    pub access_package_id: AccessPackageId,
    pub access_package_name: String,
    pub catalog_id: CatalogId,
    /// The policy it was given under; absent once that policy is deleted.
    pub policy_id: Option<PolicyId>,
    /// The policy's name when the assignment was made.
    pub policy_name: String,
    pub user: PersonSummary,
    pub state: AssignmentState,
    pub starts_at: DateTime<Utc>,
    /// Absent when the access does not expire.
    pub ends_at: Option<DateTime<Utc>>,
    pub justification: Option<String>,
    /// The answers given with it, with the questions as they were asked.
    #[cfg_attr(feature = "server", schema(value_type = Vec<crate::policy::Answer>))]
    pub answers: Vec<crate::policy::Answer>,
    /// Who made it; absent once that account is deleted.
    pub assigned_by: Option<PersonSummary>,
    pub created_at: DateTime<Utc>,
    /// When it expired or was removed.
    pub ended_at: Option<DateTime<Utc>>,
    /// Who removed it; absent when it expired or the system ended it.
    pub ended_by: Option<PersonSummary>,
}

/// The filters of the assignment list and its CSV export.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "server", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct AssignmentQuery {
    /// Items per page, 1 to 200 (default 50).
    #[cfg_attr(feature = "server", param(minimum = 1, maximum = 200))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page.
    #[cfg_attr(feature = "server", param(max_length = 512))]
    pub cursor: Option<String>,
    /// Only assignments of packages in this catalog. Callers who are not administrators must
    /// name a catalog or a package where they manage assignments.
    #[cfg_attr(feature = "server", param(value_type = Option<String>, format = Uuid))]
    pub catalog_id: Option<CatalogId>,
    /// Only assignments of this package.
    #[cfg_attr(feature = "server", param(value_type = Option<String>, format = Uuid))]
    pub access_package_id: Option<AccessPackageId>,
    /// Only this person's assignments.
    #[cfg_attr(feature = "server", param(value_type = Option<String>, format = Uuid))]
    pub user_id: Option<UserId>,
    /// Only assignments in this state; `active` means scheduled or delivered.
    #[cfg_attr(feature = "server", param(inline))]
    pub state: Option<StateFilter>,
    /// Only assignments under this policy.
    #[cfg_attr(feature = "server", param(value_type = Option<String>, format = Uuid))]
    pub policy_id: Option<PolicyId>,
    /// Only assignments that end at or after this instant (RFC 3339); those without an end
    /// are left out.
    pub ends_after: Option<DateTime<Utc>>,
    /// Only assignments that end before this instant (RFC 3339); those without an end are
    /// left out.
    pub ends_before: Option<DateTime<Utc>>,
}

/// The query of the assignment CSV export: the filters of [`AssignmentQuery`], without paging.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "server", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct AssignmentExportQuery {
    /// Only assignments of packages in this catalog. Callers who are not administrators must
    /// name a catalog or a package where they manage assignments.
    #[cfg_attr(feature = "server", param(value_type = Option<String>, format = Uuid))]
    pub catalog_id: Option<CatalogId>,
    /// Only assignments of this package.
    #[cfg_attr(feature = "server", param(value_type = Option<String>, format = Uuid))]
    pub access_package_id: Option<AccessPackageId>,
    /// Only this person's assignments.
    #[cfg_attr(feature = "server", param(value_type = Option<String>, format = Uuid))]
    pub user_id: Option<UserId>,
    /// Only assignments in this state; `active` means scheduled or delivered.
    #[cfg_attr(feature = "server", param(inline))]
    pub state: Option<StateFilter>,
    /// Only assignments under this policy.
    #[cfg_attr(feature = "server", param(value_type = Option<String>, format = Uuid))]
    pub policy_id: Option<PolicyId>,
    /// Only assignments that end at or after this instant (RFC 3339); those without an end
    /// are left out.
    pub ends_after: Option<DateTime<Utc>>,
    /// Only assignments that end before this instant (RFC 3339); those without an end are
    /// left out.
    pub ends_before: Option<DateTime<Utc>>,
}

impl From<AssignmentExportQuery> for AssignmentQuery {
    fn from(query: AssignmentExportQuery) -> AssignmentQuery {
        AssignmentQuery {
            limit: None,
            cursor: None,
            catalog_id: query.catalog_id,
            access_package_id: query.access_package_id,
            user_id: query.user_id,
            state: query.state,
            policy_id: query.policy_id,
            ends_after: query.ends_after,
            ends_before: query.ends_before,
        }
    }
}

/// A state, or `active` for scheduled and delivered together.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StateFilter {
    Active,
    Scheduled,
    Delivered,
    Expired,
    Removed,
}

impl StateFilter {
    /// The states the filter lets through.
    pub fn states(self) -> &'static [AssignmentState] {
        match self {
            StateFilter::Active => &[AssignmentState::Scheduled, AssignmentState::Delivered],
            StateFilter::Scheduled => &[AssignmentState::Scheduled],
            StateFilter::Delivered => &[AssignmentState::Delivered],
            StateFilter::Expired => &[AssignmentState::Expired],
            StateFilter::Removed => &[AssignmentState::Removed],
        }
    }
}

/// One page of assignments, newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AssignmentPage {
    pub items: Vec<AssignmentView>,
    /// The `cursor` of the next page; null on the last page.
    #[cfg_attr(feature = "server", schema(required = true))]
    pub next_cursor: Option<String>,
}

/// What an assignment conflicts with under separation of duties.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConflictingAccess {
    /// An active assignment of a package this one is incompatible with.
    AccessPackage {
        access_package_id: AccessPackageId,
        name: String,
        assignment_id: AssignmentId,
    },
    /// Membership of a group this package is incompatible with.
    Group { group_id: GroupId, name: String },
}

/// One person who holds a package and access it is incompatible with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ConflictView {
    pub user: PersonSummary,
    /// Their active assignment of the package the report is about.
    pub assignment_id: AssignmentId,
    pub conflicting: ConflictingAccess,
}

/// The query of reprocessing an assignment or a package.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "server", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct ReprocessQuery {
    /// Only report the difference; change nothing and audit nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// One directory row that reprocessing put back or took away: a person's membership or
/// ownership of a group, or their application role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ReprocessChange {
    pub user: PersonSummary,
    /// `group_member`, `group_owner` or `app_role`.
    pub kind: crate::package::ResourceRoleKind,
    /// The group, for `group_member` and `group_owner`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<GroupId>,
    /// The application role, for `app_role`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_role_id: Option<crate::AppRoleId>,
    /// The group's name, or the application's and the role's (`Wiki / Editor`).
    pub resource_name: String,
}

/// What reprocessing found: the rows the delivered assignments call for that the directory
/// lacked (`added`, put back), and the rows assignments granted whose assignment has ended and
/// nothing else grants (`removed`, taken away). With `dry_run`, nothing was changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ReprocessReport {
    pub dry_run: bool,
    /// By username, then resource.
    pub added: Vec<ReprocessChange>,
    /// By username, then resource.
    pub removed: Vec<ReprocessChange>,
}

impl ReprocessReport {
    /// Whether the directory already said what the assignments say.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::policy::{self, PolicyDefinition};

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn policy_with_expiry(expiry: serde_json::Value) -> ValidPolicy {
        let definition: PolicyDefinition = serde_json::from_value(serde_json::json!({
            "name": "p",
            "who_can_request": {"type": "nobody"},
            "approval": {"type": "none"},
            "lifecycle": {"expiry": expiry},
        }))
        .unwrap();
        policy::validate(&definition).unwrap()
    }

    const NOW: &str = "2026-06-01T12:00:00Z";

    #[test]
    fn an_extension_adds_the_policy_duration_to_what_is_left() {
        let policy = policy_with_expiry(serde_json::json!({"type": "after_days", "days": 30}));
        let end = at("2026-06-10T12:00:00Z");
        assert_eq!(
            extended_end(&policy, Some(end), None, at(NOW)),
            Some(at("2026-07-10T12:00:00Z"))
        );
    }

    #[test]
    fn an_extension_of_access_past_its_end_counts_from_now() {
        let policy = policy_with_expiry(serde_json::json!({"type": "after_days", "days": 1}));
        let end = at("2026-05-01T00:00:00Z");
        assert_eq!(
            extended_end(&policy, Some(end), None, at(NOW)),
            Some(at("2026-06-02T12:00:00Z"))
        );
    }

    #[test]
    fn an_asked_end_replaces_the_policy_end_but_never_moves_the_end_earlier() {
        let policy = policy_with_expiry(serde_json::json!({"type": "after_days", "days": 30}));
        let end = at("2026-06-10T12:00:00Z");
        let later = at("2026-06-20T00:00:00Z");
        assert_eq!(
            extended_end(&policy, Some(end), Some(later), at(NOW)),
            Some(later)
        );
        let earlier = at("2026-06-05T00:00:00Z");
        assert_eq!(
            extended_end(&policy, Some(end), Some(earlier), at(NOW)),
            Some(end)
        );
    }

    #[test]
    fn an_extension_under_a_policy_without_expiry_keeps_the_current_end() {
        let policy = policy_with_expiry(serde_json::json!({"type": "never"}));
        let end = at("2026-06-10T12:00:00Z");
        assert_eq!(extended_end(&policy, Some(end), None, at(NOW)), Some(end));
    }

    #[test]
    fn the_policy_expiry_decides_the_end_when_none_is_asked_for() {
        let now = at(NOW);
        let cases = [
            (serde_json::json!({"type": "never"}), None),
            (
                serde_json::json!({"type": "after_days", "days": 30}),
                Some(at("2026-07-01T12:00:00Z")),
            ),
            (
                serde_json::json!({"type": "after_hours", "hours": 8}),
                Some(at("2026-06-01T20:00:00Z")),
            ),
            (
                serde_json::json!({"type": "on_date", "at": "2026-12-31T00:00:00Z"}),
                Some(at("2026-12-31T00:00:00Z")),
            ),
        ];
        for (expiry, end) in cases {
            let policy = policy_with_expiry(expiry.clone());
            let got = schedule(&policy, None, None, now).unwrap();
            assert_eq!(got.starts_at, now, "{expiry}");
            assert_eq!(got.ends_at, end, "{expiry}");
            assert_eq!(got.state_at(now), AssignmentState::Delivered);
        }
    }

    #[test]
    fn a_later_start_is_scheduled_and_the_expiry_counts_from_it() {
        let policy = policy_with_expiry(serde_json::json!({"type": "after_days", "days": 1}));
        let start = at("2026-06-10T00:00:00Z");
        let got = schedule(&policy, Some(start), None, at(NOW)).unwrap();
        assert_eq!(got.starts_at, start);
        assert_eq!(got.ends_at, Some(at("2026-06-11T00:00:00Z")));
        assert_eq!(got.state_at(at(NOW)), AssignmentState::Scheduled);
    }

    #[test]
    fn a_start_a_little_in_the_past_means_now() {
        let policy = policy_with_expiry(serde_json::json!({"type": "never"}));
        let got = schedule(&policy, Some(at("2026-06-01T11:55:00Z")), None, at(NOW)).unwrap();
        assert_eq!(got.starts_at, at(NOW));
    }

    #[test]
    fn bad_dates_are_refused_at_their_field() {
        let policy = policy_with_expiry(serde_json::json!({"type": "after_days", "days": 30}));
        let cases = [
            (Some("2026-05-01T00:00:00Z"), None, "starts_at"),
            (Some("2032-01-01T00:00:00Z"), None, "starts_at"),
            (None, Some("2026-06-01T11:00:00Z"), "ends_at"),
            (None, Some("2026-07-02T00:00:00Z"), "ends_at"),
            (
                Some("2026-06-05T00:00:00Z"),
                Some("2026-06-04T00:00:00Z"),
                "ends_at",
            ),
        ];
        for (start, end, field) in cases {
            let errors = schedule(&policy, start.map(at), end.map(at), at(NOW)).unwrap_err();
            assert_eq!(errors.len(), 1, "{start:?} {end:?}: {errors:?}");
            assert_eq!(errors[0].field, field, "{start:?} {end:?}");
        }
    }

    #[test]
    fn an_end_within_the_expiry_is_kept() {
        let policy = policy_with_expiry(serde_json::json!({"type": "after_days", "days": 30}));
        let end = at("2026-06-15T00:00:00Z");
        let got = schedule(&policy, None, Some(end), at(NOW)).unwrap();
        assert_eq!(got.ends_at, Some(end));
    }

    #[test]
    fn a_fixed_expiry_before_the_start_cannot_be_granted() {
        let policy = policy_with_expiry(
            serde_json::json!({"type": "on_date", "at": "2026-06-05T00:00:00Z"}),
        );
        let errors =
            schedule(&policy, Some(at("2026-06-10T00:00:00Z")), None, at(NOW)).unwrap_err();
        assert_eq!(errors[0].field, "starts_at");
    }

    #[test]
    fn states_round_trip_and_only_two_are_active() {
        for state in AssignmentState::ALL {
            assert_eq!(AssignmentState::parse(state.as_str()), Some(state));
        }
        let active: Vec<_> = AssignmentState::ALL
            .into_iter()
            .filter(|s| s.is_active())
            .collect();
        assert_eq!(active, StateFilter::Active.states());
    }

    #[test]
    fn justification_is_trimmed_and_bounded() {
        assert_eq!(Justification::parse("  why  ").unwrap().as_str(), "why");
        assert!(Justification::parse("   ").is_err());
        assert!(Justification::parse("x".repeat(2001)).is_err());
        assert!(Justification::parse("x".repeat(2000)).is_ok());
    }
}

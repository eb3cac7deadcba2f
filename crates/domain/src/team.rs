//! The wire types of "My team": a manager's direct reports, each with the access they hold,
//! their open requests, and the access reviews about them waiting for the manager's decision.
//!
//! Managers act for their reports the way the reference product's "Manage team" does: they
//! ask for access with an ordinary request for the report (`target_user_id`), and they remove
//! access with a removal request for the report, which a policy allows only when it lets
//! managers request for their direct reports and lets people remove their own access. A
//! removal needs no approval, like any removal, and is audited as the manager's request.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::assignment::{AssignmentState, PersonSummary};
use crate::policy::ValidPolicy;
use crate::request::{RequestKind, RequestState};
use crate::{
    AccessPackageId, AssignmentId, CatalogId, PolicyId, RequestId, ReviewInstanceId, ReviewItemId,
};

/// The most reports one page of `GET /api/v1/me/team` holds.
pub const MAX_TEAM_PAGE: u32 = 50;
/// The reports a page holds when the query names no limit.
pub const DEFAULT_TEAM_PAGE: u32 = 20;

/// Whether a manager may remove a direct report's access given under `policy`: the policy
/// lets managers request for their direct reports, and lets people remove their own access.
/// The same rule refuses the removal request itself ([`crate::request::Request::new`]).
pub fn manager_may_remove(policy: &ValidPolicy) -> bool {
    policy.requester().on_behalf_of_direct_reports() && policy.lifecycle().self_removal_allowed()
}

/// One page of the caller's direct reports, by name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TeamPage {
    pub items: Vec<TeamMember>,
    /// The `cursor` of the next page; null on the last page.
    #[cfg_attr(feature = "server", schema(required = true))]
    pub next_cursor: Option<String>,
}

/// One direct report and what they have, ask for and are reviewed on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TeamMember {
    pub person: PersonSummary,
    /// Their e-mail address.
    pub email: String,
    /// Their active access (delivered, or scheduled to start), by package name.
    pub access: Vec<TeamAccess>,
    /// Their requests not yet final, newest first, whoever made them.
    pub requests: Vec<TeamRequest>,
    /// Access reviews of their access waiting for the caller's decision.
    pub reviews: Vec<TeamReview>,
}

/// One active assignment of a report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TeamAccess {
    pub assignment_id: AssignmentId,
    pub access_package_id: AccessPackageId,
    pub access_package_name: String,
    pub catalog_id: CatalogId,
    pub catalog_name: String,
    /// The policy it was given under; absent once that policy is deleted.
    pub policy_id: Option<PolicyId>,
    pub state: AssignmentState,
    /// When it started, or starts.
    pub starts_at: DateTime<Utc>,
    /// Absent when the access does not expire.
    pub ends_at: Option<DateTime<Utc>>,
    /// Whether the caller may remove it for the report (`POST /api/v1/requests` with `ask`
    /// `remove` and `target_user_id`): its policy lets managers request for their direct
    /// reports and lets people remove their own access.
    pub manager_may_remove: bool,
}

/// One open request for a report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TeamRequest {
    pub id: RequestId,
    pub access_package_id: AccessPackageId,
    pub access_package_name: String,
    pub kind: RequestKind,
    pub state: RequestState,
    /// The approval stage waiting for a decision (the first is 1), while pending approval.
    pub stage: Option<usize>,
    /// How many approval stages the request has.
    pub stages: usize,
    /// When the current stage must be decided by, while pending approval.
    pub decide_by: Option<DateTime<Utc>>,
    pub submitted_at: DateTime<Utc>,
    /// Whether the caller made it.
    pub requested_by_you: bool,
    /// Whether the caller may open it (`GET /api/v1/requests/{id}`): they made it, were asked
    /// to approve it, administer the requests of its catalog (an assignment manager or owner
    /// there), or are an administrator.
    pub you_may_open: bool,
}

/// An access review item about a report that waits for the caller's decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TeamReview {
    pub item_id: ReviewItemId,
    pub instance_id: ReviewInstanceId,
    /// The review's name.
    pub review_name: String,
    /// The access reviewed, by name.
    pub access_name: String,
}

/// The query of `GET /api/v1/me/team`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "server", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct TeamQuery {
    /// Reports per page, 1 to 50 (default 20).
    #[cfg_attr(feature = "server", param(minimum = 1, maximum = 50))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page.
    #[cfg_attr(feature = "server", param(max_length = 512))]
    pub cursor: Option<String>,
}

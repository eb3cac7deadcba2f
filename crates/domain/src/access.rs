//! The wire types of "My Access": finding packages, asking for them, following requests,
//! deciding approvals, and the overview of what needs someone's attention.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::assignment::{AssignmentView, Justification, PersonSummary};
use crate::policy::{
    AnswerInput, ExtensionMode, ExtensionOutcome, ExtensionStage, PolicyDefinition,
};
use crate::request::{RequestKind, RequestState, Verdict};
use crate::{AccessPackageId, AssignmentId, CatalogId, PolicyId, RequestId, UserId};

/// A package someone may look at in the portal, with its resources by name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PackageCard {
    pub id: AccessPackageId,
    pub catalog_id: CatalogId,
    pub catalog_name: String,
    pub name: String,
    pub description: String,
    /// "Member of Finance", "Owner of Finance", "Ledger: Clerk", in name order.
    pub resources: Vec<String>,
    /// What the caller already has of the package: null when nothing.
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(required = true))]
    pub holding: Option<Holding>,
}

/// What someone already has of a package: the access itself, or an open request for it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Holding {
    /// They hold it (or will, from a scheduled start); `ends_at` is null when it does not end.
    Held {
        assignment_id: AssignmentId,
        ends_at: Option<DateTime<Utc>>,
    },
    /// A request of theirs to get it is still open.
    Pending { request_id: RequestId },
}

/// One page of packages, by name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PackageCardPage {
    pub items: Vec<PackageCard>,
    /// The `cursor` of the next page; null on the last page.
    #[cfg_attr(feature = "server", schema(required = true))]
    pub next_cursor: Option<String>,
}

/// The query of `GET /api/v1/me/available-packages`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "server", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct AvailableQuery {
    /// Items per page, 1 to 200 (default 50).
    #[cfg_attr(feature = "server", param(minimum = 1, maximum = 200))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page.
    #[cfg_attr(feature = "server", param(max_length = 512))]
    pub cursor: Option<String>,
    /// Only packages whose name, description or resource names contain this, ignoring case.
    #[cfg_attr(feature = "server", param(max_length = 100))]
    pub q: Option<String>,
    /// Only the packages of this catalog.
    #[cfg_attr(feature = "server", param(value_type = Option<String>, format = Uuid))]
    pub catalog_id: Option<CatalogId>,
    /// One of the caller's direct reports to list for, instead of the caller: what the caller
    /// may request for them, marked with what they hold and have pending.
    #[serde(rename = "for")]
    #[cfg_attr(feature = "server", param(value_type = Option<String>, format = Uuid))]
    pub for_user: Option<UserId>,
}

/// The query of `GET /api/v1/me/available-catalogs`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "server", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct AvailableCatalogsQuery {
    /// Count only the packages whose name, description or resource names contain this.
    #[cfg_attr(feature = "server", param(max_length = 100))]
    pub q: Option<String>,
    /// One of the caller's direct reports to count for, instead of the caller.
    #[serde(rename = "for")]
    #[cfg_attr(feature = "server", param(value_type = Option<String>, format = Uuid))]
    pub for_user: Option<UserId>,
}

/// A catalog with how many of its packages the caller may request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CatalogCount {
    pub catalog_id: CatalogId,
    pub catalog_name: String,
    pub count: u64,
}

/// `GET /api/v1/me/available-catalogs`: the catalogs of the packages the caller may request,
/// by name, each with its count. Catalogs with none are left out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AvailableCatalogs {
    pub items: Vec<CatalogCount>,
}

/// Why a package is suggested to someone. People counted are enabled, and never the person
/// the suggestion is for; someone may be counted under more than one relation (a colleague of
/// the same department who also shares their manager).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum SuggestionReason {
    /// `count` other people of their department hold it.
    SameDepartment { department: String, count: u64 },
    /// `count` other people with their manager hold it.
    SameManager { count: u64 },
    /// `count` of their direct reports hold it.
    DirectReports { count: u64 },
    /// They held it themselves before: `count` assignments of theirs ended, the last at
    /// `until`.
    HeldBefore { until: DateTime<Utc>, count: u64 },
}

/// A package someone may request and is likely to need, with why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Suggestion {
    pub package: PackageCard,
    /// At least one reason, people like them first.
    pub reasons: Vec<SuggestionReason>,
}

/// Most suggestions one answer holds, and how many it holds unless `limit` says otherwise.
pub const MAX_SUGGESTIONS: u32 = 50;
pub const DEFAULT_SUGGESTIONS: u32 = 20;

/// The query of `GET /api/v1/me/suggested-packages`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "server", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct SuggestedQuery {
    /// How many suggestions, 1 to 50 (default 20): the strongest ones. There is no next page.
    #[cfg_attr(feature = "server", param(minimum = 1, maximum = 50))]
    pub limit: Option<u32>,
}

/// `GET /api/v1/me/suggested-packages`: those held by the most people related to the caller
/// (counted once each, whatever the relation) first, then those they held most recently,
/// then by name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct SuggestedPackages {
    pub items: Vec<Suggestion>,
}

/// Why someone cannot ask for a package now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Blocker {
    /// No enabled policy of the package lets them request it.
    NotInScope,
    /// They hold it already (or will, from a scheduled start).
    AlreadyAssigned { assignment_id: AssignmentId },
    /// A request of theirs for it is still open.
    PendingRequest { request_id: RequestId },
    /// Separation of duties: they hold access the package is incompatible with.
    Conflict { conflicting: Vec<String> },
    /// The package's catalog is disabled.
    CatalogDisabled,
}

/// A policy as a requester sees it: what it asks and allows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RequestablePolicy {
    pub id: PolicyId,
    /// The policy's name, description, questions, approval stages and lifecycle.
    pub definition: PolicyDefinition,
    pub requires_approval: bool,
}

/// `GET /api/v1/access-packages/{id}/request-options`: whether the caller can ask for the
/// package (for themselves, or for `for` when given), and under which policies.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RequestOptions {
    pub package: PackageCard,
    pub can_request: bool,
    /// Why not, when `can_request` is false; empty otherwise.
    pub blockers: Vec<Blocker>,
    /// The policies they may request through (even when a blocker stands in the way now).
    pub policies: Vec<RequestablePolicy>,
}

/// The query of `GET /api/v1/access-packages/{id}/request-options`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "server", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct RequestOptionsQuery {
    /// A direct report to ask for, instead of oneself.
    #[cfg_attr(feature = "server", param(value_type = Option<String>, format = Uuid))]
    pub target_user_id: Option<UserId>,
}

/// What a person asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Ask {
    /// To get the package.
    Add,
    /// To keep it longer.
    Extend,
    /// To give it up.
    Remove,
}

/// Input of `POST /api/v1/requests`. Send an `Idempotency-Key` header to make retries safe.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewRequestInput {
    pub access_package_id: AccessPackageId,
    /// The policy to request under. For `extend` and `remove`, the assignment's own policy
    /// is used and this may be left out.
    #[serde(default)]
    pub policy_id: Option<PolicyId>,
    pub ask: Ask,
    /// Who the access is for: a direct report of the caller. Leave out to ask for oneself.
    #[serde(default)]
    pub target_user_id: Option<UserId>,
    #[serde(default)]
    pub justification: Option<Justification>,
    #[serde(default)]
    pub answers: Vec<AnswerInput>,
    /// When access should start, where the policy lets requesters choose dates.
    #[serde(default)]
    pub starts_at: Option<DateTime<Utc>>,
    /// When access should end, where the policy lets requesters choose dates.
    #[serde(default)]
    pub ends_at: Option<DateTime<Utc>>,
}

/// One approval stage as people see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct StageView {
    /// The stage's number; the first is 1, as everywhere in the API.
    pub number: usize,
    pub started_at: Option<DateTime<Utc>>,
    pub deadline_at: Option<DateTime<Utc>>,
    pub approvers: Vec<PersonSummary>,
    pub used_fallback: bool,
    pub escalated_at: Option<DateTime<Utc>>,
    pub escalation_approvers: Vec<PersonSummary>,
    pub approver_justification_required: bool,
    pub decision: Option<DecisionView>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct DecisionView {
    pub by: PersonSummary,
    pub verdict: Verdict,
    pub justification: Option<String>,
    pub at: DateTime<Utc>,
}

/// One entry of a request's timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    /// Such as `submitted`, `stage_started`, `approved`, `denied`, `escalated`, `timed_out`,
    /// `canceled`, `delivered`, `delivery_failed`.
    pub event: String,
    /// What happened, in words.
    pub summary: String,
}

/// A request as its requester, target, approvers and managers see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RequestView {
    pub id: RequestId,
    pub access_package_id: AccessPackageId,
    pub access_package_name: String,
    pub policy_id: Option<PolicyId>,
    pub policy_name: String,
    pub kind: RequestKind,
    pub state: RequestState,
    pub requester: PersonSummary,
    pub target: PersonSummary,
    pub justification: Option<String>,
    #[cfg_attr(feature = "server", schema(value_type = Vec<crate::policy::Answer>))]
    pub answers: Vec<crate::policy::Answer>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub submitted_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Why it was refused or failed, when it was.
    pub outcome: Option<String>,
    pub stages: Vec<StageView>,
    /// The assignment it created, extended or removed, once delivered.
    pub assignment_id: Option<AssignmentId>,
    pub timeline: Vec<TimelineEntry>,
    /// The custom extension the request waits for, while its state is `waiting`.
    #[serde(default)]
    pub waiting_for: Option<WaitingFor>,
    /// The custom extension calls made for the request, oldest first.
    #[serde(default)]
    pub extension_calls: Vec<ExtensionCallView>,
    /// Who canceled the request, when and why, once it is canceled.
    #[serde(default)]
    pub cancellation: Option<CancellationView>,
}

/// Who canceled a request, when, and the reason they gave.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CancellationView {
    pub by: PersonSummary,
    /// Whether they canceled as an administrator (or an assignment manager of the catalog)
    /// rather than as the requester or the person the access was for.
    pub as_administrator: bool,
    pub at: DateTime<Utc>,
    /// Null when they gave none (and for requests canceled before reasons were kept with the
    /// request: those are in the audit trail only).
    pub reason: Option<String>,
}

/// The custom extension a waiting request waits for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct WaitingFor {
    /// The extension's name in the policy.
    pub extension: String,
    pub stage: ExtensionStage,
    pub since: DateTime<Utc>,
    /// When the wait times out and the policy's timeout outcome applies.
    pub until: DateTime<Utc>,
    pub timeout_outcome: ExtensionOutcome,
}

/// One custom extension call of a request, and how it went.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ExtensionCallView {
    #[cfg_attr(feature = "server", schema(value_type = String, format = Uuid))]
    pub id: uuid::Uuid,
    pub extension: String,
    pub stage: ExtensionStage,
    pub mode: ExtensionMode,
    /// `pending` (not yet accepted by the endpoint; retried), `sent` (launch and continue:
    /// done), `waiting` (launch and wait: accepted, no answer yet), `resumed` (answered),
    /// `timed_out` (no answer in time), `failed` (given up after the last retry), `closed`
    /// (launch and wait: the request was closed first; not sent any more, no answer taken).
    pub state: String,
    pub attempts: u32,
    /// The endpoint's last HTTP status, if it answered.
    pub last_status: Option<u16>,
    /// What went wrong in the last failed attempt.
    pub last_error: Option<String>,
    /// When the next attempt is due, while `pending`.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub sent_at: Option<DateTime<Utc>>,
    /// Launch and wait: when the wait times out.
    pub wait_until: Option<DateTime<Utc>>,
    /// The extension's answer, once it gave one.
    pub answer: Option<ExtensionOutcome>,
    pub answer_message: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// One page of requests, newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RequestPage {
    pub items: Vec<RequestView>,
    /// The `cursor` of the next page; null on the last page.
    #[cfg_attr(feature = "server", schema(required = true))]
    pub next_cursor: Option<String>,
}

/// Input of `POST /api/v1/requests/{id}/decision`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// The number of the stage decided (the first is 1, as in `stages[].number`): it must be
    /// the current one, so a decision made on a stale page never lands on a later stage.
    #[cfg_attr(feature = "server", schema(minimum = 1))]
    pub stage: usize,
    pub verdict: Verdict,
    #[serde(default)]
    pub justification: Option<Justification>,
}

/// Which approvals to list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ApprovalList {
    /// Requests waiting for the caller's decision.
    #[default]
    Pending,
    /// Requests the caller decided.
    History,
}

/// The order of an approvals list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ApprovalSort {
    /// The newest request first.
    #[default]
    Newest,
    /// The request whose current stage must be decided soonest first: past that moment the
    /// request ends undecided. Only for the `pending` list.
    DecideBy,
}

/// The query of `GET /api/v1/me/approvals`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "server", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct ApprovalQuery {
    #[cfg_attr(feature = "server", param(inline))]
    pub list: Option<ApprovalList>,
    #[cfg_attr(feature = "server", param(inline))]
    pub sort: Option<ApprovalSort>,
    #[cfg_attr(feature = "server", param(minimum = 1, maximum = 200))]
    pub limit: Option<u32>,
    #[cfg_attr(feature = "server", param(max_length = 512))]
    pub cursor: Option<String>,
}

/// Input of `POST /api/v1/requests/{id}/cancel`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CancelInput {
    /// Why, 1 to 2,000 characters: kept with the request and shown in its timeline.
    #[serde(default)]
    pub justification: Option<Justification>,
}

/// The query of `GET /api/v1/me/assignments`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "server", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct MyAssignmentsQuery {
    #[cfg_attr(feature = "server", param(inline))]
    pub state: Option<crate::assignment::StateFilter>,
    #[cfg_attr(feature = "server", param(minimum = 1, maximum = 200))]
    pub limit: Option<u32>,
    #[cfg_attr(feature = "server", param(max_length = 512))]
    pub cursor: Option<String>,
}

/// `GET /api/v1/me/overview`: what needs the caller's attention.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Overview {
    /// Requests waiting for the caller's decision, oldest first (at most 20).
    pub approvals_waiting: Vec<RequestView>,
    pub approvals_waiting_count: i64,
    /// The caller's own requests (or made for them) still open.
    pub requests_in_flight: Vec<RequestView>,
    /// The caller's access ending within 14 days, soonest first.
    pub expiring_soon: Vec<AssignmentView>,
    /// Access reviews with people waiting for the caller's decision.
    pub reviews_waiting_count: i64,
    pub unread_notifications: i64,
}

/// The query of `GET /api/v1/requests`: everyone's requests, for administrators and the
/// assignment managers of a catalog, newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "server", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct RequestQuery {
    /// Items per page, 1 to 200 (default 50).
    #[cfg_attr(feature = "server", param(minimum = 1, maximum = 200))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page.
    #[cfg_attr(feature = "server", param(max_length = 512))]
    pub cursor: Option<String>,
    /// Only requests in this state.
    #[cfg_attr(feature = "server", param(inline))]
    pub state: Option<RequestState>,
    /// Only requests for packages in this catalog. Callers who are not administrators see the
    /// catalogs where they manage assignments, and may name only those.
    #[cfg_attr(feature = "server", param(value_type = Option<String>, format = Uuid))]
    pub catalog_id: Option<CatalogId>,
    /// Only requests for this package.
    #[cfg_attr(feature = "server", param(value_type = Option<String>, format = Uuid))]
    pub access_package_id: Option<AccessPackageId>,
    /// Only requests made by this person.
    #[cfg_attr(feature = "server", param(value_type = Option<String>, format = Uuid))]
    pub requester_id: Option<UserId>,
    /// Only requests for this person (the target).
    #[cfg_attr(feature = "server", param(value_type = Option<String>, format = Uuid))]
    pub target_id: Option<UserId>,
    /// `true`: only requests not yet over (submitted, pending approval, waiting for a custom
    /// extension, scheduled or delivering); `false`: only those that are over.
    pub open: Option<bool>,
    /// Only requests submitted at or after this instant (RFC 3339).
    pub created_after: Option<DateTime<Utc>>,
    /// Only requests submitted before this instant (RFC 3339).
    pub created_before: Option<DateTime<Utc>>,
}

/// The query of `GET /api/v1/requests.csv`: the filters of [`RequestQuery`], without paging.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "server", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct RequestExportQuery {
    /// Only requests in this state.
    #[cfg_attr(feature = "server", param(inline))]
    pub state: Option<RequestState>,
    /// Only requests for packages in this catalog. Callers who are not administrators see the
    /// catalogs where they manage assignments, and may name only those.
    #[cfg_attr(feature = "server", param(value_type = Option<String>, format = Uuid))]
    pub catalog_id: Option<CatalogId>,
    /// Only requests for this package.
    #[cfg_attr(feature = "server", param(value_type = Option<String>, format = Uuid))]
    pub access_package_id: Option<AccessPackageId>,
    /// Only requests made by this person.
    #[cfg_attr(feature = "server", param(value_type = Option<String>, format = Uuid))]
    pub requester_id: Option<UserId>,
    /// Only requests for this person (the target).
    #[cfg_attr(feature = "server", param(value_type = Option<String>, format = Uuid))]
    pub target_id: Option<UserId>,
    /// `true`: only requests not yet over (submitted, pending approval, waiting for a custom
    /// extension, scheduled or delivering); `false`: only those that are over.
    pub open: Option<bool>,
    /// Only requests submitted at or after this instant (RFC 3339).
    pub created_after: Option<DateTime<Utc>>,
    /// Only requests submitted before this instant (RFC 3339).
    pub created_before: Option<DateTime<Utc>>,
}

impl From<RequestExportQuery> for RequestQuery {
    fn from(query: RequestExportQuery) -> RequestQuery {
        RequestQuery {
            limit: None,
            cursor: None,
            state: query.state,
            catalog_id: query.catalog_id,
            access_package_id: query.access_package_id,
            requester_id: query.requester_id,
            target_id: query.target_id,
            open: query.open,
            created_after: query.created_after,
            created_before: query.created_before,
        }
    }
}

//! Requests: asking for a package (or to extend or give it up), approvals, cancellation and
//! delivery. The scheduled work that escalates, times out and starts requests is in
//! [`crate::jobs::requests`].
//!
//! The rules of a request's life are the domain's (`tessera_domain::request`); this module
//! loads what they need (the policy, the directory around the target), decides who may act,
//! and persists each transition as a compare-and-set with its audit event. Delivery is its own
//! transaction after the transition that reaches `delivering`, so a crash in between leaves a
//! `delivering` request that the scheduler delivers on its next round.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use tessera_domain::access::{
    Ask, DecisionInput, DecisionView, NewRequestInput, RequestPage, RequestView, StageView,
    TimelineEntry,
};
use tessera_domain::assignment::{self, AssignmentState, PersonSummary};
use tessera_domain::notification::NotificationKind;
use tessera_domain::policy::{
    self, Answer, ApproverSpec, DirectoryView, ResolvedApprovers, ValidPolicy, resolve_escalation,
    resolve_stage,
};
use tessera_domain::problem::ProblemCode;
use tessera_domain::request::{
    Actor as RequestActor, DeliveryResult, NewRequest, NewRequestRefusal, Next, Refusal, Request,
    RequestEvent, RequestKind, RequestRecord, RequestState, Verdict,
};
use tessera_domain::{AccessPackageId, AssignmentId, GroupId, PolicyId, RequestId, UserId};
use uuid::Uuid;

use super::audit_event;
use super::notifications::{AccessEndReason, access_ended, render};
use super::page::PageRequest;
use crate::auth::Actor;
use crate::auth::authz::authorize_catalog;
use crate::auth::authz::catalog_permission::ManageAssignments;
use crate::error::{ApiError, ApiResult};
use crate::idempotency::{self, IdempotencyKey};
use crate::state::AppState;
use crate::store::assignments::{
    AssignmentFilter, AssignmentRow, EndAssignment, NewAssignmentRecord,
};
use crate::store::notifications::NewNotification;
use crate::store::requests::{
    DecisionRow, Delivered, Delivery, DeliveryOutcomes, IdempotencyClaim, InsertRequest,
    NewRequestRow, RequestList, RequestRow, RequestWrite,
};
use crate::store::{self, StoreError};

fn corrupt(what: &'static str, id: Uuid) -> ApiError {
    tracing::error!(%id, field = what, "stored request data does not parse");
    ApiError::Internal
}

pub(crate) fn request_of(row: &RequestRow) -> ApiResult<Request> {
    let record: RequestRecord =
        serde_json::from_str(&row.record).map_err(|_| corrupt("record", row.id))?;
    Request::try_from(record).map_err(|err| {
        tracing::error!(request = %row.id, error = %err, "stored request is inconsistent");
        ApiError::Internal
    })
}

pub(crate) fn policy_of(definition: &str, id: Uuid) -> ApiResult<ValidPolicy> {
    serde_json::from_str(definition).map_err(|_| corrupt("policy", id))
}

/// The directory around one request, loaded before resolving approvers: the target's managers
/// and sponsors, the members and owners of the groups the policy names, and who is enabled.
#[derive(Default)]
pub(crate) struct LoadedDirectory {
    managers: HashMap<UserId, UserId>,
    sponsors: BTreeSet<UserId>,
    target: Option<UserId>,
    members: HashMap<GroupId, BTreeSet<UserId>>,
    owners: HashMap<GroupId, BTreeSet<UserId>>,
    enabled: BTreeSet<UserId>,
}

impl DirectoryView for LoadedDirectory {
    fn manager_of(&self, user: UserId) -> Option<UserId> {
        self.managers.get(&user).copied()
    }
    fn sponsors_of(&self, user: UserId) -> BTreeSet<UserId> {
        if Some(user) == self.target {
            self.sponsors.clone()
        } else {
            BTreeSet::new()
        }
    }
    fn members_of(&self, group: GroupId) -> BTreeSet<UserId> {
        self.members.get(&group).cloned().unwrap_or_default()
    }
    fn owners_of(&self, group: GroupId) -> BTreeSet<UserId> {
        self.owners.get(&group).cloned().unwrap_or_default()
    }
    fn can_approve(&self, user: UserId) -> bool {
        self.enabled.contains(&user)
    }
}

fn all_specs(policy: &ValidPolicy) -> Vec<ApproverSpec> {
    let mut specs = Vec::new();
    for stage in policy.stages() {
        specs.extend_from_slice(stage.primary());
        specs.extend_from_slice(stage.fallback());
        if let Some(escalation) = stage.escalation() {
            specs.extend_from_slice(escalation.approvers());
            specs.extend_from_slice(escalation.fallback());
        }
    }
    specs
}

pub(crate) async fn load_directory(
    state: &AppState,
    policy: &ValidPolicy,
    target: UserId,
) -> ApiResult<LoadedDirectory> {
    let mut directory = LoadedDirectory {
        target: Some(target),
        ..LoadedDirectory::default()
    };
    let mut candidates: BTreeSet<Uuid> = BTreeSet::new();
    let chain = store::users::list_manager_chain(&state.db, *target.as_uuid(), 3).await?;
    for pair in chain.windows(2) {
        directory
            .managers
            .insert(UserId::from_uuid(pair[0]), UserId::from_uuid(pair[1]));
        candidates.insert(pair[1]);
    }
    if let Some(row) = store::users::find_user(&state.db, *target.as_uuid()).await? {
        directory.sponsors = row
            .sponsors
            .iter()
            .map(|id| UserId::from_uuid(*id))
            .collect();
        candidates.extend(row.sponsors.iter().copied());
    }
    for spec in all_specs(policy) {
        match spec {
            ApproverSpec::User { user_id } => {
                candidates.insert(*user_id.as_uuid());
            }
            ApproverSpec::GroupMembers { group_id } | ApproverSpec::GroupOwners { group_id } => {
                let owners = matches!(spec, ApproverSpec::GroupOwners { .. });
                let people =
                    store::requests::group_people(&state.db, *group_id.as_uuid(), owners).await?;
                candidates.extend(people.iter().copied());
                let set: BTreeSet<UserId> = people.into_iter().map(UserId::from_uuid).collect();
                if owners {
                    directory.owners.insert(group_id, set);
                } else {
                    directory.members.insert(group_id, set);
                }
            }
            ApproverSpec::Manager { .. } | ApproverSpec::Sponsors {} => {}
        }
    }
    let candidates: Vec<Uuid> = candidates.into_iter().collect();
    directory.enabled = store::requests::enabled_among(&state.db, &candidates)
        .await?
        .into_iter()
        .map(UserId::from_uuid)
        .collect();
    Ok(directory)
}

/// Resolves stage `index` of `policy` (empty when the policy has no such stage any more).
pub(crate) fn stage_resolver<'a>(
    policy: Option<&'a ValidPolicy>,
    requester: UserId,
    target: UserId,
    directory: &'a LoadedDirectory,
) -> impl FnOnce(usize) -> ResolvedApprovers + 'a {
    move |index| {
        policy
            .and_then(|policy| policy.stages().get(index))
            .map(|stage| resolve_stage(stage, requester, target, directory))
            .unwrap_or_default()
    }
}

pub(crate) fn escalation_resolver<'a>(
    policy: Option<&'a ValidPolicy>,
    requester: UserId,
    target: UserId,
    directory: &'a LoadedDirectory,
) -> impl FnOnce(usize) -> ResolvedApprovers + 'a {
    move |index| {
        policy
            .and_then(|policy| policy.stages().get(index))
            .and_then(|stage| resolve_escalation(stage, requester, target, directory))
            .unwrap_or_default()
    }
}

/// What to write for `request` after a transition.
pub(crate) fn write_of(
    request: &Request,
    outcome: Option<String>,
    now: DateTime<Utc>,
) -> ApiResult<RequestWrite> {
    let record = RequestRecord::from(request.clone());
    let due_at = match request.state() {
        // Delivery follows at once; if this process stops first, the scheduler takes over.
        RequestState::Delivering => Some(now),
        _ => request.next_due().map(|due| due.at),
    };
    Ok(RequestWrite {
        state: request.state().as_str(),
        record: serde_json::to_string(&record).map_err(|_| ApiError::Internal)?,
        due_at,
        outcome,
        approvers: request
            .current_approvers()
            .iter()
            .map(|id| *id.as_uuid())
            .collect(),
        now,
    })
}

pub(crate) fn why_closed(request: &Request) -> Option<String> {
    match request.state() {
        RequestState::Denied => {
            let denied_by_someone = request
                .stages()
                .iter()
                .any(|stage| stage.verdict() == Some(Verdict::Deny));
            Some(if denied_by_someone {
                "An approver denied the request.".into()
            } else {
                "Nobody could approve a stage of this request, so it was denied.".into()
            })
        }
        RequestState::Expired => Some("No approver decided before the stage's deadline.".into()),
        RequestState::Canceled => Some("The request was canceled.".into()),
        RequestState::Submitted
        | RequestState::PendingApproval
        | RequestState::Scheduled
        | RequestState::Delivering
        | RequestState::Delivered
        | RequestState::PartiallyDelivered
        | RequestState::DeliveryFailed => None,
    }
}

fn refusal(refusal: Refusal) -> ApiError {
    let conflict = |code: ProblemCode, detail: String| ApiError::Conflict {
        code,
        detail,
        field: None,
    };
    match refusal {
        Refusal::SelfApproval => ApiError::Forbidden(
            "Nobody approves a request for their own access or a request they made.",
        ),
        Refusal::NotAnApprover => {
            ApiError::Forbidden("You are not an approver of this request's current stage.")
        }
        Refusal::NotYourRequest => ApiError::Forbidden("This is not your request."),
        Refusal::JustificationRequired => {
            ApiError::invalid("justification", "this stage requires a justification")
        }
        Refusal::StageAlreadyDecided { stage } => conflict(
            ProblemCode::AlreadyDecided,
            format!("Stage {} was decided already.", stage + 1),
        ),
        Refusal::AlreadyFinal { state } | Refusal::NotPending { state } => conflict(
            ProblemCode::RequestNotPending,
            format!("The request is {state}; it waits for no decision."),
        ),
        Refusal::NoSuchStage { stage } | Refusal::StageNotStarted { stage } => conflict(
            ProblemCode::StageNotCurrent,
            format!("Stage {} is not the stage being decided.", stage + 1),
        ),
        Refusal::StageTimedOut { .. } => conflict(
            ProblemCode::StageTimedOut,
            "The stage's deadline passed; the request is expiring.".into(),
        ),
        Refusal::NotCancelable { state } => conflict(
            ProblemCode::RequestNotCancelable,
            format!("A request that is {state} can no longer be canceled."),
        ),
        other => conflict(ProblemCode::RequestNotReady, other.to_string()),
    }
}

fn new_request_refusal(refusal: NewRequestRefusal) -> ApiError {
    match refusal {
        NewRequestRefusal::PolicyDisabled => ApiError::Conflict {
            code: ProblemCode::PolicyDisabled,
            detail: "The policy is disabled: it takes no new requests.".into(),
            field: Some("policy_id"),
        },
        NewRequestRefusal::AdministratorsOnly => ApiError::invalid(
            "policy_id",
            "this policy is for direct assignment by administrators only",
        ),
        NewRequestRefusal::OnBehalfNotAllowed => ApiError::invalid(
            "target_user_id",
            "this policy does not let managers ask for their direct reports",
        ),
        NewRequestRefusal::ExtensionNotAllowed => ApiError::Conflict {
            code: ProblemCode::ExtensionNotAllowed,
            detail: "The policy does not allow extending this access.".into(),
            field: None,
        },
        NewRequestRefusal::SelfRemovalNotAllowed => ApiError::Conflict {
            code: ProblemCode::RemovalNotAllowed,
            detail: "The policy does not let people give up this access themselves.".into(),
            field: None,
        },
        NewRequestRefusal::StartNotAllowed => ApiError::invalid(
            "starts_at",
            "this policy does not let requesters choose dates",
        ),
    }
}

/// The outcome of a submission.
pub struct Submitted {
    pub view: RequestView,
    /// The same idempotency key was used before: this is the request made then.
    pub replayed: bool,
}

/// What a new request is about, once checked.
struct Plan {
    kind: RequestKind,
    policy_id: Uuid,
    policy: ValidPolicy,
    assignment: Option<AssignmentRow>,
    answers: Vec<Answer>,
    ends_at: Option<DateTime<Utc>>,
}

/// The person's active assignment of `package`, if any.
async fn active_assignment(
    state: &AppState,
    package: Uuid,
    user: Uuid,
) -> ApiResult<Option<AssignmentRow>> {
    let filter = AssignmentFilter {
        package: Some(package),
        user: Some(user),
        states: vec!["scheduled", "delivered"],
        ..AssignmentFilter::default()
    };
    Ok(
        store::assignments::list_assignments(&state.db, &filter, None, 1)
            .await?
            .into_iter()
            .next(),
    )
}

async fn policy_row(
    state: &AppState,
    package: Uuid,
    policy: Option<Uuid>,
) -> ApiResult<(Uuid, ValidPolicy)> {
    let Some(policy) = policy else {
        return Err(ApiError::invalid(
            "policy_id",
            "choose the policy to request under",
        ));
    };
    let row = store::policies::find_policy(&state.db, package, policy)
        .await?
        .ok_or_else(|| ApiError::invalid("policy_id", "is not a policy of this package"))?;
    Ok((row.id, policy_of(&row.definition, row.id)?))
}

/// Submits a request of the signed-in user, for themselves or for a direct report. With an
/// idempotency key, a retry answers with the request the key made first, however many retries
/// run at once; the same key with another request is refused.
pub async fn submit(
    state: &AppState,
    actor: &Actor,
    input: NewRequestInput,
    idempotency: Option<IdempotencyKey>,
) -> ApiResult<Submitted> {
    let Some(key) = &idempotency else {
        return submit_new(state, actor, input, None).await;
    };
    if let Some(replayed) = replay(state, actor, key).await? {
        return Ok(replayed);
    }
    match submit_new(state, actor, input, Some(key)).await {
        // A retry running at the same time may have made the request first, and its open
        // request (or the access it delivered) is what this one ran into: answer with it.
        Err(err @ ApiError::Conflict { .. }) => match replay(state, actor, key).await? {
            Some(replayed) => Ok(replayed),
            None => Err(err),
        },
        other => other,
    }
}

/// The request the caller's `key` made, if it made one; a refusal if it came with another.
async fn replay(
    state: &AppState,
    actor: &Actor,
    key: &IdempotencyKey,
) -> ApiResult<Option<Submitted>> {
    let since = idempotency::remembered_since(Utc::now());
    let Some(found) =
        store::requests::find_by_idempotency_key(&state.db, *actor.id.as_uuid(), key.key(), since)
            .await?
    else {
        return Ok(None);
    };
    if !key.matches(found.fingerprint.as_deref()) {
        return Err(key.reused());
    }
    let row = deliver_if_due(state, found.request).await?;
    Ok(Some(Submitted {
        view: request_view(state, &row).await?,
        replayed: true,
    }))
}

async fn submit_new(
    state: &AppState,
    actor: &Actor,
    input: NewRequestInput,
    idempotency: Option<&IdempotencyKey>,
) -> ApiResult<Submitted> {
    let caller = *actor.id.as_uuid();
    let now = Utc::now();
    let package = store::packages::find_package(&state.db, *input.access_package_id.as_uuid())
        .await?
        .ok_or(ApiError::NotFound("access package"))?;
    let catalog = store::catalogs::find_catalog(&state.db, package.catalog_id)
        .await?
        .ok_or(ApiError::NotFound("access package"))?;
    if !catalog.enabled {
        return Err(ApiError::Conflict {
            code: ProblemCode::CatalogDisabled,
            detail: "The package's catalog is disabled: its packages cannot be requested.".into(),
            field: None,
        });
    }
    let target = input.target_user_id.map_or(caller, |id| *id.as_uuid());
    let target_row = store::users::find_user(&state.db, target)
        .await?
        .ok_or_else(|| ApiError::invalid("target_user_id", "no such user"))?;
    if target != caller && target_row.manager_id != Some(caller) {
        return Err(ApiError::invalid(
            "target_user_id",
            "is not one of your direct reports",
        ));
    }
    if !target_row.enabled {
        return Err(ApiError::invalid("target_user_id", "is disabled"));
    }

    let plan = match input.ask {
        Ask::Add => {
            let (policy_id, policy) =
                policy_row(state, package.id, input.policy_id.map(|id| *id.as_uuid())).await?;
            if policy.enabled()
                && policy.audience().accepts_requests()
                && !super::audience::in_audience(
                    state,
                    policy.audience(),
                    target,
                    target_row.is_member(),
                )
                .await?
            {
                return Err(ApiError::invalid(
                    "policy_id",
                    "the person the access is for is not among the people this policy is for",
                ));
            }
            if let Some(held) = active_assignment(state, package.id, target).await? {
                return Err(ApiError::Conflict {
                    code: ProblemCode::AlreadyAssigned,
                    detail: format!(
                        "The person already holds this package (assignment {}).",
                        held.id
                    ),
                    field: None,
                });
            }
            let mut errors = Vec::new();
            let dates_asked = input.starts_at.is_some() || input.ends_at.is_some();
            if dates_asked && !policy.requester().may_choose_dates() {
                errors.push(tessera_domain::problem::FieldError {
                    field: if input.starts_at.is_some() {
                        "starts_at"
                    } else {
                        "ends_at"
                    }
                    .into(),
                    message: "this policy does not let requesters choose dates".into(),
                });
            } else if let Err(found) =
                assignment::schedule(&policy, input.starts_at, input.ends_at, now)
            {
                errors.extend(found);
            }
            if policy.requester().justification_required() && input.justification.is_none() {
                errors.push(tessera_domain::problem::FieldError {
                    field: "justification".into(),
                    message: "this policy requires a justification".into(),
                });
            }
            let answers = policy::validate_answers(&policy, &input.answers)
                .map_err(|found| errors.extend(found))
                .ok();
            let (Some(answers), true) = (answers, errors.is_empty()) else {
                return Err(ApiError::Validation(errors));
            };
            Plan {
                kind: RequestKind::UserAdd,
                policy_id,
                policy,
                assignment: None,
                answers,
                ends_at: input.ends_at,
            }
        }
        Ask::Extend | Ask::Remove => {
            let held = active_assignment(state, package.id, target)
                .await?
                .ok_or_else(|| ApiError::Conflict {
                    code: ProblemCode::NotAssigned,
                    detail: "The person does not hold this package.".into(),
                    field: None,
                })?;
            let policy_id = held.policy_id.ok_or_else(|| ApiError::Conflict {
                code: ProblemCode::PolicyDeleted,
                detail: "The policy this access was given under no longer exists.".into(),
                field: None,
            })?;
            let policy_row = store::policies::find_policy(&state.db, package.id, policy_id)
                .await?
                .ok_or(ApiError::Internal)?;
            let policy = policy_of(&policy_row.definition, policy_id)?;
            let kind = if input.ask == Ask::Extend {
                RequestKind::UserExtend
            } else {
                RequestKind::UserRemove
            };
            if kind == RequestKind::UserExtend {
                if held.state != AssignmentState::Delivered.as_str() {
                    return Err(ApiError::Conflict {
                        code: ProblemCode::NotAssigned,
                        detail: "Only access already delivered can be extended.".into(),
                        field: None,
                    });
                }
                if held.ends_at.is_none() {
                    return Err(ApiError::Conflict {
                        code: ProblemCode::DoesNotExpire,
                        detail: "This access does not expire; there is nothing to extend.".into(),
                        field: None,
                    });
                }
                if input.ends_at.is_some() && !policy.requester().may_choose_dates() {
                    return Err(ApiError::invalid(
                        "ends_at",
                        "this policy does not let requesters choose dates",
                    ));
                }
                if let Some(end) = input.ends_at
                    && let Err(found) = assignment::schedule(&policy, None, Some(end), now)
                {
                    return Err(ApiError::Validation(found));
                }
                if policy.requester().justification_required() && input.justification.is_none() {
                    return Err(ApiError::invalid(
                        "justification",
                        "this policy requires a justification",
                    ));
                }
            }
            Plan {
                kind,
                policy_id,
                policy,
                assignment: Some(held),
                answers: Vec::new(),
                ends_at: input.ends_at,
            }
        }
    };

    let id = Uuid::now_v7();
    let new = NewRequest {
        id: RequestId::from_uuid(id),
        access_package_id: AccessPackageId::from_uuid(package.id),
        policy_id: PolicyId::from_uuid(plan.policy_id),
        kind: plan.kind,
        requester: actor.id,
        target: UserId::from_uuid(target),
        start_at: input.starts_at.filter(|start| *start > now),
    };
    create(
        state,
        Some(actor),
        new,
        &plan,
        input.justification.map(String::from),
        idempotency.map(|key| (caller, key)),
        &package.name,
        now,
    )
    .await
}

/// Refuses a request for a package the target holds access incompatible with.
async fn check_conflicts(state: &AppState, package: Uuid, target: Uuid) -> ApiResult<()> {
    let conflicts = super::conflicts::conflicts_of(state, package, target).await?;
    if conflicts.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Conflict {
            code: ProblemCode::SeparationOfDuties,
            detail: format!(
                "Separation of duties: the person holds {}, which this package is incompatible \
                 with.",
                conflicts.join(", ")
            ),
            field: None,
        })
    }
}

/// Makes, submits and stores a request, then delivers it when nothing waits.
#[allow(clippy::too_many_arguments)]
async fn create(
    state: &AppState,
    actor: Option<&Actor>,
    new: NewRequest,
    plan: &Plan,
    justification: Option<String>,
    idempotency: Option<(Uuid, &IdempotencyKey)>,
    package_name: &str,
    now: DateTime<Utc>,
) -> ApiResult<Submitted> {
    if !plan.kind.removes() {
        check_conflicts(
            state,
            *new.access_package_id.as_uuid(),
            *new.target.as_uuid(),
        )
        .await?;
    }
    let mut request = Request::new(new, &plan.policy, now).map_err(new_request_refusal)?;
    let directory = load_directory(state, &plan.policy, new.target).await?;
    let event = request
        .submit(
            now,
            stage_resolver(Some(&plan.policy), new.requester, new.target, &directory),
        )
        .map_err(refusal)?;
    let notes = notes_for(state, package_name, &request, &event).await?;
    let row = NewRequestRow {
        id: *new.id.as_uuid(),
        package_id: *new.access_package_id.as_uuid(),
        policy_id: plan.policy_id,
        policy_name: plan.policy.name().to_string(),
        kind: plan.kind.as_str(),
        requester_id: *new.requester.as_uuid(),
        target_id: *new.target.as_uuid(),
        assignment_id: plan.assignment.as_ref().map(|a| a.id),
        justification,
        answers: serde_json::to_string(&plan.answers).map_err(|_| ApiError::Internal)?,
        ends_at: plan.ends_at,
        write: write_of(&request, why_closed(&request), now)?,
    };
    let claim = idempotency.map(|(user, key)| IdempotencyClaim {
        user,
        key: key.key(),
        fingerprint: key.fingerprint(),
        remembered_since: idempotency::remembered_since(now),
    });
    let inserted =
        store::requests::insert_request(&state.db, &row, claim.as_ref(), &notes, |row| {
            audit_event::<(), _>(
                actor,
                "request.submit",
                "request",
                row.id.to_string(),
                None,
                Some(&serde_json::json!({
                    "access_package": package_name,
                    "kind": row.kind,
                    "state": row.state,
                    "target_id": row.target_id,
                })),
            )
        })
        .await
        .map_err(|err| match err {
            StoreError::Duplicate(_) => ApiError::Conflict {
                code: ProblemCode::RequestPending,
                detail: "A request for this person and package is already open.".into(),
                field: None,
            },
            other => other.into(),
        })?;
    let (row, replayed) = match inserted {
        InsertRequest::Inserted(row) => (*row, false),
        InsertRequest::Replayed(row) => (*row, true),
        InsertRequest::KeyReused => {
            return Err(idempotency
                .map(|(_, key)| key.reused())
                .unwrap_or(ApiError::Internal));
        }
    };
    let row = deliver_if_due(state, row).await?;
    Ok(Submitted {
        view: request_view(state, &row).await?,
        replayed,
    })
}

/// A direct assignment that has to wait for approval.
pub struct AdminAdd {
    pub policy_id: Uuid,
    pub policy: ValidPolicy,
    pub target: UserId,
    pub justification: Option<String>,
    pub answers: Vec<Answer>,
    pub start_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
}

/// An administrator's or assignment manager's direct assignment under a policy that requires
/// approval: it becomes a request that waits for the approvers like anyone's (the reference
/// product's rule: assignment managers cannot skip approval).
pub async fn submit_admin_add(
    state: &AppState,
    actor: &Actor,
    package: &store::packages::PackageRow,
    add: AdminAdd,
) -> ApiResult<RequestView> {
    let now = Utc::now();
    let new = NewRequest {
        id: RequestId::from_uuid(Uuid::now_v7()),
        access_package_id: AccessPackageId::from_uuid(package.id),
        policy_id: PolicyId::from_uuid(add.policy_id),
        kind: RequestKind::AdminAdd,
        requester: actor.id,
        target: add.target,
        start_at: add.start_at.filter(|start| *start > now),
    };
    let plan = Plan {
        kind: RequestKind::AdminAdd,
        policy_id: add.policy_id,
        policy: add.policy,
        assignment: None,
        answers: add.answers,
        ends_at: add.ends_at,
    };
    let submitted = create(
        state,
        Some(actor),
        new,
        &plan,
        add.justification,
        None,
        &package.name,
        now,
    )
    .await?;
    Ok(submitted.view)
}

/// Delivers `row` if it waits for delivery (made now, or made by a retry still delivering it):
/// whoever loses the claim answers with what the winner delivered.
async fn deliver_if_due(state: &AppState, row: RequestRow) -> ApiResult<RequestRow> {
    if row.state == RequestState::Delivering.as_str() {
        deliver(state, row).await
    } else {
        Ok(row)
    }
}

/// Carries out a request in state `delivering`: creates, extends or ends the assignment, and
/// records the result on the request. The HTTP path, an approver's decision and the scheduler
/// (on every replica) may deliver the same request at once: the store's claim lets one apply
/// it, and the others answer with the request as it delivered it, never an error.
pub(crate) async fn deliver(state: &AppState, row: RequestRow) -> ApiResult<RequestRow> {
    let now = Utc::now();
    let request = request_of(&row)?;
    let kind = RequestKind::parse(&row.kind).ok_or_else(|| corrupt("kind", row.id))?;
    let policy = match row.policy_id {
        Some(id) => store::policies::find_policy(&state.db, row.package_id, id)
            .await?
            .map(|p| policy_of(&p.definition, p.id))
            .transpose()?,
        None => None,
    };
    let planned: Result<Delivery, String> = match kind {
        RequestKind::UserAdd | RequestKind::AdminAdd => match &policy {
            None => Err("The policy of this request was deleted.".into()),
            Some(policy) => match assignment::schedule(policy, None, row.ends_at, now) {
                Err(errors) => Err(format!(
                    "The requested end no longer fits: {}",
                    errors
                        .iter()
                        .map(|e| e.message.clone())
                        .collect::<Vec<_>>()
                        .join("; ")
                )),
                Ok(schedule) => Ok(Delivery::Add(NewAssignmentRecord {
                    id: Uuid::now_v7(),
                    package_id: row.package_id,
                    policy_id: row.policy_id.unwrap_or_default(),
                    policy_name: row.policy_name.clone(),
                    user_id: row.target_id,
                    state: AssignmentState::Delivered.as_str(),
                    starts_at: now,
                    ends_at: schedule.ends_at,
                    justification: row.justification.clone(),
                    answers: row.answers.clone(),
                    assigned_by: row.requester_id,
                    now,
                })),
            },
        },
        RequestKind::UserExtend => {
            let held = match row.assignment_id {
                Some(id) => store::assignments::find_assignment(&state.db, id).await?,
                None => None,
            };
            match (held, &policy) {
                (Some(held), Some(policy)) => {
                    // An extension adds the policy's duration to what is left: counted from
                    // the current end (or now, if that passed), never moving the end earlier.
                    let base = held.ends_at.map_or(now, |end| end.max(now));
                    let policy_end = policy.lifecycle().expiry().end_for(base);
                    let ends_at = row.ends_at.or(policy_end).max(held.ends_at);
                    Ok(Delivery::Extend {
                        assignment: held.id,
                        version: held.version,
                        ends_at,
                    })
                }
                _ => Err("The assignment or its policy no longer exists.".into()),
            }
        }
        RequestKind::UserRemove | RequestKind::AdminRemove => match row.assignment_id {
            Some(id) => Ok(Delivery::Remove(EndAssignment {
                id,
                version: 0,
                state: AssignmentState::Removed.as_str(),
                ended_by: row.requester_id,
                now,
            })),
            None => Err("The assignment no longer exists.".into()),
        },
    };
    let (done_notes, failed_notes) = delivery_notes(state, &row.package_name, &request).await?;
    let mut done = request.clone();
    done.finish_delivery(DeliveryResult::Delivered, now)
        .map_err(refusal)?;
    let done_write = write_of(&done, None, now)?;
    let mut failed = request.clone();
    failed
        .finish_delivery(DeliveryResult::Failed, now)
        .map_err(refusal)?;
    let failed_write = write_of(&failed, None, now)?;
    let audit = |request: &RequestRow, assignment: Option<&AssignmentRow>| {
        let mut events = vec![audit_event::<(), _>(
            None,
            if assignment.is_some() {
                "request.deliver"
            } else {
                "request.delivery_failed"
            },
            "request",
            request.id.to_string(),
            None,
            Some(&serde_json::json!({"state": request.state, "outcome": request.outcome})),
        )];
        if let Some(assignment) = assignment {
            let after = super::assignment_view::assignment_view(assignment).ok();
            let action = match kind {
                RequestKind::UserAdd | RequestKind::AdminAdd => "assignment.create",
                RequestKind::UserExtend => "assignment.extend",
                RequestKind::UserRemove | RequestKind::AdminRemove => "assignment.remove",
            };
            events.push(audit_event::<(), _>(
                None,
                action,
                "assignment",
                assignment.id.to_string(),
                None,
                after.as_ref(),
            ));
        }
        events
    };
    let result = match planned {
        Ok(delivery) => {
            store::requests::deliver_request(
                &state.db,
                row.id,
                row.version,
                &delivery,
                &DeliveryOutcomes {
                    done: &done_write,
                    done_notes: &done_notes,
                    failed: &failed_write,
                    failed_notes: &failed_notes,
                },
                audit,
            )
            .await
        }
        Err(reason) => {
            let write = RequestWrite {
                outcome: Some(reason.clone()),
                ..failed_write
            };
            store::requests::update_request(
                &state.db,
                row.id,
                row.version,
                &write,
                None,
                &failed_notes,
                |r| audit(r, None).remove(0),
            )
            .await
            .map(|request| Delivered::Failed {
                request: Box::new(request),
                reason,
            })
        }
    };
    match result {
        Ok(Delivered::Done { request, .. }) | Ok(Delivered::Failed { request, .. }) => Ok(*request),
        // Someone else delivered it meanwhile: read what they wrote.
        Err(StoreError::Conflict) => store::requests::find_request(&state.db, row.id)
            .await?
            .ok_or(ApiError::NotFound("request")),
        Err(other) => Err(other.into()),
    }
}

/// The people a request's outcome concerns: its target, and its requester when someone else.
fn concerned(request: &Request) -> Vec<UserId> {
    let mut people = vec![request.target()];
    if request.requester() != request.target() {
        people.push(request.requester());
    }
    people
}

/// The notifications a transition sends, rendered now so they are written with it.
pub(crate) async fn notes_for(
    state: &AppState,
    package: &str,
    request: &Request,
    event: &RequestEvent,
) -> ApiResult<Vec<NewNotification>> {
    let ids = [*request.requester().as_uuid(), *request.target().as_uuid()];
    let names: BTreeMap<Uuid, String> = store::users::find_people(&state.db, &ids)
        .await?
        .into_iter()
        .map(|row| (row.id, row.display_name))
        .collect();
    let name = |id: UserId| names.get(id.as_uuid()).cloned().unwrap_or_default();
    let (requester, target) = (name(request.requester()), name(request.target()));
    let link = format!("/requests/{}", request.id());
    let url = state.settings.public_url();
    let stages = request.stages().len().to_string();
    let to_concerned =
        |kind: NotificationKind, subject: &str, line: &str| -> Vec<NewNotification> {
            concerned(request)
                .into_iter()
                .map(|person| {
                    render(
                        person,
                        kind,
                        subject,
                        &[line],
                        &[("Access package", package), ("For", &target)],
                        &link,
                        &url,
                    )
                })
                .collect()
        };
    let ask_approvers = |approvers: &BTreeSet<UserId>,
                         stage: usize,
                         deadline: Option<DateTime<Utc>>,
                         escalated: bool| {
        let deadline = deadline
            .map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default();
        let stage_text = format!("{} of {stages}", stage + 1);
        let first = if request.requester() == request.target() {
            format!("{requester} asks for access to {package}.")
        } else {
            format!("{requester} asks for access to {package} for {target}.")
        };
        let second = if escalated {
            format!("It was escalated to you: decide by {deadline}.")
        } else {
            format!("Please approve or deny it by {deadline}.")
        };
        approvers
            .iter()
            .map(|approver| {
                render(
                    *approver,
                    NotificationKind::ApprovalNeeded,
                    &format!("Approve access to {package} for {target}?"),
                    &[&first, &second],
                    &[
                        ("Access package", package),
                        ("For", &target),
                        ("Asked by", &requester),
                        ("Stage", &stage_text),
                        ("Decide by", &deadline),
                    ],
                    "/approvals",
                    &url,
                )
            })
            .collect::<Vec<_>>()
    };
    let next_notes = |next: &Next| match next {
        Next::Stage {
            stage,
            approvers,
            deadline_at,
            ..
        } => ask_approvers(approvers, *stage, Some(*deadline_at), false),
        Next::NoApprover { .. } => to_concerned(
            NotificationKind::RequestDenied,
            &format!("Your request for {package} was denied"),
            "Nobody could approve it, so it was denied. Ask an administrator who approves this package.",
        ),
        Next::Scheduled { start_at } => to_concerned(
            NotificationKind::RequestApproved,
            &format!("Your request for {package} was approved"),
            &format!(
                "It was approved; the access starts on {}.",
                start_at.format("%Y-%m-%d %H:%M UTC")
            ),
        ),
        // Delivery follows at once and tells its own news.
        Next::Delivering => Vec::new(),
    };
    Ok(match event {
        RequestEvent::Submitted { next } | RequestEvent::Approved { next, .. } => next_notes(next),
        RequestEvent::Denied { .. } => to_concerned(
            NotificationKind::RequestDenied,
            &format!("Your request for {package} was denied"),
            "An approver denied it. The request shows their justification.",
        ),
        RequestEvent::Escalated { stage, approvers } => {
            let deadline = request.stages().get(*stage).and_then(|s| s.deadline_at());
            ask_approvers(approvers, *stage, deadline, true)
        }
        RequestEvent::TimedOut { .. } => to_concerned(
            NotificationKind::RequestExpired,
            &format!("Your request for {package} expired"),
            "Nobody decided before the deadline. You may ask again.",
        ),
        RequestEvent::Canceled { .. }
        | RequestEvent::DeliveryStarted
        | RequestEvent::DeliveryFinished { .. } => Vec::new(),
    })
}

/// What delivery tells, when done and when failed.
async fn delivery_notes(
    state: &AppState,
    package: &str,
    request: &Request,
) -> ApiResult<(Vec<NewNotification>, Vec<NewNotification>)> {
    let ids = [*request.target().as_uuid()];
    let target = store::users::find_people(&state.db, &ids)
        .await?
        .into_iter()
        .map(|row| row.display_name)
        .next()
        .unwrap_or_default();
    let link = format!("/requests/{}", request.id());
    let url = state.settings.public_url();
    let note = |person: UserId, kind: NotificationKind, subject: String, line: &str| {
        render(
            person,
            kind,
            &subject,
            &[line],
            &[("Access package", package), ("For", &target)],
            &link,
            &url,
        )
    };
    let done = match request.kind() {
        RequestKind::UserAdd | RequestKind::AdminAdd => concerned(request)
            .into_iter()
            .map(|person| {
                note(
                    person,
                    NotificationKind::AccessDelivered,
                    format!("Access to {package} is ready"),
                    "The access was granted and can be used now.",
                )
            })
            .collect(),
        RequestKind::UserExtend => vec![note(
            request.target(),
            NotificationKind::AccessDelivered,
            format!("Your access to {package} was extended"),
            "The access now lasts longer; the portal shows its new end.",
        )],
        // The person whose access ended is told, also when they asked themselves.
        RequestKind::UserRemove | RequestKind::AdminRemove => vec![access_ended(
            state,
            request.target(),
            package,
            &if request.requester() == request.target() {
                AccessEndReason::GivenUp
            } else {
                AccessEndReason::RemovedOnRequest
            },
        )],
    };
    let failed = concerned(request)
        .into_iter()
        .map(|person| {
            note(
                person,
                NotificationKind::DeliveryFailed,
                format!("Access to {package} could not be delivered"),
                "The request was approved but could not be carried out; the request says why.",
            )
        })
        .collect();
    Ok((done, failed))
}

/// Whether `actor` may see the request: its requester, target, any approver it asked, an
/// assignment manager of its catalog, or an administrator. Answers whether they may act on it
/// as an administrator.
async fn visibility(
    state: &AppState,
    actor: &Actor,
    row: &RequestRow,
    request: &Request,
) -> ApiResult<Option<bool>> {
    if actor.is_admin {
        return Ok(Some(true));
    }
    let catalog = tessera_domain::CatalogId::from_uuid(row.catalog_id);
    if authorize_catalog::<ManageAssignments>(state, actor, catalog)
        .await
        .is_ok()
    {
        return Ok(Some(true));
    }
    let asked = request.stages().iter().any(|stage| {
        stage.approvers.contains(&actor.id) || stage.escalation_approvers.contains(&actor.id)
    });
    if request.requester() == actor.id || request.target() == actor.id || asked {
        Ok(Some(false))
    } else {
        Ok(None)
    }
}

async fn visible_request(
    state: &AppState,
    actor: &Actor,
    id: RequestId,
) -> ApiResult<(RequestRow, Request, bool)> {
    let row = store::requests::find_request(&state.db, *id.as_uuid())
        .await?
        .ok_or(ApiError::NotFound("request"))?;
    let request = request_of(&row)?;
    match visibility(state, actor, &row, &request).await? {
        Some(as_administrator) => Ok((row, request, as_administrator)),
        None => Err(ApiError::NotFound("request")),
    }
}

pub async fn get_request(state: &AppState, actor: &Actor, id: RequestId) -> ApiResult<RequestView> {
    let (row, _, _) = visible_request(state, actor, id).await?;
    request_view(state, &row).await
}

/// An approver decides the current stage. When several decide at once, one decision lands
/// and the others get 409.
pub async fn decide(
    state: &AppState,
    actor: &Actor,
    id: RequestId,
    input: DecisionInput,
) -> ApiResult<RequestView> {
    let (row, mut request, _) = visible_request(state, actor, id).await?;
    // Stages are numbered from 1 on the wire, indexed from 0 in the domain.
    let stage = input
        .stage
        .checked_sub(1)
        .ok_or_else(|| ApiError::invalid("stage", "stages are numbered from 1"))?;
    let now = Utc::now();
    let policy = match row.policy_id {
        Some(policy) => store::policies::find_policy(&state.db, row.package_id, policy)
            .await?
            .map(|p| policy_of(&p.definition, p.id))
            .transpose()?,
        None => None,
    };
    let directory = match &policy {
        Some(policy) => load_directory(state, policy, request.target()).await?,
        None => LoadedDirectory::default(),
    };
    let (requester, target) = (request.requester(), request.target());
    let event = match input.verdict {
        Verdict::Approve => request.approve(
            stage,
            actor.id,
            input.justification,
            now,
            stage_resolver(policy.as_ref(), requester, target, &directory),
        ),
        Verdict::Deny => request.deny(stage, actor.id, input.justification, now),
    }
    .map_err(refusal)?;
    let write = write_of(&request, why_closed(&request), now)?;
    let notes = notes_for(state, &row.package_name, &request, &event).await?;
    let decision = DecisionRow {
        stage: i64::try_from(stage).unwrap_or_default(),
        approver: *actor.id.as_uuid(),
        verdict: match input.verdict {
            Verdict::Approve => "approve",
            Verdict::Deny => "deny",
        },
    };
    let updated = store::requests::update_request(
        &state.db,
        row.id,
        row.version,
        &write,
        Some(&decision),
        &notes,
        |row| {
            audit_event::<(), _>(
                Some(actor),
                match input.verdict {
                    Verdict::Approve => "request.approve",
                    Verdict::Deny => "request.deny",
                },
                "request",
                row.id.to_string(),
                None,
                Some(&event),
            )
        },
    )
    .await
    .map_err(|err| match err {
        StoreError::Conflict | StoreError::Duplicate(_) => ApiError::Conflict {
            code: ProblemCode::AlreadyDecided,
            detail: "Someone decided this request first; read it again.".into(),
            field: None,
        },
        other => other.into(),
    })?;
    let updated = if updated.state == RequestState::Delivering.as_str() {
        deliver(state, updated).await?
    } else {
        updated
    };
    request_view(state, &updated).await
}

/// Withdraws a request not yet delivered: its requester or target, an assignment manager of
/// its catalog, or an administrator.
pub async fn cancel(
    state: &AppState,
    actor: &Actor,
    id: RequestId,
    justification: Option<String>,
) -> ApiResult<RequestView> {
    let (row, mut request, as_administrator) = visible_request(state, actor, id).await?;
    let now = Utc::now();
    let who = if as_administrator {
        RequestActor::Administrator(actor.id)
    } else {
        RequestActor::Person(actor.id)
    };
    let event = request.cancel(who, now).map_err(refusal)?;
    let write = write_of(&request, why_closed(&request), now)?;
    let updated =
        store::requests::update_request(&state.db, row.id, row.version, &write, None, &[], |row| {
            audit_event::<(), _>(
                Some(actor),
                "request.cancel",
                "request",
                row.id.to_string(),
                None,
                Some(&serde_json::json!({"event": event, "justification": justification})),
            )
        })
        .await
        .map_err(|err| match err {
            StoreError::Conflict => ApiError::Conflict {
                code: ProblemCode::RequestChanged,
                detail: "The request changed meanwhile; read it again.".into(),
                field: None,
            },
            other => other.into(),
        })?;
    request_view(state, &updated).await
}

/// A page of requests from `list`, newest first.
pub async fn list(
    state: &AppState,
    list: RequestList,
    open_only: bool,
    query: &tessera_domain::page::PageQuery,
) -> ApiResult<RequestPage> {
    let page = PageRequest::parse(query)?;
    let before = page.after_id()?;
    let rows =
        store::requests::list_requests(&state.db, &list, open_only, before, page.fetch()).await?;
    let (rows, next_cursor) = page.finish(rows, |row| row.id.to_string());
    let mut items = Vec::with_capacity(rows.len());
    for row in &rows {
        items.push(request_view(state, row).await?);
    }
    Ok(RequestPage { items, next_cursor })
}

fn describe_state(state: RequestState) -> &'static str {
    match state {
        RequestState::Submitted => "submitted",
        RequestState::PendingApproval => "waiting for approval",
        RequestState::Scheduled => "approved, scheduled for its start",
        RequestState::Delivering => "being delivered",
        RequestState::Delivered => "delivered",
        RequestState::PartiallyDelivered => "partially delivered",
        RequestState::DeliveryFailed => "delivery failed",
        RequestState::Denied => "denied",
        RequestState::Canceled => "canceled",
        RequestState::Expired => "expired without a decision",
    }
}

/// The request as people read it: names instead of ids, stages, and a timeline.
pub async fn request_view(state: &AppState, row: &RequestRow) -> ApiResult<RequestView> {
    let request = request_of(row)?;
    let mut ids: BTreeSet<Uuid> = BTreeSet::new();
    ids.insert(*request.requester().as_uuid());
    ids.insert(*request.target().as_uuid());
    for stage in request.stages() {
        ids.extend(stage.approvers.iter().map(|id| *id.as_uuid()));
        ids.extend(stage.escalation_approvers.iter().map(|id| *id.as_uuid()));
        if let Some(decision) = &stage.decision {
            ids.insert(*decision.by.as_uuid());
        }
    }
    if let Some(cancellation) = request.cancellation() {
        ids.insert(*cancellation.by.as_uuid());
    }
    let ids: Vec<Uuid> = ids.into_iter().collect();
    let names: BTreeMap<Uuid, PersonSummary> = store::users::find_people(&state.db, &ids)
        .await?
        .iter()
        .map(|row| (row.id, super::people::person_summary(row)))
        .collect();
    let person = |id: UserId| {
        names
            .get(id.as_uuid())
            .cloned()
            .unwrap_or_else(|| PersonSummary {
                id,
                username: "(deleted)".into(),
                display_name: "(deleted user)".into(),
                guest: false,
            })
    };
    let mut timeline = vec![TimelineEntry {
        at: request.submitted_at(),
        event: "submitted".into(),
        summary: format!(
            "{} asked to {} {}.",
            person(request.requester()).display_name,
            match request.kind() {
                RequestKind::UserAdd | RequestKind::AdminAdd => "give access to",
                RequestKind::UserExtend => "extend the access of",
                RequestKind::UserRemove | RequestKind::AdminRemove => "remove the access of",
            },
            person(request.target()).display_name
        ),
    }];
    let mut stages = Vec::new();
    for (index, stage) in request.stages().iter().enumerate() {
        if let Some(started) = stage.started_at {
            let names: Vec<String> = stage
                .approvers
                .iter()
                .map(|id| person(*id).display_name)
                .collect();
            timeline.push(TimelineEntry {
                at: started,
                event: "stage_started".into(),
                summary: if names.is_empty() {
                    format!("Stage {} found nobody to decide it.", index + 1)
                } else {
                    format!("Stage {} waits for {}.", index + 1, names.join(", "))
                },
            });
        }
        if let Some(at) = stage.escalated_at {
            let names: Vec<String> = stage
                .escalation_approvers
                .iter()
                .map(|id| person(*id).display_name)
                .collect();
            timeline.push(TimelineEntry {
                at,
                event: "escalated".into(),
                summary: format!("Stage {} was escalated to {}.", index + 1, names.join(", ")),
            });
        }
        if let Some(decision) = &stage.decision {
            let verb = match decision.verdict {
                Verdict::Approve => "approved",
                Verdict::Deny => "denied",
            };
            timeline.push(TimelineEntry {
                at: decision.at,
                event: verb.into(),
                summary: format!(
                    "{} {verb} stage {}{}",
                    person(decision.by).display_name,
                    index + 1,
                    decision
                        .justification
                        .as_ref()
                        .map(|j| format!(": {j}"))
                        .unwrap_or_else(|| ".".into())
                ),
            });
        }
        stages.push(StageView {
            number: index + 1,
            started_at: stage.started_at,
            deadline_at: stage.deadline_at(),
            approvers: stage.approvers.iter().map(|id| person(*id)).collect(),
            used_fallback: stage.used_fallback,
            escalated_at: stage.escalated_at,
            escalation_approvers: stage
                .escalation_approvers
                .iter()
                .map(|id| person(*id))
                .collect(),
            approver_justification_required: stage.approver_justification_required,
            decision: stage.decision.as_ref().map(|decision| DecisionView {
                by: person(decision.by),
                verdict: decision.verdict,
                justification: decision.justification.as_ref().map(|j| j.to_string()),
                at: decision.at,
            }),
        });
    }
    if let Some(cancellation) = request.cancellation() {
        timeline.push(TimelineEntry {
            at: cancellation.at,
            event: "canceled".into(),
            summary: format!(
                "{} canceled the request.",
                person(cancellation.by).display_name
            ),
        });
    }
    if let Some(at) = request.delivery_started_at() {
        timeline.push(TimelineEntry {
            at,
            event: "delivering".into(),
            summary: "Delivery started.".into(),
        });
    }
    if let Some(at) = request.closed_at()
        && request.cancellation().is_none()
    {
        timeline.push(TimelineEntry {
            at,
            event: request.state().as_str().into(),
            summary: row
                .outcome
                .clone()
                .unwrap_or_else(|| format!("The request was {}.", describe_state(request.state()))),
        });
    }
    timeline.sort_by_key(|entry| entry.at);
    let answers: Vec<Answer> =
        serde_json::from_str(&row.answers).map_err(|_| corrupt("answers", row.id))?;
    Ok(RequestView {
        id: request.id(),
        access_package_id: request.access_package_id(),
        access_package_name: row.package_name.clone(),
        policy_id: row.policy_id.map(PolicyId::from_uuid),
        policy_name: row.policy_name.clone(),
        kind: request.kind(),
        state: request.state(),
        requester: person(request.requester()),
        target: person(request.target()),
        justification: row.justification.clone(),
        answers,
        starts_at: request.start_at(),
        ends_at: row.ends_at,
        submitted_at: request.submitted_at(),
        closed_at: request.closed_at(),
        outcome: row.outcome.clone(),
        stages,
        assignment_id: row.assignment_id.map(AssignmentId::from_uuid),
        timeline,
    })
}

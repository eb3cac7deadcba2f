//! Submitting requests: a person's own (or for a direct report), with idempotent retries, and
//! an administrator's direct assignment under a policy that requires approval.

use chrono::{DateTime, Utc};
use tessera_domain::access::{Ask, NewRequestInput, RequestView};
use tessera_domain::assignment::{self, AssignmentState};
use tessera_domain::policy::{self, Answer, ValidPolicy};
use tessera_domain::problem::ProblemCode;
use tessera_domain::request::{NewRequest, Request, RequestKind};
use tessera_domain::{AccessPackageId, PolicyId, RequestId, UserId};
use uuid::Uuid;

use super::deliver::deliver_if_due;
use super::directory::{load_directory, stage_resolver};
use super::notes::notes_for;
use super::views::request_view;
use crate::auth::Actor;
use crate::auth::request_authz::PackageAssigner;
use crate::error::{ApiError, ApiResult};
use crate::idempotency::{self, IdempotencyKey};
use crate::request_record::{policy_of, write_of};
use crate::request_refusals::{new_request_refusal, refusal};
use crate::service::audit_event;
use crate::service::extensions::{CallContext, calls_for};
use crate::state::AppState;
use crate::store::assignments::{AssignmentFilter, AssignmentRow};
use crate::store::requests::{IdempotencyClaim, InsertRequest, NewRequestRow};
use crate::store::{self, StoreError};

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
                && !crate::service::audience::in_audience(
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
                if held.state != AssignmentState::Delivered {
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
    let conflicts = crate::service::conflicts::conflicts_of(state, package, target).await?;
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
    let mut row = NewRequestRow {
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
        write: write_of(&request, request.closing_reason().map(String::from), now)?,
    };
    let calls = {
        let context = CallContext {
            request_id: row.id,
            kind: plan.kind,
            package_id: row.package_id,
            package_name,
            policy_id: plan.policy_id,
            justification: row.justification.as_deref(),
            answers: &row.answers,
            ends_at: row.ends_at,
        };
        calls_for(state, &plan.policy, &context, &request, &event, now).await?
    };
    row.write.calls = calls;
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
    assigner: &PackageAssigner,
    add: AdminAdd,
) -> ApiResult<RequestView> {
    let (actor, package) = (assigner.actor(), assigner.package());
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

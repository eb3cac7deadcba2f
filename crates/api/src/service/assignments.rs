//! Assignments: direct assignment by administrators and assignment managers, removal, the
//! assignment list and its CSV export, and the separation-of-duties report. Starting and ending
//! assignments on time is scheduled work, in [`crate::jobs::assignments`].
//!
//! A direct assignment follows its policy: the policy must be enabled, the person must be in
//! its scope (who can request; an administrators-only policy takes anyone), the dates must fit
//! its expiry and the answers its questions. A policy that requires approval does not let an
//! assignment manager skip it (the reference product's rule): the assignment becomes a request
//! that waits for the policy's approvers.

use chrono::{DateTime, Utc};
use tessera_domain::assignment::{
    self, AssignmentPage, AssignmentQuery, AssignmentState, AssignmentView, NewAssignment,
    RemoveAssignment,
};
use tessera_domain::policy::{self, ValidPolicy};
use tessera_domain::problem::{FieldError, ProblemCode};
use tessera_domain::{AccessPackageId, AssignmentId, CatalogId, UserId};
use uuid::Uuid;

use super::assignment_view::assignment_view;
use super::audit_event;
use super::notifications::{AccessEndReason, access_ended};
use super::page::PageRequest;
use crate::auth::Actor;
use crate::auth::authz::catalog_permission::ManageAssignments;
use crate::auth::authz::{AdminProof, CatalogProof};
use crate::auth::request_authz;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::assignments::{
    AssignmentFilter, AssignmentRow, EndAssignment, InsertAssignment, NewAssignmentRecord,
};
use crate::store::{self, StoreError};

/// The most rows one CSV export holds.
pub const EXPORT_LIMIT: u32 = 10_000;

fn corrupt(what: &'static str, id: Uuid) -> ApiError {
    tracing::error!(%id, field = what, "stored assignment data does not parse");
    ApiError::Internal
}

/// The assignment `id` and proof that `actor` may manage it. Someone with no role in its
/// catalog learns nothing about it.
pub async fn authorize_assignment(
    state: &AppState,
    actor: &Actor,
    id: AssignmentId,
) -> ApiResult<(CatalogProof<ManageAssignments>, AssignmentRow)> {
    let row = store::assignments::find_assignment(&state.db, *id.as_uuid())
        .await?
        .ok_or(ApiError::NotFound("assignment"))?;
    let catalog = CatalogId::from_uuid(row.catalog_id);
    let proof = crate::auth::authz::authorize_catalog::<ManageAssignments>(state, actor, catalog)
        .await
        .map_err(|err| match err {
            ApiError::NotFound(_) => ApiError::NotFound("assignment"),
            other => other,
        })?;
    Ok((proof, row))
}

fn invalid_at(field: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        message: message.into(),
    }
}

/// What a direct assignment came to.
pub enum DirectAssignment {
    /// Delivered, or scheduled for a later start.
    Assigned(Box<AssignmentView>),
    /// The policy requires approval: a request now waits for its approvers.
    AwaitingApproval(Box<tessera_domain::access::RequestView>),
}

/// Gives a person a package under one of its policies. The whole input is checked before
/// anything is written, and every problem found is reported at once. Under a policy that
/// requires approval, the assignment becomes a request for the approvers.
pub async fn create_assignment(
    proof: &CatalogProof<ManageAssignments>,
    state: &AppState,
    actor: &Actor,
    package: AccessPackageId,
    input: NewAssignment,
) -> ApiResult<DirectAssignment> {
    let package = store::packages::find_package(&state.db, *package.as_uuid())
        .await?
        .filter(|row| row.catalog_id == *proof.catalog().as_uuid())
        .ok_or(ApiError::NotFound("access package"))?;
    // Under a policy that requires approval the assignment becomes a request, which needs
    // proof that the actor assigns this package.
    let assigner = request_authz::assigner_of(proof, actor, package.clone())?;
    let policy_row =
        store::policies::find_policy(&state.db, package.id, *input.policy_id.as_uuid())
            .await?
            .ok_or_else(|| ApiError::invalid("policy_id", "is not a policy of this package"))?;
    let policy: ValidPolicy = serde_json::from_str(&policy_row.definition)
        .map_err(|_| corrupt("policy", policy_row.id))?;
    if !policy.enabled() {
        return Err(ApiError::Conflict {
            code: ProblemCode::PolicyDisabled,
            detail: "The policy is disabled: it takes no new assignments.".into(),
            field: Some("policy_id"),
        });
    }

    let now = Utc::now();
    let mut errors = Vec::new();
    let user = *input.user_id.as_uuid();
    match store::users::find_user(&state.db, user).await? {
        None => errors.push(invalid_at("user_id", "no such user")),
        Some(row) if !row.enabled => {
            errors.push(invalid_at("user_id", "is disabled and cannot get access"))
        }
        Some(row)
            if !super::audience::in_assignment_scope(state, policy.audience(), &row).await? =>
        {
            errors.push(invalid_at(
                "user_id",
                "is not among the people this policy is for (who can request)",
            ))
        }
        Some(_) => {}
    }
    let schedule = assignment::schedule(&policy, input.starts_at, input.ends_at, now)
        .map_err(|found| errors.extend(found))
        .ok();
    let answers = policy::validate_answers(&policy, &input.answers)
        .map_err(|found| errors.extend(found))
        .ok();
    let (Some(schedule), Some(answers), true) = (schedule, answers, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    if policy.requires_approval() {
        let add = super::requests::AdminAdd {
            policy_id: policy_row.id,
            policy,
            target: input.user_id,
            justification: input.justification.map(String::from),
            answers,
            start_at: input.starts_at,
            ends_at: input.ends_at,
        };
        let request = super::requests::submit_admin_add(state, &assigner, add).await?;
        return Ok(DirectAssignment::AwaitingApproval(Box::new(request)));
    }

    let record = NewAssignmentRecord {
        id: Uuid::now_v7(),
        package_id: package.id,
        policy_id: policy_row.id,
        policy_name: policy.name().to_string(),
        user_id: user,
        state: schedule.state_at(now).as_str(),
        starts_at: schedule.starts_at,
        ends_at: schedule.ends_at,
        justification: input.justification.map(String::from),
        answers: serde_json::to_string(&answers).map_err(|_| ApiError::Internal)?,
        assigned_by: Some(*actor.id.as_uuid()),
        now,
    };
    let inserted = store::assignments::insert_assignment(&state.db, &record, |row| {
        let after = assignment_view(row).ok();
        audit_event::<AssignmentView, _>(
            Some(actor),
            "assignment.create",
            "assignment",
            row.id.to_string(),
            None,
            after.as_ref(),
        )
    })
    .await
    .map_err(|err| match err {
        StoreError::Duplicate(_) => ApiError::Conflict {
            code: ProblemCode::AlreadyAssigned,
            detail: "The person already has, or is scheduled to get, this package.".into(),
            field: Some("user_id"),
        },
        StoreError::MissingReference => {
            ApiError::invalid("user_id", "the person or the policy was deleted meanwhile")
        }
        other => other.into(),
    })?;
    match inserted {
        InsertAssignment::Inserted(row) => {
            Ok(DirectAssignment::Assigned(Box::new(assignment_view(&row)?)))
        }
        InsertAssignment::Conflicts(conflicts) => Err(ApiError::Conflict {
            code: ProblemCode::SeparationOfDuties,
            detail: super::conflicts::describe(&conflicts),
            field: Some("user_id"),
        }),
    }
}

pub fn get_assignment(row: &AssignmentRow) -> ApiResult<AssignmentView> {
    assignment_view(row)
}

/// Takes an active assignment away. Its resource roles go too, unless another delivered
/// assignment of the person grants them.
pub async fn remove_assignment(
    _proof: &CatalogProof<ManageAssignments>,
    state: &AppState,
    actor: &Actor,
    row: AssignmentRow,
    input: RemoveAssignment,
) -> ApiResult<AssignmentView> {
    let before = assignment_view(&row)?;
    if !before.state.is_active() {
        return Err(ApiError::Conflict {
            code: ProblemCode::AssignmentEnded,
            detail: format!("The assignment is {} already.", before.state.as_str()),
            field: None,
        });
    }
    let end = EndAssignment {
        id: row.id,
        version: row.version,
        state: AssignmentState::Removed.as_str(),
        ended_by: Some(*actor.id.as_uuid()),
        now: Utc::now(),
    };
    let justification = input.justification;
    let note = access_ended(
        state,
        UserId::from_uuid(row.user_id),
        &row.package_name,
        &AccessEndReason::RemovedByAdministrator,
    );
    let ended = store::assignments::end_assignment(&state.db, &end, &[note], |row| {
        #[derive(serde::Serialize)]
        struct Removed<'a> {
            #[serde(flatten)]
            assignment: &'a AssignmentView,
            removal_justification: Option<&'a str>,
        }
        let after = assignment_view(row).ok();
        let after = after.as_ref().map(|assignment| Removed {
            assignment,
            removal_justification: justification.as_ref().map(|j| j.as_str()),
        });
        audit_event(
            Some(actor),
            "assignment.remove",
            "assignment",
            row.id.to_string(),
            Some(&before),
            after.as_ref(),
        )
    })
    .await
    .map_err(|err| match err {
        StoreError::Conflict => ApiError::Conflict {
            code: ProblemCode::AssignmentChanged,
            detail: "The assignment changed meanwhile; read it again.".into(),
            field: None,
        },
        other => other.into(),
    })?;
    assignment_view(&ended)
}

/// Whose assignments a caller may list.
pub enum ListScope {
    /// Administrators: every assignment.
    All(AdminProof),
    /// Managers of assignments in one catalog: that catalog's.
    Catalog(CatalogProof<ManageAssignments>),
}

fn filter(scope: &ListScope, query: &AssignmentQuery) -> AssignmentFilter {
    let catalog = match scope {
        ListScope::All(_) => query.catalog_id.map(|id| *id.as_uuid()),
        ListScope::Catalog(proof) => Some(*proof.catalog().as_uuid()),
    };
    AssignmentFilter {
        catalog,
        package: query.access_package_id.map(|id| *id.as_uuid()),
        user: query.user_id.map(|id| *id.as_uuid()),
        policy: query.policy_id.map(|id| *id.as_uuid()),
        ends_after: query.ends_after,
        ends_before: query.ends_before,
        states: query
            .state
            .map(|state| state.states().iter().map(|s| s.as_str()).collect())
            .unwrap_or_default(),
    }
}

pub async fn list_assignments(
    scope: &ListScope,
    state: &AppState,
    query: &AssignmentQuery,
) -> ApiResult<AssignmentPage> {
    let page = PageRequest::parse(&tessera_domain::page::PageQuery {
        limit: query.limit,
        cursor: query.cursor.clone(),
    })?;
    let before = page.after_id()?;
    let rows = store::assignments::list_assignments(
        &state.db,
        &filter(scope, query),
        before,
        page.fetch(),
    )
    .await?;
    let (rows, next_cursor) = page.finish(rows, |row| row.id.to_string());
    let items = rows
        .iter()
        .map(assignment_view)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(AssignmentPage { items, next_cursor })
}

/// The caller's own assignments (`query.user_id` is the caller): what "My access" lists.
pub async fn list_own(state: &AppState, query: &AssignmentQuery) -> ApiResult<AssignmentPage> {
    let page = PageRequest::parse(&tessera_domain::page::PageQuery {
        limit: query.limit,
        cursor: query.cursor.clone(),
    })?;
    let before = page.after_id()?;
    let filter = AssignmentFilter {
        user: query.user_id.map(|id| *id.as_uuid()),
        states: query
            .state
            .map(|state| state.states().iter().map(|s| s.as_str()).collect())
            .unwrap_or_default(),
        ..AssignmentFilter::default()
    };
    let rows =
        store::assignments::list_assignments(&state.db, &filter, before, page.fetch()).await?;
    let (rows, next_cursor) = page.finish(rows, |row| row.id.to_string());
    let items = rows
        .iter()
        .map(assignment_view)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(AssignmentPage { items, next_cursor })
}

pub struct Export {
    pub csv: Vec<u8>,
    pub truncated: bool,
}

const ASSIGNMENT_CSV_HEADER: [&str; 14] = [
    "assignment_id",
    "access_package_id",
    "access_package",
    "policy",
    "user_id",
    "username",
    "display_name",
    "state",
    "starts_at",
    "ends_at",
    "assigned_by",
    "created_at",
    "ended_at",
    "justification",
];

fn instant(at: Option<DateTime<Utc>>) -> String {
    at.map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// The assignments the filters match, newest first, as CSV; at most [`EXPORT_LIMIT`].
pub async fn export_assignments(
    scope: &ListScope,
    state: &AppState,
    query: &AssignmentQuery,
) -> ApiResult<Export> {
    let mut rows = store::assignments::list_assignments(
        &state.db,
        &filter(scope, query),
        None,
        EXPORT_LIMIT + 1,
    )
    .await?;
    let truncated = rows.len() > EXPORT_LIMIT as usize;
    rows.truncate(EXPORT_LIMIT as usize);
    let records = rows.iter().map(|row| {
        vec![
            row.id.to_string(),
            row.package_id.to_string(),
            row.package_name.clone(),
            row.policy_name.clone(),
            row.user_id.to_string(),
            row.username.clone(),
            row.user_display_name.clone(),
            row.state.clone(),
            instant(Some(row.starts_at)),
            instant(row.ends_at),
            row.assigned_by_username.clone().unwrap_or_default(),
            instant(Some(row.created_at)),
            instant(row.ended_at),
            row.justification.clone().unwrap_or_default(),
        ]
    });
    let csv = super::csv::write(&ASSIGNMENT_CSV_HEADER, records)?;
    Ok(Export { csv, truncated })
}

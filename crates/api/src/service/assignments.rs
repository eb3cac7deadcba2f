//! Assignments: direct assignment by administrators and assignment managers, removal, the
//! assignment list and its CSV export, the separation-of-duties report, and the scheduled work
//! of starting and ending assignments on time.
//!
//! A direct assignment follows its policy: the policy must be enabled, the person must be in
//! its scope (who can request; an administrators-only policy takes anyone), the dates must fit
//! its expiry and the answers its questions. A policy that requires approval does not let an
//! assignment manager skip it (the reference product's rule): the assignment becomes a request
//! that waits for the policy's approvers.

use chrono::{DateTime, Utc};
use tessera_domain::assignment::{
    self, AssignmentPage, AssignmentQuery, AssignmentState, AssignmentView, ConflictView,
    ConflictingAccess, NewAssignment, PersonSummary, RemoveAssignment,
};
use tessera_domain::notification::NotificationKind;
use tessera_domain::policy::{self, Answer, Audience, ValidPolicy};
use tessera_domain::problem::FieldError;
use tessera_domain::{AccessPackageId, AssignmentId, CatalogId, GroupId, PolicyId, UserId};
use uuid::Uuid;

use super::audit_event;
use super::notifications::{AccessEndReason, access_ended};
use super::page::PageRequest;
use super::users::is_guest;
use crate::auth::Actor;
use crate::auth::authz::catalog_permission::ManageAssignments;
use crate::auth::authz::{AdminProof, CatalogProof};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::assignments::{
    AssignmentFilter, AssignmentRow, ConflictRow, EndAssignment, InsertAssignment,
    NewAssignmentRecord,
};
use crate::store::users::UserRow;
use crate::store::{self, StoreError};

/// The most rows one CSV export holds.
pub const EXPORT_LIMIT: u32 = 10_000;

fn corrupt(what: &'static str, id: Uuid) -> ApiError {
    tracing::error!(%id, field = what, "stored assignment data does not parse");
    ApiError::Internal
}

/// A person an assignment names through an outer join: absent once that account is deleted.
fn person(
    id: Option<Uuid>,
    username: Option<&str>,
    name: Option<&str>,
    user_type: Option<&str>,
) -> Option<PersonSummary> {
    match (id, username, name, user_type) {
        (Some(id), Some(username), Some(name), Some(user_type)) => Some(PersonSummary {
            id: UserId::from_uuid(id),
            username: username.to_string(),
            display_name: name.to_string(),
            guest: is_guest(user_type),
        }),
        _ => None,
    }
}

pub fn assignment_view(row: &AssignmentRow) -> ApiResult<AssignmentView> {
    let answers: Vec<Answer> =
        serde_json::from_str(&row.answers).map_err(|_| corrupt("answers", row.id))?;
    Ok(AssignmentView {
        id: AssignmentId::from_uuid(row.id),
        access_package_id: AccessPackageId::from_uuid(row.package_id),
        access_package_name: row.package_name.clone(),
        catalog_id: CatalogId::from_uuid(row.catalog_id),
        policy_id: row.policy_id.map(PolicyId::from_uuid),
        policy_name: row.policy_name.clone(),
        user: PersonSummary {
            id: UserId::from_uuid(row.user_id),
            username: row.username.clone(),
            display_name: row.user_display_name.clone(),
            guest: is_guest(&row.user_type),
        },
        state: AssignmentState::parse(&row.state).ok_or_else(|| corrupt("state", row.id))?,
        starts_at: row.starts_at,
        ends_at: row.ends_at,
        justification: row.justification.clone(),
        answers,
        assigned_by: person(
            row.assigned_by,
            row.assigned_by_username.as_deref(),
            row.assigned_by_display_name.as_deref(),
            row.assigned_by_user_type.as_deref(),
        ),
        created_at: row.created_at,
        ended_at: row.ended_at,
        ended_by: person(
            row.ended_by,
            row.ended_by_username.as_deref(),
            row.ended_by_display_name.as_deref(),
            row.ended_by_user_type.as_deref(),
        ),
    })
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

/// Whether `user` may be assigned under a policy with this audience: anyone under an
/// administrators-only policy, otherwise the people who could request through it (so a policy
/// for all members takes no guest).
async fn in_scope(state: &AppState, audience: &Audience, user: &UserRow) -> ApiResult<bool> {
    match audience {
        Audience::Nobody => Ok(true),
        _ => super::requests::in_audience(state, audience, user.id, user.is_member()).await,
    }
}

fn conflict_view(row: &ConflictRow) -> ConflictingAccess {
    match row {
        ConflictRow::Package {
            package_id,
            name,
            assignment_id,
        } => ConflictingAccess::AccessPackage {
            access_package_id: AccessPackageId::from_uuid(*package_id),
            name: name.clone(),
            assignment_id: AssignmentId::from_uuid(*assignment_id),
        },
        ConflictRow::Group { group_id, name } => ConflictingAccess::Group {
            group_id: GroupId::from_uuid(*group_id),
            name: name.clone(),
        },
    }
}

/// What `user` holds that `package` is incompatible with, in words, e.g. "the access package
/// Payments".
pub async fn conflicts_of(state: &AppState, package: Uuid, user: Uuid) -> ApiResult<Vec<String>> {
    Ok(store::assignments::conflicts_for(&state.db, package, user)
        .await?
        .iter()
        .map(name_conflict)
        .collect())
}

fn name_conflict(conflict: &ConflictRow) -> String {
    match conflict {
        ConflictRow::Package { name, .. } => format!("the access package {name}"),
        ConflictRow::Group { name, .. } => format!("membership of the group {name}"),
    }
}

fn describe(conflicts: &[ConflictRow]) -> String {
    let named: Vec<String> = conflicts.iter().map(name_conflict).collect();
    format!(
        "Separation of duties: the person holds {}, which this package is incompatible with.",
        named.join(", ")
    )
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
    let policy_row =
        store::policies::find_policy(&state.db, package.id, *input.policy_id.as_uuid())
            .await?
            .ok_or_else(|| ApiError::invalid("policy_id", "is not a policy of this package"))?;
    let policy: ValidPolicy = serde_json::from_str(&policy_row.definition)
        .map_err(|_| corrupt("policy", policy_row.id))?;
    if !policy.enabled() {
        return Err(ApiError::Conflict {
            code: "policy_disabled",
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
        Some(row) if !in_scope(state, policy.audience(), &row).await? => errors.push(invalid_at(
            "user_id",
            "is not among the people this policy is for (who can request)",
        )),
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
        let request = super::requests::submit_admin_add(state, actor, &package, add).await?;
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
            code: "already_assigned",
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
            code: "separation_of_duties",
            detail: describe(&conflicts),
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
            code: "assignment_ended",
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
            code: "assignment_changed",
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

/// People who hold the package and access it is incompatible with (either way round for
/// packages; membership for groups), by username.
pub async fn list_conflicts(
    proof: &CatalogProof<ManageAssignments>,
    state: &AppState,
    package: AccessPackageId,
) -> ApiResult<Vec<ConflictView>> {
    let package = store::packages::find_package(&state.db, *package.as_uuid())
        .await?
        .filter(|row| row.catalog_id == *proof.catalog().as_uuid())
        .ok_or(ApiError::NotFound("access package"))?;
    let rows = store::assignments::list_holder_conflicts(&state.db, package.id).await?;
    Ok(rows
        .iter()
        .map(|row| ConflictView {
            user: PersonSummary {
                id: UserId::from_uuid(row.user_id),
                username: row.username.clone(),
                display_name: row.display_name.clone(),
                guest: is_guest(&row.user_type),
            },
            assignment_id: AssignmentId::from_uuid(row.assignment_id),
            conflicting: conflict_view(&row.conflict),
        })
        .collect())
}

const CONFLICT_CSV_HEADER: [&str; 7] = [
    "user_id",
    "username",
    "display_name",
    "assignment_id",
    "conflict_kind",
    "conflict_id",
    "conflict_name",
];

pub async fn export_conflicts(
    proof: &CatalogProof<ManageAssignments>,
    state: &AppState,
    package: AccessPackageId,
) -> ApiResult<Vec<u8>> {
    let conflicts = list_conflicts(proof, state, package).await?;
    let records = conflicts.iter().map(|conflict| {
        let (kind, id, name) = match &conflict.conflicting {
            ConflictingAccess::AccessPackage {
                access_package_id,
                name,
                ..
            } => ("access_package", access_package_id.to_string(), name),
            ConflictingAccess::Group { group_id, name } => ("group", group_id.to_string(), name),
        };
        vec![
            conflict.user.id.to_string(),
            conflict.user.username.clone(),
            conflict.user.display_name.clone(),
            conflict.assignment_id.to_string(),
            kind.to_string(),
            id,
            name.clone(),
        ]
    });
    super::csv::write(&CONFLICT_CSV_HEADER, records)
}

/// What one round of scheduled assignment work did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DueWork {
    pub started: usize,
    pub ended: usize,
    /// Expiry reminders sent.
    pub reminded: usize,
}

/// How many due assignments one round handles of each kind; the next round takes the rest.
const DUE_BATCH: u32 = 200;

/// Starts the scheduled assignments whose start came, expires the delivered ones whose end
/// passed, removes the access of disabled accounts and sends expiry reminders, as of `now`. Each is a compare-and-set: when several replicas run this at once,
/// each assignment changes exactly once and the others skip it.
pub async fn run_due_work(state: &AppState, now: DateTime<Utc>) -> ApiResult<DueWork> {
    let mut work = DueWork::default();
    for (id, version) in store::assignments::due_to_start(&state.db, now, DUE_BATCH).await? {
        let started = store::assignments::start_assignment(&state.db, id, version, now, |row| {
            let after = assignment_view(row).ok();
            audit_event::<(), _>(
                None,
                "assignment.start",
                "assignment",
                row.id.to_string(),
                None,
                after.as_ref(),
            )
        })
        .await;
        match started {
            Ok(_) => work.started += 1,
            Err(StoreError::Conflict) => {}
            Err(other) => return Err(other.into()),
        }
    }
    for (id, version) in store::assignments::due_to_end(&state.db, now, DUE_BATCH).await? {
        let Some(row) = store::assignments::find_assignment(&state.db, id).await? else {
            continue;
        };
        let end = EndAssignment {
            id,
            version,
            state: AssignmentState::Expired.as_str(),
            ended_by: None,
            now,
        };
        let note = access_ended(
            state,
            UserId::from_uuid(row.user_id),
            &row.package_name,
            &AccessEndReason::Expired,
        );
        let ended = store::assignments::end_assignment(&state.db, &end, &[note], |row| {
            let after = assignment_view(row).ok();
            audit_event::<(), _>(
                None,
                "assignment.expire",
                "assignment",
                row.id.to_string(),
                None,
                after.as_ref(),
            )
        })
        .await;
        match ended {
            Ok(_) => work.ended += 1,
            Err(StoreError::Conflict) => {}
            Err(other) => return Err(other.into()),
        }
    }
    work.ended += end_access_of_disabled(state, now).await?;
    work.reminded += send_expiry_reminders(state, now).await?;
    Ok(work)
}

/// Reminds people 14 days and 1 day before their access ends (once each; one that is already
/// within a day gets only the last), with a link to extend it.
async fn send_expiry_reminders(state: &AppState, now: DateTime<Utc>) -> ApiResult<usize> {
    let mut sent = 0;
    for days in REMINDER_DAYS {
        for (id, user, package, ends_at) in
            store::assignments::due_reminders(&state.db, now, days, DUE_BATCH).await?
        {
            let when = ends_at.format("%Y-%m-%d %H:%M UTC").to_string();
            let note = super::notifications::render(
                UserId::from_uuid(user),
                NotificationKind::ExpiryReminder,
                &format!("Your access to {package} ends soon"),
                &[
                    &format!("Your access to {package} ends on {when}."),
                    "If you still need it, ask to extend it in the portal.",
                ],
                &[("Access package", &package), ("Ends", &when)],
                "/access-packages?tab=active",
                &state.settings.public_url(),
            );
            if store::assignments::record_reminder(&state.db, id, days, &note).await? {
                sent += 1;
            }
        }
    }
    Ok(sent)
}

/// Reminders before an assignment ends, in days; the nearest first, so that access already
/// close to its end gets the last reminder only.
const REMINDER_DAYS: [i64; 2] = [1, 14];

/// Removes every active assignment of a disabled account (and so its resource roles). Runs on
/// schedule and right after an account is disabled.
pub async fn end_access_of_disabled(state: &AppState, now: DateTime<Utc>) -> ApiResult<usize> {
    let mut count = 0;
    for (id, version) in store::assignments::active_of_disabled_users(&state.db, DUE_BATCH).await? {
        let Some(row) = store::assignments::find_assignment(&state.db, id).await? else {
            continue;
        };
        let note = access_ended(
            state,
            UserId::from_uuid(row.user_id),
            &row.package_name,
            &AccessEndReason::AccountDisabled,
        );
        let end = EndAssignment {
            id,
            version,
            state: AssignmentState::Removed.as_str(),
            ended_by: None,
            now,
        };
        let ended = store::assignments::end_assignment(&state.db, &end, &[note], |row| {
            let after = assignment_view(row).ok();
            audit_event::<(), _>(
                None,
                "assignment.remove_disabled_user",
                "assignment",
                row.id.to_string(),
                None,
                after.as_ref(),
            )
        })
        .await;
        match ended {
            Ok(_) => count += 1,
            Err(StoreError::Conflict) => {}
            Err(other) => return Err(other.into()),
        }
    }
    Ok(count)
}

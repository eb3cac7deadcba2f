//! Between stored rows and the domain's review types, and the refusals and conflicts mapped to
//! problems.

use chrono::{DateTime, Utc};
use tessera_domain::assignment::PersonSummary;
use tessera_domain::problem::ProblemCode;
use tessera_domain::review::{
    GrantView, ReviewInstance, ReviewItem, ReviewItemRecord, ReviewItemView, ReviewRefusal,
    ReviewedResource, ValidReviewDefinition,
};
use tessera_domain::user::UserType;
use tessera_domain::{AccessPackageId, UserId};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::reviews::{
    DefinitionRow, GrantedAccess, InstanceRow, InstanceWrite, ItemFilter, ItemRow, ItemWrite,
    PersonGrantRow,
};
use crate::store::{self, StoreError};

fn corrupt(what: &'static str, id: Uuid) -> ApiError {
    tracing::error!(%id, field = what, "stored review data does not parse");
    ApiError::Internal
}

pub(super) fn definition_of(row: &DefinitionRow) -> ApiResult<ValidReviewDefinition> {
    serde_json::from_str(&row.definition).map_err(|_| corrupt("definition", row.id))
}

pub(super) fn instance_of(row: &InstanceRow) -> ApiResult<ReviewInstance> {
    serde_json::from_str(&row.record).map_err(|_| corrupt("instance", row.id))
}

pub(super) fn item_of(row: &ItemRow) -> ApiResult<ReviewItem> {
    let record: ReviewItemRecord =
        serde_json::from_str(&row.record).map_err(|_| corrupt("item", row.id))?;
    ReviewItem::try_from(record).map_err(|_| corrupt("item", row.id))
}

pub(super) fn json<T: serde::Serialize>(value: &T) -> ApiResult<String> {
    serde_json::to_string(value).map_err(|_| ApiError::Internal)
}

pub(super) fn item_write(item: &ReviewItem, version: i64) -> ApiResult<ItemWrite> {
    Ok(ItemWrite {
        id: *item.id().as_uuid(),
        version,
        outcome: outcome_of(item),
        record: json(&ReviewItemRecord::from(item.clone()))?,
    })
}

pub(super) fn outcome_of(item: &ReviewItem) -> &'static str {
    item.final_outcome()
        .map_or(item.latest_outcome(), |outcome| outcome.outcome)
        .as_str()
}

pub(super) fn refusal(refusal: ReviewRefusal) -> ApiError {
    let conflict = |code: ProblemCode, detail: String| ApiError::Conflict {
        code,
        detail,
        field: None,
    };
    match refusal {
        ReviewRefusal::NotAReviewer | ReviewRefusal::NotInCurrentStage { .. } => {
            ApiError::Forbidden("You do not review this item in the current stage.")
        }
        ReviewRefusal::OwnAccess => {
            ApiError::Forbidden("Nobody reviews their own access, except in a self-review.")
        }
        ReviewRefusal::JustificationRequired => {
            ApiError::invalid("justification", "this review requires a justification")
        }
        ReviewRefusal::SelfReviewIsYesOrNo => ApiError::invalid(
            "verdict",
            "in a self-review, answer whether you still need the access: approve or deny",
        ),
        ReviewRefusal::StageEnded { .. } | ReviewRefusal::NotInProgress { .. } => {
            conflict(ProblemCode::ReviewNotOpen, refusal.to_string())
        }
        ReviewRefusal::NotCompleted { .. } => {
            conflict(ProblemCode::ReviewNotCompleted, refusal.to_string())
        }
        ReviewRefusal::ResourceNotInScope
        | ReviewRefusal::AlreadyStarted { .. }
        | ReviewRefusal::NotYetDue { .. }
        | ReviewRefusal::WindowPassed { .. }
        | ReviewRefusal::DuplicatePerson { .. }
        | ReviewRefusal::DuplicateItem { .. }
        | ReviewRefusal::ItemsMismatch
        | ReviewRefusal::ForeignItem { .. }
        | ReviewRefusal::NoSuchItem { .. }
        | ReviewRefusal::LastStage { .. }
        | ReviewRefusal::StagesRemaining { .. }
        | ReviewRefusal::NoRecommendation
        | ReviewRefusal::AlreadyDecided { .. }
        | ReviewRefusal::RemindersOff
        | ReviewRefusal::AlreadyReminded { .. }
        | ReviewRefusal::AutoApplyOff
        | ReviewRefusal::NotApplying { .. }
        | ReviewRefusal::NotBeingRemoved { .. }
        | ReviewRefusal::AlreadyApplied { .. } => {
            conflict(ProblemCode::ReviewRefused, refusal.to_string())
        }
    }
}

pub(super) async fn all_items(
    state: &AppState,
    instance: Uuid,
) -> ApiResult<(Vec<ItemRow>, Vec<ReviewItem>)> {
    let rows =
        store::reviews::list_items(&state.db, instance, &ItemFilter::default(), None, None).await?;
    let items = rows.iter().map(item_of).collect::<ApiResult<Vec<_>>>()?;
    Ok((rows, items))
}

pub(super) fn person(row: &ItemRow) -> PersonSummary {
    PersonSummary {
        id: UserId::from_uuid(row.user_id),
        username: row.username.clone(),
        display_name: row.display_name.clone(),
        guest: row.user_type == UserType::Guest,
    }
}

pub(super) fn instance_write(
    instance: &ReviewInstance,
    now: DateTime<Utc>,
) -> ApiResult<InstanceWrite> {
    Ok(InstanceWrite {
        state: instance.state().as_str(),
        record: json(instance)?,
        due_at: instance.next_due(now).map(|due| due.at),
        now,
    })
}

pub(super) fn changed_items(
    rows: &[ItemRow],
    before: &[ReviewItem],
    after: &[ReviewItem],
) -> ApiResult<Vec<ItemWrite>> {
    rows.iter()
        .zip(before.iter().zip(after.iter()))
        .filter(|(_, (old, new))| old != new)
        .map(|(row, (_, new))| item_write(new, row.version))
        .collect()
}

pub(super) fn instance_conflict(err: StoreError) -> ApiError {
    match err {
        StoreError::Conflict => ApiError::Conflict {
            code: ProblemCode::ReviewChanged,
            detail: "The review changed meanwhile; read it again.".into(),
            field: None,
        },
        other => other.into(),
    }
}

pub(super) fn decision_conflict(err: StoreError) -> ApiError {
    match err {
        StoreError::Conflict => ApiError::Conflict {
            code: ProblemCode::ReviewChanged,
            detail: "The review moved on meanwhile (a stage ended, or the item changed); read it \
                     again."
                .into(),
            field: None,
        },
        other => other.into(),
    }
}

/// The delivered assignments among one person's `grants` that give `resource`, oldest first,
/// as [`with_grants`] finds them for many people ([`store::reviews::list_grants`]).
pub(super) fn grants_of_person(
    grants: &[PersonGrantRow],
    resource: &ReviewedResource,
) -> Vec<GrantView> {
    let gives = |grant: &PersonGrantRow| match resource {
        ReviewedResource::Group { group_id } => {
            grant.role_kind.as_deref() == Some("group_member")
                && grant.group_id == Some(*group_id.as_uuid())
        }
        ReviewedResource::Application { application_id } => {
            grant.application_id == Some(*application_id.as_uuid())
        }
        ReviewedResource::AccessPackage {
            access_package_id,
            policy_id,
        } => {
            grant.package_id == *access_package_id.as_uuid()
                && policy_id.is_none_or(|policy| grant.policy_id == Some(*policy.as_uuid()))
        }
    };
    let mut views: Vec<GrantView> = Vec::new();
    let mut seen: Vec<Uuid> = Vec::new();
    // One row per role of the package: an assignment is listed once.
    for grant in grants.iter().filter(|grant| gives(grant)) {
        if seen.contains(&grant.assignment_id) {
            continue;
        }
        seen.push(grant.assignment_id);
        views.push(GrantView {
            access_package_id: AccessPackageId::from_uuid(grant.package_id),
            access_package_name: grant.package_name.clone(),
            policy_name: grant.policy_name.clone(),
            since: grant.starts_at,
            ends_at: grant.ends_at,
        });
    }
    views
}

/// Fills in how each person of `views` holds the reviewed access now (`granted_by`).
pub(super) async fn with_grants(
    state: &AppState,
    instance: &ReviewInstance,
    views: &mut [ReviewItemView],
) -> ApiResult<()> {
    let access = match instance.resource() {
        ReviewedResource::Group { group_id } => GrantedAccess::Group(*group_id.as_uuid()),
        ReviewedResource::Application { application_id } => {
            GrantedAccess::Application(*application_id.as_uuid())
        }
        ReviewedResource::AccessPackage {
            access_package_id,
            policy_id,
        } => GrantedAccess::Package {
            package: *access_package_id.as_uuid(),
            policy: policy_id.map(|policy| *policy.as_uuid()),
        },
    };
    let people: Vec<Uuid> = views.iter().map(|view| *view.person.id.as_uuid()).collect();
    let grants = store::reviews::list_grants(&state.db, access, &people).await?;
    for view in views.iter_mut() {
        view.granted_by = grants
            .iter()
            .filter(|grant| grant.user_id == *view.person.id.as_uuid())
            .map(|grant| GrantView {
                access_package_id: AccessPackageId::from_uuid(grant.package_id),
                access_package_name: grant.package_name.clone(),
                policy_name: grant.policy_name.clone(),
                since: grant.starts_at,
                ends_at: grant.ends_at,
            })
            .collect();
    }
    Ok(())
}

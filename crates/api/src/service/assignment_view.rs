//! An assignment as the API shows it.

use tessera_domain::assignment::{AssignmentView, PersonSummary};
use tessera_domain::policy::Answer;
use tessera_domain::user::UserType;
use tessera_domain::{AccessPackageId, AssignmentId, CatalogId, PolicyId, UserId};
use uuid::Uuid;

use super::people::joined_person;
use crate::error::{ApiError, ApiResult};
use crate::store::assignments::AssignmentRow;

fn corrupt(what: &'static str, id: Uuid) -> ApiError {
    tracing::error!(%id, field = what, "stored assignment data does not parse");
    ApiError::Internal
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
            guest: row.user_type == UserType::Guest,
        },
        state: row.state,
        starts_at: row.starts_at,
        ends_at: row.ends_at,
        justification: row.justification.clone(),
        answers,
        assigned_by: joined_person(
            row.assigned_by,
            row.assigned_by_username.as_deref(),
            row.assigned_by_display_name.as_deref(),
            row.assigned_by_user_type.0,
        ),
        created_at: row.created_at,
        ended_at: row.ended_at,
        ended_by: joined_person(
            row.ended_by,
            row.ended_by_username.as_deref(),
            row.ended_by_display_name.as_deref(),
            row.ended_by_user_type.0,
        ),
    })
}

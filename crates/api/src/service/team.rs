//! "My team": a manager's direct reports with their access, open requests and the review items
//! about them waiting for the manager. Only the caller's own enabled direct reports are read;
//! someone who manages nobody gets an empty page. One page of reports costs four statements,
//! however many reports it holds.

use std::collections::BTreeMap;

use tessera_domain::page::PageQuery;
use tessera_domain::team::{
    DEFAULT_TEAM_PAGE, MAX_TEAM_PAGE, TeamAccess, TeamMember, TeamPage, TeamQuery, TeamRequest,
    TeamReview, manager_may_remove,
};
use tessera_domain::{
    AccessPackageId, AssignmentId, CatalogId, PolicyId, RequestId, ReviewInstanceId, ReviewItemId,
};
use uuid::Uuid;

use super::page::PageRequest;
use super::people::person_summary;
use crate::auth::Actor;
use crate::error::{ApiError, ApiResult};
use crate::request_record::{policy_of, request_of};
use crate::state::AppState;
use crate::store;
use crate::store::requests::RequestRow;
use crate::store::team::TeamAssignmentRow;

/// Separates the display name from the username in a cursor: neither holds control characters.
const CURSOR_SEPARATOR: char = '\u{1f}';

/// One page of the caller's direct reports, by name, each with what they hold and ask for.
pub async fn my_team(state: &AppState, actor: &Actor, query: &TeamQuery) -> ApiResult<TeamPage> {
    let limit = query.limit.unwrap_or(DEFAULT_TEAM_PAGE);
    if !(1..=MAX_TEAM_PAGE).contains(&limit) {
        return Err(ApiError::BadRequest {
            field: Some("limit".into()),
            message: format!("must be between 1 and {MAX_TEAM_PAGE}"),
        });
    }
    let page = PageRequest::parse(&PageQuery {
        limit: Some(limit),
        cursor: query.cursor.clone(),
    })?;
    let after = match page.after.as_deref() {
        None => None,
        Some(raw) => Some(
            raw.split_once(CURSOR_SEPARATOR)
                .map(|(name, username)| (name.to_string(), username.to_string()))
                .ok_or_else(super::page::not_a_cursor)?,
        ),
    };
    let caller = *actor.id.as_uuid();
    let rows = store::team::list_reports(&state.db, caller, after, page.fetch()).await?;
    let (reports, next_cursor) = page.finish(rows, |row| {
        format!("{}{CURSOR_SEPARATOR}{}", row.display_name, row.username)
    });
    let ids: Vec<Uuid> = reports.iter().map(|row| row.id).collect();

    let mut access: BTreeMap<Uuid, Vec<TeamAccess>> = BTreeMap::new();
    for row in store::team::list_active_assignments(&state.db, &ids).await? {
        access
            .entry(row.user_id)
            .or_default()
            .push(team_access(&row)?);
    }
    let mut requests: BTreeMap<Uuid, Vec<TeamRequest>> = BTreeMap::new();
    for row in store::team::list_open_requests(&state.db, &ids).await? {
        requests
            .entry(row.target_id)
            .or_default()
            .push(team_request(actor, &row)?);
    }
    let mut reviews: BTreeMap<Uuid, Vec<TeamReview>> = BTreeMap::new();
    for row in store::team::list_reviews_waiting(&state.db, caller, &ids).await? {
        reviews.entry(row.user_id).or_default().push(TeamReview {
            item_id: ReviewItemId::from_uuid(row.id),
            instance_id: ReviewInstanceId::from_uuid(row.instance_id),
            review_name: row.review_name,
            access_name: row.access_name,
        });
    }
    Ok(TeamPage {
        items: reports
            .iter()
            .map(|row| TeamMember {
                person: person_summary(row),
                access: access.remove(&row.id).unwrap_or_default(),
                requests: requests.remove(&row.id).unwrap_or_default(),
                reviews: reviews.remove(&row.id).unwrap_or_default(),
            })
            .collect(),
        next_cursor,
    })
}

fn team_access(row: &TeamAssignmentRow) -> ApiResult<TeamAccess> {
    let removable = match (row.policy_id, row.policy_definition.as_deref()) {
        (Some(id), Some(definition)) => manager_may_remove(&policy_of(definition, id)?),
        // The policy is gone: nothing says managers may act under it.
        _ => false,
    };
    Ok(TeamAccess {
        assignment_id: AssignmentId::from_uuid(row.id),
        access_package_id: AccessPackageId::from_uuid(row.package_id),
        access_package_name: row.package_name.clone(),
        catalog_id: CatalogId::from_uuid(row.catalog_id),
        catalog_name: row.catalog_name.clone(),
        policy_id: row.policy_id.map(PolicyId::from_uuid),
        state: row.state,
        starts_at: row.starts_at,
        ends_at: row.ends_at,
        manager_may_remove: removable,
    })
}

fn team_request(actor: &Actor, row: &RequestRow) -> ApiResult<TeamRequest> {
    let request = request_of(row)?;
    let current = request.current_stage();
    let asked = request.stages().iter().any(|stage| {
        stage.approvers.contains(&actor.id) || stage.escalation_approvers.contains(&actor.id)
    });
    let requested_by_you = request.requester() == actor.id;
    Ok(TeamRequest {
        id: RequestId::from_uuid(row.id),
        access_package_id: AccessPackageId::from_uuid(row.package_id),
        access_package_name: row.package_name.clone(),
        kind: row.kind,
        state: row.state,
        stage: current.map(|index| index + 1),
        stages: request.stages().len(),
        decide_by: current
            .and_then(|index| request.stages().get(index))
            .and_then(|stage| stage.deadline_at()),
        submitted_at: request.submitted_at(),
        requested_by_you,
        you_may_open: requested_by_you || asked || actor.is_admin,
    })
}

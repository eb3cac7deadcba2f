//! "My team": a manager's direct reports with their access, open requests and the review items
//! about them waiting for the manager. Only the caller's own enabled direct reports are read;
//! someone who manages nobody gets an empty page. One page of reports costs four statements,
//! however many reports it holds.

use std::collections::{BTreeMap, BTreeSet};

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
use super::people::{name_key, person_summary, sort_by_name};
use crate::auth::Actor;
use crate::auth::authz::authorize_catalogs;
use crate::auth::authz::catalog_permission::ManageAssignments;
use crate::error::{ApiError, ApiResult};
use crate::request_record::{policy_of, request_of};
use crate::state::AppState;
use crate::store;
use crate::store::requests::RequestRow;
use crate::store::team::TeamAssignmentRow;

/// One page of the caller's direct reports, by name, each with what they hold and ask for.
///
/// All of the caller's reports are read (ids and names: a team, not a directory) and sorted
/// by name here, so that the order ignores case and is the same on both databases. The cursor
/// is the id of the last report of the page, whose name places the next page even if they
/// left the team meanwhile.
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
    let caller = *actor.id.as_uuid();
    let mut rows = store::users::list_direct_reports(&state.db, caller).await?;
    sort_by_name(&mut rows, |row| &row.person);
    if let Some(last) = page.after_id()? {
        let seen = match rows.iter().find(|row| row.person.id == last) {
            Some(row) => name_key(&row.person),
            None => name_key(
                store::users::find_people(&state.db, &[last])
                    .await?
                    .first()
                    .ok_or_else(super::page::not_a_cursor)?,
            ),
        };
        let start = rows.partition_point(|row| name_key(&row.person) <= seen);
        rows.drain(..start);
    }
    rows.truncate(page.fetch() as usize);
    let (reports, next_cursor) = page.finish(rows, |row| row.person.id.to_string());
    let ids: Vec<Uuid> = reports.iter().map(|row| row.person.id).collect();

    let mut access: BTreeMap<Uuid, Vec<TeamAccess>> = BTreeMap::new();
    for row in store::team::list_active_assignments(&state.db, &ids).await? {
        access
            .entry(row.user_id)
            .or_default()
            .push(team_access(&row)?);
    }
    let mut requests: BTreeMap<Uuid, Vec<TeamRequest>> = BTreeMap::new();
    let open = store::team::list_open_requests(&state.db, &ids).await?;
    // The catalogs whose requests the caller administers (as an assignment manager or owner
    // there), asked once for the page, and only when there is a request to say it of.
    let administered: BTreeSet<Uuid> = if open.is_empty() || actor.is_admin {
        BTreeSet::new()
    } else {
        authorize_catalogs::<ManageAssignments>(state, actor)
            .await?
            .catalogs()
            .iter()
            .map(|catalog| *catalog.as_uuid())
            .collect()
    };
    for row in open {
        let administers = actor.is_admin || administered.contains(&row.catalog_id);
        requests
            .entry(row.target_id)
            .or_default()
            .push(team_request(actor, administers, &row)?);
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
                person: person_summary(&row.person),
                email: row.email.clone(),
                access: access.remove(&row.person.id).unwrap_or_default(),
                requests: requests.remove(&row.person.id).unwrap_or_default(),
                reviews: reviews.remove(&row.person.id).unwrap_or_default(),
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

/// One open request for a report; `administers` says whether the caller administers the
/// requests of its catalog, and so may open it like those it made or was asked to approve.
fn team_request(actor: &Actor, administers: bool, row: &RequestRow) -> ApiResult<TeamRequest> {
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
        you_may_open: requested_by_you || asked || administers,
    })
}

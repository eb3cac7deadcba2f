//! My Access: the packages someone may request, whether and how they may request one, their
//! own assignments, and the overview of what needs their attention.

use std::collections::BTreeMap;

use chrono::{Duration, Utc};
use tessera_domain::access::{
    AvailableCatalogs, AvailableCatalogsQuery, AvailableQuery, Blocker, CatalogCount,
    DEFAULT_SUGGESTIONS, Holding, MAX_SUGGESTIONS, MyAssignmentsQuery, Overview, PackageCard,
    PackageCardPage, RequestOptions, RequestablePolicy, SuggestedPackages, SuggestedQuery,
    Suggestion, SuggestionReason,
};
use tessera_domain::assignment::{AssignmentPage, AssignmentState};
use tessera_domain::page::PageQuery;
use tessera_domain::{AccessPackageId, AssignmentId, CatalogId, PolicyId, RequestId, UserId};
use uuid::Uuid;

use super::page::{PageRequest, parse_search};
use super::requests::OwnList;
use crate::auth::Actor;
use crate::auth::request_authz;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store;
use crate::store::access::{PackageCardRow, RequestableFor, SuggestionRow, SuggestionsFor};
use crate::store::assignments::AssignmentFilter;

async fn cards(state: &AppState, rows: &[PackageCardRow]) -> ApiResult<Vec<PackageCard>> {
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let mut resources: BTreeMap<Uuid, Vec<String>> = BTreeMap::new();
    for (package, name) in store::access::resource_names(&state.db, &ids).await? {
        resources.entry(package).or_default().push(name);
    }
    Ok(rows
        .iter()
        .map(|row| PackageCard {
            id: AccessPackageId::from_uuid(row.id),
            catalog_id: CatalogId::from_uuid(row.catalog_id),
            catalog_name: row.catalog_name.clone(),
            name: row.name.clone(),
            description: row.description.clone(),
            resources: resources.remove(&row.id).unwrap_or_default(),
            holding: holding(row),
        })
        .collect())
}

/// What the row says the caller has of its package: holding it wins over asking for it.
fn holding(row: &PackageCardRow) -> Option<Holding> {
    match (row.held_id, row.pending_id) {
        (Some(held), _) => Some(Holding::Held {
            assignment_id: AssignmentId::from_uuid(held),
            ends_at: row.held_until,
        }),
        (None, Some(pending)) => Some(Holding::Pending {
            request_id: RequestId::from_uuid(pending),
        }),
        (None, None) => None,
    }
}

const CURSOR_SEPARATOR: char = '\u{1f}';

/// Whom the "Available" list is for: the caller, or `report` when given, who must be one of
/// the caller's enabled direct reports (422 naming `for` otherwise, as for anyone else).
async fn requestable_for(
    state: &AppState,
    actor: &Actor,
    report: Option<UserId>,
) -> ApiResult<RequestableFor> {
    let Some(report) = report else {
        let me = store::users::find_user(&state.db, *actor.id.as_uuid())
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        return Ok(RequestableFor::themselves(me.id, me.is_member()));
    };
    let row = store::users::find_user(&state.db, *report.as_uuid())
        .await?
        .filter(|user| {
            user.manager_id == Some(*actor.id.as_uuid())
                && user.enabled
                && user.deleted_at.is_none()
        })
        .ok_or_else(|| ApiError::invalid("for", "is not one of your direct reports"))?;
    Ok(RequestableFor {
        user: row.id,
        is_member: row.is_member(),
        by_manager: true,
    })
}

/// The packages the caller may request, by name, searchable by name, description and
/// resource names.
pub async fn available(
    state: &AppState,
    actor: &Actor,
    query: &AvailableQuery,
) -> ApiResult<PackageCardPage> {
    let page = PageRequest::parse(&PageQuery {
        limit: query.limit,
        cursor: query.cursor.clone(),
    })?;
    let search = parse_search(query.q.as_deref())?;
    let after = match page.after.as_deref() {
        None => None,
        Some(raw) => {
            let parsed = raw
                .split_once(CURSOR_SEPARATOR)
                .and_then(|(key, id)| Uuid::parse_str(id).ok().map(|id| (key.to_string(), id)));
            Some(parsed.ok_or_else(super::page::not_a_cursor)?)
        }
    };
    let who = requestable_for(state, actor, query.for_user).await?;
    let rows = store::access::list_available(
        &state.db,
        &who,
        search,
        query.catalog_id.map(|id| *id.as_uuid()),
        after,
        page.fetch(),
    )
    .await?;
    let (rows, next_cursor) = page.finish(rows, |row| {
        format!("{}{CURSOR_SEPARATOR}{}", row.name_key, row.id)
    });
    Ok(PackageCardPage {
        items: cards(state, &rows).await?,
        next_cursor,
    })
}

/// The catalogs of the packages the caller may request (matching `q`), with their counts.
pub async fn available_catalogs(
    state: &AppState,
    actor: &Actor,
    query: &AvailableCatalogsQuery,
) -> ApiResult<AvailableCatalogs> {
    let search = parse_search(query.q.as_deref())?;
    let who = requestable_for(state, actor, query.for_user).await?;
    let rows = store::access::count_available_by_catalog(&state.db, &who, search).await?;
    Ok(AvailableCatalogs {
        items: rows
            .into_iter()
            .map(|(id, name, count)| CatalogCount {
                catalog_id: CatalogId::from_uuid(id),
                catalog_name: name,
                count: u64::try_from(count).unwrap_or_default(),
            })
            .collect(),
    })
}

/// Packages the caller may request and likely needs: held by people of their department,
/// with their manager or reporting to them, or held by themselves before; not what they hold
/// or asked for. At most `limit` (1 to [`MAX_SUGGESTIONS`]), the strongest first.
pub async fn suggested(
    state: &AppState,
    actor: &Actor,
    query: &SuggestedQuery,
) -> ApiResult<SuggestedPackages> {
    let limit = query.limit.unwrap_or(DEFAULT_SUGGESTIONS);
    if !(1..=MAX_SUGGESTIONS).contains(&limit) {
        return Err(ApiError::BadRequest {
            field: Some("limit".into()),
            message: format!("must be between 1 and {MAX_SUGGESTIONS}"),
        });
    }
    let me = store::users::find_user(&state.db, *actor.id.as_uuid())
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    let department = me
        .department
        .as_deref()
        .map(str::trim)
        .filter(|department| !department.is_empty());
    let of = SuggestionsFor {
        user: me.id,
        is_member: me.is_member(),
        department,
        manager: me.manager_id,
    };
    let rows = store::access::list_suggested(&state.db, &of, limit).await?;
    let packages: Vec<PackageCardRow> = rows.iter().map(card_row).collect();
    let cards = cards(state, &packages).await?;
    Ok(SuggestedPackages {
        items: rows
            .iter()
            .zip(cards)
            .map(|(row, package)| Suggestion {
                package,
                reasons: reasons(row, department),
            })
            .collect(),
    })
}

fn card_row(row: &SuggestionRow) -> PackageCardRow {
    PackageCardRow {
        id: row.id,
        catalog_id: row.catalog_id,
        catalog_name: row.catalog_name.clone(),
        name: row.name.clone(),
        name_key: row.name_key.clone(),
        description: row.description.clone(),
        held_id: None,
        held_until: None,
        pending_id: None,
    }
}

fn reasons(row: &SuggestionRow, department: Option<&str>) -> Vec<SuggestionReason> {
    let count = |n: i64| u64::try_from(n).ok().filter(|n| *n > 0);
    let mut reasons = Vec::new();
    if let (Some(department), Some(count)) = (department, count(row.department_count)) {
        reasons.push(SuggestionReason::SameDepartment {
            department: department.to_string(),
            count,
        });
    }
    if let Some(count) = count(row.manager_count) {
        reasons.push(SuggestionReason::SameManager { count });
    }
    if let Some(count) = count(row.report_count) {
        reasons.push(SuggestionReason::DirectReports { count });
    }
    if let (Some(until), Some(count)) = (row.held_until, count(row.past_count)) {
        reasons.push(SuggestionReason::HeldBefore { until, count });
    }
    reasons
}

/// Whether the caller (or their report `target`) can ask for `package` now, why not, and the
/// policies they may use. Hidden packages answer too: a direct link opens them.
pub async fn request_options(
    state: &AppState,
    actor: &Actor,
    package: AccessPackageId,
    target: Option<UserId>,
) -> ApiResult<RequestOptions> {
    let (row, catalog_enabled) = store::access::find_card(&state.db, *package.as_uuid())
        .await?
        .ok_or(ApiError::NotFound("access package"))?;
    let caller = *actor.id.as_uuid();
    let target = target.map_or(caller, |id| *id.as_uuid());
    let target_row = store::users::find_user(&state.db, target)
        .await?
        .filter(|user| target == caller || user.manager_id == Some(caller))
        .ok_or_else(|| ApiError::invalid("target_user_id", "is not one of your direct reports"))?;
    let mut blockers = Vec::new();
    if !catalog_enabled {
        blockers.push(Blocker::CatalogDisabled);
    }
    let mut policies = Vec::new();
    for policy_row in store::policies::list_policies(&state.db, row.id).await? {
        let policy: tessera_domain::policy::ValidPolicy =
            serde_json::from_str(&policy_row.definition).map_err(|_| ApiError::Internal)?;
        let on_behalf_ok = target == caller || policy.requester().on_behalf_of_direct_reports();
        if policy.enabled()
            && on_behalf_ok
            && super::audience::in_audience(
                state,
                policy.audience(),
                target,
                target_row.is_member(),
            )
            .await?
        {
            policies.push(RequestablePolicy {
                id: PolicyId::from_uuid(policy_row.id),
                requires_approval: policy.requires_approval(),
                definition: policy.to_definition(),
            });
        }
    }
    if policies.is_empty() {
        blockers.push(Blocker::NotInScope);
    }
    let filter = AssignmentFilter {
        package: Some(row.id),
        user: Some(target),
        states: vec!["scheduled", "delivered"],
        ..AssignmentFilter::default()
    };
    let mut holding = None;
    if let Some(held) = store::assignments::list_assignments(&state.db, &filter, None, 1)
        .await?
        .first()
    {
        let assignment_id = AssignmentId::from_uuid(held.id);
        blockers.push(Blocker::AlreadyAssigned { assignment_id });
        holding = Some(Holding::Held {
            assignment_id,
            ends_at: held.ends_at,
        });
    }
    if let Some(open) = store::requests::find_open_request(&state.db, row.id, target).await? {
        let request_id = RequestId::from_uuid(open.id);
        blockers.push(Blocker::PendingRequest { request_id });
        if holding.is_none()
            && matches!(
                open.kind,
                tessera_domain::request::RequestKind::UserAdd
                    | tessera_domain::request::RequestKind::AdminAdd
            )
        {
            holding = Some(Holding::Pending { request_id });
        }
    }
    let conflicting = super::conflicts::conflicts_of(state, row.id, target).await?;
    if !conflicting.is_empty() {
        blockers.push(Blocker::Conflict { conflicting });
    }
    let mut package = cards(state, std::slice::from_ref(&row))
        .await?
        .pop()
        .ok_or(ApiError::Internal)?;
    package.holding = holding;
    Ok(RequestOptions {
        package,
        can_request: blockers.is_empty(),
        blockers,
        policies,
    })
}

/// The caller's assignments: `active` (the default), `expired`, or any other state filter.
pub async fn my_assignments(
    state: &AppState,
    actor: &Actor,
    query: &MyAssignmentsQuery,
) -> ApiResult<AssignmentPage> {
    let scope_query = tessera_domain::assignment::AssignmentQuery {
        limit: query.limit,
        cursor: query.cursor.clone(),
        user_id: Some(actor.id),
        state: Some(
            query
                .state
                .unwrap_or(tessera_domain::assignment::StateFilter::Active),
        ),
        ..Default::default()
    };
    super::assignments::list_own(state, &scope_query).await
}

/// What needs the caller's attention.
pub async fn overview(state: &AppState, actor: &Actor) -> ApiResult<Overview> {
    let me = *actor.id.as_uuid();
    let first_page = PageQuery {
        limit: Some(20),
        cursor: None,
    };
    let own = request_authz::own_requests(actor);
    let waiting =
        super::requests::list(state, &own, OwnList::AwaitingDecision, false, &first_page).await?;
    let in_flight = super::requests::list(state, &own, OwnList::Mine, true, &first_page).await?;
    let filter = AssignmentFilter {
        user: Some(me),
        states: vec![AssignmentState::Delivered.as_str()],
        ..AssignmentFilter::default()
    };
    let soon = Utc::now() + Duration::days(14);
    let mut expiring: Vec<_> = store::assignments::list_assignments(&state.db, &filter, None, 500)
        .await?
        .into_iter()
        .filter(|row| row.ends_at.is_some_and(|end| end <= soon))
        .collect();
    expiring.sort_by_key(|row| row.ends_at);
    let expiring_soon = expiring
        .iter()
        .map(super::assignment_view::assignment_view)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Overview {
        approvals_waiting_count: store::requests::count_awaiting_decision(&state.db, me).await?,
        approvals_waiting: waiting.items,
        requests_in_flight: in_flight.items,
        expiring_soon,
        reviews_waiting_count: store::reviews::count_reviews_waiting(&state.db, me).await?,
        unread_notifications: store::notifications::count_unread(&state.db, me).await?,
    })
}

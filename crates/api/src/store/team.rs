//! "My team": for one page of a manager's direct reports at a time, their access, open
//! requests and the review items waiting for the manager (the reports themselves come from
//! `users::list_direct_reports`). Each read takes the whole page of reports at once, so a page
//! costs the same few statements however many people it holds.

use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;
use tessera_domain::assignment::AssignmentState;
use uuid::Uuid;

use super::requests::{RequestRow, SELECT_REQUEST};
use super::{Db, StoreResult, on_db, push_ids};

/// An active assignment of one of the reports.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TeamAssignmentRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub package_id: Uuid,
    pub package_name: String,
    pub catalog_id: Uuid,
    pub catalog_name: String,
    pub policy_id: Option<Uuid>,
    /// The policy's definition, while the policy exists.
    pub policy_definition: Option<String>,
    #[sqlx(try_from = "&'a str")]
    pub state: AssignmentState,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
}

/// The active (scheduled or delivered) assignments of `users`, by package name.
pub async fn list_active_assignments(
    db: &Db,
    users: &[Uuid],
) -> StoreResult<Vec<TeamAssignmentRow>> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let rows = on_db!(db, pool => {
        let mut query = QueryBuilder::new(
            "SELECT a.id, a.user_id, a.package_id, p.name AS package_name, p.catalog_id, \
             c.name AS catalog_name, a.policy_id, ap.definition AS policy_definition, a.state, \
             a.starts_at, a.ends_at \
             FROM assignments a JOIN access_packages p ON p.id = a.package_id \
             JOIN catalogs c ON c.id = p.catalog_id \
             LEFT JOIN assignment_policies ap ON ap.id = a.policy_id \
             WHERE a.state IN ('scheduled', 'delivered') AND a.user_id IN ",
        );
        push_ids(&mut query, users);
        query.push(" ORDER BY p.name_key, a.id");
        query.build_query_as::<TeamAssignmentRow>().fetch_all(pool).await
    })?;
    Ok(rows)
}

/// The requests for `targets` not yet final, newest first.
pub async fn list_open_requests(db: &Db, targets: &[Uuid]) -> StoreResult<Vec<RequestRow>> {
    if targets.is_empty() {
        return Ok(Vec::new());
    }
    let rows = on_db!(db, pool => {
        let mut query = QueryBuilder::new(SELECT_REQUEST);
        query.push(
            " WHERE r.state IN ('submitted', 'pending_approval', 'waiting', 'scheduled', \
             'delivering') AND r.target_id IN ",
        );
        push_ids(&mut query, targets);
        query.push(" ORDER BY r.id DESC");
        query.build_query_as::<RequestRow>().fetch_all(pool).await
    })?;
    Ok(rows)
}

/// A review item about one of the reports that waits for the reviewer's decision.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TeamReviewRow {
    pub id: Uuid,
    pub instance_id: Uuid,
    pub user_id: Uuid,
    pub review_name: String,
    pub access_name: String,
}

/// The items about `users` of reviews in progress that `reviewer` reviews in the current
/// stage and nobody decided in it yet, oldest review first.
pub async fn list_reviews_waiting(
    db: &Db,
    reviewer: Uuid,
    users: &[Uuid],
) -> StoreResult<Vec<TeamReviewRow>> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let rows = on_db!(db, pool => {
        let mut query = QueryBuilder::new(
            "SELECT it.id, it.instance_id, it.user_id, d.name AS review_name, \
             i.resource_name AS access_name \
             FROM review_items it \
             JOIN review_item_reviewers r ON r.item_id = it.id \
             JOIN review_instances i ON i.id = it.instance_id \
             JOIN review_definitions d ON d.id = i.definition_id \
             WHERE i.state = 'in_progress' AND it.outcome = 'not_reviewed' AND r.user_id = ",
        );
        query.push_bind(reviewer).push(" AND it.user_id IN ");
        push_ids(&mut query, users);
        query.push(" ORDER BY i.id, it.id");
        query.build_query_as::<TeamReviewRow>().fetch_all(pool).await
    })?;
    Ok(rows)
}

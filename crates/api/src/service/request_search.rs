//! Everyone's requests, for administrators (all of them) and the assignment managers of a
//! catalog (their catalogs'): the list a script uses to find stuck or failed requests, and its
//! CSV export.

use chrono::{DateTime, Utc};
use tessera_domain::access::{RequestPage, RequestQuery};
use tessera_domain::page::PageQuery;

use super::page::PageRequest;
use crate::auth::authz::catalog_permission::ManageAssignments;
use crate::auth::authz::{AdminProof, CatalogProof, CatalogsProof};
use crate::error::ApiResult;
use crate::state::AppState;
use crate::store;
use crate::store::requests::RequestSearch;

/// The most rows one CSV export holds.
pub const EXPORT_LIMIT: u32 = 10_000;

/// Whose requests a caller may list.
pub enum RequestScope {
    /// Administrators: every request.
    All(AdminProof),
    /// Someone who named a catalog (or a package) where they manage assignments.
    Catalog(CatalogProof<ManageAssignments>),
    /// Someone who named none: the catalogs where they manage assignments.
    Managed(CatalogsProof<ManageAssignments>),
}

fn search(scope: &RequestScope, query: &RequestQuery) -> RequestSearch {
    let catalogs = match scope {
        RequestScope::All(_) => query.catalog_id.map(|id| vec![*id.as_uuid()]),
        RequestScope::Catalog(proof) => Some(vec![*proof.catalog().as_uuid()]),
        RequestScope::Managed(proof) => {
            Some(proof.catalogs().iter().map(|id| *id.as_uuid()).collect())
        }
    };
    RequestSearch {
        catalogs,
        package: query.access_package_id.map(|id| *id.as_uuid()),
        requester: query.requester_id.map(|id| *id.as_uuid()),
        target: query.target_id.map(|id| *id.as_uuid()),
        state: query.state.map(|state| state.as_str()),
        open: query.open,
        created_after: query.created_after,
        created_before: query.created_before,
    }
}

/// A page of the requests the filters match, newest first.
pub async fn list_requests(
    scope: &RequestScope,
    state: &AppState,
    query: &RequestQuery,
) -> ApiResult<RequestPage> {
    let page = PageRequest::parse(&PageQuery {
        limit: query.limit,
        cursor: query.cursor.clone(),
    })?;
    let before = page.after_id()?;
    let rows =
        store::requests::search_requests(&state.db, &search(scope, query), before, page.fetch())
            .await?;
    let (rows, next_cursor) = page.finish(rows, |row| row.id.to_string());
    super::requests::page_of(state, &rows, next_cursor).await
}

pub struct Export {
    pub csv: Vec<u8>,
    pub truncated: bool,
}

const REQUEST_CSV_HEADER: [&str; 16] = [
    "request_id",
    "access_package_id",
    "access_package",
    "catalog_id",
    "policy",
    "kind",
    "state",
    "requester_id",
    "requester",
    "target_id",
    "target",
    "submitted_at",
    "updated_at",
    "ends_at",
    "outcome",
    "justification",
];

fn instant(at: Option<DateTime<Utc>>) -> String {
    at.map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// The requests the filters match, newest first, as CSV; at most [`EXPORT_LIMIT`].
pub async fn export_requests(
    scope: &RequestScope,
    state: &AppState,
    query: &RequestQuery,
) -> ApiResult<Export> {
    let mut rows =
        store::requests::export_requests(&state.db, &search(scope, query), EXPORT_LIMIT + 1)
            .await?;
    let truncated = rows.len() > EXPORT_LIMIT as usize;
    rows.truncate(EXPORT_LIMIT as usize);
    let records = rows.into_iter().map(|row| {
        vec![
            row.id.to_string(),
            row.package_id.to_string(),
            row.package_name,
            row.catalog_id.to_string(),
            row.policy_name,
            row.kind.as_str().to_owned(),
            row.state.as_str().to_owned(),
            row.requester_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
            row.requester_username.unwrap_or_default(),
            row.target_id.to_string(),
            row.target_username.unwrap_or_default(),
            instant(Some(row.created_at)),
            instant(Some(row.updated_at)),
            instant(row.ends_at),
            row.outcome.unwrap_or_default(),
            row.justification.unwrap_or_default(),
        ]
    });
    let csv = super::csv::write(&REQUEST_CSV_HEADER, records)?;
    Ok(Export { csv, truncated })
}

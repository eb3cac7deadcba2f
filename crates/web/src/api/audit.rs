//! `/api/v1/audit-events` (administrators only).

use tessera_domain::audit::{AuditExportQuery, AuditPage};
use tessera_domain::page::PageQuery;

use super::ApiError;
use super::client;
use crate::audit::query_pairs;

/// `GET /api/v1/audit-events?actor_id=&action=&target_type=&target_id=&since=&until=&limit=&cursor=`,
/// newest first. The CSV export of the same filters is a plain link: see
/// [`crate::audit::csv_href`].
pub async fn list(filters: &AuditExportQuery, page: &PageQuery) -> Result<AuditPage, ApiError> {
    let mut query = query_pairs(filters);
    query.push((
        "limit",
        page.limit.map(|l| l.to_string()).unwrap_or_default(),
    ));
    query.push(("cursor", page.cursor.clone().unwrap_or_default()));
    client::get_with("/audit-events", &query).await
}

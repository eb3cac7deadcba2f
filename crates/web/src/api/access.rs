//! "My Access" reads: the packages one may request, whether and how one may request one, one's
//! own assignments, and the overview of what needs one's attention. Anyone signed in.

use tessera_domain::access::{
    AvailableCatalogs, Overview, PackageCardPage, RequestOptions, SuggestedPackages,
};
use tessera_domain::assignment::{AssignmentPage, StateFilter};
use tessera_domain::page::PageQuery;
use tessera_domain::{AccessPackageId, CatalogId, UserId};

use super::ApiError;
use super::client::{self, search_query};
use crate::my_access::state_filter_value;

/// `GET /api/v1/me/available-packages?q=&catalog_id=&for=&limit=&cursor=`: by name; for a
/// direct report (`for`), what one may request for them, marked with what they have.
pub async fn available(
    q: &str,
    catalog: Option<CatalogId>,
    report: Option<UserId>,
    page: &PageQuery,
) -> Result<PackageCardPage, ApiError> {
    let mut query = search_query(q, page);
    query.push((
        "catalog_id",
        catalog.map(|id| id.to_string()).unwrap_or_default(),
    ));
    query.push(("for", report.map(|id| id.to_string()).unwrap_or_default()));
    client::get_with("/me/available-packages", &query).await
}

/// `GET /api/v1/me/available-catalogs?q=&for=`: the catalogs of the packages one may request
/// (for a direct report, with `for`), matching `q`, each with its count.
pub async fn available_catalogs(
    q: &str,
    report: Option<UserId>,
) -> Result<AvailableCatalogs, ApiError> {
    client::get_with(
        "/me/available-catalogs",
        &[
            ("q", q.trim().to_string()),
            ("for", report.map(|id| id.to_string()).unwrap_or_default()),
        ],
    )
    .await
}

/// `GET /api/v1/me/suggested-packages`.
pub async fn suggested() -> Result<SuggestedPackages, ApiError> {
    client::get("/me/suggested-packages", None).await
}

/// `GET /api/v1/access-packages/{id}/request-options[?target_user_id=]`: for oneself, or for
/// a direct report. Hidden packages answer too.
pub async fn request_options(
    id: AccessPackageId,
    target: Option<UserId>,
) -> Result<RequestOptions, ApiError> {
    client::get_with(
        &format!("/access-packages/{id}/request-options"),
        &[(
            "target_user_id",
            target.map(|id| id.to_string()).unwrap_or_default(),
        )],
    )
    .await
}

/// `GET /api/v1/me/assignments?state=&limit=&cursor=`, newest first.
pub async fn my_assignments(
    state: StateFilter,
    page: &PageQuery,
) -> Result<AssignmentPage, ApiError> {
    client::get_with(
        "/me/assignments",
        &[
            ("state", state_filter_value(state).to_string()),
            (
                "limit",
                page.limit.map(|l| l.to_string()).unwrap_or_default(),
            ),
            ("cursor", page.cursor.clone().unwrap_or_default()),
        ],
    )
    .await
}

/// `GET /api/v1/me/overview`.
pub async fn overview() -> Result<Overview, ApiError> {
    client::get("/me/overview", None).await
}

//! `/api/v1/assignments` and the assignments and separation-of-duties report of one access
//! package. Catalog owners, access package managers, assignment managers and administrators.

use tessera_domain::assignment::{
    AssignmentPage, AssignmentQuery, AssignmentView, ConflictView, NewAssignment, RemoveAssignment,
    ReprocessReport,
};
use tessera_domain::page::PageQuery;
use tessera_domain::{AccessPackageId, AssignmentId};

use super::ApiError;
use super::client::{self, Write};
use crate::assignments::query_pairs;

/// What a direct assignment came to.
#[derive(Clone, Debug, PartialEq)]
pub enum Created {
    /// `201`: delivered, or scheduled for a later start.
    Assigned(Box<AssignmentView>),
    /// `202`: the policy requires approval, so a request now waits for its approvers. The
    /// request in the body is not read here.
    AwaitingApproval,
}

/// `POST /api/v1/access-packages/{id}/assignments`: a direct assignment.
pub async fn create(package: AccessPackageId, new: &NewAssignment) -> Result<Created, ApiError> {
    let (status, body) =
        client::post_for_status(&format!("/access-packages/{package}/assignments"), new).await?;
    if status == 202 {
        return Ok(Created::AwaitingApproval);
    }
    serde_json::from_value(body)
        .map(|assignment| Created::Assigned(Box::new(assignment)))
        .map_err(|error| ApiError::Network(error.to_string()))
}

/// `GET /api/v1/assignments?catalog_id=&access_package_id=&user_id=&state=&limit=&cursor=`,
/// newest first. The CSV export of the same filters is a plain link: see
/// [`crate::assignments::csv_href`].
pub async fn list(filters: &AssignmentQuery, page: &PageQuery) -> Result<AssignmentPage, ApiError> {
    let mut query = query_pairs(filters);
    query.push((
        "limit",
        page.limit.map(|l| l.to_string()).unwrap_or_default(),
    ));
    query.push(("cursor", page.cursor.clone().unwrap_or_default()));
    client::get_with("/assignments", &query).await
}

/// `POST /api/v1/assignments/{id}/remove`.
pub async fn remove(
    id: AssignmentId,
    removal: &RemoveAssignment,
) -> Result<AssignmentView, ApiError> {
    client::write(Write::Post, &format!("/assignments/{id}/remove"), removal).await
}

/// `GET /api/v1/access-packages/{id}/conflicts`: the separation-of-duties report. Its CSV is a
/// plain link: see [`crate::assignments::conflicts_csv_href`].
pub async fn conflicts(package: AccessPackageId) -> Result<Vec<ConflictView>, ApiError> {
    client::get(&format!("/access-packages/{package}/conflicts"), None).await
}

/// `POST /api/v1/access-packages/{id}/reprocess`: puts the directory back to what the package's
/// assignments say; with `dry_run`, only reports the difference.
pub async fn reprocess_package(
    package: AccessPackageId,
    dry_run: bool,
) -> Result<ReprocessReport, ApiError> {
    let path = format!("/access-packages/{package}/reprocess?dry_run={dry_run}");
    client::write(Write::Post, &path, &serde_json::json!({})).await
}

/// `POST /api/v1/assignments/{id}/reprocess`: the same for one assignment.
pub async fn reprocess_assignment(
    id: AssignmentId,
    dry_run: bool,
) -> Result<ReprocessReport, ApiError> {
    let path = format!("/assignments/{id}/reprocess?dry_run={dry_run}");
    client::write(Write::Post, &path, &serde_json::json!({})).await
}

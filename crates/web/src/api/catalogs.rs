//! `/api/v1/catalogs`: catalogs, their delegated roles, resources and access packages.

use tessera_domain::catalog::{
    CatalogChanges, CatalogResource, CatalogRole, CatalogRoleHolder, CatalogView, NewCatalog,
    NewCatalogResource, ResourceKind,
};
use tessera_domain::package::{AccessPackageView, NewAccessPackage};
use tessera_domain::page::{AccessPackagePage, CatalogPage, PageQuery};
use tessera_domain::{CatalogId, UserId};

use super::ApiError;
use super::client::{self, Write, search_query};

/// `GET /api/v1/catalogs?q=&limit=&cursor=`: only the catalogs the caller may see.
pub async fn list(q: &str, page: &PageQuery) -> Result<CatalogPage, ApiError> {
    client::get_with("/catalogs", &search_query(q, page)).await
}

/// `POST /api/v1/catalogs`.
pub async fn create(new: &NewCatalog) -> Result<CatalogView, ApiError> {
    client::write(Write::Post, "/catalogs", new).await
}

/// `GET /api/v1/catalogs/{id}`.
pub async fn get(id: CatalogId) -> Result<CatalogView, ApiError> {
    client::get(&format!("/catalogs/{id}"), None).await
}

/// `PATCH /api/v1/catalogs/{id}`.
pub async fn update(id: CatalogId, changes: &CatalogChanges) -> Result<CatalogView, ApiError> {
    client::write(Write::Patch, &format!("/catalogs/{id}"), changes).await
}

/// `DELETE /api/v1/catalogs/{id}`: refused with `409` while it holds access packages.
pub async fn delete(id: CatalogId) -> Result<(), ApiError> {
    client::delete(&format!("/catalogs/{id}")).await
}

/// `GET /api/v1/catalogs/{id}/roles`.
pub async fn roles(id: CatalogId) -> Result<Vec<CatalogRoleHolder>, ApiError> {
    client::get(&format!("/catalogs/{id}/roles"), None).await
}

/// `PUT /api/v1/catalogs/{id}/roles/{role}/{user_id}`.
pub async fn grant(id: CatalogId, role: CatalogRole, user: UserId) -> Result<(), ApiError> {
    client::put_link(&format!("/catalogs/{id}/roles/{}/{user}", role.as_str())).await
}

/// `DELETE /api/v1/catalogs/{id}/roles/{role}/{user_id}`.
pub async fn revoke(id: CatalogId, role: CatalogRole, user: UserId) -> Result<(), ApiError> {
    client::delete(&format!("/catalogs/{id}/roles/{}/{user}", role.as_str())).await
}

/// `GET /api/v1/catalogs/{id}/resources`.
pub async fn resources(id: CatalogId) -> Result<Vec<CatalogResource>, ApiError> {
    client::get(&format!("/catalogs/{id}/resources"), None).await
}

/// `POST /api/v1/catalogs/{id}/resources`.
pub async fn add_resource(
    id: CatalogId,
    resource: &NewCatalogResource,
) -> Result<CatalogResource, ApiError> {
    client::write(Write::Post, &format!("/catalogs/{id}/resources"), resource).await
}

/// `DELETE /api/v1/catalogs/{id}/resources/{kind}/{resource_id}`: refused with `409` while an
/// access package uses it.
pub async fn remove_resource(
    id: CatalogId,
    kind: ResourceKind,
    resource: uuid::Uuid,
) -> Result<(), ApiError> {
    client::delete(&format!(
        "/catalogs/{id}/resources/{}/{resource}",
        kind.as_str()
    ))
    .await
}

/// `GET /api/v1/catalogs/{id}/access-packages`.
pub async fn packages(id: CatalogId, page: &PageQuery) -> Result<AccessPackagePage, ApiError> {
    client::get(&format!("/catalogs/{id}/access-packages"), Some(page)).await
}

/// `POST /api/v1/catalogs/{id}/access-packages`.
pub async fn create_package(
    id: CatalogId,
    new: &NewAccessPackage,
) -> Result<AccessPackageView, ApiError> {
    client::write(Write::Post, &format!("/catalogs/{id}/access-packages"), new).await
}

/// `GET /api/v1/catalog-creators` (administrators only).
pub async fn creators() -> Result<Vec<tessera_domain::roles::GlobalRoleHolder>, ApiError> {
    client::get("/catalog-creators", None).await
}

/// `PUT /api/v1/catalog-creators/{user_id}`.
pub async fn add_creator(user: UserId) -> Result<(), ApiError> {
    client::put_link(&format!("/catalog-creators/{user}")).await
}

/// `DELETE /api/v1/catalog-creators/{user_id}`.
pub async fn remove_creator(user: UserId) -> Result<(), ApiError> {
    client::delete(&format!("/catalog-creators/{user}")).await
}

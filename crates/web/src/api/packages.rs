//! `/api/v1/access-packages`: one package, its resource roles and assignment policies, and
//! the access review a policy carries.

use tessera_domain::package::{
    AccessPackageChanges, AccessPackageView, NewResourceRole, PolicyView, ResourceRoleView,
};
use tessera_domain::page::{AccessPackagePage, PageQuery};
use tessera_domain::policy::{ExtensionSecret, PolicyDefinition};
use tessera_domain::review::{PolicyReviewInput, ReviewDefinitionView};
use tessera_domain::{AccessPackageId, PolicyId};

use super::ApiError;
use super::client::{self, Write};

/// `GET /api/v1/access-packages/{id}`.
pub async fn get(id: AccessPackageId) -> Result<AccessPackageView, ApiError> {
    client::get(&format!("/access-packages/{id}"), None).await
}

/// `PATCH /api/v1/access-packages/{id}`.
pub async fn update(
    id: AccessPackageId,
    changes: &AccessPackageChanges,
) -> Result<AccessPackageView, ApiError> {
    client::write(Write::Patch, &format!("/access-packages/{id}"), changes).await
}

/// `DELETE /api/v1/access-packages/{id}`.
pub async fn delete(id: AccessPackageId) -> Result<(), ApiError> {
    client::delete(&format!("/access-packages/{id}")).await
}

/// `POST /api/v1/access-packages/{id}/resource-roles`.
pub async fn add_role(
    id: AccessPackageId,
    role: &NewResourceRole,
) -> Result<ResourceRoleView, ApiError> {
    client::write(
        Write::Post,
        &format!("/access-packages/{id}/resource-roles"),
        role,
    )
    .await
}

/// `DELETE /api/v1/access-packages/{id}/resource-roles/{role_id}`.
pub async fn remove_role(id: AccessPackageId, role: uuid::Uuid) -> Result<(), ApiError> {
    client::delete(&format!("/access-packages/{id}/resource-roles/{role}")).await
}

/// `GET /api/v1/access-packages/{id}/policies`.
pub async fn policies(id: AccessPackageId) -> Result<Vec<PolicyView>, ApiError> {
    client::get(&format!("/access-packages/{id}/policies"), None).await
}

/// `POST /api/v1/access-packages/{id}/policies`.
pub async fn create_policy(
    id: AccessPackageId,
    definition: &PolicyDefinition,
) -> Result<PolicyView, ApiError> {
    client::write(
        Write::Post,
        &format!("/access-packages/{id}/policies"),
        definition,
    )
    .await
}

/// `PUT /api/v1/access-packages/{id}/policies/{policy_id}`.
pub async fn replace_policy(
    id: AccessPackageId,
    policy: PolicyId,
    definition: &PolicyDefinition,
) -> Result<PolicyView, ApiError> {
    client::write(
        Write::Put,
        &format!("/access-packages/{id}/policies/{policy}"),
        definition,
    )
    .await
}

/// `DELETE /api/v1/access-packages/{id}/policies/{policy_id}`.
pub async fn delete_policy(id: AccessPackageId, policy: PolicyId) -> Result<(), ApiError> {
    client::delete(&format!("/access-packages/{id}/policies/{policy}")).await
}

/// `POST /api/v1/access-packages/{id}/policies/{policy_id}/extension-secret`: a new secret for
/// the policy's custom extension calls, shown this once; the previous one stops signing.
pub async fn rotate_extension_secret(
    id: AccessPackageId,
    policy: PolicyId,
) -> Result<ExtensionSecret, ApiError> {
    client::write(
        Write::Post,
        &format!("/access-packages/{id}/policies/{policy}/extension-secret"),
        &serde_json::json!({}),
    )
    .await
}

fn review_path(id: AccessPackageId, policy: PolicyId) -> String {
    format!("/access-packages/{id}/policies/{policy}/access-review")
}

/// `GET /api/v1/access-packages/{id}/policies/{policy_id}/access-review`: the review the
/// policy carries, `None` when it carries none (the server's `404`).
pub async fn policy_review(
    id: AccessPackageId,
    policy: PolicyId,
) -> Result<Option<ReviewDefinitionView>, ApiError> {
    match client::get(&review_path(id, policy), None).await {
        Ok(view) => Ok(Some(view)),
        Err(error) if error.status() == Some(404) => Ok(None),
        Err(error) => Err(error),
    }
}

/// `PUT /api/v1/access-packages/{id}/policies/{policy_id}/access-review`: sets it up, or
/// replaces it.
pub async fn put_policy_review(
    id: AccessPackageId,
    policy: PolicyId,
    input: &PolicyReviewInput,
) -> Result<ReviewDefinitionView, ApiError> {
    client::write(Write::Put, &review_path(id, policy), input).await
}

/// `DELETE /api/v1/access-packages/{id}/policies/{policy_id}/access-review`.
pub async fn delete_policy_review(id: AccessPackageId, policy: PolicyId) -> Result<(), ApiError> {
    client::delete(&review_path(id, policy)).await
}

/// `GET /api/v1/access-packages?q=&limit=`: packages across the catalogs one may see, by name.
pub async fn search(q: &str, page: &PageQuery) -> Result<AccessPackagePage, ApiError> {
    client::get_with("/access-packages", &client::search_query(q, page)).await
}

//! `/api/v1/connectors` and their bindings and reconciliation (administrators only), an
//! assignment's deliveries (those who may see the assignment), and the administrators'
//! decisions on provisioning operations.

use tessera_domain::connector::{
    ConnectionTestReport, ConnectorBindingView, ConnectorUpdate, ConnectorView, DeliveryView,
    NewConnector, NewConnectorBinding,
};
use tessera_domain::page::{ConnectorBindingPage, ConnectorPage, DeliveryPage, PageQuery};
use tessera_domain::reconcile::ReconciliationReport;
use tessera_domain::{AssignmentId, ConnectorBindingId, ConnectorId, ProvisioningOperationId};

use super::ApiError;
use super::client::{self, Write};

/// `GET /api/v1/connectors?limit=&cursor=`, newest first.
pub async fn list(page: &PageQuery) -> Result<ConnectorPage, ApiError> {
    client::get("/connectors", Some(page)).await
}

/// `POST /api/v1/connectors`.
pub async fn create(new: &NewConnector) -> Result<ConnectorView, ApiError> {
    client::write(Write::Post, "/connectors", new).await
}

/// `GET /api/v1/connectors/{id}`.
pub async fn get(id: ConnectorId) -> Result<ConnectorView, ApiError> {
    client::get(&format!("/connectors/{id}"), None).await
}

/// `PATCH /api/v1/connectors/{id}`.
pub async fn update(id: ConnectorId, changes: &ConnectorUpdate) -> Result<ConnectorView, ApiError> {
    client::write(Write::Patch, &format!("/connectors/{id}"), changes).await
}

/// `DELETE /api/v1/connectors/{id}`.
pub async fn delete(id: ConnectorId) -> Result<(), ApiError> {
    client::delete(&format!("/connectors/{id}")).await
}

/// `POST /api/v1/connectors/{id}/test`: what was checked, or a `502` problem whose detail is
/// what the target answered.
pub async fn test(id: ConnectorId) -> Result<ConnectionTestReport, ApiError> {
    client::write(
        Write::Post,
        &format!("/connectors/{id}/test"),
        &serde_json::json!({}),
    )
    .await
}

/// `GET /api/v1/connectors/{id}/bindings`: every binding, oldest first.
pub async fn bindings(id: ConnectorId) -> Result<ConnectorBindingPage, ApiError> {
    client::get(&format!("/connectors/{id}/bindings"), None).await
}

/// `POST /api/v1/connectors/{id}/bindings`.
pub async fn bind(
    id: ConnectorId,
    new: &NewConnectorBinding,
) -> Result<ConnectorBindingView, ApiError> {
    client::write(Write::Post, &format!("/connectors/{id}/bindings"), new).await
}

/// `DELETE /api/v1/connectors/{id}/bindings/{binding_id}`.
pub async fn unbind(id: ConnectorId, binding: ConnectorBindingId) -> Result<(), ApiError> {
    client::delete(&format!("/connectors/{id}/bindings/{binding}")).await
}

/// `GET /api/v1/connectors/{id}/bindings/{binding_id}/reconciliation`: a dry run. The CSV of
/// the same is a plain link: see [`crate::connectors::reconciliation_csv_href`].
pub async fn reconciliation(
    id: ConnectorId,
    binding: ConnectorBindingId,
) -> Result<ReconciliationReport, ApiError> {
    client::get(
        &format!("/connectors/{id}/bindings/{binding}/reconciliation"),
        None,
    )
    .await
}

/// `POST /api/v1/connectors/{id}/bindings/{binding_id}/reconciliation`: adds the missing people
/// and removes the unexpected members at the target.
pub async fn apply_reconciliation(
    id: ConnectorId,
    binding: ConnectorBindingId,
) -> Result<ReconciliationReport, ApiError> {
    client::write(
        Write::Post,
        &format!("/connectors/{id}/bindings/{binding}/reconciliation"),
        &serde_json::json!({}),
    )
    .await
}

/// `GET /api/v1/assignments/{id}/deliveries`: every provisioning operation of the assignment,
/// oldest first.
pub async fn deliveries(assignment: AssignmentId) -> Result<DeliveryPage, ApiError> {
    client::get(&format!("/assignments/{assignment}/deliveries"), None).await
}

/// `POST /api/v1/provisioning-operations/{id}/retry`.
pub async fn retry(operation: ProvisioningOperationId) -> Result<DeliveryView, ApiError> {
    client::write(
        Write::Post,
        &format!("/provisioning-operations/{operation}/retry"),
        &serde_json::json!({}),
    )
    .await
}

/// `POST /api/v1/provisioning-operations/{id}/skip`.
pub async fn skip(operation: ProvisioningOperationId) -> Result<DeliveryView, ApiError> {
    client::write(
        Write::Post,
        &format!("/provisioning-operations/{operation}/skip"),
        &serde_json::json!({}),
    )
    .await
}

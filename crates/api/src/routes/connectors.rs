//! Connected systems (connectors), their bindings, and provisioning operations.
//! Administrators only, except an assignment's delivery status (see
//! [`list_assignment_deliveries`]).

use actix_web::{HttpResponse, delete, get, patch, post, web};
use tessera_domain::connector::{
    ConnectionTestReport, ConnectorBindingView, ConnectorUpdate, ConnectorView, DeliveryView,
    NewConnector, NewConnectorBinding, OperationQuery,
};
use tessera_domain::page::{
    ConnectorBindingPage, ConnectorPage, DeliveryPage, PageQuery, ProvisioningOperationPage,
};
use tessera_domain::problem::Problem;
use tessera_domain::reconcile::ReconciliationReport;
use tessera_domain::{AssignmentId, ConnectorBindingId, ConnectorId, ProvisioningOperationId};

use crate::auth::Actor;
use crate::auth::authz::require_admin;
use crate::error::ApiResult;
use crate::extract::{Json, Query};
use crate::service;
use crate::state::AppState;
use crate::store::provisioning::Decision;

/// The connectors, newest first. Secrets are never listed (`has_secret` says whether one is
/// stored).
#[utoipa::path(
    operation_id = "list_connectors",
    tag = "connectors",
    params(PageQuery),
    responses(
        (status = 200, description = "One page of connectors", body = ConnectorPage),
        (status = 400, description = "Bad limit or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/connectors")]
pub async fn list_connectors(
    state: web::Data<AppState>,
    actor: Actor,
    query: Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let page = service::provisioning::list_connectors(&proof, &state, &query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Configures a connected system. The secret is stored write-only.
#[utoipa::path(
    operation_id = "create_connector",
    tag = "connectors",
    request_body = NewConnector,
    responses(
        (status = 201, description = "Created", body = ConnectorView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another connector has the name", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, named in `errors`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/connectors")]
pub async fn create_connector(
    state: web::Data<AppState>,
    actor: Actor,
    input: Json<NewConnector>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let view = service::provisioning::create_connector(&proof, &state, &actor, input.0).await?;
    Ok(HttpResponse::Created().json(view))
}

/// One connector, without its secret.
#[utoipa::path(
    operation_id = "get_connector",
    tag = "connectors",
    params(("id" = ConnectorId, Path, description = "The connector's id")),
    responses(
        (status = 200, description = "The connector", body = ConnectorView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such connector", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/connectors/{id}")]
pub async fn get_connector(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<ConnectorId>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let view = service::provisioning::get_connector(&proof, &state, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Changes a connector's name, settings or secret, or enables or disables it. While
/// disabled, its operations wait. A change of where or how the secret is sent (the protocol,
/// an LDAP URL, bind DN, StartTLS or CA certificate, a SCIM base URL) must carry `secret`.
#[utoipa::path(
    operation_id = "update_connector",
    tag = "connectors",
    params(("id" = ConnectorId, Path, description = "The connector's id")),
    request_body = ConnectorUpdate,
    responses(
        (status = 200, description = "The changed connector", body = ConnectorView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such connector", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Changed meanwhile, or the name is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, named in `errors`; `secret` when the endpoint changes without it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/connectors/{id}")]
pub async fn update_connector(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<ConnectorId>,
    input: Json<ConnectorUpdate>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let view =
        service::provisioning::update_connector(&proof, &state, &actor, id.into_inner(), input.0)
            .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Deletes a connector with its bindings; operations not pushed yet are dropped.
#[utoipa::path(
    operation_id = "delete_connector",
    tag = "connectors",
    params(("id" = ConnectorId, Path, description = "The connector's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such connector", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/connectors/{id}")]
pub async fn delete_connector(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<ConnectorId>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    service::provisioning::delete_connector(&proof, &state, &actor, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Connects, authenticates and reads something harmless at the target.
#[utoipa::path(
    operation_id = "test_connector",
    tag = "connectors",
    params(("id" = ConnectorId, Path, description = "The connector's id")),
    responses(
        (status = 200, description = "The target answered; what was checked", body = ConnectionTestReport),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such connector", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "The target refused or could not be reached; `detail` says what it answered", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/connectors/{id}/test")]
pub async fn test_connector(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<ConnectorId>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let report = service::provisioning::test_connector(&proof, &state, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(report))
}

/// The groups and app roles bound to targets of this connector.
#[utoipa::path(
    operation_id = "list_connector_bindings",
    tag = "connectors",
    params(("id" = ConnectorId, Path, description = "The connector's id")),
    responses(
        (status = 200, description = "Every binding, oldest first", body = ConnectorBindingPage),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such connector", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/connectors/{id}/bindings")]
pub async fn list_connector_bindings(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<ConnectorId>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let page = service::provisioning::list_bindings(&proof, &state, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Binds a group or an app role to a target of this connector: from now on, granting and
/// revoking it pushes the membership change there.
#[utoipa::path(
    operation_id = "create_connector_binding",
    tag = "connectors",
    params(("id" = ConnectorId, Path, description = "The connector's id")),
    request_body = NewConnectorBinding,
    responses(
        (status = 201, description = "Bound", body = ConnectorBindingView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such connector", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The connector binds the group or app role already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, named in `errors`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/connectors/{id}/bindings")]
pub async fn create_connector_binding(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<ConnectorId>,
    input: Json<NewConnectorBinding>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let view =
        service::provisioning::create_binding(&proof, &state, &actor, id.into_inner(), input.0)
            .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Removes a binding; its operations not pushed yet are dropped.
#[utoipa::path(
    operation_id = "delete_connector_binding",
    tag = "connectors",
    params(
        ("id" = ConnectorId, Path, description = "The connector's id"),
        ("binding_id" = ConnectorBindingId, Path, description = "The binding's id"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such binding of this connector", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/connectors/{id}/bindings/{binding_id}")]
pub async fn delete_connector_binding(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(ConnectorId, ConnectorBindingId)>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let (id, binding) = path.into_inner();
    service::provisioning::delete_binding(&proof, &state, &actor, id, binding).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A dry run of reconciliation: what the binding's target holds compared with the people
/// Tessera's group or app role has (missing and unexpected members). Changes nothing.
#[utoipa::path(
    operation_id = "get_connector_binding_reconciliation",
    tag = "connectors",
    params(
        ("id" = ConnectorId, Path, description = "The connector's id"),
        ("binding_id" = ConnectorBindingId, Path, description = "The binding's id"),
    ),
    responses(
        (status = 200, description = "The difference", body = ReconciliationReport),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such binding of this connector", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "The target could not be read; `detail` says what it answered", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/connectors/{id}/bindings/{binding_id}/reconciliation")]
pub async fn get_connector_binding_reconciliation(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(ConnectorId, ConnectorBindingId)>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let (id, binding) = path.into_inner();
    let report =
        service::provisioning::reconcile_binding(&proof, &state, &actor, id, binding, false)
            .await?;
    Ok(HttpResponse::Ok().json(report))
}

/// The dry run of reconciliation as CSV: one row per missing or unexpected member.
#[utoipa::path(
    operation_id = "export_connector_binding_reconciliation",
    tag = "connectors",
    params(
        ("id" = ConnectorId, Path, description = "The connector's id"),
        ("binding_id" = ConnectorBindingId, Path, description = "The binding's id"),
    ),
    responses(
        (status = 200, description = "The difference as CSV", body = String, content_type = "text/csv"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such binding of this connector", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "The target could not be read; `detail` says what it answered", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/connectors/{id}/bindings/{binding_id}/reconciliation.csv")]
pub async fn export_connector_binding_reconciliation(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(ConnectorId, ConnectorBindingId)>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let (id, binding) = path.into_inner();
    let report =
        service::provisioning::reconcile_binding(&proof, &state, &actor, id, binding, false)
            .await?;
    let csv = service::reconcile::report_csv(&report)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            "attachment; filename=\"reconciliation.csv\"",
        ))
        .body(csv))
}

/// Reconciles the binding's target: adds the missing members and removes the unexpected ones
/// through the connector, then answers what was done and what failed. Audited.
#[utoipa::path(
    operation_id = "apply_connector_binding_reconciliation",
    tag = "connectors",
    params(
        ("id" = ConnectorId, Path, description = "The connector's id"),
        ("binding_id" = ConnectorBindingId, Path, description = "The binding's id"),
    ),
    responses(
        (status = 200, description = "Applied; `errors` lists the changes the target refused", body = ReconciliationReport),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such binding of this connector", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "The target could not be read; `detail` says what it answered", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/connectors/{id}/bindings/{binding_id}/reconciliation")]
pub async fn apply_connector_binding_reconciliation(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(ConnectorId, ConnectorBindingId)>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let (id, binding) = path.into_inner();
    let report =
        service::provisioning::reconcile_binding(&proof, &state, &actor, id, binding, true).await?;
    Ok(HttpResponse::Ok().json(report))
}

/// Where an assignment's access was pushed: per connected system and target, the action,
/// its state, attempts, the target's last error and the next attempt. The holder, whoever may
/// read a request that delivered it (its requester and approvers), the catalog's owners and
/// managers, and administrators.
#[utoipa::path(
    operation_id = "list_assignment_deliveries",
    tag = "connectors",
    params(("id" = AssignmentId, Path, description = "The assignment's id")),
    responses(
        (status = 200, description = "Every operation of the assignment, oldest first", body = DeliveryPage),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your catalog role does not allow it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assignment that you may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/assignments/{id}/deliveries")]
pub async fn list_assignment_deliveries(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<AssignmentId>,
) -> ApiResult<HttpResponse> {
    let page = service::provisioning::list_deliveries(&state, &actor, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// A connector's provisioning operations, newest first, with whom each is for; `state`
/// narrows them (`failed`: those an administrator should retry or skip). Lists what no
/// assignment's deliveries show: a leaver's deactivation, a review's removal.
#[utoipa::path(
    operation_id = "list_connector_operations",
    tag = "connectors",
    params(("id" = ConnectorId, Path, description = "The connector's id"), OperationQuery),
    responses(
        (status = 200, description = "One page of operations", body = ProvisioningOperationPage),
        (status = 400, description = "Bad state, limit or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such connector", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/connectors/{id}/operations")]
pub async fn list_connector_operations(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<ConnectorId>,
    query: Query<OperationQuery>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let page =
        service::provisioning::list_operations(&proof, &state, id.into_inner(), &query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Makes a failed operation due again now, its attempts counted afresh. Audited. Refused
/// (`superseded`) when a newer operation for the same person and target exists.
#[utoipa::path(
    operation_id = "retry_provisioning_operation",
    tag = "connectors",
    params(("id" = ProvisioningOperationId, Path, description = "The operation's id")),
    responses(
        (status = 200, description = "Pending again", body = DeliveryView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such operation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not failed, or changed meanwhile (`changed`); a newer operation for the same person and target exists (`superseded`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/provisioning-operations/{id}/retry")]
pub async fn retry_provisioning_operation(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<ProvisioningOperationId>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let view = service::provisioning::decide_operation(
        &proof,
        &state,
        &actor,
        id.into_inner(),
        Decision::Retry,
    )
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Gives up a failed operation, or a pending one no worker holds: it is not pushed, and the
/// operations queued behind it go ahead. Audited.
#[utoipa::path(
    operation_id = "skip_provisioning_operation",
    tag = "connectors",
    params(("id" = ProvisioningOperationId, Path, description = "The operation's id")),
    responses(
        (status = 200, description = "Skipped", body = DeliveryView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such operation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Done, skipped or being pushed, or changed meanwhile", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/provisioning-operations/{id}/skip")]
pub async fn skip_provisioning_operation(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<ProvisioningOperationId>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let view = service::provisioning::decide_operation(
        &proof,
        &state,
        &actor,
        id.into_inner(),
        Decision::Skip,
    )
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

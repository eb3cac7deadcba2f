//! Custom extensions: the callback a launch-and-wait extension answers with, and the signing
//! secret of a policy's extension calls.

use actix_web::{HttpRequest, HttpResponse, http::header, post, web};
use tessera_domain::problem::Problem;
use tessera_domain::{AccessPackageId, PolicyId};
use uuid::Uuid;

use crate::auth::Actor;
use crate::auth::authz::authorize_package;
use crate::auth::authz::catalog_permission::ManagePackages;
use crate::error::ApiResult;
use crate::extract::Json;
use crate::service;
use crate::service::extensions::{ExtensionCallback, ExtensionCallbackResult, ExtensionSecret};
use crate::state::AppState;

/// The token after `Bearer ` in the `Authorization` header, if there is one.
fn bearer(request: &HttpRequest) -> Option<&str> {
    request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|token| !token.is_empty())
}

/// A launch-and-wait custom extension answers the call it received: `continue` lets the
/// request go on (to approval after `request_created`, to delivery after `request_approved`),
/// `deny` denies it with the message. Authenticated by the call's one-time `callback_token`
/// as `Authorization: Bearer <callback_token>` (not a user's session or API token). Accepted
/// once, before the wait times out.
#[utoipa::path(
    operation_id = "answer_extension_callback",
    tag = "custom extensions",
    params(("call_id" = Uuid, Path, description = "`call_id` of the call, as its body says")),
    request_body = ExtensionCallback,
    security(("callback_token" = [])),
    responses(
        (status = 200, description = "Answered; the request moved on", body = ExtensionCallbackResult),
        (status = 401, description = "No valid callback token for this call (also when there is no such call)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The wait is over: answered already, or timed out", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid message", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/extension-callbacks/{call_id}")]
pub async fn answer_extension_callback(
    state: web::Data<AppState>,
    request: HttpRequest,
    call_id: web::Path<Uuid>,
    input: Json<ExtensionCallback>,
) -> ApiResult<HttpResponse> {
    let answered = service::extensions::answer_callback(
        &state,
        call_id.into_inner(),
        bearer(&request),
        input.0,
    )
    .await?;
    Ok(HttpResponse::Ok().json(answered))
}

/// Gives a policy a new secret to sign its custom extension calls with, and shows it: this is
/// the only answer that does (creating or changing a policy with extensions shows the first
/// one). The previous secret keeps signing beside it (two signatures in `webhook-signature`)
/// for `webhooks.secret_rotation_overlap_hours`, 24 by default.
#[utoipa::path(
    operation_id = "rotate_policy_extension_secret",
    tag = "custom extensions",
    params(
        ("id" = AccessPackageId, Path, description = "The package's id"),
        ("policy_id" = PolicyId, Path, description = "The policy's id"),
    ),
    responses(
        (status = 200, description = "The new secret", body = ExtensionSecret),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your catalog role does not allow it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such package or policy that you may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/access-packages/{id}/policies/{policy_id}/extension-secret")]
pub async fn rotate_policy_extension_secret(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(AccessPackageId, PolicyId)>,
) -> ApiResult<HttpResponse> {
    let (id, policy) = path.into_inner();
    let proof = authorize_package::<ManagePackages>(&state, &actor, id).await?;
    let secret = service::extensions::rotate_secret(&proof, &state, &actor, id, policy).await?;
    Ok(HttpResponse::Ok().json(secret))
}

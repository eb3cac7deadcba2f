//! Webhook subscriptions and their delivery logs. Administrators only.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use tessera_domain::page::{PageQuery, WebhookDeliveryPage, WebhookSubscriptionPage};
use tessera_domain::problem::Problem;
use tessera_domain::webhook::{
    CreatedWebhookSubscription, NewWebhookSubscription, RotatedWebhookSecret, WebhookDeliveryView,
    WebhookSubscriptionUpdate, WebhookSubscriptionView,
};
use tessera_domain::{WebhookDeliveryId, WebhookSubscriptionId};

use crate::auth::Actor;
use crate::auth::authz::require_admin;
use crate::error::ApiResult;
use crate::extract::{Json, Query};
use crate::service;
use crate::state::AppState;

/// The webhook subscriptions, newest first. Secrets are never listed.
#[utoipa::path(
    operation_id = "list_webhook_subscriptions",
    tag = "webhooks",
    params(PageQuery),
    responses(
        (status = 200, description = "One page of subscriptions", body = WebhookSubscriptionPage),
        (status = 400, description = "Bad limit or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks")]
pub async fn list_webhook_subscriptions(
    state: web::Data<AppState>,
    actor: Actor,
    query: Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let page = service::webhooks::list_subscriptions(&proof, &state, &query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Subscribes a URL to events. The signing secret is in this answer only.
#[utoipa::path(
    operation_id = "create_webhook_subscription",
    tag = "webhooks",
    request_body = NewWebhookSubscription,
    responses(
        (status = 201, description = "Created; store the secret now", body = CreatedWebhookSubscription),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (a URL that is not https, an unknown event type), named in `errors`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks")]
pub async fn create_webhook_subscription(
    state: web::Data<AppState>,
    actor: Actor,
    input: Json<NewWebhookSubscription>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let created = service::webhooks::create_subscription(&proof, &state, &actor, input.0).await?;
    Ok(HttpResponse::Created().json(created))
}

/// One subscription, without its secret.
#[utoipa::path(
    operation_id = "get_webhook_subscription",
    tag = "webhooks",
    params(("id" = WebhookSubscriptionId, Path, description = "The subscription's id")),
    responses(
        (status = 200, description = "The subscription", body = WebhookSubscriptionView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook_subscription(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<WebhookSubscriptionId>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let view = service::webhooks::get_subscription(&proof, &state, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Changes a subscription's URL, event types, description, or enables or disables it. While
/// disabled, no deliveries are made and no new ones are queued for it.
#[utoipa::path(
    operation_id = "update_webhook_subscription",
    tag = "webhooks",
    params(("id" = WebhookSubscriptionId, Path, description = "The subscription's id")),
    request_body = WebhookSubscriptionUpdate,
    responses(
        (status = 200, description = "The changed subscription", body = WebhookSubscriptionView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Changed meanwhile; read it again", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, named in `errors`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/webhooks/{id}")]
pub async fn update_webhook_subscription(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<WebhookSubscriptionId>,
    input: Json<WebhookSubscriptionUpdate>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let view =
        service::webhooks::update_subscription(&proof, &state, &actor, id.into_inner(), input.0)
            .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Deletes a subscription and its delivery log; pending deliveries are dropped.
#[utoipa::path(
    operation_id = "delete_webhook_subscription",
    tag = "webhooks",
    params(("id" = WebhookSubscriptionId, Path, description = "The subscription's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook_subscription(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<WebhookSubscriptionId>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    service::webhooks::delete_subscription(&proof, &state, &actor, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Replaces the signing secret. The new one is in this answer only; the previous one keeps
/// signing deliveries too (a second `v1,` signature) for `webhooks.secret_rotation_overlap_hours`.
#[utoipa::path(
    operation_id = "rotate_webhook_secret",
    tag = "webhooks",
    params(("id" = WebhookSubscriptionId, Path, description = "The subscription's id")),
    responses(
        (status = 200, description = "Rotated; store the new secret now", body = RotatedWebhookSecret),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Changed meanwhile; try again", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks/{id}/rotate-secret")]
pub async fn rotate_webhook_secret(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<WebhookSubscriptionId>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let rotated = service::webhooks::rotate_secret(&proof, &state, &actor, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(rotated))
}

/// Queues a `webhook.test` event for this subscription only, whatever event types it asked
/// for; the answer is its delivery.
#[utoipa::path(
    operation_id = "send_webhook_test_event",
    tag = "webhooks",
    params(("id" = WebhookSubscriptionId, Path, description = "The subscription's id")),
    responses(
        (status = 202, description = "Queued", body = WebhookDeliveryView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks/{id}/test")]
pub async fn send_webhook_test_event(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<WebhookSubscriptionId>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let delivery =
        service::webhooks::send_test_event(&proof, &state, &actor, id.into_inner()).await?;
    Ok(HttpResponse::Accepted().json(delivery))
}

/// A subscription's deliveries, newest first: event type, state, attempts, the last answer
/// and when the next attempt is due.
#[utoipa::path(
    operation_id = "list_webhook_deliveries",
    tag = "webhooks",
    params(("id" = WebhookSubscriptionId, Path, description = "The subscription's id"), PageQuery),
    responses(
        (status = 200, description = "One page of deliveries", body = WebhookDeliveryPage),
        (status = 400, description = "Bad limit or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_webhook_deliveries(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<WebhookSubscriptionId>,
    query: Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let page =
        service::webhooks::list_deliveries(&proof, &state, id.into_inner(), &query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Sends a delivery's event again: a new delivery with the same `webhook-id`, queued behind
/// the subscription's pending ones.
#[utoipa::path(
    operation_id = "replay_webhook_delivery",
    tag = "webhooks",
    params(
        ("id" = WebhookSubscriptionId, Path, description = "The subscription's id"),
        ("delivery_id" = WebhookDeliveryId, Path, description = "The delivery to send again"),
    ),
    responses(
        (status = 202, description = "Queued; the new delivery", body = WebhookDeliveryView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such delivery of this subscription", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/replay")]
pub async fn replay_webhook_delivery(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(WebhookSubscriptionId, WebhookDeliveryId)>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let (id, delivery) = path.into_inner();
    let replay = service::webhooks::replay_delivery(&proof, &state, &actor, id, delivery).await?;
    Ok(HttpResponse::Accepted().json(replay))
}

//! `/api/v1/webhooks` (administrators only): subscriptions, their signing secrets and their
//! delivery logs.

use tessera_domain::page::{PageQuery, WebhookDeliveryPage, WebhookSubscriptionPage};
use tessera_domain::webhook::{
    CreatedWebhookSubscription, NewWebhookSubscription, RotatedWebhookSecret, WebhookDeliveryView,
    WebhookSubscriptionUpdate, WebhookSubscriptionView,
};
use tessera_domain::{WebhookDeliveryId, WebhookSubscriptionId};

use super::ApiError;
use super::client::{self, Write};

/// `GET /api/v1/webhooks?limit=&cursor=`, newest first.
pub async fn list(page: &PageQuery) -> Result<WebhookSubscriptionPage, ApiError> {
    client::get("/webhooks", Some(page)).await
}

/// `POST /api/v1/webhooks`: the only answer, with a rotation's, that carries the secret.
pub async fn create(
    subscription: &NewWebhookSubscription,
) -> Result<CreatedWebhookSubscription, ApiError> {
    client::write(Write::Post, "/webhooks", subscription).await
}

/// `GET /api/v1/webhooks/{id}`.
pub async fn get(id: WebhookSubscriptionId) -> Result<WebhookSubscriptionView, ApiError> {
    client::get(&format!("/webhooks/{id}"), None).await
}

/// `PATCH /api/v1/webhooks/{id}`.
pub async fn update(
    id: WebhookSubscriptionId,
    changes: &WebhookSubscriptionUpdate,
) -> Result<WebhookSubscriptionView, ApiError> {
    client::write(Write::Patch, &format!("/webhooks/{id}"), changes).await
}

/// `DELETE /api/v1/webhooks/{id}`: the subscription and its delivery log.
pub async fn delete(id: WebhookSubscriptionId) -> Result<(), ApiError> {
    client::delete(&format!("/webhooks/{id}")).await
}

/// `POST /api/v1/webhooks/{id}/rotate-secret`: the new secret, shown this once.
pub async fn rotate_secret(id: WebhookSubscriptionId) -> Result<RotatedWebhookSecret, ApiError> {
    client::write(
        Write::Post,
        &format!("/webhooks/{id}/rotate-secret"),
        &serde_json::json!({}),
    )
    .await
}

/// `POST /api/v1/webhooks/{id}/test`: queues a `webhook.test` event for this subscription.
pub async fn send_test(id: WebhookSubscriptionId) -> Result<WebhookDeliveryView, ApiError> {
    client::write(
        Write::Post,
        &format!("/webhooks/{id}/test"),
        &serde_json::json!({}),
    )
    .await
}

/// `GET /api/v1/webhooks/{id}/deliveries?limit=&cursor=`, newest first.
pub async fn deliveries(
    id: WebhookSubscriptionId,
    page: &PageQuery,
) -> Result<WebhookDeliveryPage, ApiError> {
    client::get(&format!("/webhooks/{id}/deliveries"), Some(page)).await
}

/// `POST /api/v1/webhooks/{id}/deliveries/{delivery_id}/replay`: a new delivery of the same
/// event (the same `webhook-id`).
pub async fn replay(
    id: WebhookSubscriptionId,
    delivery: WebhookDeliveryId,
) -> Result<WebhookDeliveryView, ApiError> {
    client::write(
        Write::Post,
        &format!("/webhooks/{id}/deliveries/{delivery}/replay"),
        &serde_json::json!({}),
    )
    .await
}

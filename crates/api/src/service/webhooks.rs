//! Webhooks: administrators subscribe URLs to Tessera's events; a worker on every replica
//! POSTs each event to each subscriber, signed as the Standard Webhooks specification says.
//!
//! - Events are written with the change that caused them (`store::webhooks`), so an event
//!   exists exactly when its change does, and survives restarts until delivered.
//! - Each attempt carries `webhook-id` (the event's id, the same on every retry and replay),
//!   `webhook-timestamp` (unix seconds of the attempt) and `webhook-signature`:
//!   `v1,` + base64(HMAC-SHA256(secret, "{id}.{timestamp}.{body}")), where the secret is the
//!   bytes after `whsec_`. During a rotation's overlap both secrets sign, space-separated.
//! - A 2xx answer within `webhooks.timeout_seconds` is success; redirects are not followed.
//!   Anything else is retried after `webhooks.retry_delays_seconds` (with jitter) until
//!   `webhooks.max_attempts`, then the delivery is `failed`.
//! - Ordering: per subscription, one delivery is in flight at a time, in the order the
//!   deliveries were written (time-ordered ids). A delivery that keeps failing holds back the
//!   later ones of its subscription until it succeeds or is given up. Delivery is at least
//!   once: a receiver that answers after the lease ran out, or a replay, may see an event again
//!   with the same `webhook-id`, which receivers use to drop duplicates.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use tessera_domain::page::{PageQuery, WebhookDeliveryPage, WebhookSubscriptionPage};
use tessera_domain::webhook::{
    CreatedWebhookSubscription, NewWebhookSubscription, RotatedWebhookSecret, WebhookDeliveryState,
    WebhookDeliveryView, WebhookDescription, WebhookEventType, WebhookSubscriptionUpdate,
    WebhookSubscriptionView,
};
use tessera_domain::{WebhookDeliveryId, WebhookEventId, WebhookSubscriptionId};
use url::Url;
use uuid::Uuid;

use super::audit_event;
use super::outbox::{OutboxWorker, Pushed, RetrySchedule, run_round};
use super::page::PageRequest;
use crate::auth::Actor;
use crate::auth::authz::AdminProof;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store;
use crate::store::notifications::NextAttempt;
use crate::store::webhooks::{
    ClaimedDelivery, DeliveryRow, NewWebhookEvent, SubscriptionRecord, SubscriptionRow,
    parse_selection, stored_selection,
};

/// The most deliveries one worker round sends; the rest wait for the next round.
const ROUND_LIMIT: usize = 100;

/// The most characters of a receiver's answer or of an error kept in `last_error`.
const MAX_ERROR_CHARS: usize = 200;

/// The longest subscription URL accepted.
const MAX_URL_CHARS: usize = 2000;

const TARGET: &str = "webhook_subscription";

/// A new signing secret: `whsec_` and the base64 of 32 random bytes.
pub fn generate_secret() -> String {
    let mut bytes = [0_u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("whsec_{}", STANDARD.encode(bytes))
}

/// The Standard Webhooks signature of one attempt with `secret` (`whsec_…`): `v1,` and the
/// base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`. `None` when the secret does not decode.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// The `webhook-signature` header of an attempt at `now`: the current secret's signature, and
/// the previous secret's while the rotation's overlap lasts.
fn signature_header(
    claimed: &ClaimedDelivery,
    timestamp: i64,
    now: DateTime<Utc>,
) -> Option<String> {
    let id = claimed.event_id.to_string();
    let mut header = sign(&claimed.secret, &id, timestamp, &claimed.payload)?;
    if let (Some(previous), Some(until)) = (&claimed.previous_secret, claimed.previous_secret_until)
        && until > now
        && let Some(old) = sign(previous, &id, timestamp, &claimed.payload)
    {
        header.push(' ');
        header.push_str(&old);
    }
    Some(header)
}

/// `raw` as a subscription URL: https, or http to a loopback host (tests, development); no
/// credentials, no fragment.
fn parse_url(raw: &str) -> ApiResult<Url> {
    let raw = raw.trim();
    if raw.chars().count() > MAX_URL_CHARS {
        return Err(ApiError::invalid(
            "url",
            format!("must be at most {MAX_URL_CHARS} characters"),
        ));
    }
    let Ok(url) = Url::parse(raw) else {
        return Err(ApiError::invalid("url", "must be an absolute https URL"));
    };
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" if url.host().is_some() => {}
        "http" if loopback => {}
        _ => {
            return Err(ApiError::invalid(
                "url",
                "must be an https URL (plain http only to a loopback host)",
            ));
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ApiError::invalid(
            "url",
            "must not contain a user name or password",
        ));
    }
    if url.fragment().is_some() {
        return Err(ApiError::invalid("url", "must not contain a fragment"));
    }
    Ok(url)
}

fn corrupt(what: &str, id: Uuid) -> ApiError {
    tracing::error!(%id, what, "a stored webhook value does not parse");
    ApiError::Internal
}

pub fn subscription_view(row: &SubscriptionRow) -> ApiResult<WebhookSubscriptionView> {
    Ok(WebhookSubscriptionView {
        id: WebhookSubscriptionId::from_uuid(row.id),
        url: row.url.clone(),
        event_types: parse_selection(&row.event_types),
        enabled: row.enabled,
        description: WebhookDescription::parse(row.description.clone())
            .map_err(|_| corrupt("description", row.id))?,
        created_at: row.created_at,
        updated_at: row.updated_at,
        previous_secret_expires_at: row
            .previous_secret_until
            .filter(|until| *until > Utc::now()),
    })
}

pub fn delivery_view(row: &DeliveryRow) -> ApiResult<WebhookDeliveryView> {
    let state = match row.state.as_str() {
        "pending" => WebhookDeliveryState::Pending,
        "delivered" => WebhookDeliveryState::Delivered,
        "failed" => WebhookDeliveryState::Failed,
        _ => return Err(corrupt("delivery state", row.id)),
    };
    Ok(WebhookDeliveryView {
        id: WebhookDeliveryId::from_uuid(row.id),
        subscription_id: WebhookSubscriptionId::from_uuid(row.subscription_id),
        event_id: WebhookEventId::from_uuid(row.event_id),
        event_type: WebhookEventType::parse(&row.event_type)
            .ok_or_else(|| corrupt("event type", row.id))?,
        state,
        attempts: u32::try_from(row.attempts).unwrap_or(u32::MAX),
        last_status: row.last_status.and_then(|s| u16::try_from(s).ok()),
        last_error: row.last_error.clone(),
        last_attempt_at: row.last_attempt_at,
        next_attempt_at: (state == WebhookDeliveryState::Pending).then_some(row.next_attempt_at),
        created_at: row.created_at,
        delivered_at: row.delivered_at,
    })
}

async fn find(state: &AppState, id: WebhookSubscriptionId) -> ApiResult<SubscriptionRow> {
    store::webhooks::find_subscription(&state.db, *id.as_uuid())
        .await?
        .ok_or(ApiError::NotFound("webhook subscription"))
}

pub async fn create_subscription(
    _proof: &AdminProof,
    state: &AppState,
    actor: &Actor,
    input: NewWebhookSubscription,
) -> ApiResult<CreatedWebhookSubscription> {
    let url = parse_url(&input.url)?;
    let secret = generate_secret();
    let record = SubscriptionRecord {
        id: Uuid::now_v7(),
        url: url.to_string(),
        description: input.description.as_str().to_string(),
        event_types: stored_selection(&input.event_types),
        enabled: input.enabled,
        now: Utc::now(),
    };
    let row = store::webhooks::insert_subscription(&state.db, &record, &secret, |row| {
        let after = subscription_view(row).ok();
        audit_event::<WebhookSubscriptionView, _>(
            Some(actor),
            "webhook.create",
            TARGET,
            row.id.to_string(),
            None,
            after.as_ref(),
        )
    })
    .await?;
    tracing::info!(subscription = %row.id, "webhook subscription created");
    Ok(CreatedWebhookSubscription {
        subscription: subscription_view(&row)?,
        secret,
    })
}

pub async fn list_subscriptions(
    _proof: &AdminProof,
    state: &AppState,
    query: &PageQuery,
) -> ApiResult<WebhookSubscriptionPage> {
    let page = PageRequest::parse(query)?;
    let rows =
        store::webhooks::list_subscriptions(&state.db, page.after_id()?, page.fetch()).await?;
    let (rows, next_cursor) = page.finish(rows, |row| row.id.to_string());
    let items = rows
        .iter()
        .map(subscription_view)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(WebhookSubscriptionPage { items, next_cursor })
}

pub async fn get_subscription(
    _proof: &AdminProof,
    state: &AppState,
    id: WebhookSubscriptionId,
) -> ApiResult<WebhookSubscriptionView> {
    subscription_view(&find(state, id).await?)
}

pub async fn update_subscription(
    _proof: &AdminProof,
    state: &AppState,
    actor: &Actor,
    id: WebhookSubscriptionId,
    input: WebhookSubscriptionUpdate,
) -> ApiResult<WebhookSubscriptionView> {
    let row = find(state, id).await?;
    let before = subscription_view(&row)?;
    let url = match &input.url {
        Some(raw) => parse_url(raw)?.to_string(),
        None => row.url.clone(),
    };
    let record = SubscriptionRecord {
        id: row.id,
        url,
        description: input
            .description
            .as_ref()
            .map_or(row.description.clone(), |d| d.as_str().to_string()),
        event_types: input
            .event_types
            .as_ref()
            .map_or(row.event_types.clone(), stored_selection),
        enabled: input.enabled.unwrap_or(row.enabled),
        now: Utc::now(),
    };
    let updated = store::webhooks::update_subscription(&state.db, &record, row.version, |row| {
        let after = subscription_view(row).ok();
        audit_event(
            Some(actor),
            "webhook.update",
            TARGET,
            row.id.to_string(),
            Some(&before),
            after.as_ref(),
        )
    })
    .await?;
    subscription_view(&updated)
}

pub async fn rotate_secret(
    _proof: &AdminProof,
    state: &AppState,
    actor: &Actor,
    id: WebhookSubscriptionId,
) -> ApiResult<RotatedWebhookSecret> {
    let row = find(state, id).await?;
    let before = subscription_view(&row)?;
    let secret = generate_secret();
    let now = Utc::now();
    let overlap = chrono::Duration::hours(i64::from(
        state.settings.webhooks.secret_rotation_overlap_hours,
    ));
    let rotated = store::webhooks::rotate_secret(
        &state.db,
        row.id,
        row.version,
        &secret,
        now + overlap,
        now,
        |row| {
            let after = subscription_view(row).ok();
            audit_event(
                Some(actor),
                "webhook.rotate_secret",
                TARGET,
                row.id.to_string(),
                Some(&before),
                after.as_ref(),
            )
        },
    )
    .await?;
    tracing::info!(subscription = %rotated.id, "webhook signing secret rotated");
    Ok(RotatedWebhookSecret {
        subscription: subscription_view(&rotated)?,
        secret,
    })
}

pub async fn delete_subscription(
    _proof: &AdminProof,
    state: &AppState,
    actor: &Actor,
    id: WebhookSubscriptionId,
) -> ApiResult<()> {
    store::webhooks::delete_subscription(&state.db, *id.as_uuid(), |row| {
        let before = subscription_view(row).ok();
        audit_event::<_, WebhookSubscriptionView>(
            Some(actor),
            "webhook.delete",
            TARGET,
            row.id.to_string(),
            before.as_ref(),
            None,
        )
    })
    .await?
    .ok_or(ApiError::NotFound("webhook subscription"))?;
    Ok(())
}

pub async fn list_deliveries(
    _proof: &AdminProof,
    state: &AppState,
    id: WebhookSubscriptionId,
    query: &PageQuery,
) -> ApiResult<WebhookDeliveryPage> {
    let row = find(state, id).await?;
    let page = PageRequest::parse(query)?;
    let rows =
        store::webhooks::list_deliveries(&state.db, row.id, page.after_id()?, page.fetch()).await?;
    let (rows, next_cursor) = page.finish(rows, |row| row.id.to_string());
    let items = rows
        .iter()
        .map(delivery_view)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(WebhookDeliveryPage { items, next_cursor })
}

/// Sends delivery `delivery`'s event again, as a new delivery with the same `webhook-id`.
pub async fn replay_delivery(
    _proof: &AdminProof,
    state: &AppState,
    actor: &Actor,
    id: WebhookSubscriptionId,
    delivery: WebhookDeliveryId,
) -> ApiResult<WebhookDeliveryView> {
    let of = store::webhooks::find_delivery(&state.db, *id.as_uuid(), *delivery.as_uuid())
        .await?
        .ok_or(ApiError::NotFound("webhook delivery"))?;
    let replay = store::webhooks::replay_delivery(&state.db, &of, Utc::now(), |row| {
        let after = delivery_view(row).ok();
        audit_event::<(), _>(
            Some(actor),
            "webhook.replay",
            TARGET,
            row.subscription_id.to_string(),
            None,
            after.as_ref(),
        )
    })
    .await?;
    delivery_view(&replay)
}

/// Queues a `webhook.test` event for this subscription only.
pub async fn send_test_event(
    _proof: &AdminProof,
    state: &AppState,
    actor: &Actor,
    id: WebhookSubscriptionId,
) -> ApiResult<WebhookDeliveryView> {
    let row = find(state, id).await?;
    let event = NewWebhookEvent::new(
        WebhookEventType::WebhookTest,
        Utc::now(),
        serde_json::json!({
            "object_type": TARGET,
            "object_id": row.id,
            "subscription_id": row.id,
            "requested_by": {"id": actor.id, "username": actor.username},
        }),
    );
    let delivery = store::webhooks::insert_test_event(&state.db, row.id, &event).await?;
    delivery_view(&delivery)
}

/// Sends the due deliveries, one round; returns how many were delivered. Every replica runs
/// it (`jobs::spawn_webhook_worker`); the claims make sure each attempt is made once.
pub async fn deliver_due(state: &AppState) -> ApiResult<usize> {
    let settings = &state.settings.webhooks;
    let timeout = Duration::from_secs(settings.timeout_seconds);
    let worker = WebhookWorker {
        state,
        client: None.into(),
        timeout,
    };
    let schedule =
        RetrySchedule::from_seconds(&settings.retry_delays_seconds, settings.max_attempts);
    // Long enough that a lease never runs out during an attempt.
    let lease = chrono::Duration::from_std(timeout * 2).unwrap_or(chrono::Duration::minutes(5))
        + chrono::Duration::seconds(30);
    run_round(&worker, &schedule, lease, ROUND_LIMIT).await
}

struct WebhookWorker<'a> {
    state: &'a AppState,
    /// Built on the round's first claim, so a round with nothing to send builds none; each
    /// round that sends builds its own (a new connection pool, new TLS handshakes).
    client: std::sync::Mutex<Option<reqwest::Client>>,
    timeout: Duration,
}

impl WebhookWorker<'_> {
    fn client(&self) -> Result<reqwest::Client, String> {
        let mut slot = self
            .client
            .lock()
            .map_err(|_| "client lock poisoned".to_string())?;
        if let Some(client) = slot.as_ref() {
            return Ok(client.clone());
        }
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(self.timeout)
            .connect_timeout(self.timeout)
            .user_agent(concat!("Tessera-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| format!("cannot set up the HTTP client: {err}"))?;
        *slot = Some(client.clone());
        Ok(client)
    }
}

/// `text` on one line, at most [`MAX_ERROR_CHARS`] characters.
pub(crate) fn short(text: &str) -> String {
    super::outbox::one_line(text, MAX_ERROR_CHARS)
}

impl OutboxWorker for WebhookWorker<'_> {
    type Item = ClaimedDelivery;

    async fn claim(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> ApiResult<Option<ClaimedDelivery>> {
        Ok(store::webhooks::claim_next_due(&self.state.db, now, lease_until).await?)
    }

    fn attempts(&self, item: &ClaimedDelivery) -> i64 {
        item.attempts
    }

    async fn push(&self, item: &ClaimedDelivery) -> Pushed {
        let now = Utc::now();
        let timestamp = now.timestamp();
        let Some(signature) = signature_header(item, timestamp, now) else {
            tracing::error!(subscription = %item.subscription_id, "a webhook secret does not decode");
            return Pushed::Failed {
                status: None,
                error: "the signing secret is unusable; rotate it".into(),
                retry: false,
            };
        };
        let client = match self.client() {
            Ok(client) => client,
            Err(error) => {
                return Pushed::Failed {
                    status: None,
                    error: short(&error),
                    retry: true,
                };
            }
        };
        let sent = client
            .post(&item.url)
            .header("content-type", "application/json")
            .header("webhook-id", item.event_id.to_string())
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(item.payload.clone())
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => Pushed::Done {
                status: Some(response.status().as_u16()),
            },
            Ok(response) => {
                let status = response.status();
                let body = response.text().await.unwrap_or_default();
                let error = if body.trim().is_empty() {
                    format!("HTTP {status}")
                } else {
                    format!("HTTP {status}: {body}")
                };
                Pushed::Failed {
                    status: Some(status.as_u16()),
                    error: short(&error),
                    retry: true,
                }
            }
            Err(err) => {
                let error = if err.is_timeout() {
                    format!("no answer within {} s", self.timeout.as_secs())
                } else if err.is_connect() {
                    "cannot connect to the receiver".to_string()
                } else {
                    // Without the URL: a receiver's URL may carry a token in its query, and
                    // this text is logged and kept in the delivery log.
                    format!("the request failed: {}", err.without_url())
                };
                Pushed::Failed {
                    status: None,
                    error: short(&error),
                    retry: true,
                }
            }
        }
    }

    async fn record(
        &self,
        item: &ClaimedDelivery,
        pushed: &Pushed,
        next: Option<NextAttempt>,
        now: DateTime<Utc>,
    ) -> ApiResult<bool> {
        let db = &self.state.db;
        let recorded = match (pushed, next) {
            (Pushed::Done { status }, _) => {
                store::webhooks::mark_delivered(db, item, status.unwrap_or(200), now).await?
            }
            (Pushed::Failed { status, error, .. }, next) => {
                let next = next.unwrap_or(NextAttempt::GiveUp);
                match next {
                    NextAttempt::GiveUp => tracing::error!(
                        delivery = %item.id,
                        subscription = %item.subscription_id,
                        attempt = item.attempts + 1,
                        error = %error,
                        "a webhook delivery failed for good"
                    ),
                    NextAttempt::At(at) => tracing::warn!(
                        delivery = %item.id,
                        subscription = %item.subscription_id,
                        attempt = item.attempts + 1,
                        next_attempt_at = %at,
                        error = %error,
                        "a webhook delivery failed; it will be retried"
                    ),
                }
                store::webhooks::mark_failed_attempt(db, item, *status, error, now, next).await?
            }
        };
        Ok(recorded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_matches_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification and its reference libraries.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
    }

    #[test]
    fn secrets_are_whsec_and_32_random_bytes() {
        let secret = generate_secret();
        let bytes = STANDARD
            .decode(secret.strip_prefix("whsec_").unwrap_or_default())
            .unwrap_or_default();
        assert_eq!(bytes.len(), 32);
        assert_ne!(secret, generate_secret());
    }

    #[test]
    fn urls_are_https_or_loopback_http() {
        assert!(parse_url("https://hooks.example.org/x").is_ok());
        assert!(parse_url("http://127.0.0.1:9000/x").is_ok());
        assert!(parse_url("http://localhost/x").is_ok());
        assert!(parse_url("http://hooks.example.org/x").is_err());
        assert!(parse_url("ftp://hooks.example.org/x").is_err());
        assert!(parse_url("https://user:pw@hooks.example.org/x").is_err());
        assert!(parse_url("not a url").is_err());
    }
}

//! Custom extensions: the calls a policy makes when a request is created or approved, the
//! worker that makes them, the callback that resumes a waiting request, and the policy's
//! signing secret. See `docs/EXTENSIONS.md`.
//!
//! - Calls are rows of `extension_calls`, written in the transaction of the request transition
//!   that reaches their stage ([`calls_for`], carried by the transition's `RequestWrite`). The
//!   domain says which stages a transition passed and whether it began a wait
//!   (`RequestEvent::extension_stages_reached`, `RequestEvent::began_waiting`).
//! - The worker is an [`OutboxWorker`], run by the webhook worker's task with the webhook
//!   delivery settings (timeout, retries); each attempt is signed as webhooks are (Standard
//!   Webhooks, `webhook-id` = the call's id) with the policy's secret.
//! - A launch-and-wait call carries a `callback_url` and a `callback_token`, fresh for each
//!   attempt; only their SHA-256 are stored, and the token of any attempt is good (an endpoint
//!   may answer an attempt whose acceptance never reached us). The callback answers the wait once:
//!   the call's state and the request's version are both compare-and-set, in one transaction.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, SecondsFormat, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
/// A policy's new signing secret: a wire type of the domain, so that the portal reads it too.
pub use tessera_domain::policy::ExtensionSecret;
use tessera_domain::policy::{ExtensionMode, ExtensionOutcome, ValidPolicy};
use tessera_domain::problem::ProblemCode;
use tessera_domain::request::{Request, RequestEvent, RequestKind, RequestState, clean_message};
use tessera_domain::{AccessPackageId, PolicyId, UserId};
use uuid::Uuid;

use super::audit_event;
use super::outbox::{OutboxWorker, Pushed, RetrySchedule, run_round};
use super::requests::{
    LoadedDirectory, deliver, load_directory, notes_for, policy_of, request_of, stage_resolver,
    write_of,
};
use super::webhooks::{generate_secret, short, sign};
use crate::auth::Actor;
use crate::auth::authz::CatalogProof;
use crate::auth::authz::catalog_permission::ManagePackages;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::extensions::{ClaimedCall, NewExtensionCall};
use crate::store::notifications::NextAttempt;
use crate::store::requests::RequestRow;
use crate::store::{self, StoreError};

/// The most calls one worker round makes; the rest wait for the next round.
const ROUND_LIMIT: usize = 100;

/// What a request's calls say about it: read from the request's row, or from the row about to
/// be written for a new request.
pub(crate) struct CallContext<'a> {
    pub request_id: Uuid,
    pub kind: RequestKind,
    pub package_id: Uuid,
    pub package_name: &'a str,
    pub policy_id: Uuid,
    pub justification: Option<&'a str>,
    /// The answers' JSON, as stored.
    pub answers: &'a str,
    pub ends_at: Option<DateTime<Utc>>,
}

/// The calls `event` makes under `policy`: the launch-and-continue extensions of each stage
/// the request passed, and the launch-and-wait one it began waiting for.
pub(crate) async fn calls_for(
    state: &AppState,
    policy: &ValidPolicy,
    context: &CallContext<'_>,
    request: &Request,
    event: &RequestEvent,
    now: DateTime<Utc>,
) -> ApiResult<Vec<NewExtensionCall>> {
    let mut chosen = Vec::new();
    for stage in event.extension_stages_reached(context.kind) {
        chosen.extend(
            policy
                .extensions_at(stage)
                .filter(|extension| extension.mode() == ExtensionMode::LaunchAndContinue)
                .map(|extension| (extension, None)),
        );
    }
    if let Some((name, stage)) = event.began_waiting() {
        let until = request.current_wait().and_then(|wait| wait.until());
        match policy
            .extensions_at(stage)
            .find(|extension| extension.name() == name && extension.wait().is_some())
        {
            Some(extension) => chosen.push((extension, until.or(Some(now)))),
            // The policy changed since the request was made: nobody can be called, and the
            // wait runs out with its timeout outcome.
            None => tracing::warn!(
                request = %context.request_id,
                extension = name,
                "the extension a request waits for is no longer in its policy"
            ),
        }
    }
    if chosen.is_empty() {
        return Ok(Vec::new());
    }
    let people = store::users::find_people(
        &state.db,
        &[*request.target().as_uuid(), *request.requester().as_uuid()],
    )
    .await?;
    let person = |id: UserId| {
        people
            .iter()
            .find(|row| row.id == *id.as_uuid())
            .map(|row| serde_json::to_value(super::people::person_summary(row)).ok())
            .unwrap_or_else(|| Some(serde_json::json!({ "id": id })))
    };
    let answers: serde_json::Value =
        serde_json::from_str(context.answers).unwrap_or(serde_json::Value::Null);
    let mut calls = Vec::new();
    for (extension, wait_until) in chosen {
        let id = Uuid::now_v7();
        let payload = serde_json::json!({
            "type": format!("custom_extension.{}", extension.stage().as_str()),
            "timestamp": now.to_rfc3339_opts(SecondsFormat::Millis, true),
            "data": {
                "call_id": id,
                "extension": extension.name(),
                "stage": extension.stage(),
                "mode": extension.mode(),
                "request": {
                    "id": context.request_id,
                    "kind": context.kind,
                    "state": request.state(),
                    "justification": context.justification,
                    "answers": answers,
                    "starts_at": request.start_at(),
                    "ends_at": context.ends_at,
                },
                "access_package": {"id": AccessPackageId::from_uuid(context.package_id), "name": context.package_name},
                "policy": {"id": PolicyId::from_uuid(context.policy_id), "name": policy.name()},
                "person": person(request.target()),
                "requester": person(request.requester()),
                "wait_until": wait_until,
            },
        });
        calls.push(NewExtensionCall {
            id,
            policy_id: context.policy_id,
            request_id: Some(context.request_id),
            assignment_id: None,
            extension: extension.name().to_string(),
            stage: extension.stage().as_str(),
            mode: extension.mode().as_str(),
            url: extension.url().to_string(),
            payload: payload.to_string(),
            wait_until,
            now,
        });
    }
    Ok(calls)
}

/// The calls `event` makes for the stored request `row`, under its policy (none without one).
pub(crate) async fn calls_after(
    state: &AppState,
    policy: Option<&ValidPolicy>,
    row: &RequestRow,
    request: &Request,
    event: &RequestEvent,
    now: DateTime<Utc>,
) -> ApiResult<Vec<NewExtensionCall>> {
    let (Some(policy), Some(policy_id)) = (policy, row.policy_id) else {
        return Ok(Vec::new());
    };
    let context = CallContext {
        request_id: row.id,
        kind: row.kind,
        package_id: row.package_id,
        package_name: &row.package_name,
        policy_id,
        justification: row.justification.as_deref(),
        answers: &row.answers,
        ends_at: row.ends_at,
    };
    calls_for(state, policy, &context, request, event, now).await
}

/// A fresh callback token and its SHA-256 (hex), the only form stored.
fn new_token() -> (String, String) {
    let mut bytes = [0_u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares two hashes in time independent of where they differ.
fn same_hash(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0_u8, |diff, (x, y)| diff | (x ^ y))
            == 0
}

/// Where the extension answers call `id`: under `public_url` when it is set, else relative.
fn callback_url(state: &AppState, id: Uuid) -> String {
    let path = format!("api/v1/extension-callbacks/{id}");
    match &state.settings.public_url {
        Some(base) => base
            .join(&path)
            .map(|url| url.to_string())
            .unwrap_or_else(|_| format!("/{path}")),
        None => format!("/{path}"),
    }
}

/// Makes the due calls, one round; returns how many went through. Run by every replica's
/// webhook worker (`jobs::spawn_webhook_worker`); the claims make sure each attempt is made
/// once.
pub async fn deliver_due(state: &AppState) -> ApiResult<usize> {
    let settings = &state.settings.webhooks;
    let timeout = Duration::from_secs(settings.timeout_seconds);
    let worker = ExtensionWorker {
        state,
        client: None.into(),
        timeout,
    };
    let schedule =
        RetrySchedule::from_seconds(&settings.retry_delays_seconds, settings.max_attempts);
    let lease = chrono::Duration::from_std(timeout * 2).unwrap_or(chrono::Duration::minutes(5))
        + chrono::Duration::seconds(30);
    run_round(&worker, &schedule, lease, ROUND_LIMIT).await
}

struct ExtensionWorker<'a> {
    state: &'a AppState,
    client: std::sync::Mutex<Option<reqwest::Client>>,
    timeout: Duration,
}

impl ExtensionWorker<'_> {
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
            .user_agent(concat!("Tessera-Extensions/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| format!("cannot set up the HTTP client: {err}"))?;
        *slot = Some(client.clone());
        Ok(client)
    }

    /// The body of this attempt: the stored payload, plus where and with which token to answer
    /// for a launch-and-wait call.
    fn body(&self, item: &ClaimedCall) -> Option<String> {
        let Some(token) = &item.callback_token else {
            return Some(item.payload.clone());
        };
        let mut payload: serde_json::Value = serde_json::from_str(&item.payload).ok()?;
        let data = payload.get_mut("data")?.as_object_mut()?;
        data.insert(
            "callback_url".into(),
            callback_url(self.state, item.id).into(),
        );
        data.insert("callback_token".into(), token.clone().into());
        Some(payload.to_string())
    }
}

impl OutboxWorker for ExtensionWorker<'_> {
    type Item = ClaimedCall;

    async fn claim(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> ApiResult<Option<ClaimedCall>> {
        Ok(
            store::extensions::claim_next_due(&self.state.db, now, lease_until, new_token())
                .await?,
        )
    }

    fn attempts(&self, item: &ClaimedCall) -> i64 {
        item.attempts
    }

    async fn push(&self, item: &ClaimedCall) -> Pushed {
        let now = Utc::now();
        let timestamp = now.timestamp();
        let Some(body) = self.body(item) else {
            tracing::error!(call = %item.id, "a stored extension call does not parse");
            return Pushed::Failed {
                status: None,
                error: "the stored call is unreadable".into(),
                retry: false,
            };
        };
        let Some(signature) = signature_header(item, timestamp, &body, now) else {
            return Pushed::Failed {
                status: None,
                error: "the policy has no usable signing secret; generate one".into(),
                retry: true,
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
            .header("webhook-id", item.id.to_string())
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => Pushed::Done {
                status: Some(response.status().as_u16()),
            },
            Ok(response) => {
                // Only the status is kept: the call's error is shown in the request's timeline
                // to the requester, and the endpoint's body may say things meant for its
                // operators. The start of the body goes to the log for them.
                let status = response.status();
                let text = response.text().await.unwrap_or_default();
                if !text.trim().is_empty() {
                    tracing::info!(call = %item.id, %status, body = %short(&text), "a custom extension refused a call");
                }
                Pushed::Failed {
                    status: Some(status.as_u16()),
                    error: format!("HTTP {status}"),
                    retry: true,
                }
            }
            Err(err) => {
                let error = if err.is_timeout() {
                    format!("no answer within {} s", self.timeout.as_secs())
                } else if err.is_connect() {
                    "cannot connect to the extension".to_string()
                } else {
                    format!("the call failed: {}", err.without_url())
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
        item: &ClaimedCall,
        pushed: &Pushed,
        next: Option<NextAttempt>,
        now: DateTime<Utc>,
    ) -> ApiResult<bool> {
        let db = &self.state.db;
        let recorded = match pushed {
            Pushed::Done { status } => {
                store::extensions::mark_sent(db, item, status.unwrap_or(200), now).await?
            }
            Pushed::Failed { status, error, .. } => {
                let next = next.unwrap_or(NextAttempt::GiveUp);
                tracing::warn!(
                    call = %item.id,
                    mode = %item.mode,
                    attempt = item.attempts + 1,
                    error = %error,
                    gave_up = matches!(next, NextAttempt::GiveUp),
                    "a custom extension call failed"
                );
                store::extensions::mark_failed_attempt(db, item, *status, error, now, next).await?
            }
        };
        Ok(recorded)
    }
}

/// The `webhook-signature` header of an attempt at `now`: the policy's secret's signature, and
/// the previous secret's while the rotation's overlap lasts (as webhooks sign).
fn signature_header(
    item: &ClaimedCall,
    timestamp: i64,
    body: &str,
    now: DateTime<Utc>,
) -> Option<String> {
    let id = item.id.to_string();
    let mut header = sign(item.secret.as_deref()?, &id, timestamp, body)?;
    if let (Some(previous), Some(until)) = (&item.previous_secret, item.previous_secret_until)
        && until > now
        && let Some(old) = sign(previous, &id, timestamp, body)
    {
        header.push(' ');
        header.push_str(&old);
    }
    Some(header)
}

/// The body of `POST /api/v1/extension-callbacks/{call_id}`.
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtensionCallback {
    /// `continue`: the request goes on; `deny`: it is denied.
    pub outcome: ExtensionOutcome,
    /// Shown in the request's timeline, and as the reason of a denial. At most 1000 characters.
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub message: Option<String>,
}

/// The answer to a callback.
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ExtensionCallbackResult {
    pub call_id: Uuid,
    pub outcome: ExtensionOutcome,
    /// The request's state after the answer.
    pub request_state: RequestState,
}

/// The extension answers the wait of call `id` with the token its call carried: once only,
/// before the wait times out.
pub async fn answer_callback(
    state: &AppState,
    id: Uuid,
    token: Option<&str>,
    input: ExtensionCallback,
) -> ApiResult<ExtensionCallbackResult> {
    // Every refusal of who is calling looks the same, so a caller without the token learns
    // nothing about which calls exist.
    let token = token.ok_or(ApiError::CallbackRefused)?;
    let hash = token_hash(token);
    let call = store::extensions::find_callback_target(&state.db, id)
        .await?
        .filter(|call| {
            // Every token issued for the call is good (one per attempt).
            call.callback_token_hash.as_deref().is_some_and(|stored| {
                stored
                    .split_whitespace()
                    .fold(false, |found, issued| same_hash(issued, &hash) | found)
            })
        })
        .ok_or(ApiError::CallbackRefused)?;
    let wait_over = || ApiError::Conflict {
        code: ProblemCode::WaitOver,
        detail: "This call was answered already, or its wait timed out.".into(),
        field: None,
    };
    match call.state.as_str() {
        "pending" | "waiting" | "failed" => {}
        _ => return Err(wait_over()),
    }
    let message = clean_message(input.message.as_deref())
        .map_err(|problem| ApiError::invalid("message", problem))?;
    let request_id = call.request_id.ok_or_else(wait_over)?;
    let row = store::requests::find_request(&state.db, request_id)
        .await?
        .ok_or_else(wait_over)?;
    let mut request = request_of(&row)?;
    let now = Utc::now();
    let policy = match row.policy_id {
        Some(policy) => store::policies::find_policy(&state.db, row.package_id, policy)
            .await?
            .map(|p| policy_of(&p.definition, p.id))
            .transpose()?,
        None => None,
    };
    let directory = match &policy {
        Some(policy) => load_directory(state, policy, request.target()).await?,
        None => LoadedDirectory::default(),
    };
    let (requester, target) = (request.requester(), request.target());
    let event = request
        .answer_wait(
            input.outcome,
            message.clone(),
            now,
            stage_resolver(policy.as_ref(), requester, target, &directory),
        )
        .map_err(crate::request_refusals::refusal)?;
    let outcome = match (&event, request.state()) {
        (RequestEvent::ExtensionAnswered { extension, .. }, RequestState::Denied) => {
            Some(match &message {
                Some(message) => format!("{extension} denied the request: {message}"),
                None => format!("{extension} denied the request."),
            })
        }
        _ => request.closing_reason().map(String::from),
    };
    let mut write = write_of(&request, outcome, now)?;
    write.calls = calls_after(state, policy.as_ref(), &row, &request, &event, now).await?;
    let notes = notes_for(state, &row.package_name, &request, &event).await?;
    let answered = store::extensions::answer_and_transition(
        &state.db,
        store::extensions::CallAnswer {
            call: id,
            token_hash: &hash,
            answer: input.outcome.as_str(),
            message: message.as_deref(),
            now,
        },
        row.id,
        row.version,
        &write,
        &notes,
        |row| {
            audit_event::<(), _>(
                None,
                "request.extension_answer",
                "request",
                row.id.to_string(),
                None,
                Some(&event),
            )
        },
    )
    .await
    .map_err(|err| match err {
        StoreError::Conflict => wait_over(),
        other => other.into(),
    })?;
    let updated = match answered {
        Some(updated) => updated,
        None => return Err(wait_over()),
    };
    let updated = if updated.state == RequestState::Delivering {
        deliver(state, updated).await?
    } else {
        updated
    };
    Ok(ExtensionCallbackResult {
        call_id: id,
        outcome: input.outcome,
        request_state: updated.state,
    })
}

/// Gives the policy a new signing secret for its extension calls; the previous one keeps
/// signing next to it for `webhooks.secret_rotation_overlap_hours` (24 by default).
pub async fn rotate_secret(
    proof: &CatalogProof<ManagePackages>,
    state: &AppState,
    actor: &Actor,
    package: AccessPackageId,
    policy: PolicyId,
) -> ApiResult<ExtensionSecret> {
    let found = store::packages::find_package(&state.db, *package.as_uuid())
        .await?
        .filter(|row| row.catalog_id == *proof.catalog().as_uuid())
        .ok_or(ApiError::NotFound("access package"))?;
    let secret = generate_secret();
    let overlap = chrono::Duration::hours(i64::from(
        state.settings.webhooks.secret_rotation_overlap_hours,
    ));
    let changed = store::extensions::rotate_policy_secret(
        &state.db,
        found.id,
        *policy.as_uuid(),
        &secret,
        Utc::now() + overlap,
        &audit_event::<(), _>(
            Some(actor),
            "policy.rotate_extension_secret",
            "access_package",
            found.id.to_string(),
            None,
            Some(&serde_json::json!({ "policy_id": policy })),
        ),
    )
    .await?;
    if !changed {
        return Err(ApiError::NotFound("policy of this package"));
    }
    Ok(ExtensionSecret { secret })
}

/// A signing secret for `policy` if it calls extensions and has none yet: the secret, to show
/// once in the answer that created or changed the policy.
pub(crate) async fn secret_if_missing(
    state: &AppState,
    policy_id: Uuid,
    policy: &ValidPolicy,
) -> ApiResult<Option<String>> {
    if policy.custom_extensions().is_empty() {
        return Ok(None);
    }
    let secret = generate_secret();
    let set =
        store::extensions::set_policy_secret_if_missing(&state.db, policy_id, &secret).await?;
    Ok(set.then_some(secret))
}

/// Marks the waits of a request that timed out, for the scheduler's transition.
pub(crate) fn time_out_waits(write: &mut crate::store::requests::RequestWrite) {
    write.close_waits = Some("timed_out");
}

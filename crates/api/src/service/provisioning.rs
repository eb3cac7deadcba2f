//! Provisioning: connected systems (connectors), the groups and app roles bound to targets in
//! them, and the worker that pushes membership changes there.
//!
//! - Operations are written with the change that grants or revokes access (assignments,
//!   package roles, review removals, reprocessing, administrators' direct links, leavers:
//!   `store::*` -> `store::provisioning`), so none is lost when a target is down or Tessera
//!   restarts between the commit and the push.
//! - The worker ([`deliver_due`]) runs on every replica; each operation is claimed with a
//!   compare-and-set lease long enough for the slowest enabled connector's push
//!   ([`lease_for`]) and pushed by the one worker whose claim won. Per binding and person,
//!   operations go out one at a time in the order the database wrote them.
//! - A failure the target says retrying cannot fix (no such person or group, refused
//!   credentials) fails the operation at once; others are retried after
//!   `provisioning.retry_delays_seconds` until `provisioning.max_attempts`. An administrator
//!   may retry or skip a failed operation.
//! - Secrets are write-only: stored to connect, never answered nor logged.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tessera_domain::connector::{
    ConnectionTestReport, ConnectorBindingView, ConnectorName, ConnectorSettings, ConnectorUpdate,
    ConnectorView, DeliveryView, NewConnector, NewConnectorBinding, OperationQuery,
    ProvisioningAction, ProvisioningOperationView, ProvisioningState,
};
use tessera_domain::page::{
    ConnectorBindingPage, ConnectorPage, DeliveryPage, PageQuery, ProvisioningOperationPage,
};
use tessera_domain::{
    AppRoleId, AssignmentId, ConnectorBindingId, ConnectorId, GroupId, ProvisioningOperationId,
    UserId,
};
use uuid::Uuid;

use super::audit_event;
use super::outbox::{OutboxWorker, Pushed, RetrySchedule, run_round};
use super::page::PageRequest;
use crate::auth::Actor;
use crate::auth::authz::AdminProof;
use crate::connectors::{AnyConnector, Connector, ConnectorError, Person};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store;
use crate::store::StoreError;
use crate::store::notifications::NextAttempt;
use crate::store::provisioning::{
    Action, BindingRecord, BindingRow, ClaimedOperation, ConnectorRecord, ConnectorRow, Decided,
    Decision, OperationRow,
};

/// The most operations one worker round pushes; the rest wait for the next round.
const ROUND_LIMIT: usize = 100;

/// The most characters of a target's error kept in `last_error`.
const MAX_ERROR_CHARS: usize = 300;

/// The longest secret accepted.
const MAX_SECRET_CHARS: usize = 4096;

const CONNECTOR: &str = "connector";
const OPERATION: &str = "provisioning_operation";

fn corrupt(what: &str, id: Uuid) -> ApiError {
    tracing::error!(%id, what, "a stored provisioning value does not parse");
    ApiError::Internal
}

fn stored_settings(row: &ConnectorRow) -> ApiResult<ConnectorSettings> {
    serde_json::from_str(&row.settings).map_err(|_| corrupt("connector settings", row.id))
}

pub fn connector_view(row: &ConnectorRow) -> ApiResult<ConnectorView> {
    Ok(ConnectorView {
        id: ConnectorId::from_uuid(row.id),
        name: ConnectorName::parse(row.name.clone()).map_err(|_| corrupt("name", row.id))?,
        settings: stored_settings(row)?,
        has_secret: row.has_secret,
        enabled: row.enabled,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

pub fn binding_view(row: &BindingRow) -> ConnectorBindingView {
    ConnectorBindingView {
        id: ConnectorBindingId::from_uuid(row.id),
        connector_id: ConnectorId::from_uuid(row.connector_id),
        group_id: row.group_id.map(GroupId::from_uuid),
        app_role_id: row.app_role_id.map(AppRoleId::from_uuid),
        resource_name: row.resource_name.clone(),
        target: row.target.clone(),
        created_at: row.created_at,
    }
}

pub fn delivery_view(row: &OperationRow) -> ApiResult<DeliveryView> {
    let action = match Action::parse(&row.action) {
        Some(Action::Add) => ProvisioningAction::Add,
        Some(Action::Remove) => ProvisioningAction::Remove,
        Some(Action::Deactivate) => ProvisioningAction::Deactivate,
        None => return Err(corrupt("operation action", row.id)),
    };
    let state = match row.state.as_str() {
        "pending" => ProvisioningState::Pending,
        "done" => ProvisioningState::Done,
        "failed" => ProvisioningState::Failed,
        "skipped" => ProvisioningState::Skipped,
        _ => return Err(corrupt("operation state", row.id)),
    };
    Ok(DeliveryView {
        id: ProvisioningOperationId::from_uuid(row.id),
        connector_id: ConnectorId::from_uuid(row.connector_id),
        connector_name: row.connector_name.clone(),
        target: row.target.clone(),
        action,
        state,
        attempts: u32::try_from(row.attempts).unwrap_or(u32::MAX),
        last_error: row.last_error.clone(),
        last_attempt_at: row.last_attempt_at,
        next_attempt_at: (state == ProvisioningState::Pending).then_some(row.next_attempt_at),
        created_at: row.created_at,
        done_at: row.done_at,
    })
}

/// `settings` checked the way connecting would check them (a URL of the protocol, a CA
/// certificate that parses), before they are stored.
fn check_settings(settings: &ConnectorSettings) -> ApiResult<()> {
    let field = |name: &str| format!("settings.{name}");
    match settings {
        ConnectorSettings::Ldap(ldap) => {
            for (name, value) in [
                ("bind_dn", &ldap.bind_dn),
                ("users_base_dn", &ldap.users_base_dn),
                ("match_attribute", &ldap.match_attribute),
            ] {
                if value.trim().is_empty() {
                    return Err(ApiError::invalid(field(name), "must not be empty"));
                }
            }
            if !ldap
                .match_attribute
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ';')
            {
                return Err(ApiError::invalid(
                    field("match_attribute"),
                    "must be an LDAP attribute name",
                ));
            }
            crate::connectors::LdapConnector::new(ldap, "").map_err(|err| {
                let name =
                    if ldap.ca_certificate.is_some() && err.message.contains("ca_certificate") {
                        "ca_certificate"
                    } else {
                        "url"
                    };
                ApiError::invalid(field(name), err.message)
            })?;
            Ok(())
        }
        ConnectorSettings::Scim(scim) => {
            let url = url::Url::parse(&scim.base_url)
                .map_err(|_| ApiError::invalid(field("base_url"), "must be an absolute URL"))?;
            if !matches!(url.scheme(), "https" | "http") {
                return Err(ApiError::invalid(
                    field("base_url"),
                    "must be an http(s) URL",
                ));
            }
            Ok(())
        }
    }
}

fn check_secret(secret: &str) -> ApiResult<()> {
    if secret.chars().count() > MAX_SECRET_CHARS {
        return Err(ApiError::invalid(
            "secret",
            format!("must be at most {MAX_SECRET_CHARS} characters"),
        ));
    }
    Ok(())
}

fn name_taken(err: StoreError) -> ApiError {
    match err {
        StoreError::Duplicate(_) => ApiError::Conflict {
            code: tessera_domain::problem::ProblemCode::NameTaken,
            detail: "Another connector has this name.".into(),
            field: Some("name"),
        },
        other => other.into(),
    }
}

async fn find(state: &AppState, id: ConnectorId) -> ApiResult<ConnectorRow> {
    store::provisioning::find_connector(&state.db, *id.as_uuid())
        .await?
        .ok_or(ApiError::NotFound("connector"))
}

pub async fn create_connector(
    _proof: &AdminProof,
    state: &AppState,
    actor: &Actor,
    input: NewConnector,
) -> ApiResult<ConnectorView> {
    check_settings(&input.settings)?;
    check_secret(&input.secret)?;
    let record = ConnectorRecord {
        id: Uuid::now_v7(),
        name: input.name.as_str().to_string(),
        settings: serde_json::to_string(&input.settings).map_err(|_| ApiError::Internal)?,
        secret: Some(input.secret),
        enabled: input.enabled,
        now: Utc::now(),
    };
    let row = store::provisioning::insert_connector(&state.db, &record, |row| {
        let after = connector_view(row).ok();
        audit_event::<ConnectorView, _>(
            Some(actor),
            "connector.create",
            CONNECTOR,
            row.id.to_string(),
            None,
            after.as_ref(),
        )
    })
    .await
    .map_err(name_taken)?;
    tracing::info!(connector = %row.id, "connector created");
    connector_view(&row)
}

pub async fn list_connectors(
    _proof: &AdminProof,
    state: &AppState,
    query: &PageQuery,
) -> ApiResult<ConnectorPage> {
    let page = PageRequest::parse(query)?;
    let rows =
        store::provisioning::list_connectors(&state.db, page.after_id()?, page.fetch()).await?;
    let (rows, next_cursor) = page.finish(rows, |row| row.id.to_string());
    let items = rows
        .iter()
        .map(connector_view)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(ConnectorPage { items, next_cursor })
}

pub async fn get_connector(
    _proof: &AdminProof,
    state: &AppState,
    id: ConnectorId,
) -> ApiResult<ConnectorView> {
    connector_view(&find(state, id).await?)
}

pub async fn update_connector(
    _proof: &AdminProof,
    state: &AppState,
    actor: &Actor,
    id: ConnectorId,
    input: ConnectorUpdate,
) -> ApiResult<ConnectorView> {
    let row = find(state, id).await?;
    let before = connector_view(&row)?;
    let settings = input.settings.unwrap_or_else(|| before.settings.clone());
    check_settings(&settings)?;
    match &input.secret {
        Some(secret) => check_secret(secret)?,
        // The stored secret goes only where it went before: an administrator who points the
        // connector elsewhere must know the secret, not just reuse it.
        None if !settings.same_endpoint(&before.settings) => {
            return Err(ApiError::invalid(
                "secret",
                "must be given again when the connector's address, bind DN or TLS settings \
                 change",
            ));
        }
        None => {}
    }
    let record = ConnectorRecord {
        id: row.id,
        name: input
            .name
            .as_ref()
            .map_or(row.name.clone(), |n| n.as_str().to_string()),
        settings: serde_json::to_string(&settings).map_err(|_| ApiError::Internal)?,
        secret: input.secret,
        enabled: input.enabled.unwrap_or(row.enabled),
        now: Utc::now(),
    };
    let updated = store::provisioning::update_connector(&state.db, &record, row.version, |row| {
        let after = connector_view(row).ok();
        audit_event(
            Some(actor),
            "connector.update",
            CONNECTOR,
            row.id.to_string(),
            Some(&before),
            after.as_ref(),
        )
    })
    .await
    .map_err(name_taken)?;
    connector_view(&updated)
}

pub async fn delete_connector(
    _proof: &AdminProof,
    state: &AppState,
    actor: &Actor,
    id: ConnectorId,
) -> ApiResult<()> {
    store::provisioning::delete_connector(&state.db, *id.as_uuid(), |row| {
        let before = connector_view(row).ok();
        audit_event::<_, ConnectorView>(
            Some(actor),
            "connector.delete",
            CONNECTOR,
            row.id.to_string(),
            before.as_ref(),
            None,
        )
    })
    .await?
    .ok_or(ApiError::NotFound("connector"))?;
    Ok(())
}

/// The connector `row` describes, ready to connect.
async fn build(state: &AppState, row: &ConnectorRow) -> ApiResult<AnyConnector> {
    let settings = stored_settings(row)?;
    let secret = store::provisioning::find_connector_secret(&state.db, row.id)
        .await?
        .ok_or(ApiError::NotFound("connector"))?;
    let connector =
        AnyConnector::new(&settings, &secret).map_err(|err| ApiError::ConnectorFailed {
            detail: err.message,
        })?;
    Ok(with_timeout(connector, state))
}

fn with_timeout(connector: AnyConnector, state: &AppState) -> AnyConnector {
    let timeout = Duration::from_secs(state.settings.provisioning.timeout_seconds);
    match connector {
        AnyConnector::Ldap(ldap) => AnyConnector::Ldap(ldap.with_timeout(timeout)),
        // A SCIM connector's timeout is its own setting (`timeout_seconds`).
        scim @ AnyConnector::Scim(_) => scim,
    }
}

/// Connects, authenticates and reads something harmless; the answer says what was checked,
/// a `connector_failed` problem what the target said.
pub async fn test_connector(
    _proof: &AdminProof,
    state: &AppState,
    id: ConnectorId,
) -> ApiResult<ConnectionTestReport> {
    let row = find(state, id).await?;
    let connector = build(state, &row).await?;
    match connector.test_connection().await {
        Ok(report) => Ok(ConnectionTestReport {
            summary: report.summary,
        }),
        Err(err) => {
            tracing::info!(connector = %row.id, error = %err.message, "connection test failed");
            Err(ApiError::ConnectorFailed {
                detail: err.message,
            })
        }
    }
}

pub async fn list_bindings(
    _proof: &AdminProof,
    state: &AppState,
    id: ConnectorId,
) -> ApiResult<ConnectorBindingPage> {
    let row = find(state, id).await?;
    let rows = store::provisioning::list_bindings(&state.db, row.id).await?;
    Ok(ConnectorBindingPage {
        items: rows.iter().map(binding_view).collect(),
        next_cursor: None,
    })
}

pub async fn create_binding(
    _proof: &AdminProof,
    state: &AppState,
    actor: &Actor,
    id: ConnectorId,
    input: NewConnectorBinding,
) -> ApiResult<ConnectorBindingView> {
    let connector = find(state, id).await?;
    let target = input.target.trim().to_string();
    let mut errors = Vec::new();
    if target.is_empty() {
        errors.push(("target", "must not be empty".to_string()));
    } else if target.chars().count() > tessera_domain::connector::MAX_TARGET_CHARS {
        errors.push((
            "target",
            format!(
                "must be at most {} characters",
                tessera_domain::connector::MAX_TARGET_CHARS
            ),
        ));
    }
    match (input.group_id, input.app_role_id) {
        (Some(_), None) | (None, Some(_)) => {}
        _ => errors.push((
            "group_id",
            "name exactly one of group_id and app_role_id".to_string(),
        )),
    }
    if let Some((field, message)) = errors.into_iter().next() {
        return Err(ApiError::invalid(field, message));
    }
    let record = BindingRecord {
        id: Uuid::now_v7(),
        connector_id: connector.id,
        group_id: input.group_id.map(|g| *g.as_uuid()),
        app_role_id: input.app_role_id.map(|r| *r.as_uuid()),
        target,
        now: Utc::now(),
    };
    let field = if record.group_id.is_some() {
        "group_id"
    } else {
        "app_role_id"
    };
    let row = store::provisioning::insert_binding(&state.db, &record, |row| {
        let after = binding_view(row);
        audit_event::<ConnectorBindingView, _>(
            Some(actor),
            "connector.bind",
            CONNECTOR,
            row.connector_id.to_string(),
            None,
            Some(&after),
        )
    })
    .await
    .map_err(|err| match err {
        StoreError::Duplicate(_) => ApiError::Conflict {
            code: tessera_domain::problem::ProblemCode::Duplicate,
            detail: "The connector binds this group or app role already.".into(),
            field: Some(field),
        },
        StoreError::MissingReference => ApiError::invalid(field, "no such group or app role"),
        other => other.into(),
    })?;
    Ok(binding_view(&row))
}

pub async fn delete_binding(
    _proof: &AdminProof,
    state: &AppState,
    actor: &Actor,
    id: ConnectorId,
    binding: ConnectorBindingId,
) -> ApiResult<()> {
    store::provisioning::delete_binding(&state.db, *id.as_uuid(), *binding.as_uuid(), |row| {
        let before = binding_view(row);
        audit_event::<_, ConnectorBindingView>(
            Some(actor),
            "connector.unbind",
            CONNECTOR,
            row.connector_id.to_string(),
            Some(&before),
            None,
        )
    })
    .await?
    .ok_or(ApiError::NotFound("connector binding"))?;
    Ok(())
}

/// The delivery of assignment `id` per target. The person who holds it may see it, whoever
/// may see the assignment itself (its catalog's owners and managers, administrators), and
/// whoever may read a request that delivered it (its requester and the approvers it asked).
pub async fn list_deliveries(
    state: &AppState,
    actor: &Actor,
    id: AssignmentId,
) -> ApiResult<DeliveryPage> {
    let own = store::assignments::find_assignment(&state.db, *id.as_uuid())
        .await?
        .is_some_and(|row| row.user_id == *actor.id.as_uuid());
    if !own && !reads_a_request_of(state, actor, id).await? {
        super::assignments::authorize_assignment(state, actor, id).await?;
    }
    let rows = store::provisioning::list_operations_of_assignment(&state.db, *id.as_uuid()).await?;
    let items = rows
        .iter()
        .map(delivery_view)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(DeliveryPage {
        items,
        next_cursor: None,
    })
}

/// Whether `actor` may read one of the requests that delivered assignment `id`.
async fn reads_a_request_of(state: &AppState, actor: &Actor, id: AssignmentId) -> ApiResult<bool> {
    for row in store::requests::requests_of_assignment(&state.db, *id.as_uuid()).await? {
        let request = tessera_domain::ids::RequestId::from_uuid(row.id);
        match crate::auth::request_authz::read_request(state, actor, request).await {
            Ok(_) => return Ok(true),
            Err(ApiError::NotFound(_) | ApiError::Forbidden(_)) => {}
            Err(other) => return Err(other),
        }
    }
    Ok(false)
}

fn state_name(state: ProvisioningState) -> &'static str {
    match state {
        ProvisioningState::Pending => "pending",
        ProvisioningState::Done => "done",
        ProvisioningState::Failed => "failed",
        ProvisioningState::Skipped => "skipped",
    }
}

/// Connector `id`'s operations, newest first, optionally only those in one state: where an
/// administrator finds what failed, whatever caused it.
pub async fn list_operations(
    _proof: &AdminProof,
    state: &AppState,
    id: ConnectorId,
    query: &OperationQuery,
) -> ApiResult<ProvisioningOperationPage> {
    let page = PageRequest::parse(&PageQuery {
        limit: query.limit,
        cursor: query.cursor.clone(),
    })?;
    let connector = find(state, id).await?;
    let rows = store::provisioning::list_operations_of_connector(
        &state.db,
        connector.id,
        query.state.map(state_name),
        page.after_id()?,
        page.fetch(),
    )
    .await?;
    let (rows, next_cursor) = page.finish(rows, |row| row.id.to_string());
    let items = rows
        .iter()
        .map(|row| {
            Ok(ProvisioningOperationView {
                delivery: delivery_view(row)?,
                user_id: UserId::from_uuid(row.user_id),
                username: row.username.clone(),
                assignment_id: row.assignment_id.map(AssignmentId::from_uuid),
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(ProvisioningOperationPage { items, next_cursor })
}

/// Retries or skips operation `id`, compare-and-set, audited.
pub async fn decide_operation(
    proof: &AdminProof,
    state: &AppState,
    actor: &Actor,
    id: ProvisioningOperationId,
    decision: Decision,
) -> ApiResult<DeliveryView> {
    let row = store::provisioning::find_operation(&state.db, *id.as_uuid())
        .await?
        .ok_or(ApiError::NotFound("provisioning operation"))?;
    let before = delivery_view(&row)?;
    let (action, refused) = match decision {
        Decision::Retry => (
            "provisioning_operation.retry",
            "Only a failed operation can be retried.",
        ),
        Decision::Skip => (
            "provisioning_operation.skip",
            "Only a failed operation, or a pending one no worker holds, can be skipped.",
        ),
    };
    let decided = store::provisioning::decide_operation(
        &state.db,
        row.id,
        row.version,
        decision,
        *proof.actor().as_uuid(),
        Utc::now(),
        |row| {
            let after = delivery_view(row).ok();
            audit_event(
                Some(actor),
                action,
                OPERATION,
                row.id.to_string(),
                Some(&before),
                after.as_ref(),
            )
        },
    )
    .await
    .map_err(|err| match err {
        StoreError::Conflict => ApiError::Conflict {
            code: tessera_domain::problem::ProblemCode::Changed,
            detail: refused.into(),
            field: None,
        },
        other => other.into(),
    })?;
    match decided {
        Decided::Decided(row) => delivery_view(&row),
        Decided::Superseded => Err(ApiError::Conflict {
            code: tessera_domain::problem::ProblemCode::Superseded,
            detail: "A newer operation for this person at this target was queued after this \
                     one; pushing this one again could undo it."
                .into(),
            field: None,
        }),
    }
}

/// How many `provisioning.timeout_seconds` one LDAP operation may take: connecting, binding,
/// a search and a modify, twice (a kept connection that turns out broken is given up and the
/// change made once more on a fresh one).
const LDAP_TIMEOUTS_PER_OPERATION: u32 = 8;

/// What a lease adds to the longest push: recording the outcome.
const LEASE_MARGIN_SECONDS: i64 = 30;

/// The longest one operation at a connector of `settings` may take; the worker gives up on a
/// push after as long. `ldap_timeout` is `provisioning.timeout_seconds`; a SCIM connector has
/// its own timeout per request.
pub fn longest_push(settings: &ConnectorSettings, ldap_timeout: Duration) -> Duration {
    match settings {
        ConnectorSettings::Ldap(_) => ldap_timeout * LDAP_TIMEOUTS_PER_OPERATION,
        ConnectorSettings::Scim(scim) => {
            Duration::from_secs(u64::from(scim.timeout_seconds))
                * crate::connectors::ScimConnector::MOST_REQUESTS_PER_OPERATION
        }
    }
}

/// The lease a round claims with: the longest push to any of `connectors` (the enabled ones,
/// whose operations the round may claim) plus a margin, so that no lease runs out during a
/// push and a second worker never pushes the same attempt.
pub fn lease_for(connectors: &[ConnectorSettings], ldap_timeout: Duration) -> chrono::Duration {
    let longest = connectors
        .iter()
        .map(|settings| longest_push(settings, ldap_timeout))
        .max()
        .unwrap_or(ldap_timeout * LDAP_TIMEOUTS_PER_OPERATION);
    chrono::Duration::from_std(longest).unwrap_or(chrono::Duration::hours(1))
        + chrono::Duration::seconds(LEASE_MARGIN_SECONDS)
}

/// Pushes the due operations, one round; returns how many reached their target. Every
/// replica runs it (`jobs::spawn_provisioning_worker`); the claims make sure each attempt is
/// made once.
pub async fn deliver_due(state: &AppState) -> ApiResult<usize> {
    let settings = &state.settings.provisioning;
    let timeout = Duration::from_secs(settings.timeout_seconds);
    let schedule =
        RetrySchedule::from_seconds(&settings.retry_delays_seconds, settings.max_attempts);
    let connectors: Vec<ConnectorSettings> = store::provisioning::list_enabled_settings(&state.db)
        .await?
        .iter()
        .filter_map(|stored| serde_json::from_str(stored).ok())
        .collect();
    let lease = lease_for(&connectors, timeout);
    let worker = ProvisioningWorker {
        state,
        connectors: Default::default(),
    };
    let done = run_round(&worker, &schedule, lease, ROUND_LIMIT).await;
    worker.close().await;
    done
}

struct ProvisioningWorker<'a> {
    state: &'a AppState,
    /// The connectors this round used, by id: each keeps its connection (an LDAP bind) for
    /// the round's next operations on it, instead of connecting and binding for each.
    connectors: tokio::sync::Mutex<HashMap<Uuid, Arc<KeptConnector>>>,
}

/// A connector kept for a round, with the stored settings and secret it was built from: an
/// operation claimed with others (the connector was changed meanwhile) builds a new one.
struct KeptConnector {
    settings: String,
    secret: String,
    /// How long one push to this connector may take at most (`longest_push`).
    longest_push: Duration,
    connector: AnyConnector,
}

/// `text` on one line, at most [`MAX_ERROR_CHARS`] characters.
fn short(text: &str) -> String {
    super::outbox::one_line(text, MAX_ERROR_CHARS)
}

fn person(item: &ClaimedOperation) -> Person {
    Person {
        id: item.user_id,
        username: item.username.clone(),
        email: Some(item.email.clone()).filter(|e| !e.is_empty()),
        external_id: item.external_id.clone(),
        display_name: item.display_name.clone(),
        given_name: item.given_name.clone(),
        family_name: item.family_name.clone(),
        active: item.user_enabled && item.deleted_at.is_none(),
    }
}

impl ProvisioningWorker<'_> {
    /// The connector of `item`: the one kept for this round if it was built from the same
    /// settings and secret, else a new one, kept in its place.
    async fn connector(
        &self,
        item: &ClaimedOperation,
    ) -> Result<Arc<KeptConnector>, ConnectorError> {
        let mut kept = self.connectors.lock().await;
        if let Some(found) = kept.get(&item.connector_id)
            && found.settings == item.settings
            && found.secret == item.secret
        {
            return Ok(found.clone());
        }
        let settings: ConnectorSettings = serde_json::from_str(&item.settings).map_err(|_| {
            ConnectorError::permanent("the connector's stored settings do not parse")
        })?;
        let connector = with_timeout(AnyConnector::new(&settings, &item.secret)?, self.state)
            .keeping_connection();
        let fresh = Arc::new(KeptConnector {
            settings: item.settings.clone(),
            secret: item.secret.clone(),
            longest_push: longest_push(
                &settings,
                Duration::from_secs(self.state.settings.provisioning.timeout_seconds),
            ),
            connector,
        });
        if let Some(old) = kept.insert(item.connector_id, fresh.clone()) {
            old.connector.close().await;
        }
        Ok(fresh)
    }

    /// Lets go of the connections kept during the round.
    async fn close(&self) {
        let kept = std::mem::take(&mut *self.connectors.lock().await);
        for connector in kept.values() {
            connector.connector.close().await;
        }
    }

    async fn apply(&self, item: &ClaimedOperation) -> Result<(), ConnectorError> {
        let kept = self.connector(item).await?;
        let connector = &kept.connector;
        let person = person(item);
        let push = async {
            match Action::parse(&item.action) {
                Some(Action::Add) => connector.add_member(&item.target, &person).await,
                Some(Action::Remove) => connector.remove_member(&item.target, &person).await,
                Some(Action::Deactivate) => connector.deactivate(&person).await,
                None => Err(ConnectorError::permanent("unknown operation")),
            }
        };
        // The round's lease covers this long and no longer (`lease_for`).
        let longest = kept.longest_push;
        tokio::time::timeout(longest, push)
            .await
            .unwrap_or_else(|_| {
                Err(ConnectorError::retry(format!(
                    "the connected system did not finish within {} s",
                    longest.as_secs()
                )))
            })
    }
}

impl OutboxWorker for ProvisioningWorker<'_> {
    type Item = ClaimedOperation;

    async fn claim(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> ApiResult<Option<ClaimedOperation>> {
        Ok(store::provisioning::claim_next_due(&self.state.db, now, lease_until).await?)
    }

    fn attempts(&self, item: &ClaimedOperation) -> i64 {
        item.attempts
    }

    async fn push(&self, item: &ClaimedOperation) -> Pushed {
        match self.apply(item).await {
            Ok(()) => Pushed::Done { status: None },
            Err(err) => Pushed::Failed {
                status: None,
                error: short(&err.message),
                retry: err.retry,
            },
        }
    }

    async fn record(
        &self,
        item: &ClaimedOperation,
        pushed: &Pushed,
        next: Option<NextAttempt>,
        now: DateTime<Utc>,
    ) -> ApiResult<bool> {
        let db = &self.state.db;
        let recorded = match pushed {
            Pushed::Done { .. } => store::provisioning::mark_done(db, item, now).await?,
            Pushed::Failed { error, .. } => {
                let next = next.unwrap_or(NextAttempt::GiveUp);
                match next {
                    NextAttempt::GiveUp => tracing::error!(
                        operation = %item.id,
                        connector = %item.connector_id,
                        attempt = item.attempts + 1,
                        error = %error,
                        "a provisioning operation failed for good"
                    ),
                    NextAttempt::At(at) => tracing::warn!(
                        operation = %item.id,
                        connector = %item.connector_id,
                        attempt = item.attempts + 1,
                        next_attempt_at = %at,
                        error = %error,
                        "a provisioning operation failed; it will be retried"
                    ),
                }
                store::provisioning::mark_failed_attempt(db, item, error, now, next).await?
            }
        };
        Ok(recorded)
    }
}

/// Compares what binding `binding` of connector `id` holds at its target with the people
/// Tessera's group or app role has, and with `apply` sets the target right (audited as
/// `connector.reconcile`). A target that cannot be read is a `connector_failed` problem.
pub async fn reconcile_binding(
    _proof: &AdminProof,
    state: &AppState,
    actor: &Actor,
    id: ConnectorId,
    binding: ConnectorBindingId,
    apply: bool,
) -> ApiResult<tessera_domain::reconcile::ReconciliationReport> {
    let connector_row = find(state, id).await?;
    let binding_row = store::provisioning::list_bindings(&state.db, connector_row.id)
        .await?
        .into_iter()
        .find(|row| row.id == *binding.as_uuid())
        .ok_or(ApiError::NotFound("connector binding"))?;
    let membership = match (binding_row.group_id, binding_row.app_role_id) {
        (Some(group), _) => store::reconcile::Membership::Group(GroupId::from_uuid(group)),
        (None, Some(role)) => store::reconcile::Membership::AppRole(AppRoleId::from_uuid(role)),
        (None, None) => return Err(corrupt("binding", binding_row.id)),
    };
    let expected = store::reconcile::list_expected_people(&state.db, membership).await?;
    let connector = build(state, &connector_row).await?;
    let mut report = super::reconcile::reconcile(&connector, &binding_row.target, &expected, apply)
        .await
        .map_err(|err| ApiError::ConnectorFailed {
            detail: err.message,
        })?;
    report.connector_id = Some(connector_row.id);
    if apply {
        let event = audit_event::<(), _>(
            Some(actor),
            "connector.reconcile",
            CONNECTOR,
            connector_row.id.to_string(),
            None,
            Some(&report),
        );
        store::audit::insert_event(&state.db, &event).await?;
    }
    Ok(report)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use tessera_domain::connector::{LdapMembership, LdapSettings, PersonKey, ScimSettings};

    use super::*;

    fn scim(timeout_seconds: u16) -> ConnectorSettings {
        ConnectorSettings::Scim(ScimSettings {
            base_url: "https://app.example.org/scim/v2".into(),
            match_by: PersonKey::Username,
            create_users: true,
            deactivate_on_leave: true,
            timeout_seconds,
        })
    }

    fn ldap() -> ConnectorSettings {
        ConnectorSettings::Ldap(LdapSettings {
            url: "ldap://127.0.0.1:389".into(),
            start_tls: false,
            ca_certificate: None,
            bind_dn: "cn=admin".into(),
            users_base_dn: "ou=people".into(),
            match_attribute: "uid".into(),
            match_by: PersonKey::Username,
            membership: LdapMembership::Member,
        })
    }

    #[test]
    fn the_lease_covers_the_slowest_enabled_connectors_every_request() {
        let ldap_timeout = Duration::from_secs(10);
        // A SCIM connector with a long timeout of its own sets the lease, whatever LDAP's is.
        let lease = lease_for(&[ldap(), scim(120)], ldap_timeout);
        assert_eq!(lease, chrono::Duration::seconds(4 * 120 + 30));
        assert!(
            lease > chrono::Duration::seconds(10 * 8 + 30),
            "longer than LDAP's"
        );
        // Otherwise LDAP's eight timeouts do (two tries of four steps).
        assert_eq!(
            lease_for(&[ldap(), scim(5)], ldap_timeout),
            chrono::Duration::seconds(8 * 10 + 30)
        );
        assert_eq!(lease_for(&[], ldap_timeout), chrono::Duration::seconds(110));
        // The worker gives up on a push after as long as the lease allows for it.
        for settings in [ldap(), scim(120), scim(1)] {
            let longest =
                chrono::Duration::from_std(longest_push(&settings, ldap_timeout)).unwrap();
            assert!(
                longest + chrono::Duration::seconds(30) <= lease_for(&[settings], ldap_timeout)
            );
        }
    }
}

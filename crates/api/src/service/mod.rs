//! Use cases. Each takes typed input (and, where privileged, an authorization proof), applies
//! the rules, and calls the store. No HTTP here beyond the error type.

pub mod access;
pub mod applications;
pub mod assignment_view;
pub mod assignments;
pub mod audience;
pub mod audit;
pub mod catalogs;
pub mod conflicts;
pub mod csv;
pub mod directory;
pub mod extensions;
pub mod global_roles;
pub mod groups;
pub mod imports;
pub mod incompatibilities;
pub mod lifecycle;
pub mod notifications;
pub mod oidc;
pub mod outbox;
pub mod packages;
pub mod page;
pub mod people;
pub mod policies;
pub mod provisioning;
pub mod reconcile;
pub mod reprocess;
pub mod request_search;
pub mod requests;
pub mod reviews;
pub mod scim;
pub mod session;
pub mod team;
pub mod tokens;
pub mod usage;
pub mod users;
pub mod webhooks;

use chrono::Utc;
use serde::Serialize;

use crate::auth::Actor;
use crate::error::current_request_id;
use crate::store::audit::AuditEvent;

/// An audit event for a change made by `actor`, with JSON snapshots before and after.
pub fn audit_event<B: Serialize, A: Serialize>(
    actor: Option<&Actor>,
    action: &'static str,
    target_type: &'static str,
    target_id: String,
    before: Option<&B>,
    after: Option<&A>,
) -> AuditEvent {
    AuditEvent {
        actor_id: actor.map(|a| *a.id.as_uuid()),
        actor_name: actor.map(|a| a.username.clone()),
        action,
        target_type,
        target_id,
        before: before.and_then(|b| serde_json::to_string(b).ok()),
        after: after.and_then(|a| serde_json::to_string(a).ok()),
        request_id: current_request_id(),
        occurred_at: Utc::now(),
    }
}

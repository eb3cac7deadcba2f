//! The audit page's pure parts: its filter form parsed with the domain's rules, the filters
//! written as a query (for the list and the CSV link), and how an event reads in a row.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use tessera_domain::UserId;
use tessera_domain::audit::{ActionFilter, AuditEventView, AuditExportQuery, TargetType};
use tessera_domain::problem::FieldError;

use crate::api::ApiError;

/// The path of the CSV export, under the API's base.
pub const CSV_EXPORT_PATH: &str = "/api/v1/audit-events.csv";

/// The filters as typed. Each field is named as the API names its query parameter, so a
/// refusal found here and one from the server show at the same input.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AuditFilterForm {
    /// A user id, as chosen in the actor picker ("" for anyone).
    pub actor_id: String,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    /// `2025-03-04T14:05` as a `datetime-local` input gives it, read as UTC.
    pub since: String,
    pub until: String,
}

impl AuditFilterForm {
    pub fn parse(&self) -> Result<AuditExportQuery, ApiError> {
        let mut refusals = Vec::new();
        let mut refuse = |field: &str, message: String| {
            refusals.push(FieldError {
                field: field.to_string(),
                message,
            })
        };
        let actor_id = match present(&self.actor_id) {
            None => None,
            Some(raw) => raw
                .parse::<UserId>()
                .map_err(|_| refuse("actor_id", "choose a person from the list".into()))
                .ok(),
        };
        let action = match present(&self.action) {
            None => None,
            Some(raw) => ActionFilter::parse(raw)
                .map_err(|error| refuse("action", error.0))
                .ok(),
        };
        let target_type = match present(&self.target_type) {
            None => None,
            Some(raw) => TargetType::parse(raw)
                .map_err(|error| refuse("target_type", error.0))
                .ok(),
        };
        let target_id = match present(&self.target_id) {
            None => None,
            Some(raw) => uuid::Uuid::parse_str(raw)
                .map_err(|_| {
                    refuse(
                        "target_id",
                        "must be an id such as 0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".into(),
                    )
                })
                .ok(),
        };
        let since = match present(&self.since) {
            None => None,
            Some(raw) => instant(raw)
                .map_err(|message| refuse("since", message))
                .ok(),
        };
        let until = match present(&self.until) {
            None => None,
            Some(raw) => instant(raw)
                .map_err(|message| refuse("until", message))
                .ok(),
        };
        if let (Some(since), Some(until)) = (since, until)
            && until <= since
        {
            refuse("until", "must be later than since".into());
        }
        if !refusals.is_empty() {
            return Err(ApiError::invalid(refusals));
        }
        Ok(AuditExportQuery {
            actor_id,
            target_type,
            target_id,
            action,
            since,
            until,
        })
    }
}

pub(crate) fn present(raw: &str) -> Option<&str> {
    Some(raw.trim()).filter(|raw| !raw.is_empty())
}

/// A moment typed as a `datetime-local` value (to the minute or the second) in UTC, or as
/// RFC 3339 with its own offset.
pub(crate) fn instant(raw: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(at) = DateTime::parse_from_rfc3339(raw) {
        return Ok(at.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .into_iter()
        .find_map(|format| NaiveDateTime::parse_from_str(raw, format).ok())
        .map(|naive| naive.and_utc())
        .ok_or_else(|| "must be a date and time such as 2025-03-04T14:05".to_string())
}

/// The filters as query parameters, in a stable order; absent filters are left out.
pub fn query_pairs(filters: &AuditExportQuery) -> Vec<(&'static str, String)> {
    let instant = |at: &DateTime<Utc>| at.to_rfc3339_opts(SecondsFormat::AutoSi, true);
    [
        ("actor_id", filters.actor_id.map(|id| id.to_string())),
        ("action", filters.action.as_ref().map(ToString::to_string)),
        (
            "target_type",
            filters.target_type.as_ref().map(|t| t.as_str().to_string()),
        ),
        ("target_id", filters.target_id.map(|id| id.to_string())),
        ("since", filters.since.as_ref().map(instant)),
        ("until", filters.until.as_ref().map(instant)),
    ]
    .into_iter()
    .filter_map(|(key, value)| value.map(|value| (key, value)))
    .collect()
}

/// The link that downloads the events these filters match as CSV.
pub fn csv_href(filters: &AuditExportQuery) -> String {
    crate::assignments::with_query(CSV_EXPORT_PATH, query_pairs(filters))
}

/// Percent-encodes everything but unreserved characters.
pub(crate) fn encode(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for byte in raw.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// When an event happened, to the second: changes made in one minute are told apart.
pub fn occurred(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// Who made a change: the username they had then, or the system for the command line.
pub fn actor(event: &AuditEventView) -> String {
    event
        .actor_name
        .clone()
        .unwrap_or_else(|| "Tessera (system)".to_string())
}

/// A readable name of the changed object, taken from its snapshot (after the change, else
/// before it): a username, or the name of a group, catalog, package…
pub fn target_name(event: &AuditEventView) -> Option<String> {
    [event.after.as_ref(), event.before.as_ref()]
        .into_iter()
        .flatten()
        .find_map(|snapshot| {
            ["username", "name"].into_iter().find_map(|key| {
                snapshot
                    .get(key)
                    .and_then(serde_json::Value::as_str)
                    .filter(|name| !name.trim().is_empty())
                    .map(str::to_string)
            })
        })
}

/// A snapshot for people: indented JSON, or a word when there is none.
pub fn snapshot(value: Option<&serde_json::Value>, absent: &str) -> String {
    value
        .and_then(|value| serde_json::to_string_pretty(value).ok())
        .unwrap_or_else(|| absent.to_string())
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;

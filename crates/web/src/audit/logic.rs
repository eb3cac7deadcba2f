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
            about: None,
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
        ("about", filters.about.map(|id| id.to_string())),
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

/// The categories of the filter, each the prefix of the actions it holds, with its label.
pub const CATEGORIES: [(&str, &str); 12] = [
    ("request.*", "Requests"),
    ("assignment.*", "Assignments"),
    ("policy.*", "Policies"),
    ("access_review.*", "Access reviews"),
    ("user.*", "People"),
    ("group.*", "Groups"),
    ("application.*", "Applications"),
    ("catalog.*", "Catalogs"),
    ("access_package.*", "Access packages"),
    ("connector.*", "Connectors"),
    ("webhook.*", "Webhooks"),
    ("token.*", "API tokens"),
];

/// A kind of object in words: `access_package` reads "access package".
pub fn kind_label(target_type: &str) -> String {
    match target_type {
        "user" => "person".to_string(),
        "api_token" => "API token".to_string(),
        "access_review_instance" => "access review".to_string(),
        "access_review_item" => "access review decision".to_string(),
        other => other.replace('_', " "),
    }
}

/// The kinds of object the object filter suggests by name, in the order they are listed.
pub const OBJECT_KINDS: [&str; 5] = ["user", "access_package", "catalog", "group", "application"];

/// How many suggestions of each kind the object filter shows for one search.
pub const OBJECTS_PER_KIND: usize = 10;

/// The object filter's value for an object: its kind and id, such as `catalog:0193…`.
pub fn object_value(target_type: &str, id: &str) -> String {
    if target_type.is_empty() && id.is_empty() {
        return String::new();
    }
    format!("{target_type}:{id}")
}

/// The kind and id an object filter's value names (`""` for both when none).
pub fn object_of(value: &str) -> (String, String) {
    match value.split_once(':') {
        Some((kind, id)) => (kind.to_string(), id.to_string()),
        None => (String::new(), value.to_string()),
    }
}

/// How an object reads as a suggestion and in the filter: `Sales (catalog)`.
pub fn object_label(target_type: &str, name: &str) -> String {
    format!("{name} ({})", kind_label(target_type))
}

/// The object filter's suggestions: up to [`OBJECTS_PER_KIND`] objects of each kind found, as
/// (id, name) pairs per kind, kinds in the order given.
pub fn object_choices(found: Vec<(&str, Vec<(String, String)>)>) -> Vec<(String, String)> {
    found
        .into_iter()
        .flat_map(|(kind, objects)| {
            objects
                .into_iter()
                .take(OBJECTS_PER_KIND)
                .map(move |(id, name)| (object_value(kind, &id), object_label(kind, &name)))
        })
        .collect()
}

/// Who made a change, by the name they have now, else the username they had then.
pub fn actor_label(event: &AuditEventView) -> String {
    event
        .actor_display_name
        .clone()
        .or_else(|| event.actor_name.clone())
        .unwrap_or_else(|| "Tessera".to_string())
}

/// The object's name now, else as its snapshot names it.
pub fn object_name(event: &AuditEventView) -> Option<String> {
    event.target_name.clone().or_else(|| target_name(event))
}

/// "Alice Analyst's", "James'".
fn possessive(name: &str) -> String {
    if name.ends_with('s') {
        format!("{name}'")
    } else {
        format!("{name}'s")
    }
}

/// The event as a sentence with names: "Maria Manager approved Alice Analyst's request for
/// Ledger.", "Ada Admin created the group Finance."
pub fn describe(event: &AuditEventView) -> String {
    let who = actor_label(event);
    let kind = kind_label(&event.target_type);
    let name = object_name(event);
    let the_object = match &name {
        Some(name) => format!("the {kind} {name}"),
        None if kind.starts_with(['a', 'e', 'i', 'o', 'u']) => format!("an {kind}"),
        None => format!("a {kind}"),
    };
    // Requests and assignments: of a person, for a package.
    let person = event
        .target_person_name
        .clone()
        .unwrap_or_else(|| "someone".to_string());
    let package = name
        .clone()
        .unwrap_or_else(|| "an access package".to_string());
    let request = format!("{} request for {package}", possessive(&person));
    let access = format!("{} access to {package}", possessive(&person));
    let sentence = match event.action.as_str() {
        "request.submit" if event.target_person_name.as_deref() == Some(who.as_str()) => {
            format!("{who} asked for {package}")
        }
        "request.submit" => format!("{who} asked for {package} for {person}"),
        "request.approve" => format!("{who} approved {request}"),
        "request.deny" => format!("{who} denied {request}"),
        "request.cancel" => format!("{who} canceled {request}"),
        "request.deliver" => format!("{request} was delivered"),
        "request.delivery_failed" => format!("{request} could not be delivered"),
        "request.time_out" => format!("{request} was denied: nobody decided in time"),
        "request.escalate" => format!("{request} went to the fallback approvers"),
        "request.reroute" => format!("{who} sent {request} to other approvers"),
        "request.start" => format!("{request} was scheduled to start"),
        "request.close_disabled_user" => {
            format!("{request} was closed: the account is disabled")
        }
        "request.extension_answer" => format!("An extension answered on {request}"),
        "request.extension_time_out" => format!("An extension did not answer on {request}"),
        "assignment.create" => format!("{who} gave {person} access to {package}"),
        "assignment.remove" => format!("{who} removed {access}"),
        "assignment.expire" => format!("{access} expired"),
        "assignment.extend" => format!("{who} extended {access}"),
        "assignment.start" => format!("{access} started"),
        "assignment.remove_by_review" => format!("{access} was removed by an access review"),
        "assignment.remove_disabled_user" => {
            format!("{access} was removed: the account is disabled")
        }
        "assignment.reprocess" => format!("{who} applied {access} again"),
        "user.create" => format!("{who} added {}", name_or(name.as_deref(), "a person")),
        "user.create_by_sign_in" => {
            format!(
                "{} signed in for the first time",
                name_or(name.as_deref(), "Someone")
            )
        }
        "user.update" => format!("{who} changed {}", name_or(name.as_deref(), "a person")),
        "user.delete" => format!("{who} deleted {}", name_or(name.as_deref(), "a person")),
        "user.block" => format!(
            "{} was blocked from signing in",
            name_or(name.as_deref(), "A guest")
        ),
        "user.unblock" => format!("{who} unblocked {}", name_or(name.as_deref(), "a guest")),
        "user.set_password" => {
            format!(
                "{who} set the password of {}",
                name_or(name.as_deref(), "a person")
            )
        }
        "user.change_password" => format!("{who} changed their password"),
        action => generic(&who, action, &the_object),
    };
    format!("{sentence}.")
}

fn name_or(name: Option<&str>, fallback: &str) -> String {
    name.unwrap_or(fallback).to_string()
}

/// "Ada Admin created the catalog Finance", else the action's words: "Ada Admin: role grant,
/// the catalog Finance".
fn generic(who: &str, action: &str, the_object: &str) -> String {
    let last = action.rsplit('.').next().unwrap_or(action);
    let verb = match last {
        "create" => Some("created"),
        "update" => Some("changed"),
        "delete" => Some("deleted"),
        "start" => Some("started"),
        "stop" => Some("stopped"),
        "complete" => Some("completed"),
        "apply" => Some("applied the decisions of"),
        "revoke" => Some("revoked"),
        "move" => Some("moved"),
        "bind" => Some("connected"),
        "unbind" => Some("disconnected"),
        "reconcile" => Some("reconciled"),
        "reprocess" => Some("applied again"),
        "rotate_secret" | "rotate_extension_secret" => Some("replaced the secret of"),
        _ => None,
    };
    match verb {
        Some(verb) if action.matches('.').count() == 1 => format!("{who} {verb} {the_object}"),
        _ => {
            let words: Vec<String> = action
                .split('.')
                .skip(1)
                .map(|word| word.replace('_', " "))
                .collect();
            format!("{who}: {} ({the_object})", words.join(" "))
        }
    }
}

/// One line of a change: a field, and its value before and after, in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldChange {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// A value on one line: text as it is, nothing as a dash, anything else as compact JSON.
pub fn value_text(value: Option<&serde_json::Value>) -> String {
    match value {
        None | Some(serde_json::Value::Null) => "—".to_string(),
        Some(serde_json::Value::String(text)) if text.is_empty() => "(empty)".to_string(),
        Some(serde_json::Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    }
}

/// What changed between two snapshots, field by field: the fields whose values differ (all
/// of them when the object was created or deleted). Snapshots that are not objects are one
/// field, "value".
pub fn field_changes(
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
) -> Vec<FieldChange> {
    use serde_json::{Map, Value};
    let empty = Map::new();
    fn object<'a>(
        value: Option<&'a Value>,
        empty: &'a Map<String, Value>,
    ) -> Option<&'a Map<String, Value>> {
        match value {
            None | Some(Value::Null) => Some(empty),
            Some(Value::Object(map)) => Some(map),
            Some(_) => None,
        }
    }
    match (object(before, &empty), object(after, &empty)) {
        (Some(old), Some(new)) => {
            let mut fields: Vec<&String> = old.keys().chain(new.keys()).collect();
            fields.sort();
            fields.dedup();
            fields
                .into_iter()
                .filter(|field| old.get(*field) != new.get(*field))
                .map(|field| FieldChange {
                    field: field.replace('_', " "),
                    before: value_text(old.get(field)),
                    after: value_text(new.get(field)),
                })
                .collect()
        }
        _ if before == after => Vec::new(),
        _ => vec![FieldChange {
            field: "value".to_string(),
            before: value_text(before),
            after: value_text(after),
        }],
    }
}

/// When an event happened, briefly: "2 hours ago", or the date and time in the browser's
/// time zone once it is more than a month old.
pub fn occurred_briefly(at: &DateTime<Utc>, now: DateTime<Utc>) -> String {
    crate::format::relative(at, now).unwrap_or_else(|| crate::format::timestamp(at))
}

//! Reading the audit trail: a paged list and a CSV export, for administrators.

use tessera_domain::UserId;
use tessera_domain::audit::{
    ActionFilter, AuditEventView, AuditExportQuery, AuditPage, AuditQuery,
};
use uuid::Uuid;

use super::page::PageRequest;
use crate::auth::authz::AdminProof;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store;
use crate::store::audit::{AuditRow, EventFilter, Names};

/// The most rows one export holds: the newest ones that match.
pub const EXPORT_MAX_ROWS: u32 = 10_000;

fn event_filter(query: &AuditExportQuery) -> ApiResult<EventFilter> {
    if let (Some(since), Some(until)) = (query.since, query.until)
        && until <= since
    {
        return Err(ApiError::BadRequest {
            field: Some("until".into()),
            message: "must be later than since".into(),
        });
    }
    let (action, action_prefix) = match &query.action {
        None => (None, None),
        Some(ActionFilter::Exact(action)) => (Some(action.clone()), None),
        Some(ActionFilter::Prefix(prefix)) => (None, Some(prefix.clone())),
    };
    Ok(EventFilter {
        actor_id: query.actor_id.map(|id| *id.as_uuid()),
        about: query.about.map(|person| *person.as_uuid()),
        target_type: query.target_type.as_ref().map(|t| t.as_str().to_string()),
        target_id: query.target_id.map(|id| id.to_string()),
        action,
        action_prefix,
        since: query.since,
        until: query.until,
    })
}

/// A stored snapshot is JSON written by [`super::audit_event`]; one that does not parse is
/// shown as the text it is rather than hidden.
fn snapshot(id: Uuid, raw: Option<&str>) -> Option<serde_json::Value> {
    raw.map(|raw| {
        serde_json::from_str(raw).unwrap_or_else(|_| {
            tracing::warn!(%id, "stored audit snapshot is not JSON");
            serde_json::Value::String(raw.to_string())
        })
    })
}

fn event_view(row: AuditRow, names: &Names) -> AuditEventView {
    let actor_display_name = row
        .actor_id
        .and_then(|id| names.of("user", id))
        .and_then(|(name, _)| name.clone());
    let (target_name, target_person_name) = Uuid::parse_str(&row.target_id)
        .ok()
        .and_then(|id| names.of(&row.target_type, id))
        .cloned()
        .unwrap_or_default();
    AuditEventView {
        id: row.id,
        occurred_at: row.occurred_at,
        actor_id: row.actor_id.map(UserId::from_uuid),
        actor_name: row.actor_name,
        actor_display_name,
        target_name,
        target_person_name,
        before: snapshot(row.id, row.before.as_deref()),
        after: snapshot(row.id, row.after.as_deref()),
        action: row.action,
        target_type: row.target_type,
        target_id: row.target_id,
        request_id: row.request_id,
    }
}

pub async fn list_events(
    _proof: &AdminProof,
    state: &AppState,
    query: &AuditQuery,
) -> ApiResult<AuditPage> {
    let filter = event_filter(&query.filters())?;
    let page = PageRequest::parse(&query.page())?;
    let before = page.after_id()?;
    let rows = store::audit::list_events(&state.db, &filter, before, page.fetch()).await?;
    let (rows, next_cursor) = page.finish(rows, |row| row.id.to_string());
    let names = names_in(state, &rows).await?;
    Ok(AuditPage {
        items: rows
            .into_iter()
            .map(|row| event_view(row, &names))
            .collect(),
        next_cursor,
    })
}

/// The names of the actors and targets of one page, in one read.
async fn names_in(state: &AppState, rows: &[AuditRow]) -> ApiResult<Names> {
    let mut objects: Vec<(&str, Uuid)> = Vec::new();
    for row in rows {
        if let Some(actor) = row.actor_id {
            objects.push(("user", actor));
        }
        if let Ok(target) = Uuid::parse_str(&row.target_id) {
            objects.push((row.target_type.as_str(), target));
        }
    }
    Ok(store::audit::find_names(&state.db, &objects).await?)
}

/// A CSV export of the events the filters match.
pub struct AuditExport {
    pub csv: Vec<u8>,
    /// More events matched than [`EXPORT_MAX_ROWS`]; the export holds the newest.
    pub truncated: bool,
}

const CSV_HEADER: [&str; 10] = [
    "id",
    "occurred_at",
    "actor_id",
    "actor_name",
    "action",
    "target_type",
    "target_id",
    "request_id",
    "before",
    "after",
];

pub async fn export_events(
    _proof: &AdminProof,
    state: &AppState,
    query: &AuditExportQuery,
) -> ApiResult<AuditExport> {
    let filter = event_filter(query)?;
    let mut rows = store::audit::list_events(&state.db, &filter, None, EXPORT_MAX_ROWS + 1).await?;
    let truncated = rows.len() > EXPORT_MAX_ROWS as usize;
    rows.truncate(EXPORT_MAX_ROWS as usize);
    let csv = super::csv::write(&CSV_HEADER, rows.iter().map(csv_record))?;
    Ok(AuditExport { csv, truncated })
}

fn csv_record(row: &AuditRow) -> [String; 10] {
    [
        row.id.to_string(),
        row.occurred_at
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        row.actor_id.map(|id| id.to_string()).unwrap_or_default(),
        row.actor_name.clone().unwrap_or_default(),
        row.action.clone(),
        row.target_type.clone(),
        row.target_id.clone(),
        row.request_id.clone().unwrap_or_default(),
        row.before.clone().unwrap_or_default(),
        row.after.clone().unwrap_or_default(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(actor_name: &str, after: Option<&str>) -> AuditRow {
        AuditRow {
            id: Uuid::nil(),
            occurred_at: chrono::DateTime::UNIX_EPOCH,
            actor_id: None,
            actor_name: Some(actor_name.into()),
            action: "user.update".into(),
            target_type: "user".into(),
            target_id: "x".into(),
            before: None,
            after: after.map(str::to_string),
            request_id: None,
        }
    }

    #[test]
    fn the_export_quotes_by_rfc_4180() {
        let record = csv_record(&row("a,b \"c\"\nd", Some(r#"{"x":"y"}"#)));
        let csv = super::super::csv::write(&CSV_HEADER, [record]).map(String::from_utf8);
        let Ok(Ok(csv)) = csv else { panic!("no CSV") };
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], CSV_HEADER.join(","));
        assert_eq!(
            lines[1],
            "00000000-0000-0000-0000-000000000000,1970-01-01T00:00:00.000000Z,,\"a,b \"\"c\"\"\nd\",\
             user.update,user,x,,,\"{\"\"x\"\":\"\"y\"\"}\""
        );
        assert_eq!(lines[2], "");
    }
}

//! The administrators' request list, its pure parts: the filter form parsed with the domain's
//! rules, and the filters written as a query (for the list and the CSV link); and where each of
//! an access package's open requests stands, in words, for the package's page.

use chrono::{DateTime, SecondsFormat, Utc};
use tessera_domain::access::{RequestExportQuery, RequestView};
use tessera_domain::problem::FieldError;
use tessera_domain::request::RequestState;
use tessera_domain::{AccessPackageId, UserId};

use crate::api::ApiError;
use crate::audit::{instant, present};
use crate::my_access::current_stage;

/// The path of the CSV export, under the API's base.
pub const CSV_EXPORT_PATH: &str = "/api/v1/requests.csv";

/// The filters as typed. Each field is named as the API names its query parameter, so a
/// refusal found here and one from the server show at the same input.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RequestFilterForm {
    /// A state's wire name ("" for any).
    pub state: String,
    /// A package id, as chosen in the package list ("" for any).
    pub access_package_id: String,
    /// A user id, as chosen in the requester picker ("" for anyone).
    pub requester_id: String,
    /// `2025-03-04T14:05` as a `datetime-local` input gives it, read as UTC.
    pub created_after: String,
    pub created_before: String,
}

impl RequestFilterForm {
    pub fn parse(&self) -> Result<RequestExportQuery, ApiError> {
        let mut refusals = Vec::new();
        let mut refuse = |field: &str, message: String| {
            refusals.push(FieldError {
                field: field.to_string(),
                message,
            })
        };
        let state = match present(&self.state) {
            None => None,
            Some(raw) => RequestState::parse(raw)
                .ok_or_else(|| refuse("state", "choose a state from the list".into()))
                .ok(),
        };
        let access_package_id = match present(&self.access_package_id) {
            None => None,
            Some(raw) => raw
                .parse::<AccessPackageId>()
                .map_err(|_| refuse("access_package_id", "choose a package from the list".into()))
                .ok(),
        };
        let requester_id = match present(&self.requester_id) {
            None => None,
            Some(raw) => raw
                .parse::<UserId>()
                .map_err(|_| refuse("requester_id", "choose a person from the list".into()))
                .ok(),
        };
        let created_after = match present(&self.created_after) {
            None => None,
            Some(raw) => instant(raw)
                .map_err(|message| refuse("created_after", message))
                .ok(),
        };
        let created_before = match present(&self.created_before) {
            None => None,
            Some(raw) => instant(raw)
                .map_err(|message| refuse("created_before", message))
                .ok(),
        };
        if let (Some(after), Some(before)) = (created_after, created_before)
            && before <= after
        {
            refuse("created_before", "must be later than the start".into());
        }
        if !refusals.is_empty() {
            return Err(ApiError::invalid(refusals));
        }
        Ok(RequestExportQuery {
            state,
            access_package_id,
            requester_id,
            created_after,
            created_before,
            ..RequestExportQuery::default()
        })
    }
}

/// The filters as query parameters, in a stable order; absent filters are left out.
pub fn query_pairs(filters: &RequestExportQuery) -> Vec<(&'static str, String)> {
    let instant = |at: &DateTime<Utc>| at.to_rfc3339_opts(SecondsFormat::AutoSi, true);
    [
        ("state", filters.state.map(|s| s.as_str().to_string())),
        ("catalog_id", filters.catalog_id.map(|id| id.to_string())),
        (
            "access_package_id",
            filters.access_package_id.map(|id| id.to_string()),
        ),
        (
            "requester_id",
            filters.requester_id.map(|id| id.to_string()),
        ),
        ("target_id", filters.target_id.map(|id| id.to_string())),
        ("open", filters.open.map(|open| open.to_string())),
        ("created_after", filters.created_after.as_ref().map(instant)),
        (
            "created_before",
            filters.created_before.as_ref().map(instant),
        ),
    ]
    .into_iter()
    .filter_map(|(key, value)| value.map(|value| (key, value)))
    .collect()
}

/// The link that downloads the requests these filters match as CSV.
pub fn csv_href(filters: &RequestExportQuery) -> String {
    crate::assignments::with_query(CSV_EXPORT_PATH, query_pairs(filters))
}

/// The filters of an access package's open requests: submitted, pending approval, waiting for
/// a custom extension, scheduled or being delivered.
pub fn open_requests_of(package: AccessPackageId) -> RequestExportQuery {
    RequestExportQuery {
        access_package_id: Some(package),
        open: Some(true),
        ..RequestExportQuery::default()
    }
}

/// The stage an open request waits in, and for whom: "Stage 2 of 3, waiting for Maria Manager
/// or Bob Boss" (any one of them decides). `None` unless it waits for approval.
pub fn waiting_line(request: &RequestView) -> Option<String> {
    let stage = current_stage(request)?;
    let escalated = stage
        .escalated_at
        .map_or(&[][..], |_| &stage.escalation_approvers[..]);
    let names: Vec<&str> = stage
        .approvers
        .iter()
        .chain(escalated)
        .map(|person| person.display_name.as_str())
        .collect();
    let of = format!("Stage {} of {}", stage.number, request.stages.len());
    Some(match names.as_slice() {
        [] => format!("{of}, with nobody to decide it"),
        [one] => format!("{of}, waiting for {one}"),
        [rest @ .., last] => format!("{of}, waiting for {} or {last}", rest.join(", ")),
    })
}

/// The notice once an administrator canceled a request.
pub fn canceled_notice(request: &RequestView) -> String {
    format!(
        "The request for {} was canceled.",
        request.target.display_name
    )
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;

//! `/api/v1/requests` and the request lists of `/api/v1/me`: asking for access, following
//! requests, cancelling them, and deciding approvals.

use tessera_domain::RequestId;
use tessera_domain::access::{
    ApprovalList, CancelInput, DecisionInput, NewRequestInput, RequestPage, RequestView,
};
use tessera_domain::page::PageQuery;

use super::ApiError;
use super::client::{self, Write};

/// A fresh `Idempotency-Key`: a random UUID from the browser's `crypto.randomUUID()`, or, where
/// that is missing (pages not served over HTTPS or localhost), one made of the clock and
/// `Math.random()`. Unique per person is all the server needs.
pub fn new_idempotency_key() -> String {
    random_uuid().unwrap_or_else(|| {
        let part = || (js_sys::Math::random() * f64::from(u32::MAX)) as u32;
        format!(
            "{:x}-{:08x}{:08x}{:08x}",
            js_sys::Date::now() as u64,
            part(),
            part(),
            part()
        )
    })
}

fn random_uuid() -> Option<String> {
    use wasm_bindgen::JsCast;
    let crypto = js_sys::Reflect::get(&js_sys::global(), &"crypto".into()).ok()?;
    let make = js_sys::Reflect::get(&crypto, &"randomUUID".into())
        .ok()?
        .dyn_into::<js_sys::Function>()
        .ok()?;
    make.call0(&crypto).ok()?.as_string()
}

/// `POST /api/v1/requests` with `Idempotency-Key: key`. The same key answers with the request
/// it made first, so a retry after a lost answer never asks twice.
pub async fn submit(input: &NewRequestInput, key: &str) -> Result<RequestView, ApiError> {
    client::post_with_header("/requests", ("Idempotency-Key", key), input).await
}

/// `GET /api/v1/requests/{id}`.
pub async fn get(id: RequestId) -> Result<RequestView, ApiError> {
    client::get(&format!("/requests/{id}"), None).await
}

/// `POST /api/v1/requests/{id}/cancel`.
pub async fn cancel(id: RequestId, input: &CancelInput) -> Result<RequestView, ApiError> {
    client::write(Write::Post, &format!("/requests/{id}/cancel"), input).await
}

/// `POST /api/v1/requests/{id}/decision`.
pub async fn decide(id: RequestId, input: &DecisionInput) -> Result<RequestView, ApiError> {
    client::write(Write::Post, &format!("/requests/{id}/decision"), input).await
}

/// `GET /api/v1/me/requests`: requests one made or that were made for one, newest first.
pub async fn mine(page: &PageQuery) -> Result<RequestPage, ApiError> {
    client::get("/me/requests", Some(page)).await
}

/// `GET /api/v1/me/approvals?list=&sort=`: waiting for one's decision, the one to decide
/// soonest first, or decided by one, newest first.
pub async fn approvals(list: ApprovalList, page: &PageQuery) -> Result<RequestPage, ApiError> {
    let (list, sort) = match list {
        ApprovalList::Pending => ("pending", "decide_by"),
        ApprovalList::History => ("history", "newest"),
    };
    client::get_with(
        "/me/approvals",
        &[
            ("list", list.to_string()),
            ("sort", sort.to_string()),
            (
                "limit",
                page.limit.map(|l| l.to_string()).unwrap_or_default(),
            ),
            ("cursor", page.cursor.clone().unwrap_or_default()),
        ],
    )
    .await
}

/// `GET /api/v1/requests?state=&access_package_id=&requester_id=&created_after=&created_before=`:
/// everyone's requests (administrators) or those of one's catalogs (assignment managers),
/// newest first. The CSV export of the same filters is a plain link: see
/// [`crate::admin_requests::csv_href`].
pub async fn list_all(
    filters: &tessera_domain::access::RequestExportQuery,
    page: &PageQuery,
) -> Result<RequestPage, ApiError> {
    let mut query = crate::admin_requests::query_pairs(filters);
    query.push((
        "limit",
        page.limit.map(|l| l.to_string()).unwrap_or_default(),
    ));
    query.push(("cursor", page.cursor.clone().unwrap_or_default()));
    client::get_with("/requests", &query).await
}

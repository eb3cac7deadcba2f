//! The one place that talks HTTP: building requests, the CSRF header, reading answers.

use gloo_net::http::{Request, RequestBuilder, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tessera_domain::page::PageQuery;
use wasm_bindgen::JsCast;

use super::{ApiError, csrf};

const BASE: &str = "/api/v1";

fn url(path: &str) -> String {
    format!("{BASE}{path}")
}

fn accept_json(builder: RequestBuilder) -> RequestBuilder {
    builder.header("Accept", "application/json, application/problem+json")
}

/// The value of the `tessera_csrf` cookie, if the server has set one.
fn csrf_token() -> Option<String> {
    let document: web_sys::HtmlDocument = web_sys::window()?.document()?.dyn_into().ok()?;
    let cookies = document.cookie().ok()?;
    csrf::cookie_value(&cookies, csrf::COOKIE).map(str::to_string)
}

/// Adds the CSRF header that every unsafe request needs. Without a cookie there is nothing to
/// send, and the server refuses the request with a problem, which is then shown.
fn with_csrf(builder: RequestBuilder) -> RequestBuilder {
    match csrf_token() {
        Some(token) => builder.header(csrf::HEADER, &token),
        None => builder,
    }
}

fn unreadable(error: gloo_net::Error) -> ApiError {
    ApiError::Network(error.to_string())
}

async fn failure(response: Response) -> ApiError {
    let retry_after = response.headers().get("Retry-After");
    let body = response.text().await.unwrap_or_default();
    ApiError::from_response(response.status(), &body, retry_after.as_deref())
}

async fn json_answer<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    if response.ok() {
        response.json::<T>().await.map_err(unreadable)
    } else {
        Err(failure(response).await)
    }
}

async fn empty_answer(response: Response) -> Result<(), ApiError> {
    if response.ok() {
        Ok(())
    } else {
        Err(failure(response).await)
    }
}

/// `GET`, with the page query when listing.
pub(super) async fn get<T: DeserializeOwned>(
    path: &str,
    page: Option<&PageQuery>,
) -> Result<T, ApiError> {
    let mut builder = accept_json(Request::get(&url(path)));
    if let Some(page) = page {
        if let Some(limit) = page.limit {
            builder = builder.query([("limit", limit.to_string())]);
        }
        if let Some(cursor) = &page.cursor {
            builder = builder.query([("cursor", cursor.as_str())]);
        }
    }
    let response = builder.send().await.map_err(unreadable)?;
    json_answer(response).await
}

/// `GET` with query parameters (`q`, `limit`, `cursor`); empty values are left out.
pub(super) async fn get_with<T: DeserializeOwned>(
    path: &str,
    query: &[(&str, String)],
) -> Result<T, ApiError> {
    let mut builder = accept_json(Request::get(&url(path)));
    for (key, value) in query.iter().filter(|(_, value)| !value.is_empty()) {
        builder = builder.query([(*key, value.as_str())]);
    }
    let response = builder.send().await.map_err(unreadable)?;
    json_answer(response).await
}

/// The query of a searchable, paged list.
pub(super) fn search_query(q: &str, page: &PageQuery) -> Vec<(&'static str, String)> {
    vec![
        ("q", q.trim().to_string()),
        (
            "limit",
            page.limit.map(|l| l.to_string()).unwrap_or_default(),
        ),
        ("cursor", page.cursor.clone().unwrap_or_default()),
    ]
}

/// Ids as a lookup's `ids` parameter takes them: comma-separated.
pub(super) fn id_list(ids: &[impl ToString]) -> String {
    ids.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// The body-carrying unsafe methods this API uses.
#[derive(Clone, Copy)]
pub(super) enum Write {
    Post,
    Patch,
    Put,
}

/// Sends a JSON body with the CSRF header to an endpoint that answers 204 without a body.
pub(super) async fn write_no_content<B>(method: Write, path: &str, body: &B) -> Result<(), ApiError>
where
    B: Serialize + ?Sized,
{
    let builder = match method {
        Write::Post => Request::post(&url(path)),
        Write::Patch => Request::patch(&url(path)),
        Write::Put => Request::put(&url(path)),
    };
    let request = with_csrf(accept_json(builder))
        .json(body)
        .map_err(unreadable)?;
    let response = request.send().await.map_err(unreadable)?;
    empty_answer(response).await
}

/// `POST` or `PATCH` a JSON body, with the CSRF header.
pub(super) async fn write<B, T>(method: Write, path: &str, body: &B) -> Result<T, ApiError>
where
    B: Serialize + ?Sized,
    T: DeserializeOwned,
{
    let builder = match method {
        Write::Post => Request::post(&url(path)),
        Write::Patch => Request::patch(&url(path)),
        Write::Put => Request::put(&url(path)),
    };
    let request = with_csrf(accept_json(builder))
        .json(body)
        .map_err(unreadable)?;
    let response = request.send().await.map_err(unreadable)?;
    json_answer(response).await
}

/// `POST` a JSON body, with the CSRF header, to an endpoint whose successes differ by status
/// (`201` with one type, `202` with another): the status, and the body still to be read.
pub(super) async fn post_for_status<B>(
    path: &str,
    body: &B,
) -> Result<(u16, serde_json::Value), ApiError>
where
    B: Serialize + ?Sized,
{
    let request = with_csrf(accept_json(Request::post(&url(path))))
        .json(body)
        .map_err(unreadable)?;
    let response = request.send().await.map_err(unreadable)?;
    if !response.ok() {
        return Err(failure(response).await);
    }
    let status = response.status();
    let value = response
        .json::<serde_json::Value>()
        .await
        .map_err(unreadable)?;
    Ok((status, value))
}

/// `DELETE`, with the CSRF header; the answer has no body.
pub(super) async fn delete(path: &str) -> Result<(), ApiError> {
    let response = with_csrf(accept_json(Request::delete(&url(path))))
        .send()
        .await
        .map_err(unreadable)?;
    empty_answer(response).await
}

/// `DELETE`, with the CSRF header, to an endpoint that may answer `200` with a body (read as
/// `T`) or succeed without one (`None`).
pub(super) async fn delete_answering<T: DeserializeOwned>(
    path: &str,
) -> Result<Option<T>, ApiError> {
    let response = with_csrf(accept_json(Request::delete(&url(path))))
        .send()
        .await
        .map_err(unreadable)?;
    match response.status() {
        200 => response.json::<T>().await.map(Some).map_err(unreadable),
        _ => empty_answer(response).await.map(|()| None),
    }
}

/// `PUT` without a body, with the CSRF header: links such as a membership or a role; the
/// answer has no body.
pub(super) async fn put_link(path: &str) -> Result<(), ApiError> {
    let response = with_csrf(accept_json(Request::put(&url(path))))
        .send()
        .await
        .map_err(unreadable)?;
    empty_answer(response).await
}

/// `POST` without the CSRF header. Only for signing in: there is no session, and so no CSRF
/// cookie, before it.
pub(super) async fn post_before_session<B, T>(path: &str, body: &B) -> Result<T, ApiError>
where
    B: Serialize + ?Sized,
    T: DeserializeOwned,
{
    let request = accept_json(Request::post(&url(path)))
        .json(body)
        .map_err(unreadable)?;
    let response = request.send().await.map_err(unreadable)?;
    json_answer(response).await
}

/// `POST` a body that is not JSON, such as an uploaded file, with its media type and the CSRF
/// header.
pub(super) async fn post_body<T: DeserializeOwned>(
    path: &str,
    media_type: &str,
    body: wasm_bindgen::JsValue,
) -> Result<T, ApiError> {
    let request = with_csrf(accept_json(Request::post(&url(path))))
        .header("Content-Type", media_type)
        .body(body)
        .map_err(unreadable)?;
    let response = request.send().await.map_err(unreadable)?;
    json_answer(response).await
}

/// `POST` a JSON body with the CSRF header and one more header, such as `Idempotency-Key`.
pub(super) async fn post_with_header<B, T>(
    path: &str,
    header: (&str, &str),
    body: &B,
) -> Result<T, ApiError>
where
    B: Serialize + ?Sized,
    T: DeserializeOwned,
{
    let request = with_csrf(accept_json(Request::post(&url(path))))
        .header(header.0, header.1)
        .json(body)
        .map_err(unreadable)?;
    let response = request.send().await.map_err(unreadable)?;
    json_answer(response).await
}

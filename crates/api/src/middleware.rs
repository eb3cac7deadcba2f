//! Cross-cutting request handling: a request id and a tracing span per request, the request
//! metrics, renewed session cookies, the security headers every response carries, the cap on
//! request headers, and `Cache-Control: no-store` on API answers.

use std::time::Instant;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::{Error, HttpMessage, ResponseError, web};
use tracing::Instrument;
use uuid::Uuid;

use crate::auth::actor::RenewedSession;
use crate::error::{ApiError, REQUEST_ID};
use crate::extract::is_refused_control;
use crate::metrics::UNMATCHED_ROUTE;
use crate::service::page::LIST_PATH;
use crate::state::AppState;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The Content-Security-Policy of every response: scripts only from this origin plus
/// WebAssembly compilation, no inline script or style, no framing. The one hash admits the
/// single inline style that the bundled Swagger UI (the API reference at `/api/docs/`) applies.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
     object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// `Strict-Transport-Security` when people reach Tessera over https: browsers then refuse plain
/// http for a year. Subdomains are left out: they may be other people's services.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000";

/// The most a request's header fields may add up to (names and values), in bytes. Larger
/// requests are answered 431 before any handler runs.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// The security headers; `https` adds HSTS (set when the public URL is https).
pub fn security_headers(https: bool) -> DefaultHeaders {
    let headers = DefaultHeaders::new();
    let headers = if https {
        headers.add(("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY))
    } else {
        headers
    };
    headers
        .add(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add(("Cross-Origin-Resource-Policy", "same-origin"))
        .add((
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=(), payment=()",
        ))
}

/// Accepts a caller's request id if it is short and plain; otherwise makes one.
fn request_id_of(req: &ServiceRequest) -> String {
    req.headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map_or_else(|| Uuid::new_v4().to_string(), str::to_string)
}

pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let request_id = request_id_of(&req);
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %req.method(),
        path = %req.path(),
    );
    let started = Instant::now();
    let list_path = req.path().to_string();
    let mut response = REQUEST_ID
        .scope(
            request_id.clone(),
            LIST_PATH.scope(list_path, next.call(req)),
        )
        .instrument(span.clone())
        .await?;

    let renewed = response
        .request()
        .extensions()
        .get::<RenewedSession>()
        .cloned();
    if let Some(RenewedSession(cookie)) = renewed {
        // A cookie that does not serialize is skipped; the old one still works until it expires.
        let _ = response.response_mut().add_cookie(&cookie);
    }
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
    }
    let status = response.status().as_u16();
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    // Refusing work because the password hashing threads are all taken is load shedding, not
    // a fault: it is logged as a warning although its status is 503.
    let shed = response
        .response()
        .error()
        .and_then(|err| err.as_error::<ApiError>())
        .is_some_and(|err| matches!(err, ApiError::Busy { .. }));
    span.in_scope(|| {
        if shed {
            tracing::warn!(status, elapsed_ms, "request shed: too busy");
        } else if status >= 500 {
            tracing::error!(status, elapsed_ms, "request failed");
        } else {
            tracing::info!(status, elapsed_ms, "request done");
        }
    });
    Ok(response)
}

/// Counts each answered request in the metrics, under the route pattern that took it
/// (`/api/v1/users/{id}`, never the path with its ids).
pub async fn record_metrics(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let response = next.call(req).await?;
    let request = response.request();
    if let Some(state) = request.app_data::<web::Data<AppState>>() {
        let route = request.match_pattern();
        // A fixed set of labels: a client may invent methods, and each would be a new series.
        let method = match *request.method() {
            Method::GET => "GET",
            Method::HEAD => "HEAD",
            Method::POST => "POST",
            Method::PUT => "PUT",
            Method::PATCH => "PATCH",
            Method::DELETE => "DELETE",
            Method::OPTIONS => "OPTIONS",
            _ => "other",
        };
        state.metrics.observe_request(
            method,
            route.as_deref().unwrap_or(UNMATCHED_ROUTE),
            response.status().as_u16(),
            started.elapsed(),
        );
    }
    Ok(response)
}

/// Refuses, before routing, requests whose headers exceed [`MAX_HEADER_BYTES`] (431), and
/// control characters in the path, the query or a header value (400 naming where). Bodies are
/// screened by the extractors in `extract`.
pub async fn screen_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    if let Some(refusal) = screen(&req) {
        let response = refusal.error_response();
        return Ok(req.into_response(response).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

fn screen(req: &ServiceRequest) -> Option<ApiError> {
    let header_bytes: usize = req
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    if header_bytes > MAX_HEADER_BYTES {
        return Some(ApiError::HeadersTooLarge {
            limit: MAX_HEADER_BYTES,
        });
    }
    let refused = |field: &str| ApiError::BadRequest {
        field: Some(field.to_string()),
        message: "must not contain control characters".into(),
    };
    let path = percent_encoding::percent_decode_str(req.uri().path()).decode_utf8_lossy();
    if path.chars().any(|c| is_refused_control(c, false)) {
        return Some(refused("path"));
    }
    for (name, value) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
        if name.chars().any(|c| is_refused_control(c, false)) {
            return Some(refused("query"));
        }
        if value.chars().any(|c| is_refused_control(c, false)) {
            return Some(refused(&name));
        }
    }
    // HTTP parsing already refuses most control bytes in header values; this holds the rule
    // whatever the parser. Tabs are legal whitespace in a field value (RFC 9110).
    for (name, value) in req.headers() {
        if value
            .as_bytes()
            .iter()
            .any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f)
        {
            return Some(refused(name.as_str()));
        }
    }
    None
}

/// API answers hold personal data and secrets shown once: no cache may keep them. The
/// OpenAPI document and the API reference are public and left to the defaults.
pub async fn no_store(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let path = req.path();
    let private = (path == "/api" || path.starts_with("/api/"))
        && path != "/api/openapi.json"
        && !path.starts_with("/api/docs");
    let mut response = next.call(req).await?;
    if private {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(response)
}

//! Cross-cutting request handling: a request id and a tracing span per request, renewed
//! session cookies, and the security headers every response carries.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::{Error, HttpMessage};
use tracing::Instrument;
use uuid::Uuid;

use crate::auth::actor::RenewedSession;
use crate::error::REQUEST_ID;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The Content-Security-Policy of every response: scripts only from this origin plus
/// WebAssembly compilation, no inline script or style, no framing. The one hash admits the
/// single inline style that the bundled Swagger UI (the API reference at `/api/docs/`) applies.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
     object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
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
    let mut response = REQUEST_ID
        .scope(request_id.clone(), next.call(req))
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
    span.in_scope(|| {
        if status >= 500 {
            tracing::error!(status, elapsed_ms, "request failed");
        } else {
            tracing::info!(status, elapsed_ms, "request done");
        }
    });
    Ok(response)
}

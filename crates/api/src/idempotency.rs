//! `Idempotency-Key`: making a retried write safe, as the IETF draft "The Idempotency-Key HTTP
//! Header Field" describes.
//!
//! A key is bound to the request it first came with by a fingerprint: the SHA-256 of the
//! method, the path and the body as canonical JSON (object members sorted by name, no
//! insignificant whitespace), so a reordered or re-indented retry is still the same request.
//! The same key with the same fingerprint answers with what the first request made; with
//! another fingerprint it is refused with 422 `idempotency_key_reused`. Keys are kept for
//! [`KEY_RETENTION_HOURS`]; the scheduler purges older ones, and an older key counts as new.

use actix_web::HttpRequest;
use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ApiResult};

/// The header's name.
pub const HEADER: &str = "Idempotency-Key";

/// The longest key accepted.
pub const MAX_KEY_LEN: usize = 200;

/// How long a key is remembered, in hours.
pub const KEY_RETENTION_HOURS: i64 = 24;

/// The oldest a key may be at `now` and still be remembered.
pub fn remembered_since(now: DateTime<Utc>) -> DateTime<Utc> {
    now - TimeDelta::hours(KEY_RETENTION_HOURS)
}

/// A client's `Idempotency-Key`, bound to the request it came with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyKey {
    key: String,
    fingerprint: String,
}

impl IdempotencyKey {
    /// The key `request` sent, if any, bound to its method, path and `body` (the body as the
    /// handler parsed it). A key that is empty, too long or not visible ASCII is a 400.
    pub fn of(request: &HttpRequest, body: &impl Serialize) -> ApiResult<Option<IdempotencyKey>> {
        let Some(value) = request.headers().get(HEADER) else {
            return Ok(None);
        };
        let key = value
            .to_str()
            .ok()
            .filter(|key| {
                !key.is_empty()
                    && key.len() <= MAX_KEY_LEN
                    && key.bytes().all(|b| b.is_ascii_graphic())
            })
            .ok_or_else(|| ApiError::BadRequest {
                field: Some(HEADER.into()),
                message: format!("must be 1 to {MAX_KEY_LEN} visible ASCII characters"),
            })?;
        let body = serde_json::to_value(body).map_err(|_| ApiError::Internal)?;
        Ok(Some(IdempotencyKey {
            key: key.to_string(),
            fingerprint: fingerprint(request.method().as_str(), request.path(), &body),
        }))
    }

    pub fn key(&self) -> &str {
        &self.key
    }

    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Whether a stored fingerprint is this request's. A key stored without one (before
    /// fingerprints were kept) matches.
    pub fn matches(&self, stored: Option<&str>) -> bool {
        stored.is_none_or(|stored| stored == self.fingerprint)
    }

    /// The refusal of this key, first used for another request.
    pub fn reused(&self) -> ApiError {
        ApiError::IdempotencyKeyReused {
            key: self.key.clone(),
        }
    }
}

/// The SHA-256 (lowercase hex) of `method`, `path` and `body` as canonical JSON, each ended by
/// a line feed.
pub fn fingerprint(method: &str, path: &str, body: &Value) -> String {
    // serde_json's `Map` is a `BTreeMap` (the `preserve_order` feature is off), so a `Value`
    // prints with its members sorted by name and no whitespace: canonical as it stands.
    let canonical_body = body.to_string();
    let mut hasher = Sha256::new();
    for part in [method, path, &canonical_body] {
        hasher.update(part.as_bytes());
        hasher.update(b"\n");
    }
    hex::encode(hasher.finalize())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::fingerprint;

    #[test]
    fn member_order_and_whitespace_do_not_change_the_fingerprint() {
        let one: serde_json::Value =
            serde_json::from_str(r#"{"b": [1, {"y": 2, "x": "é"}], "a": null}"#).unwrap();
        let two = json!({"a": null, "b": [1, {"x": "é", "y": 2}]});
        assert_eq!(
            fingerprint("POST", "/api/v1/requests", &one),
            fingerprint("POST", "/api/v1/requests", &two)
        );
    }

    #[test]
    fn the_body_the_method_and_the_path_each_change_the_fingerprint() {
        let body = json!({"ask": "add"});
        let base = fingerprint("POST", "/api/v1/requests", &body);
        assert_ne!(
            base,
            fingerprint("POST", "/api/v1/requests", &json!({"ask": "remove"}))
        );
        assert_ne!(base, fingerprint("PUT", "/api/v1/requests", &body));
        assert_ne!(base, fingerprint("POST", "/api/v1/other", &body));
        assert_eq!(base.len(), 64);
    }
}

//! Session tokens: short-lived HS256 JWTs naming a session row. Verification pins the
//! algorithm, requires a known key id, and checks `exp`, `nbf`, `iss` and `aud`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::store::{self, Db, StoreResult};

const ISSUER: &str = "tessera";
const AUDIENCE: &str = "tessera-portal";
/// The key every replica agrees on at first start; see `load_or_create`.
const FIRST_KEY_ID: &str = "k1";

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct SessionClaims {
    pub iss: String,
    pub aud: String,
    /// The user.
    pub sub: Uuid,
    /// The session row.
    pub sid: Uuid,
    /// The value unsafe requests must echo in the CSRF header.
    pub csrf: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
}

impl SessionClaims {
    pub fn new(user: Uuid, session: Uuid, csrf: String, now: DateTime<Utc>, minutes: u32) -> Self {
        let now = now.timestamp();
        SessionClaims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: user,
            sid: session,
            csrf,
            iat: now,
            nbf: now,
            exp: now + i64::from(minutes) * 60,
        }
    }

    /// True once more than half the token's life has passed: time to hand out a fresh one.
    pub fn wants_renewal(&self, now: DateTime<Utc>) -> bool {
        let half = (self.exp - self.iat) / 2;
        now.timestamp() >= self.iat + half
    }
}

/// The signing keys, loaded from the database so that all replicas share them.
pub struct SessionKeys {
    current: String,
    keys: HashMap<String, Vec<u8>>,
}

impl SessionKeys {
    /// Loads the keys, creating the first one if the database has none. Two replicas starting
    /// together both try to insert `k1`; one wins and both read the winner's secret.
    pub async fn load_or_create(db: &Db) -> StoreResult<SessionKeys> {
        let secret: [u8; 32] = rand::random();
        store::keys::insert_signing_key_if_absent(db, FIRST_KEY_ID, &secret).await?;
        let rows = store::keys::list_signing_keys(db).await?;
        let current = rows
            .first()
            .map(|row| row.id.clone())
            .unwrap_or_else(|| FIRST_KEY_ID.into());
        let keys = rows.into_iter().map(|row| (row.id, row.secret)).collect();
        Ok(SessionKeys { current, keys })
    }

    #[cfg(test)]
    pub fn for_tests(kid: &str, secret: &[u8]) -> SessionKeys {
        SessionKeys {
            current: kid.into(),
            keys: HashMap::from([(kid.to_string(), secret.to_vec())]),
        }
    }

    pub fn issue(&self, claims: &SessionClaims) -> Option<String> {
        let secret = self.keys.get(&self.current)?;
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.current.clone());
        jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(secret)).ok()
    }

    /// The claims of a valid token, or `None` for anything else.
    pub fn verify(&self, token: &str) -> Option<SessionClaims> {
        let header = jsonwebtoken::decode_header(token).ok()?;
        if header.alg != Algorithm::HS256 {
            return None;
        }
        let secret = self.keys.get(header.kid.as_deref()?)?;
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 5;
        jsonwebtoken::decode::<SessionClaims>(token, &DecodingKey::from_secret(secret), &validation)
            .ok()
            .map(|data| data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn claims(now: DateTime<Utc>, minutes: u32) -> SessionClaims {
        SessionClaims::new(Uuid::nil(), Uuid::max(), "csrf".into(), now, minutes)
    }

    #[test]
    fn a_token_it_issued_verifies() {
        let keys = SessionKeys::for_tests("k1", b"0123456789abcdef0123456789abcdef");
        let claims = claims(Utc::now(), 15);
        let token = keys.issue(&claims).unwrap_or_default();
        assert_eq!(keys.verify(&token), Some(claims));
    }

    #[test]
    fn an_expired_token_is_refused() {
        let keys = SessionKeys::for_tests("k1", b"0123456789abcdef0123456789abcdef");
        let token = keys
            .issue(&claims(Utc::now() - chrono::Duration::minutes(30), 15))
            .unwrap_or_default();
        assert_eq!(keys.verify(&token), None);
    }

    #[test]
    fn a_token_signed_with_another_key_is_refused() {
        let ours = SessionKeys::for_tests("k1", b"0123456789abcdef0123456789abcdef");
        let theirs = SessionKeys::for_tests("k1", b"fedcba9876543210fedcba9876543210");
        let token = theirs.issue(&claims(Utc::now(), 15)).unwrap_or_default();
        assert_eq!(ours.verify(&token), None);
        let unknown_kid = SessionKeys::for_tests("k2", b"0123456789abcdef0123456789abcdef");
        let token = unknown_kid
            .issue(&claims(Utc::now(), 15))
            .unwrap_or_default();
        assert_eq!(ours.verify(&token), None);
    }

    #[test]
    fn an_unsigned_token_is_refused() {
        let keys = SessionKeys::for_tests("k1", b"0123456789abcdef0123456789abcdef");
        let token = keys.issue(&claims(Utc::now(), 15)).unwrap_or_default();
        let payload = token.split('.').nth(1).unwrap_or_default();
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","kid":"k1"}"#);
        assert_eq!(keys.verify(&format!("{header}.{payload}.")), None);
    }

    #[test]
    fn renewal_is_wanted_after_half_the_lifetime() {
        let start = Utc::now();
        let c = claims(start, 10);
        assert!(!c.wants_renewal(start + chrono::Duration::minutes(4)));
        assert!(c.wants_renewal(start + chrono::Duration::minutes(5)));
    }
}

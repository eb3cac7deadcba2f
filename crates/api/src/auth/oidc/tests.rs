//! The validation functions with tokens signed here, by a key made for these tests only
//! (`test_key.der`, PKCS#1), so that tampering, wrong nonces and expired tokens are exact.

use jsonwebtoken::{EncodingKey, Header};
use serde_json::json;

use super::*;

const ISSUER: &str = "https://login.example.org";
const CLIENT: &str = "tessera";
const KID: &str = "test-key";
const MODULUS: &str = "6EkO5gzIWDAz3jjLzG3JWgkAPx2HhiJk3pLqEVX3Iu39jBGexdxKjR7zbMIyhSdcZzV-BanjUaPorf4pgnfQk5943dsaicS2eYw_QyYCQBEJnmpcV90w7RPdAdMcx9WIe46QVIUX4kfhv9e8niDS3wf9NQf14vGwfoMzqCXARAGgSjErjAHuWgojJ5E_DWjzbkydaoRkUvx9XFub6VNrGKk5p-yHxh_Q-2Uy_xywVseCp0X6gWvbsYtEXM0hpjZUhi7fBWqmTBBKeXoeTIdl9Wp6J7MbQpjeOCKS4kY_BFL3CRj0e2skbdUCDWsbKPKUIZpkMJOtShDYtzQhx6McbQ";

fn jwks(kid: &str) -> Value {
    json!({"keys": [{"kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid, "n": MODULUS, "e": "AQAB"}]})
}

fn core_keys(kid: &str) -> CoreJsonWebKeySet {
    serde_json::from_value(jwks(kid)).unwrap_or_else(|_| CoreJsonWebKeySet::new(Vec::new()))
}

fn jwt_keys(kid: &str) -> JwkSet {
    serde_json::from_value(jwks(kid)).unwrap_or(JwkSet { keys: Vec::new() })
}

fn sign(claims: &Value, kid: &str) -> String {
    let key = Ok::<_, jsonwebtoken::errors::Error>(EncodingKey::from_rsa_der(include_bytes!(
        "test_key.der"
    )));
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.into());
    key.and_then(|key| jsonwebtoken::encode(&header, claims, &key))
        .unwrap_or_default()
}

fn id_claims(now: DateTime<Utc>, nonce: &str) -> Value {
    json!({
        "iss": ISSUER, "aud": CLIENT, "sub": "alice", "nonce": nonce,
        "iat": now.timestamp(), "exp": (now + chrono::Duration::minutes(5)).timestamp(),
    })
}

fn check(
    token: &str,
    nonce: &str,
    now: DateTime<Utc>,
) -> Result<CoreIdTokenClaims, TokenRejection> {
    let token: CoreIdToken = token
        .parse()
        .map_err(|e: serde_json::Error| TokenRejection::Invalid(e.to_string()))?;
    verify_id_token(
        &token,
        &ClientId::new(CLIENT.into()),
        &IssuerUrl::new(ISSUER.into()).map_err(|e| TokenRejection::Invalid(e.to_string()))?,
        &core_keys(KID),
        &Nonce::new(nonce.into()),
        now,
    )
}

#[test]
fn a_good_id_token_is_accepted() {
    let now = Utc::now();
    let claims = check(&sign(&id_claims(now, "n1"), KID), "n1", now);
    assert_eq!(
        claims.map(|c| c.subject().to_string()),
        Ok("alice".to_string())
    );
}

#[test]
fn a_wrong_nonce_is_refused() {
    let now = Utc::now();
    let refused = check(&sign(&id_claims(now, "n1"), KID), "other", now);
    assert!(
        matches!(refused, Err(TokenRejection::Invalid(_))),
        "{refused:?}"
    );
}

#[test]
fn a_tampered_id_token_is_refused() {
    let now = Utc::now();
    let token = sign(&id_claims(now, "n1"), KID);
    let mut parts: Vec<String> = token.split('.').map(String::from).collect();
    let mut forged = id_claims(now, "n1");
    forged["sub"] = json!("mallory");
    parts[1] = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        serde_json::to_vec(&forged).unwrap_or_default(),
    );
    let refused = check(&parts.join("."), "n1", now);
    assert!(
        matches!(refused, Err(TokenRejection::Invalid(_))),
        "{refused:?}"
    );
}

#[test]
fn an_unsigned_or_hmac_id_token_is_refused() {
    let now = Utc::now();
    let payload = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        serde_json::to_vec(&id_claims(now, "n1")).unwrap_or_default(),
    );
    let none = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        br#"{"alg":"none","kid":"test-key"}"#,
    );
    assert!(check(&format!("{none}.{payload}."), "n1", now).is_err());
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(KID.into());
    let hmac = jsonwebtoken::encode(
        &header,
        &id_claims(now, "n1"),
        &EncodingKey::from_secret(MODULUS.as_bytes()),
    )
    .unwrap_or_default();
    assert!(check(&hmac, "n1", now).is_err());
}

#[test]
fn an_expired_id_token_is_refused_past_the_leeway() {
    let now = Utc::now();
    let mut claims = id_claims(now - chrono::Duration::minutes(6), "n1");
    claims["exp"] = json!((now - chrono::Duration::seconds(30)).timestamp());
    assert!(
        check(&sign(&claims, KID), "n1", now).is_ok(),
        "within the leeway"
    );
    claims["exp"] = json!((now - chrono::Duration::seconds(120)).timestamp());
    let refused = check(&sign(&claims, KID), "n1", now);
    assert!(
        matches!(refused, Err(TokenRejection::Invalid(_))),
        "{refused:?}"
    );
}

#[test]
fn an_id_token_issued_in_the_future_or_long_ago_is_refused() {
    let now = Utc::now();
    let mut claims = id_claims(now, "n1");
    claims["iat"] = json!((now + chrono::Duration::minutes(5)).timestamp());
    assert!(check(&sign(&claims, KID), "n1", now).is_err());
    claims["iat"] = json!((now - chrono::Duration::minutes(30)).timestamp());
    assert!(check(&sign(&claims, KID), "n1", now).is_err());
}

#[test]
fn another_audience_or_issuer_is_refused() {
    let now = Utc::now();
    let mut claims = id_claims(now, "n1");
    claims["aud"] = json!("someone-else");
    assert!(check(&sign(&claims, KID), "n1", now).is_err());
    let mut claims = id_claims(now, "n1");
    claims["iss"] = json!("https://evil.example.org");
    assert!(check(&sign(&claims, KID), "n1", now).is_err());
}

#[test]
fn a_key_the_jwks_does_not_hold_is_reported_as_unknown() {
    let now = Utc::now();
    let refused = check(&sign(&id_claims(now, "n1"), "rotated-key"), "n1", now);
    assert_eq!(refused.err(), Some(TokenRejection::UnknownKey));
}

fn access_claims(now: DateTime<Utc>) -> Value {
    json!({
        "iss": ISSUER, "aud": "tessera-api", "sub": "ci-job", "client_id": "ci-job",
        "iat": now.timestamp(), "exp": (now + chrono::Duration::minutes(5)).timestamp(),
    })
}

#[test]
fn access_tokens_are_checked_for_key_audience_and_expiry() {
    let now = Utc::now();
    let keys = jwt_keys(KID);
    let good = verify_access_token(
        &sign(&access_claims(now), KID),
        &keys,
        ISSUER,
        "tessera-api",
        now,
    );
    assert_eq!(
        good.ok().and_then(|c| c.get("client_id").cloned()),
        Some(json!("ci-job"))
    );
    let unknown = verify_access_token(
        &sign(&access_claims(now), "other"),
        &keys,
        ISSUER,
        "tessera-api",
        now,
    );
    assert_eq!(unknown.err(), Some(TokenRejection::UnknownKey));
    let wrong_audience = verify_access_token(
        &sign(&access_claims(now), KID),
        &keys,
        ISSUER,
        "another-api",
        now,
    );
    assert!(wrong_audience.is_err());
    let mut expired = access_claims(now);
    expired["exp"] = json!((now - chrono::Duration::minutes(5)).timestamp());
    assert!(verify_access_token(&sign(&expired, KID), &keys, ISSUER, "tessera-api", now).is_err());
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(KID.into());
    let hmac = jsonwebtoken::encode(
        &header,
        &access_claims(now),
        &EncodingKey::from_secret(MODULUS.as_bytes()),
    )
    .unwrap_or_default();
    assert!(verify_access_token(&hmac, &keys, ISSUER, "tessera-api", now).is_err());
}

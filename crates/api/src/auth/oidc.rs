//! OpenID Connect providers: discovery, keys, and validating what they sign. The protocol is
//! the `openidconnect` crate's; its HTTP goes through our reqwest client, which never follows
//! redirects (a redirect from a provider's endpoint is an error, not a second request).
//!
//! Clocks: an ID token or access token is accepted up to [`LEEWAY`] after its `exp`, and an ID
//! token's `iat` may be at most [`LEEWAY`] in the future and at most [`ID_TOKEN_MAX_AGE`] old
//! (it was issued moments ago by the token endpoint). Only asymmetric algorithms are accepted
//! ([`ALLOWED_ALGORITHMS`]): never `none`, never HMAC with a public key.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use openidconnect::core::{
    CoreIdToken, CoreIdTokenClaims, CoreIdTokenVerifier, CoreJsonWebKeySet, CoreJwsSigningAlgorithm,
};
use openidconnect::{
    ClaimsVerificationError, ClientId, IssuerUrl, Nonce, ProviderMetadataWithLogout,
    SignatureVerificationError,
};
use secrecy::ExposeSecret;
use serde_json::{Map, Value};
use tokio::sync::Mutex;

use crate::config::{OidcProviderSettings, Settings};

/// Clock difference tolerated between Tessera and a provider.
pub const LEEWAY: chrono::Duration = chrono::Duration::seconds(60);
/// The oldest ID token accepted: the sign-in that asked for it lasts at most ten minutes.
pub const ID_TOKEN_MAX_AGE: chrono::Duration = chrono::Duration::minutes(10);
/// How long discovered metadata and keys are used before they are fetched again.
const METADATA_TTL: Duration = Duration::from_secs(60 * 60);
/// A token naming a key we do not know refetches the keys at most this often per provider.
const KEY_REFETCH_INTERVAL: Duration = Duration::from_secs(60);

/// The signing algorithms accepted from providers.
pub const ALLOWED_ALGORITHMS: [CoreJwsSigningAlgorithm; 9] = [
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
    CoreJwsSigningAlgorithm::RsaSsaPssSha384,
    CoreJwsSigningAlgorithm::RsaSsaPssSha512,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::EcdsaP384Sha384,
    CoreJwsSigningAlgorithm::EdDsa,
];

/// The same list for access tokens, which `jsonwebtoken` checks.
const ALLOWED_JWT_ALGORITHMS: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// What went wrong talking to a provider.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ProviderError(pub String);

/// Why a token was not accepted.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenRejection {
    /// Signed with a key the provider's JWKS does not hold (rotation: fetch the keys again).
    #[error("no key with the token's key id")]
    UnknownKey,
    #[error("{0}")]
    Invalid(String),
}

/// The HTTP client `openidconnect` calls: our reqwest client, request by request.
pub type HttpFuture =
    Pin<Box<dyn Future<Output = Result<openidconnect::HttpResponse, ProviderError>> + Send>>;

pub fn http_call(client: &reqwest::Client, request: openidconnect::HttpRequest) -> HttpFuture {
    let client = client.clone();
    Box::pin(async move {
        let request = reqwest::Request::try_from(request)
            .map_err(|e| ProviderError(format!("cannot build the request: {e}")))?;
        let response = client
            .execute(request)
            .await
            .map_err(|e| ProviderError(format!("request failed: {e}")))?;
        let mut builder = http::Response::builder().status(response.status());
        for (name, value) in response.headers() {
            builder = builder.header(name, value);
        }
        let body = response
            .bytes()
            .await
            .map_err(|e| ProviderError(format!("cannot read the answer: {e}")))?;
        builder
            .body(body.to_vec())
            .map_err(|e| ProviderError(format!("cannot read the answer: {e}")))
    })
}

/// A provider's metadata and keys as last fetched.
#[derive(Clone)]
pub struct Discovered {
    pub metadata: ProviderMetadataWithLogout,
    /// The same keys as `metadata.jwks()`, for access tokens.
    pub keys: Arc<JwkSet>,
    fetched_at: Instant,
}

impl Discovered {
    pub fn id_token_keys(&self) -> &CoreJsonWebKeySet {
        self.metadata.jwks()
    }
}

struct Cache {
    discovered: Option<Discovered>,
    last_key_refetch: Option<Instant>,
}

/// One configured provider and what was learnt about it.
pub struct Provider {
    pub settings: OidcProviderSettings,
    cache: Mutex<Cache>,
}

impl Provider {
    pub fn client_id(&self) -> ClientId {
        ClientId::new(self.settings.client_id.clone())
    }

    pub fn client_secret(&self) -> Option<openidconnect::ClientSecret> {
        self.settings
            .client_secret
            .as_ref()
            .map(|secret| openidconnect::ClientSecret::new(secret.expose_secret().to_string()))
    }

    pub fn issuer(&self) -> Result<IssuerUrl, ProviderError> {
        IssuerUrl::new(self.settings.issuer.clone())
            .map_err(|e| ProviderError(format!("bad issuer: {e}")))
    }
}

/// Every configured provider, and the HTTP client that reaches them.
pub struct OidcProviders {
    providers: Vec<Arc<Provider>>,
    pub http: reqwest::Client,
}

impl OidcProviders {
    pub fn new(settings: &Settings) -> Result<OidcProviders, ProviderError> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| ProviderError(format!("cannot build the HTTP client: {e}")))?;
        let providers = settings
            .oidc
            .providers
            .iter()
            .map(|settings| {
                Arc::new(Provider {
                    settings: settings.clone(),
                    cache: Mutex::new(Cache {
                        discovered: None,
                        last_key_refetch: None,
                    }),
                })
            })
            .collect();
        Ok(OidcProviders { providers, http })
    }

    pub fn all(&self) -> impl Iterator<Item = &Arc<Provider>> {
        self.providers.iter()
    }

    pub fn get(&self, id: &str) -> Option<&Arc<Provider>> {
        self.providers.iter().find(|p| p.settings.id == id)
    }

    /// The provider whose issuer is `issuer` and that accepts access tokens for the API.
    fn for_api_issuer(&self, issuer: &str) -> Option<&Arc<Provider>> {
        self.providers
            .iter()
            .find(|p| p.settings.api_audience.is_some() && p.settings.issuer == issuer)
    }

    pub fn accepts_api_tokens(&self) -> bool {
        self.providers
            .iter()
            .any(|p| p.settings.api_audience.is_some())
    }

    /// The provider's metadata and keys, fetched when missing or older than an hour.
    pub async fn discovered(&self, provider: &Provider) -> Result<Discovered, ProviderError> {
        let mut cache = provider.cache.lock().await;
        if let Some(found) = &cache.discovered
            && found.fetched_at.elapsed() < METADATA_TTL
        {
            return Ok(found.clone());
        }
        let fresh = self.discover(provider).await?;
        cache.discovered = Some(fresh.clone());
        Ok(fresh)
    }

    /// Fetches the provider's keys again, unless that was done in the last minute: `None` then.
    pub async fn refetch_keys(
        &self,
        provider: &Provider,
    ) -> Result<Option<Discovered>, ProviderError> {
        let mut cache = provider.cache.lock().await;
        if cache
            .last_key_refetch
            .is_some_and(|at| at.elapsed() < KEY_REFETCH_INTERVAL)
        {
            return Ok(None);
        }
        cache.last_key_refetch = Some(Instant::now());
        let fresh = match &cache.discovered {
            Some(found) => {
                let mut metadata = found.metadata.clone();
                let (core, keys) = self.fetch_keys(&metadata).await?;
                metadata = metadata.set_jwks(core);
                Discovered {
                    metadata,
                    keys: Arc::new(keys),
                    fetched_at: found.fetched_at,
                }
            }
            None => self.discover(provider).await?,
        };
        tracing::info!(provider = %provider.settings.id, "provider keys fetched again");
        cache.discovered = Some(fresh.clone());
        Ok(Some(fresh))
    }

    async fn discover(&self, provider: &Provider) -> Result<Discovered, ProviderError> {
        let http = |request| http_call(&self.http, request);
        let metadata = ProviderMetadataWithLogout::discover_async(provider.issuer()?, &http)
            .await
            .map_err(|e| ProviderError(format!("discovery failed: {e}")))?;
        let (core, keys) = self.fetch_keys(&metadata).await?;
        Ok(Discovered {
            metadata: metadata.set_jwks(core),
            keys: Arc::new(keys),
            fetched_at: Instant::now(),
        })
    }

    /// The JWKS, read once into both libraries' forms. A key `jsonwebtoken` cannot read is
    /// left out of the access-token set only.
    async fn fetch_keys(
        &self,
        metadata: &ProviderMetadataWithLogout,
    ) -> Result<(CoreJsonWebKeySet, JwkSet), ProviderError> {
        let response = self
            .http
            .get(metadata.jwks_uri().url().clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| ProviderError(format!("cannot fetch the keys: {e}")))?;
        if !response.status().is_success() {
            return Err(ProviderError(format!(
                "the keys endpoint answered {}",
                response.status()
            )));
        }
        let body = response
            .bytes()
            .await
            .map_err(|e| ProviderError(format!("cannot read the keys: {e}")))?;
        let core: CoreJsonWebKeySet = serde_json::from_slice(&body)
            .map_err(|e| ProviderError(format!("the keys do not parse: {e}")))?;
        let raw: Value = serde_json::from_slice(&body)
            .map_err(|e| ProviderError(format!("the keys do not parse: {e}")))?;
        let keys = raw
            .get("keys")
            .and_then(Value::as_array)
            .map(|keys| {
                keys.iter()
                    .filter_map(|key| serde_json::from_value::<Jwk>(key.clone()).ok())
                    .collect()
            })
            .unwrap_or_default();
        Ok((core, JwkSet { keys }))
    }

    /// The claims of a valid ID token from `provider`: on an unknown key, the keys are fetched
    /// again (at most once a minute) and the token checked once more.
    pub async fn verify_id_token(
        &self,
        provider: &Provider,
        discovered: &Discovered,
        token: &CoreIdToken,
        nonce: &Nonce,
    ) -> Result<CoreIdTokenClaims, TokenRejection> {
        let client_id = provider.client_id();
        let issuer = provider
            .issuer()
            .map_err(|e| TokenRejection::Invalid(e.to_string()))?;
        let first = verify_id_token(
            token,
            &client_id,
            &issuer,
            discovered.id_token_keys(),
            nonce,
            Utc::now(),
        );
        match first {
            Err(TokenRejection::UnknownKey) => match self.refetch_keys(provider).await {
                Ok(Some(fresh)) => verify_id_token(
                    token,
                    &client_id,
                    &issuer,
                    fresh.id_token_keys(),
                    nonce,
                    Utc::now(),
                ),
                Ok(None) => Err(TokenRejection::UnknownKey),
                Err(e) => Err(TokenRejection::Invalid(e.to_string())),
            },
            other => other,
        }
    }

    /// An access token for the API: the provider that issued it (by `iss`, among those with an
    /// `api_audience`) and its verified claims. `None` for anything else.
    pub async fn verify_api_token(
        &self,
        token: &str,
    ) -> Option<(Arc<Provider>, Map<String, Value>)> {
        let unverified: Map<String, Value> =
            jsonwebtoken::dangerous::insecure_decode_claims(token).ok()?;
        let issuer = unverified.get("iss")?.as_str()?;
        let provider = self.for_api_issuer(issuer)?.clone();
        let audience = provider.settings.api_audience.clone()?;
        let discovered = match self.discovered(&provider).await {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(provider = %provider.settings.id, error = %e, "provider unreachable");
                return None;
            }
        };
        let issuer = provider.settings.issuer.clone();
        let check =
            |keys: &JwkSet| verify_access_token(token, keys, &issuer, &audience, Utc::now());
        let claims = match check(&discovered.keys) {
            Err(TokenRejection::UnknownKey) => match self.refetch_keys(&provider).await {
                Ok(Some(fresh)) => check(&fresh.keys),
                _ => Err(TokenRejection::UnknownKey),
            },
            other => other,
        };
        match claims {
            Ok(claims) => Some((provider, claims)),
            Err(why) => {
                tracing::info!(provider = %provider.settings.id, reason = %why, "provider access token refused");
                None
            }
        }
    }
}

/// Checks an ID token: signature with one of `keys` under an allowed algorithm, issuer,
/// audience, expiry and issued-at within the leeway, and the nonce of the sign-in.
pub fn verify_id_token(
    token: &CoreIdToken,
    client_id: &ClientId,
    issuer: &IssuerUrl,
    keys: &CoreJsonWebKeySet,
    nonce: &Nonce,
    now: DateTime<Utc>,
) -> Result<CoreIdTokenClaims, TokenRejection> {
    let verifier =
        CoreIdTokenVerifier::new_public_client(client_id.clone(), issuer.clone(), keys.clone())
            .set_allowed_algs(ALLOWED_ALGORITHMS)
            .set_time_fn(move || now - LEEWAY)
            .set_issue_time_verifier_fn(move |issued_at| {
                if issued_at > now + LEEWAY {
                    Err(format!("issued in the future ({issued_at})"))
                } else if issued_at < now - ID_TOKEN_MAX_AGE - LEEWAY {
                    Err(format!("issued too long ago ({issued_at})"))
                } else {
                    Ok(())
                }
            });
    match token.claims(&verifier, nonce) {
        Ok(claims) => Ok(claims.clone()),
        Err(ClaimsVerificationError::SignatureVerification(
            SignatureVerificationError::NoMatchingKey,
        )) => Err(TokenRejection::UnknownKey),
        Err(e) => Err(TokenRejection::Invalid(e.to_string())),
    }
}

/// Checks an access token: an allowed algorithm, a key of `keys` by `kid`, the signature,
/// `iss`, `aud`, `exp` (required) and `nbf` (when present), with the leeway.
pub fn verify_access_token(
    token: &str,
    keys: &JwkSet,
    issuer: &str,
    audience: &str,
    now: DateTime<Utc>,
) -> Result<Map<String, Value>, TokenRejection> {
    let invalid = |why: String| TokenRejection::Invalid(why);
    let header = jsonwebtoken::decode_header(token).map_err(|e| invalid(e.to_string()))?;
    if !ALLOWED_JWT_ALGORITHMS.contains(&header.alg) {
        return Err(invalid(format!("algorithm {:?} not allowed", header.alg)));
    }
    let key = match &header.kid {
        Some(kid) => keys.find(kid).ok_or(TokenRejection::UnknownKey)?,
        None => match keys.keys.as_slice() {
            [only] => only,
            _ => return Err(TokenRejection::UnknownKey),
        },
    };
    let decoding = DecodingKey::from_jwk(key).map_err(|e| invalid(e.to_string()))?;
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[audience]);
    validation.set_required_spec_claims(&["exp", "iss", "aud"]);
    validation.validate_nbf = true;
    // jsonwebtoken reads the system clock; `now` only decides the leeway's window here.
    validation.leeway = u64::try_from(LEEWAY.num_seconds()).unwrap_or(60);
    let data = jsonwebtoken::decode::<Map<String, Value>>(token, &decoding, &validation)
        .map_err(|e| invalid(e.to_string()))?;
    let exp = data.claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
    if exp + LEEWAY.num_seconds() <= now.timestamp() {
        return Err(invalid("expired".into()));
    }
    Ok(data.claims)
}

/// The JSON claims of a token whose signature was verified already.
pub fn verified_payload(token: &str) -> Map<String, Value> {
    jsonwebtoken::dangerous::insecure_decode_claims::<Map<String, Value>>(token).unwrap_or_default()
}

/// A claim as text: strings as they are, numbers as written.
pub fn claim_text(claims: &Map<String, Value>, name: &str) -> Option<String> {
    match claims.get(name)? {
        Value::String(text) if !text.trim().is_empty() => Some(text.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests;

//! What every request can reach: passed explicitly as actix app data, never through a global.

use crate::auth::limiter::SignInLimiter;
use crate::auth::oidc::OidcProviders;
use crate::auth::password::PasswordHashing;
use crate::auth::session_token::SessionKeys;
use crate::config::Settings;
use crate::metrics::Metrics;
use crate::store::Db;

pub struct AppState {
    pub db: Db,
    pub settings: Settings,
    pub keys: SessionKeys,
    pub limiter: SignInLimiter,
    /// Every password hash and check of the server runs here, bounded.
    pub passwords: PasswordHashing,
    /// Checked against when a sign-in names no usable account; see `auth::password`.
    pub decoy_hash: String,
    /// The OpenID Connect providers, with their cached metadata and keys.
    pub oidc: OidcProviders,
    /// What `/metrics` reports.
    pub metrics: Metrics,
}

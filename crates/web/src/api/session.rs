//! `/api/v1/session`, `/api/v1/me` and `/api/v1/auth/providers`.

use tessera_domain::identity::{AuthProviders, SignedOut};
use tessera_domain::user::{ChangePassword, Me, SignIn};

use super::ApiError;
use super::client::{self, Write};

/// `POST /api/v1/session`: sets the session and CSRF cookies and answers who signed in.
pub async fn sign_in(credentials: &SignIn) -> Result<Me, ApiError> {
    client::post_before_session("/session", credentials).await
}

/// `DELETE /api/v1/session`. A session that came from an identity provider with RP-initiated
/// logout answers where to end the provider's session too.
pub async fn sign_out() -> Result<Option<SignedOut>, ApiError> {
    client::delete_answering("/session").await
}

/// `GET /api/v1/auth/providers` (public): whether passwords are accepted, and the identity
/// providers to offer.
pub async fn providers() -> Result<AuthProviders, ApiError> {
    client::get("/auth/providers", None).await
}

/// `GET /api/v1/me`: who the session belongs to; `401` without one.
pub async fn me() -> Result<Me, ApiError> {
    client::get("/me", None).await
}

/// `POST /api/v1/me/password`: ends the person's other sessions; this one stays.
pub async fn change_password(change: &ChangePassword) -> Result<(), ApiError> {
    client::write_no_content(Write::Post, "/me/password", change).await
}

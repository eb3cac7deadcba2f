//! Signing in with an OpenID Connect provider: the providers the sign-in page offers, the start
//! of a sign-in, and the provider's callback. The last two answer the browser with redirects.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use tessera_domain::identity::AuthProviders;
use tessera_domain::problem::Problem;

use crate::auth::actor::{csrf_cookie, session_cookie};
use crate::error::ApiResult;
use crate::extract::Query;
use crate::service;
use crate::service::oidc::Callback;
use crate::state::AppState;

/// How people may sign in: with a password (unless switched off) and with which providers.
#[utoipa::path(
    operation_id = "list_auth_providers",
    tag = "session",
    security(()),
    responses(
        (status = 200, description = "The ways to sign in", body = AuthProviders),
    )
)]
#[get("/auth/providers")]
pub async fn list_auth_providers(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(service::oidc::providers(&state)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SignInQuery {
    /// A path of the portal to come back to after signing in, such as `/requests`; anything
    /// else (another site) is ignored.
    pub return_to: Option<String>,
}

/// Starts signing in with a provider: sends the browser there (authorization code with PKCE).
/// When the provider cannot be reached, sends it back to the sign-in page with
/// `oidc_error=provider_error`.
#[utoipa::path(
    operation_id = "start_oidc_sign_in",
    tag = "session",
    security(()),
    params(
        ("id" = String, Path, description = "The provider's id"),
        SignInQuery,
    ),
    responses(
        (status = 302, description = "To the provider, or back to the sign-in page"),
        (status = 404, description = "No such provider", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/auth/oidc/{id}/sign-in")]
pub async fn start_oidc_sign_in(
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: Query<SignInQuery>,
) -> ApiResult<HttpResponse> {
    let started = service::oidc::start_sign_in(&state, &id, query.0.return_to.as_deref()).await?;
    let location = match started {
        Ok(url) => url,
        Err(reason) => service::oidc::refusal_url(&state, reason),
    };
    Ok(HttpResponse::Found()
        .insert_header((header::LOCATION, location))
        .finish())
}

/// Where the provider sends the browser back. Signed in: the session cookies are set and the
/// browser goes to the page it came for. Refused: it goes to `sign-in?oidc_error=<reason>`
/// (`state_mismatch`, `flow_expired`, `provider_error`, `token_invalid`, `unknown_person`,
/// `user_disabled`, `email_not_allowed`), and the refusal is audited.
#[utoipa::path(
    operation_id = "finish_oidc_sign_in",
    tag = "session",
    security(()),
    params(
        ("id" = String, Path, description = "The provider's id"),
        Callback,
    ),
    responses(
        (status = 303, description = "Into the portal signed in, or to the sign-in page with the reason"),
        (status = 404, description = "No such provider", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/auth/oidc/{id}/callback")]
pub async fn finish_oidc_sign_in(
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: Query<Callback>,
) -> ApiResult<HttpResponse> {
    match service::oidc::finish_sign_in(&state, &id, query.0).await? {
        Ok(done) => Ok(HttpResponse::SeeOther()
            .insert_header((
                header::LOCATION,
                service::oidc::portal_url(&state, done.return_to.as_deref()),
            ))
            .cookie(session_cookie(&state, done.signed_in.session_token))
            .cookie(csrf_cookie(&state, done.signed_in.csrf))
            .finish()),
        Err(reason) => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, service::oidc::refusal_url(&state, reason)))
            .finish()),
    }
}

//! The [`Actor`] extractor: who is calling, from a Bearer token or the session cookie.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::dev::Payload;
use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use chrono::Utc;
use tessera_domain::UserId;
use tessera_domain::user::{AuthMethod, UserKind};
use uuid::Uuid;

use super::session_token::SessionClaims;
use super::{CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, api_token};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store;
use crate::store::users::UserRow;

/// An authenticated, enabled user, for the length of one request.
#[derive(Clone, Debug)]
pub struct Actor {
    pub id: UserId,
    pub username: String,
    pub is_admin: bool,
    pub kind: UserKind,
    pub via: Via,
    /// The user as loaded for this request.
    pub user: UserRow,
}

#[derive(Clone, Debug)]
pub enum Via {
    Session {
        session_id: Uuid,
    },
    Token {
        token_id: Uuid,
    },
    /// An access token of a configured OpenID Connect provider, mapped to a service account.
    ProviderToken {
        provider_id: String,
    },
}

impl Actor {
    pub fn method(&self) -> AuthMethod {
        match self.via {
            Via::Session { .. } => AuthMethod::Session,
            Via::Token { .. } | Via::ProviderToken { .. } => AuthMethod::ApiToken,
        }
    }

    /// The browser session the caller came with, if they came with one.
    pub fn session_id(&self) -> Option<Uuid> {
        match self.via {
            Via::Session { session_id } => Some(session_id),
            Via::Token { .. } | Via::ProviderToken { .. } => None,
        }
    }

    fn from_row(user: UserRow, via: Via) -> Result<Actor, ApiError> {
        Ok(Actor {
            id: UserId::from_uuid(user.id),
            username: user.username.clone(),
            is_admin: user.is_admin,
            kind: user.kind,
            via,
            user,
        })
    }
}

/// A session cookie to set on the response, left in the request's extensions by the
/// extractor and written by the `session_renewal` middleware.
#[derive(Clone)]
pub struct RenewedSession(pub Cookie<'static>);

impl FromRequest for Actor {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Actor, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(&req).await })
    }
}

async fn authenticate(req: &HttpRequest) -> Result<Actor, ApiError> {
    let Some(state) = req.app_data::<web::Data<AppState>>() else {
        tracing::error!("application state missing");
        return Err(ApiError::Internal);
    };
    let now = Utc::now();

    if let Some(authorization) = req.headers().get(header::AUTHORIZATION) {
        let bearer = authorization
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(ApiError::Unauthenticated)?;
        if !api_token::looks_like_token(bearer) {
            return provider_token_actor(state, bearer).await;
        }
        let secret = bearer;
        let (token_id, user) =
            store::tokens::find_live_token_owner(&state.db, &api_token::hash(secret), now)
                .await?
                .ok_or(ApiError::Unauthenticated)?;
        store::tokens::touch_token(&state.db, token_id, now).await?;
        return Actor::from_row(user, Via::Token { token_id });
    }

    let cookie = req
        .cookie(SESSION_COOKIE)
        .ok_or(ApiError::Unauthenticated)?;
    let claims = state
        .keys
        .verify(cookie.value())
        .ok_or(ApiError::Unauthenticated)?;
    let user = store::sessions::find_session_user(&state.db, claims.sid, claims.sub, now)
        .await?
        .ok_or(ApiError::Unauthenticated)?;

    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        let sent = req
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if !constant_time_eq(sent.as_bytes(), claims.csrf.as_bytes()) {
            return Err(ApiError::CsrfFailed);
        }
    }

    if claims.wants_renewal(now) {
        let renewed = SessionClaims::new(
            claims.sub,
            claims.sid,
            claims.csrf.clone(),
            now,
            state.settings.session.token_minutes,
        );
        if let Some(token) = state.keys.issue(&renewed) {
            req.extensions_mut()
                .insert(RenewedSession(session_cookie(state, token)));
        }
    }
    Actor::from_row(
        user,
        Via::Session {
            session_id: claims.sid,
        },
    )
}

/// A provider's access token (a JWT) whose client maps to an enabled service account.
async fn provider_token_actor(state: &AppState, token: &str) -> Result<Actor, ApiError> {
    if !state.oidc.accepts_api_tokens() || token.split('.').count() != 3 {
        return Err(ApiError::Unauthenticated);
    }
    let (provider, claims) = state
        .oidc
        .verify_api_token(token)
        .await
        .ok_or(ApiError::Unauthenticated)?;
    let settings = &provider.settings;
    let client = super::oidc::claim_text(&claims, settings.api_client_claim.name());
    let Some(username) = client
        .as_ref()
        .and_then(|client| settings.service_accounts.get(client))
    else {
        tracing::info!(provider = %settings.id, client = ?client, "provider token of an unmapped client");
        return Err(ApiError::Unauthenticated);
    };
    let user = store::users::find_user_by_username(&state.db, &username.to_lowercase())
        .await?
        .filter(|user| {
            user.enabled && user.deleted_at.is_none() && user.kind == UserKind::ServiceAccount
        })
        .ok_or_else(|| {
            tracing::warn!(provider = %settings.id, service_account = %username, "mapped service account missing, disabled or not a service account");
            ApiError::Unauthenticated
        })?;
    Actor::from_row(
        user,
        Via::ProviderToken {
            provider_id: settings.id.clone(),
        },
    )
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The HttpOnly cookie carrying a session token.
pub fn session_cookie(state: &AppState, token: String) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token)
        .path("/")
        .http_only(true)
        .secure(state.settings.cookies_secure())
        .same_site(SameSite::Strict)
        .max_age(time::Duration::hours(i64::from(
            state.settings.session.max_hours,
        )))
        .finish()
}

/// The script-readable cookie carrying the CSRF value the SPA echoes in `X-CSRF-Token`.
pub fn csrf_cookie(state: &AppState, value: String) -> Cookie<'static> {
    Cookie::build(CSRF_COOKIE, value)
        .path("/")
        .http_only(false)
        .secure(state.settings.cookies_secure())
        .same_site(SameSite::Strict)
        .max_age(time::Duration::hours(i64::from(
            state.settings.session.max_hours,
        )))
        .finish()
}

/// Cookies that clear both session cookies in the browser.
pub fn cleared_cookies(state: &AppState) -> [Cookie<'static>; 2] {
    let mut session = session_cookie(state, String::new());
    session.make_removal();
    let mut csrf = csrf_cookie(state, String::new());
    csrf.make_removal();
    [session, csrf]
}

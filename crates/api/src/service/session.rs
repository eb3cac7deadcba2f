//! Signing in and out of the portal.

use std::time::Instant;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use tessera_domain::roles::GlobalRole;
use tessera_domain::user::{Me, SignIn, UserKind};
use uuid::Uuid;

use super::users::user_view;
use crate::auth::Actor;
use crate::auth::actor::Via;
use crate::auth::session_token::SessionClaims;
use crate::error::{ApiError, ApiResult};
use crate::metrics::SignInMethod;
use crate::state::AppState;
use crate::store;

/// A new session: the caller sets both values as cookies.
pub struct SignedIn {
    pub me: Me,
    pub session_token: String,
    pub csrf: String,
}

pub async fn sign_in(state: &AppState, address: &str, input: SignIn) -> ApiResult<SignedIn> {
    if input.username.is_empty() || input.username.chars().count() > 254 {
        return Err(ApiError::invalid(
            "username",
            "must be between 1 and 254 characters",
        ));
    }
    let username = input.username.trim().to_lowercase();
    if !state.settings.auth.allows_password(&username) {
        tracing::info!("password sign-in refused: local passwords are switched off");
        state
            .metrics
            .sign_in_failed(SignInMethod::Password, "local_passwords_disabled");
        return Err(ApiError::LocalPasswordsDisabled);
    }
    if input.password.is_empty() || input.password.chars().count() > 256 {
        return Err(ApiError::invalid(
            "password",
            "must be between 1 and 256 characters",
        ));
    }
    // Reserved before the password is checked, so concurrent guesses cannot all pass the limit.
    let attempt = state
        .limiter
        .begin_attempt(address, &username, Instant::now())
        .map_err(|retry_after_secs| {
            tracing::warn!(%address, "sign-in throttled");
            state
                .metrics
                .sign_in_failed(SignInMethod::Password, "throttled");
            ApiError::RateLimited { retry_after_secs }
        })?;

    let user = store::users::find_user_by_username(&state.db, &username).await?;
    let usable_hash = user
        .as_ref()
        .filter(|u| u.enabled && u.kind == UserKind::Person)
        .and_then(|u| u.password_hash.clone());
    let hash = usable_hash
        .clone()
        .unwrap_or_else(|| state.decoy_hash.clone());
    let matches = match state.passwords.verify(hash, input.password).await {
        Ok(matches) => matches,
        Err(busy) => {
            // The password was not checked: the attempt costs nothing.
            attempt.abandon();
            return Err(busy.into());
        }
    };
    let user = match user {
        Some(user) if matches && usable_hash.is_some() => user,
        _ => {
            attempt.failed();
            tracing::info!(%address, "sign-in refused");
            state
                .metrics
                .sign_in_failed(SignInMethod::Password, "bad_credentials");
            return Err(ApiError::SignInFailed);
        }
    };
    attempt.succeeded();
    if user.blocked_at.is_some() {
        // Said only to someone who knows the password.
        tracing::info!(%address, user = %user.id, "sign-in refused: guest blocked");
        state
            .metrics
            .sign_in_failed(SignInMethod::Password, "guest_blocked");
        return Err(ApiError::SignInBlocked);
    }
    start_session(state, &user, None).await
}

/// Opens a session for `user`, who just proved who they are (with a password, or at a provider
/// named in `origin`), and records the sign-in.
pub async fn start_session(
    state: &AppState,
    user: &store::users::UserRow,
    origin: Option<&store::sessions::ProviderOrigin<'_>>,
) -> ApiResult<SignedIn> {
    let now = Utc::now();
    let session_id = Uuid::new_v4();
    let expires_at = now + chrono::Duration::hours(i64::from(state.settings.session.max_hours));
    match origin {
        None => {
            store::sessions::insert_session(&state.db, session_id, user.id, now, expires_at).await?
        }
        Some(origin) => {
            store::sessions::insert_provider_session(
                &state.db, session_id, user.id, now, expires_at, origin,
            )
            .await?
        }
    }
    store::users::record_sign_in(&state.db, user.id, now).await?;

    let csrf = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let claims = SessionClaims::new(
        user.id,
        session_id,
        csrf.clone(),
        now,
        state.settings.session.token_minutes,
    );
    let session_token = state.keys.issue(&claims).ok_or_else(|| {
        tracing::error!("no signing key to issue a session");
        ApiError::Internal
    })?;
    tracing::info!(user = %user.id, session = %session_id, "signed in");
    let actor_view = user_view(user)?;
    Ok(SignedIn {
        me: Me {
            id: actor_view.id,
            username: actor_view.username,
            display_name: actor_view.display_name,
            email: actor_view.email,
            kind: actor_view.kind,
            roles: GlobalRole::held(
                actor_view.is_admin,
                &store::global_roles::granted_roles(&state.db, user.id).await?,
            ),
            authenticated_by: tessera_domain::user::AuthMethod::Session,
            may_create_api_tokens: super::tokens::may_create_own(state, user),
            has_direct_reports: store::users::has_direct_reports(&state.db, user.id).await?,
        },
        session_token,
        csrf,
    })
}

/// Ends the caller's browser session. A token-authenticated caller has no session to end.
/// When the session came from a provider that supports RP-initiated logout, answers where the
/// browser ends the provider's session too.
pub async fn sign_out(state: &AppState, actor: &Actor) -> ApiResult<Option<String>> {
    let Via::Session { session_id } = actor.via else {
        return Ok(None);
    };
    store::sessions::end_session(&state.db, session_id, Utc::now()).await?;
    tracing::info!(user = %actor.id, session = %session_id, "signed out");
    let Some((provider_id, id_token)) =
        store::sessions::find_session_origin(&state.db, session_id).await?
    else {
        return Ok(None);
    };
    Ok(super::oidc::provider_sign_out_url(state, &provider_id, &id_token).await)
}

pub async fn me(state: &AppState, actor: &Actor) -> ApiResult<Me> {
    let view = user_view(&actor.user)?;
    let granted = store::global_roles::granted_roles(&state.db, *actor.id.as_uuid()).await?;
    Ok(Me {
        id: view.id,
        username: view.username,
        display_name: view.display_name,
        email: view.email,
        kind: view.kind,
        roles: GlobalRole::held(view.is_admin, &granted),
        authenticated_by: actor.method(),
        may_create_api_tokens: super::tokens::may_create_own(state, &actor.user),
        has_direct_reports: store::users::has_direct_reports(&state.db, *actor.id.as_uuid())
            .await?,
    })
}

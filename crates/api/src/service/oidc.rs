//! Signing in with an OpenID Connect provider: the authorization code flow with PKCE, `state`
//! and `nonce`, ending in the same session as a password sign-in; finding, linking or creating
//! the person; and the identity links administrators see and remove.

use chrono::Utc;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreIdToken};
use openidconnect::{
    AccessToken, AdditionalClaims, AuthorizationCode, CsrfToken, EndSessionUrl, LogoutRequest,
    Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, PostLogoutRedirectUrl,
    RedirectUrl, Scope, TokenResponse, UserInfoClaims,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use tessera_domain::UserId;
use tessera_domain::identity::{
    AuthProvider, AuthProviders, IdentityLink, SignInRefusal, email_domain, local_return_path,
    numbered_username, username_from_claim,
};
use tessera_domain::user::{UserKind, UserType, UserView};
use tessera_domain::values::{DisplayName, Email, Username};
use uuid::Uuid;

use super::audit_event;
use super::session::{SignedIn, start_session};
use super::users::user_view;
use crate::auth::oidc::{Discovered, Provider, claim_text, http_call, verified_payload};
use crate::auth::{Actor, AdminProof};
use crate::error::{ApiError, ApiResult};
use crate::metrics::SignInMethod;
use crate::state::AppState;
use crate::store::identity::{FlowRow, NewLink};
use crate::store::sessions::ProviderOrigin;
use crate::store::users::{NewUserRecord, UserRow};
use crate::store::{self, StoreError};

/// How long a sign-in may take at the provider.
const FLOW_MINUTES: i64 = 10;

/// Every claim of a token or of the userinfo answer, beyond the standard ones.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct ExtraClaims {
    #[serde(flatten)]
    claims: Map<String, Value>,
}

impl AdditionalClaims for ExtraClaims {}

pub fn providers(state: &AppState) -> AuthProviders {
    let base = state.settings.public_url();
    AuthProviders {
        local_passwords: state.settings.auth.local_passwords,
        providers: state
            .oidc
            .all()
            .map(|p| AuthProvider {
                id: p.settings.id.clone(),
                name: p.settings.name.clone(),
                sign_in_url: format!("{base}api/v1/auth/oidc/{}/sign-in", p.settings.id),
            })
            .collect(),
    }
}

/// Where the browser goes after a sign-in: into the portal, or to the sign-in page with the
/// reason it was refused.
pub fn portal_url(state: &AppState, return_to: Option<&str>) -> String {
    let base = state.settings.public_url();
    let path = return_to.and_then(local_return_path).unwrap_or("/");
    format!("{}{}", base.as_str().trim_end_matches('/'), path)
}

pub fn refusal_url(state: &AppState, reason: SignInRefusal) -> String {
    format!(
        "{}sign-in?oidc_error={}",
        state.settings.public_url(),
        reason.as_str()
    )
}

fn callback_url(state: &AppState, provider: &Provider) -> ApiResult<RedirectUrl> {
    let url = format!(
        "{}api/v1/auth/oidc/{}/callback",
        state.settings.public_url(),
        provider.settings.id
    );
    RedirectUrl::new(url).map_err(|e| {
        tracing::error!(error = %e, "the callback URL does not parse");
        ApiError::Internal
    })
}

fn find_provider<'a>(state: &'a AppState, id: &str) -> ApiResult<&'a Provider> {
    state
        .oidc
        .get(id)
        .map(AsRef::as_ref)
        .ok_or(ApiError::NotFound("identity provider"))
}

/// Starts a sign-in: the flow is stored, and the browser is sent to the provider with this URL.
/// `Err(Ok(reason))` when the provider cannot be reached.
pub async fn start_sign_in(
    state: &AppState,
    provider_id: &str,
    return_to: Option<&str>,
) -> ApiResult<Result<String, SignInRefusal>> {
    let provider = find_provider(state, provider_id)?;
    let discovered = match state.oidc.discovered(provider).await {
        Ok(found) => found,
        Err(e) => {
            tracing::warn!(provider = %provider_id, error = %e, "provider unreachable");
            refuse(state, provider_id, SignInRefusal::ProviderError, None).await?;
            return Ok(Err(SignInRefusal::ProviderError));
        }
    };
    let client = client(provider, &discovered).set_redirect_uri(callback_url(state, provider)?);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge);
    for scope in &provider.settings.scopes {
        if scope != "openid" {
            request = request.add_scope(Scope::new(scope.clone()));
        }
    }
    let (url, csrf, nonce) = request.url();
    let now = Utc::now();
    store::identity::insert_flow(
        &state.db,
        &FlowRow {
            state: csrf.secret().clone(),
            provider_id: provider_id.to_string(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            return_to: return_to.and_then(local_return_path).map(String::from),
            created_at: now,
            expires_at: now + chrono::Duration::minutes(FLOW_MINUTES),
        },
    )
    .await?;
    Ok(Ok(url.to_string()))
}

fn client(provider: &Provider, discovered: &Discovered) -> DiscoveredClient {
    CoreClient::from_provider_metadata(
        discovered.metadata.clone(),
        provider.client_id(),
        provider.client_secret(),
    )
}

/// A client made from discovery: authorization endpoint set, token and userinfo endpoints
/// as the provider published them.
type DiscoveredClient = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

/// What the provider sent back to the callback.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

/// A finished sign-in: the session, and where in the portal to go.
pub struct SignedInWithProvider {
    pub signed_in: SignedIn,
    pub return_to: Option<String>,
}

/// Finishes a sign-in at the callback. A refusal is audited with its reason.
pub async fn finish_sign_in(
    state: &AppState,
    provider_id: &str,
    callback: Callback,
) -> ApiResult<Result<SignedInWithProvider, SignInRefusal>> {
    let provider = find_provider(state, provider_id)?;
    match sign_in_at(state, provider, callback).await? {
        Ok(done) => Ok(Ok(done)),
        Err((reason, subject)) => {
            refuse(state, provider_id, reason, subject.as_deref()).await?;
            Ok(Err(reason))
        }
    }
}

type Refused = (SignInRefusal, Option<String>);

async fn sign_in_at(
    state: &AppState,
    provider: &Provider,
    callback: Callback,
) -> ApiResult<Result<SignedInWithProvider, Refused>> {
    let id = provider.settings.id.as_str();
    let refused = |reason| Ok(Err((reason, None)));
    let Some(flow_state) = callback.state.as_deref() else {
        return refused(SignInRefusal::StateMismatch);
    };
    let Some(flow) = store::identity::take_flow(&state.db, flow_state).await? else {
        return refused(SignInRefusal::StateMismatch);
    };
    if flow.provider_id != id {
        return refused(SignInRefusal::StateMismatch);
    }
    if flow.expires_at <= Utc::now() {
        return refused(SignInRefusal::FlowExpired);
    }
    if let Some(error) = &callback.error {
        tracing::info!(provider = %id, error = %error, "the provider refused the sign-in");
        return refused(SignInRefusal::ProviderError);
    }
    let Some(code) = callback.code else {
        return refused(SignInRefusal::ProviderError);
    };

    let discovered = match state.oidc.discovered(provider).await {
        Ok(found) => found,
        Err(e) => {
            tracing::warn!(provider = %id, error = %e, "provider unreachable");
            return refused(SignInRefusal::ProviderError);
        }
    };
    let client = client(provider, &discovered).set_redirect_uri(callback_url(state, provider)?);
    let http = |request| http_call(&state.oidc.http, request);
    let exchanged = match client.exchange_code(AuthorizationCode::new(code)) {
        Ok(request) => {
            request
                .set_pkce_verifier(PkceCodeVerifier::new(flow.pkce_verifier.clone()))
                .request_async(&http)
                .await
        }
        Err(e) => {
            tracing::warn!(provider = %id, error = %e, "the provider has no token endpoint");
            return refused(SignInRefusal::ProviderError);
        }
    };
    let tokens = match exchanged {
        Ok(tokens) => tokens,
        Err(e) => {
            tracing::warn!(provider = %id, error = %e, "exchanging the code failed");
            return refused(SignInRefusal::ProviderError);
        }
    };
    let Some(id_token) = tokens.id_token() else {
        return refused(SignInRefusal::TokenInvalid);
    };
    let verified = state
        .oidc
        .verify_id_token(
            provider,
            &discovered,
            id_token,
            &Nonce::new(flow.nonce.clone()),
        )
        .await;
    let standard = match verified {
        Ok(claims) => claims,
        Err(why) => {
            tracing::info!(provider = %id, reason = %why, "ID token refused");
            return refused(SignInRefusal::TokenInvalid);
        }
    };
    let raw_id_token = id_token.to_string();
    let mut claims = verified_payload(&raw_id_token);
    let subject = standard.subject().to_string();

    // The ID token may carry only `sub`: the userinfo endpoint has the rest.
    let wanted = [
        "email",
        "email_verified",
        "name",
        &provider.settings.username_claim,
    ];
    if wanted.iter().any(|claim| !claims.contains_key(*claim)) {
        match user_info(state, &client, tokens.access_token(), &standard).await {
            Ok(more) => {
                for (name, value) in more {
                    claims.entry(name).or_insert(value);
                }
            }
            Err(e) => tracing::warn!(provider = %id, error = %e, "userinfo failed"),
        }
    }

    let user = match person(state, provider, &subject, &claims).await? {
        Ok(user) => user,
        Err(reason) => return Ok(Err((reason, Some(subject)))),
    };
    let origin = ProviderOrigin {
        provider_id: id,
        id_token: &raw_id_token,
    };
    let signed_in = start_session(state, &user, Some(&origin)).await?;
    Ok(Ok(SignedInWithProvider {
        signed_in,
        return_to: flow.return_to,
    }))
}

async fn user_info(
    state: &AppState,
    client: &DiscoveredClient,
    access_token: &AccessToken,
    standard: &openidconnect::core::CoreIdTokenClaims,
) -> Result<Map<String, Value>, String> {
    let http = |request| http_call(&state.oidc.http, request);
    let request = client
        .user_info(access_token.clone(), Some(standard.subject().clone()))
        .map_err(|e| e.to_string())?;
    let info: UserInfoClaims<ExtraClaims, CoreGenderClaim> = request
        .request_async(&http)
        .await
        .map_err(|e| e.to_string())?;
    match serde_json::to_value(&info).map_err(|e| e.to_string())? {
        Value::Object(map) => Ok(map),
        _ => Ok(Map::new()),
    }
}

fn verified_email(claims: &Map<String, Value>) -> Option<Email> {
    let verified = match claims.get("email_verified") {
        Some(Value::Bool(verified)) => *verified,
        Some(Value::String(text)) => text == "true",
        _ => false,
    };
    verified
        .then(|| claim_text(claims, "email"))
        .flatten()
        .and_then(|email| Email::parse(email).ok())
}

/// The person signing in: linked already, matched by external id or verified e-mail (and
/// linked now), or created.
async fn person(
    state: &AppState,
    provider: &Provider,
    subject: &str,
    claims: &Map<String, Value>,
) -> ApiResult<Result<UserRow, SignInRefusal>> {
    let settings = &provider.settings;
    let usable = |user: UserRow| {
        if !user.enabled || user.deleted_at.is_some() {
            Err(SignInRefusal::UserDisabled)
        } else if user.blocked_at.is_some() {
            Err(SignInRefusal::GuestBlocked)
        } else if user.kind != UserKind::Person {
            Err(SignInRefusal::UnknownPerson)
        } else {
            Ok(user)
        }
    };
    if let Some(user) = store::identity::find_linked_user(&state.db, &settings.id, subject).await? {
        return Ok(usable(user));
    }
    let email = verified_email(claims);
    let mut matched = None;
    if let Some(external_id) = claim_text(claims, &settings.external_id_claim) {
        matched = store::identity::find_person_by_external_id(&state.db, &external_id).await?;
    }
    if matched.is_none()
        && let Some(email) = &email
    {
        matched = store::identity::find_person_by_email(&state.db, email.as_str()).await?;
    }
    let now = Utc::now();
    let link = NewLink {
        provider_id: &settings.id,
        subject,
        now,
    };
    if let Some(user) = matched {
        let user = match usable(user) {
            Ok(user) => user,
            Err(reason) => return Ok(Err(reason)),
        };
        let audit = link_event(&user, &settings.id, subject);
        store::identity::insert_link(&state.db, user.id, &link, audit).await?;
        tracing::info!(user = %user.id, provider = %settings.id, "identity linked");
        return Ok(Ok(user));
    }
    if !settings.create_users {
        return Ok(Err(SignInRefusal::UnknownPerson));
    }
    let Some(email) = email else {
        tracing::info!(provider = %settings.id, "no verified e-mail to create the person with");
        return Ok(Err(SignInRefusal::UnknownPerson));
    };
    let domain = email_domain(email.as_str()).unwrap_or_default();
    if !settings.allowed_domains.is_empty() && !settings.allowed_domains.contains(&domain) {
        return Ok(Err(SignInRefusal::EmailNotAllowed));
    }
    let base = claim_text(claims, &settings.username_claim)
        .and_then(|name| username_from_claim(&name))
        .or_else(|| {
            email
                .as_str()
                .split('@')
                .next()
                .and_then(username_from_claim)
        })
        .or_else(|| username_from_claim("user"))
        .ok_or(ApiError::Internal)?;
    let display_name = claim_text(claims, "name")
        .or_else(|| {
            let given = claim_text(claims, "given_name").unwrap_or_default();
            let family = claim_text(claims, "family_name").unwrap_or_default();
            Some(format!("{given} {family}").trim().to_string()).filter(|n| !n.is_empty())
        })
        .and_then(|name| DisplayName::parse(name).ok())
        .or_else(|| DisplayName::parse(base.as_str()).ok())
        .ok_or(ApiError::Internal)?;
    for _attempt in 0..3 {
        let username = free_username(state, &base).await?;
        let record = NewUserRecord {
            id: Uuid::now_v7(),
            username: username.to_string(),
            email: email.to_string(),
            display_name: display_name.to_string(),
            kind: UserKind::Person,
            user_type: UserType::Member,
            manager_id: None,
            is_admin: false,
            password_hash: None,
            department: None,
            attributes: "{}".into(),
            external_id: None,
            given_name: None,
            family_name: None,
            formatted_name: None,
            sponsors: Vec::new(),
            now,
        };
        let created = store::identity::insert_user_with_link(&state.db, &record, &link, |row| {
            let view = user_view(row).ok();
            (
                audit_event::<UserView, _>(
                    None,
                    "user.create_by_sign_in",
                    "user",
                    row.id.to_string(),
                    None,
                    view.as_ref(),
                ),
                link_event(row, &settings.id, subject),
            )
        })
        .await;
        match created {
            Ok(user) => {
                tracing::info!(user = %user.id, provider = %settings.id, "user created by sign-in");
                return Ok(Ok(user));
            }
            // Someone took the username meanwhile: try the next one.
            Err(StoreError::Duplicate("username")) => continue,
            Err(other) => return Err(other.into()),
        }
    }
    Err(ApiError::Conflict {
        code: tessera_domain::problem::ProblemCode::UsernameTaken,
        detail: "No free username was found for the person; try again.".into(),
        field: None,
    })
}

async fn free_username(state: &AppState, base: &Username) -> ApiResult<Username> {
    if store::users::find_user_by_username(&state.db, base.as_str())
        .await?
        .is_none()
    {
        return Ok(base.clone());
    }
    for n in 2..1000 {
        let Some(candidate) = numbered_username(base, n) else {
            break;
        };
        if store::users::find_user_by_username(&state.db, candidate.as_str())
            .await?
            .is_none()
        {
            return Ok(candidate);
        }
    }
    Err(ApiError::Conflict {
        code: tessera_domain::problem::ProblemCode::UsernameTaken,
        detail: format!("Every username like {base} is taken."),
        field: None,
    })
}

fn link_event(user: &UserRow, provider_id: &str, subject: &str) -> store::audit::AuditEvent {
    audit_event::<Value, _>(
        None,
        "identity_link.create",
        "user",
        user.id.to_string(),
        None,
        Some(&json!({"provider_id": provider_id, "subject": subject})),
    )
}

/// Audits a refused sign-in with its reason.
async fn refuse(
    state: &AppState,
    provider_id: &str,
    reason: SignInRefusal,
    subject: Option<&str>,
) -> ApiResult<()> {
    tracing::info!(provider = %provider_id, reason = reason.as_str(), "sign-in with a provider refused");
    state
        .metrics
        .sign_in_failed(SignInMethod::Oidc, reason.as_str());
    let event = audit_event::<Value, _>(
        None,
        "sign_in.refused",
        "identity_provider",
        provider_id.to_string(),
        None,
        Some(&json!({"reason": reason.as_str(), "subject": subject})),
    );
    store::identity::insert_refusal(&state.db, event).await?;
    Ok(())
}

/// Where the browser ends the provider's session too, when the provider supports it.
pub async fn provider_sign_out_url(
    state: &AppState,
    provider_id: &str,
    id_token: &str,
) -> Option<String> {
    let provider = state.oidc.get(provider_id)?;
    let discovered = state.oidc.discovered(provider).await.ok()?;
    let endpoint: EndSessionUrl = discovered
        .metadata
        .additional_metadata()
        .end_session_endpoint
        .clone()?;
    let id_token: CoreIdToken = id_token.parse().ok()?;
    let redirect =
        PostLogoutRedirectUrl::new(format!("{}sign-in", state.settings.public_url())).ok()?;
    let url = LogoutRequest::from(endpoint)
        .set_id_token_hint(&id_token)
        .set_client_id(provider.client_id())
        .set_post_logout_redirect_uri(redirect)
        .http_get_url();
    Some(url.to_string())
}

/// The identity links of a user, for their page.
pub async fn identity_links(state: &AppState, user_id: UserId) -> ApiResult<Vec<IdentityLink>> {
    let rows = store::identity::list_links_of_user(&state.db, *user_id.as_uuid()).await?;
    Ok(rows
        .into_iter()
        .map(|row| IdentityLink {
            provider_name: state
                .oidc
                .get(&row.provider_id)
                .map(|p| p.settings.name.clone())
                .unwrap_or_else(|| row.provider_id.clone()),
            provider_id: row.provider_id,
            subject: row.subject,
            linked_at: row.linked_at,
        })
        .collect())
}

/// Removes a user's link to a provider: their next sign-in there links or creates afresh.
pub async fn unlink(
    _: &AdminProof,
    state: &AppState,
    actor: &Actor,
    user_id: UserId,
    provider_id: &str,
) -> ApiResult<()> {
    let links = identity_links(state, user_id).await?;
    let removed: Vec<&IdentityLink> = links
        .iter()
        .filter(|link| link.provider_id == provider_id)
        .collect();
    if removed.is_empty() {
        return Err(ApiError::NotFound("identity link"));
    }
    let event = audit_event::<Vec<&IdentityLink>, Value>(
        Some(actor),
        "identity_link.delete",
        "user",
        user_id.to_string(),
        Some(&removed),
        None,
    );
    let done =
        store::identity::delete_links(&state.db, *user_id.as_uuid(), provider_id, event).await?;
    if !done {
        return Err(ApiError::NotFound("identity link"));
    }
    tracing::info!(user = %user_id, provider = %provider_id, "identity unlinked");
    Ok(())
}

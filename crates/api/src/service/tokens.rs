//! API tokens for scripts: people create their own; administrators create them for service
//! accounts. Anyone may revoke their own; administrators may revoke any.

use chrono::Utc;
use tessera_domain::page::{PageQuery, TokenPage};
use tessera_domain::problem::ProblemCode;
use tessera_domain::token::{CreatedToken, NewToken, TokenName, TokenView};
use tessera_domain::user::{UserKind, UserType};
use tessera_domain::{TokenId, UserId};
use uuid::Uuid;

use super::audit_event;
use super::page::PageRequest;
use crate::auth::Actor;
use crate::auth::api_token;
use crate::auth::authz::{TokenManagerProof, may_manage_tokens_of};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store;
use crate::store::tokens::{NewTokenRecord, TokenRow};
use crate::store::users::UserRow;

pub fn token_view(row: &TokenRow) -> ApiResult<TokenView> {
    Ok(TokenView {
        id: TokenId::from_uuid(row.id),
        owner_id: UserId::from_uuid(row.owner_id),
        name: TokenName::parse(row.name.clone()).map_err(|_| {
            tracing::error!(token = %row.id, "stored token name does not parse");
            ApiError::Internal
        })?,
        prefix: row.prefix.clone(),
        created_at: row.created_at,
        expires_at: row.expires_at,
        last_used_at: row.last_used_at,
        revoked_at: row.revoked_at,
    })
}

/// Whether `user` may create API tokens for themselves: guests only where the settings allow.
pub fn may_create_own(state: &AppState, user: &UserRow) -> bool {
    user.user_type != UserType::Guest || state.settings.guests.allow_api_tokens
}

/// Creates a token for `proof.owner()`. `actor` is `None` only for the command line.
pub async fn create_token(
    proof: &TokenManagerProof,
    state: &AppState,
    actor: Option<&Actor>,
    input: NewToken,
) -> ApiResult<CreatedToken> {
    let owner = store::users::find_user(&state.db, *proof.owner().as_uuid())
        .await?
        .ok_or(ApiError::NotFound("user"))?;
    if let Some(actor) = actor
        && actor.id != proof.owner()
        && owner.kind != UserKind::ServiceAccount
    {
        return Err(ApiError::Forbidden(
            "Tokens for another person cannot be created; they create their own.",
        ));
    }
    if actor.is_some() && !may_create_own(state, &owner) {
        return Err(ApiError::Forbidden(
            "Guests cannot create API tokens here; an administrator may allow it with the \
             guests.allow_api_tokens setting.",
        ));
    }
    if !owner.enabled {
        return Err(ApiError::Conflict {
            code: ProblemCode::UserDisabled,
            detail: "The user is disabled; enable them before creating a token.".into(),
            field: None,
        });
    }
    let secret = api_token::generate();
    let now = Utc::now();
    let record = NewTokenRecord {
        id: Uuid::now_v7(),
        owner_id: owner.id,
        name: input.name.as_str().to_string(),
        prefix: secret.display_prefix,
        secret_hash: secret.hash,
        created_by: actor.map_or(owner.id, |a| *a.id.as_uuid()),
        now,
        expires_at: now + chrono::Duration::days(i64::from(input.expires_in_days.days())),
    };
    let row = store::tokens::insert_token(&state.db, &record, |row| {
        let after = token_view(row).ok();
        audit_event::<TokenView, _>(
            actor,
            "token.create",
            "api_token",
            row.id.to_string(),
            None,
            after.as_ref(),
        )
    })
    .await?;
    tracing::info!(token = %row.id, owner = %row.owner_id, "API token created");
    Ok(CreatedToken {
        token: token_view(&row)?,
        secret: secret.secret,
    })
}

pub async fn list_tokens(
    proof: &TokenManagerProof,
    state: &AppState,
    query: &PageQuery,
) -> ApiResult<TokenPage> {
    let page = PageRequest::parse(query)?;
    let before = page.after_id()?;
    let rows =
        store::tokens::list_tokens_of(&state.db, *proof.owner().as_uuid(), before, page.fetch())
            .await?;
    let (rows, next_cursor) = page.finish(rows, |row| row.id.to_string());
    let items = rows.iter().map(token_view).collect::<ApiResult<Vec<_>>>()?;
    Ok(TokenPage { items, next_cursor })
}

/// Revokes a token. Someone who may not manage it learns nothing: the answer is 404.
pub async fn revoke_token(state: &AppState, actor: &Actor, id: TokenId) -> ApiResult<()> {
    let row = store::tokens::find_token(&state.db, *id.as_uuid())
        .await?
        .ok_or(ApiError::NotFound("API token"))?;
    may_manage_tokens_of(actor, UserId::from_uuid(row.owner_id))
        .map_err(|_| ApiError::NotFound("API token"))?;
    let before = token_view(&row)?;
    store::tokens::revoke_token(&state.db, row.id, Utc::now(), |after| {
        let after = token_view(after).ok();
        audit_event(
            Some(actor),
            "token.revoke",
            "api_token",
            row.id.to_string(),
            Some(&before),
            after.as_ref(),
        )
    })
    .await?;
    Ok(())
}

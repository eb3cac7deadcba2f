use actix_web::{HttpResponse, delete, get, post, web};
use tessera_domain::TokenId;
use tessera_domain::page::{PageQuery, TokenPage};
use tessera_domain::problem::Problem;
use tessera_domain::token::{CreatedToken, NewToken};

use crate::auth::Actor;
use crate::auth::authz::may_manage_tokens_of;
use crate::error::ApiResult;
use crate::extract::{Json, Query};
use crate::service;
use crate::state::AppState;

/// Your own API tokens, newest first.
#[utoipa::path(
    operation_id = "list_tokens",
    tag = "tokens",
    params(PageQuery),
    responses(
        (status = 200, description = "One page of tokens", body = TokenPage),
        (status = 400, description = "Bad limit or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tokens")]
pub async fn list_tokens(
    state: web::Data<AppState>,
    actor: Actor,
    query: Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let proof = may_manage_tokens_of(&actor, actor.id)?;
    let page = service::tokens::list_tokens(&proof, &state, &query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Creates an API token for yourself. The secret is in this answer only.
#[utoipa::path(
    operation_id = "create_token",
    tag = "tokens",
    request_body = NewToken,
    responses(
        (status = 201, description = "Created; store the secret now", body = CreatedToken),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, named in `errors`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tokens")]
pub async fn create_token(
    state: web::Data<AppState>,
    actor: Actor,
    input: Json<NewToken>,
) -> ApiResult<HttpResponse> {
    let proof = may_manage_tokens_of(&actor, actor.id)?;
    let created = service::tokens::create_token(&proof, &state, Some(&actor), input.0).await?;
    Ok(HttpResponse::Created().json(created))
}

/// Revokes a token: your own, or anyone's as an administrator. Revoking twice is harmless.
#[utoipa::path(
    operation_id = "revoke_token",
    tag = "tokens",
    params(("id" = TokenId, Path, description = "The token's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such token that you may manage", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/tokens/{id}")]
pub async fn revoke_token(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<TokenId>,
) -> ApiResult<HttpResponse> {
    service::tokens::revoke_token(&state, &actor, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use tessera_domain::UserId;
use tessera_domain::page::{PageQuery, PersonPage, TokenPage, UserPage};
use tessera_domain::problem::Problem;
use tessera_domain::token::{CreatedToken, NewToken};
use tessera_domain::user::{NewUser, PeopleQuery, SetPassword, UserChanges, UserQuery, UserView};

use crate::auth::Actor;
use crate::auth::authz::{may_manage_tokens_of, require_admin};
use crate::error::ApiResult;
use crate::extract::{Json, Query};
use crate::service;
use crate::state::AppState;

/// Lists users by username. Administrators only.
#[utoipa::path(
    operation_id = "list_users",
    tag = "users",
    params(UserQuery),
    responses(
        (status = 200, description = "One page of users", body = UserPage),
        (status = 400, description = "Bad limit or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    actor: Actor,
    query: Query<UserQuery>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let page = service::users::list_users(&proof, &state, &query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Finds people to pick (an approver, a person to assign): enabled users whose username,
/// display name or e-mail contains `q`, by username. Or, with `ids`, names the people a policy
/// or an access review refers to: those users, disabled ones included, by username, in one
/// page; ids that name nobody are left out. Each with their id, username, display name and
/// whether they are a guest only. Anyone signed in.
#[utoipa::path(
    operation_id = "list_people",
    tag = "users",
    params(PeopleQuery),
    responses(
        (status = 200, description = "One page of people", body = PersonPage),
        (status = 400, description = "Bad search, limit, cursor or ids, named in `errors`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/people")]
pub async fn list_people(
    state: web::Data<AppState>,
    _actor: Actor,
    query: Query<PeopleQuery>,
) -> ApiResult<HttpResponse> {
    let page = service::users::list_people(&state, &query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Creates a person or a service account. Administrators only.
#[utoipa::path(
    operation_id = "create_user",
    tag = "users",
    request_body = NewUser,
    responses(
        (status = 201, description = "Created", body = UserView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The username is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, named in `errors`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too many passwords being hashed; see Retry-After", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    actor: Actor,
    input: Json<NewUser>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let user = service::users::create_user_as_admin(&proof, &state, &actor, input.0).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/users/{}", user.id)))
        .json(user))
}

/// One user. Administrators only.
#[utoipa::path(
    operation_id = "get_user",
    tag = "users",
    params(("id" = UserId, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The user", body = UserView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<UserId>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let user = service::users::get_user(&proof, &state, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(user))
}

/// Changes a user's name, e-mail, manager, enabled flag or administrator role.
/// Disabling a user ends their sessions and revokes their API tokens at once, for good:
/// enabling them again revives neither. Administrators only.
#[utoipa::path(
    operation_id = "update_user",
    tag = "users",
    params(("id" = UserId, Path, description = "The user's id")),
    request_body = UserChanges,
    responses(
        (status = 200, description = "The changed user", body = UserView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Changed meanwhile, or would lock the caller out", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, named in `errors`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<UserId>,
    changes: Json<UserChanges>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let user =
        service::users::update_user(&proof, &state, &actor, id.into_inner(), changes.0).await?;
    Ok(HttpResponse::Ok().json(user))
}

/// Deletes a user: like disabling, for good. Their sessions end, their API tokens are revoked,
/// their access ends and their open requests close; the record stays as a tombstone so the
/// audit trail, requests and reviews still name them, and the username stays taken. Refused
/// for yourself (`self_lockout`) and for the last enabled administrator
/// (`last_administrator`). Administrators only.
#[utoipa::path(
    operation_id = "delete_user",
    tag = "users",
    params(("id" = UserId, Path, description = "The user's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user, or deleted already", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`self_lockout` or `last_administrator`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/users/{id}")]
pub async fn delete_user(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<UserId>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    service::users::delete_user(&proof, &state, &actor, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Removes a person's link to their account at a provider: their next sign-in there links or
/// creates afresh. Audited. Administrators only.
#[utoipa::path(
    operation_id = "delete_identity_link",
    tag = "users",
    params(
        ("id" = UserId, Path, description = "The user's id"),
        ("provider_id" = String, Path, description = "The provider's id"),
    ),
    responses(
        (status = 204, description = "Unlinked"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The user has no link to this provider", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/users/{id}/identity-links/{provider_id}")]
pub async fn delete_identity_link(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(UserId, String)>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let (id, provider_id) = path.into_inner();
    service::oidc::unlink(&proof, &state, &actor, id, &provider_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Sets or resets a person's password, for instance of an imported person, who then can sign
/// in. Ends the person's sessions (the caller's own stays when they set their own). API tokens
/// are not affected. Administrators only.
#[utoipa::path(
    operation_id = "set_user_password",
    tag = "users",
    params(("id" = UserId, Path, description = "The user's id")),
    request_body = SetPassword,
    responses(
        (status = 204, description = "Password set; the person's sessions ended"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The user changed meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A password out of bounds, or a service account; named in `errors`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too many passwords being hashed; see Retry-After", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/users/{id}/password")]
pub async fn set_user_password(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<UserId>,
    input: Json<SetPassword>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    service::users::set_password(&proof, &state, &actor, id.into_inner(), input.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A user's API tokens: your own, or anyone's as an administrator.
#[utoipa::path(
    operation_id = "list_user_tokens",
    tag = "tokens",
    params(("id" = UserId, Path, description = "The owner's id"), PageQuery),
    responses(
        (status = 200, description = "One page of tokens, newest first", body = TokenPage),
        (status = 400, description = "Bad limit or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not yours, and not an administrator", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users/{id}/tokens")]
pub async fn list_user_tokens(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<UserId>,
    query: Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let proof = may_manage_tokens_of(&actor, id.into_inner())?;
    let page = service::tokens::list_tokens(&proof, &state, &query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Creates an API token for a user: yourself, or a service account as an administrator.
/// The secret is in this answer only.
#[utoipa::path(
    operation_id = "create_user_token",
    tag = "tokens",
    params(("id" = UserId, Path, description = "The owner's id")),
    request_body = NewToken,
    responses(
        (status = 201, description = "Created; store the secret now", body = CreatedToken),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed to create tokens for this user", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The user is disabled", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, named in `errors`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users/{id}/tokens")]
pub async fn create_user_token(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<UserId>,
    input: Json<NewToken>,
) -> ApiResult<HttpResponse> {
    let proof = may_manage_tokens_of(&actor, id.into_inner())?;
    let created = service::tokens::create_token(&proof, &state, Some(&actor), input.0).await?;
    Ok(HttpResponse::Created().json(created))
}

//! Groups and their members and owners. Administrators only, but for the names of groups by
//! id, which anyone signed in may read.

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use tessera_domain::directory::{
    GroupChanges, GroupNamesQuery, GroupRole, GroupSummary, GroupView, NameSearchQuery, NewGroup,
};
use tessera_domain::page::{GroupPage, MemberPage, PageQuery};
use tessera_domain::problem::{CascadeQuery, Problem, ResourceInUse};
use tessera_domain::{GroupId, UserId};

use crate::auth::Actor;
use crate::auth::authz::require_admin;
use crate::error::ApiResult;
use crate::extract::{Json, Query};
use crate::service;
use crate::state::AppState;

/// Lists groups by name, optionally only those whose name contains `q`.
#[utoipa::path(
    operation_id = "list_groups",
    tag = "groups",
    params(NameSearchQuery),
    responses(
        (status = 200, description = "One page of groups", body = GroupPage),
        (status = 400, description = "Bad limit, cursor or search", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/groups")]
pub async fn list_groups(
    state: web::Data<AppState>,
    actor: Actor,
    query: Query<NameSearchQuery>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let page = service::groups::list_groups(&proof, &state, &query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Names groups by id, for anyone signed in: the groups among `ids`, by name, with their id and
/// name only, so that a policy or an access review can show the groups it refers to. Ids that
/// name no group are left out.
#[utoipa::path(
    operation_id = "list_group_names",
    tag = "groups",
    params(GroupNamesQuery),
    responses(
        (status = 200, description = "The groups found, by name", body = [GroupSummary]),
        (status = 400, description = "Missing or bad ids, named in `errors`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/group-names")]
pub async fn list_group_names(
    state: web::Data<AppState>,
    _actor: Actor,
    query: Query<GroupNamesQuery>,
) -> ApiResult<HttpResponse> {
    let groups = service::groups::list_group_names(&state, &query.0.ids).await?;
    Ok(HttpResponse::Ok().json(groups))
}

/// Creates a group. Names are unique regardless of case.
#[utoipa::path(
    operation_id = "create_group",
    tag = "groups",
    request_body = NewGroup,
    responses(
        (status = 201, description = "Created", body = GroupView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The name is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, named in `errors`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/groups")]
pub async fn create_group(
    state: web::Data<AppState>,
    actor: Actor,
    input: Json<NewGroup>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let group = service::groups::create_group_as_admin(&proof, &state, &actor, input.0).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/groups/{}", group.id)))
        .json(group))
}

/// One group.
#[utoipa::path(
    operation_id = "get_group",
    tag = "groups",
    params(("id" = GroupId, Path, description = "The group's id")),
    responses(
        (status = 200, description = "The group", body = GroupView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such group", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/groups/{id}")]
pub async fn get_group(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<GroupId>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let group = service::groups::get_group(&proof, &state, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(group))
}

/// Renames a group or changes its description.
#[utoipa::path(
    operation_id = "update_group",
    tag = "groups",
    params(("id" = GroupId, Path, description = "The group's id")),
    request_body = GroupChanges,
    responses(
        (status = 200, description = "The changed group", body = GroupView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such group", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The name is taken, or the group changed meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, named in `errors`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/groups/{id}")]
pub async fn update_group(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<GroupId>,
    changes: Json<GroupChanges>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let group =
        service::groups::update_group(&proof, &state, &actor, id.into_inner(), changes.0).await?;
    Ok(HttpResponse::Ok().json(group))
}

/// Deletes a group with its memberships and ownerships. Refused while access packages grant
/// it or policies name it (who may request, approvers), unless `cascade=true` (audited): then
/// the packages stop granting it and those policies are disabled.
#[utoipa::path(
    operation_id = "delete_group",
    tag = "groups",
    params(("id" = GroupId, Path, description = "The group's id"), CascadeQuery),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such group", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`resource_in_use`: access packages grant it or policies name it (`used_by`); send `cascade=true` to go ahead", body = ResourceInUse, content_type = "application/problem+json"),
    )
)]
#[delete("/groups/{id}")]
pub async fn delete_group(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<GroupId>,
    query: Query<CascadeQuery>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let cascade = query.0.cascade.unwrap_or(false);
    service::groups::delete_group(&proof, &state, &actor, id.into_inner(), cascade).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The members of a group, by username.
#[utoipa::path(
    operation_id = "list_group_members",
    tag = "groups",
    params(("id" = GroupId, Path, description = "The group's id"), PageQuery),
    responses(
        (status = 200, description = "One page of members", body = MemberPage),
        (status = 400, description = "Bad limit or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such group", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/groups/{id}/members")]
pub async fn list_group_members(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<GroupId>,
    query: Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let page = service::groups::list_group_users(
        &proof,
        &state,
        id.into_inner(),
        GroupRole::Member,
        &query.0,
    )
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Makes a user a member of a group. Doing it again changes nothing.
#[utoipa::path(
    operation_id = "add_group_member",
    tag = "groups",
    params(("id" = GroupId, Path, description = "The group's id"), ("user_id" = UserId, Path, description = "The user's id")),
    responses(
        (status = 204, description = "The user is a member"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such group or user", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/groups/{id}/members/{user_id}")]
pub async fn add_group_member(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(GroupId, UserId)>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let (id, user) = path.into_inner();
    service::groups::add_group_user_as_admin(&proof, &state, &actor, id, GroupRole::Member, user)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Removes a member from a group. Removing someone who is not one is fine.
#[utoipa::path(
    operation_id = "remove_group_member",
    tag = "groups",
    params(("id" = GroupId, Path, description = "The group's id"), ("user_id" = UserId, Path, description = "The user's id")),
    responses(
        (status = 204, description = "The user is not a member"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such group", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/groups/{id}/members/{user_id}")]
pub async fn remove_group_member(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(GroupId, UserId)>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let (id, user) = path.into_inner();
    service::groups::remove_group_user(&proof, &state, &actor, id, GroupRole::Member, user).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The owners of a group, by username.
#[utoipa::path(
    operation_id = "list_group_owners",
    tag = "groups",
    params(("id" = GroupId, Path, description = "The group's id"), PageQuery),
    responses(
        (status = 200, description = "One page of owners", body = MemberPage),
        (status = 400, description = "Bad limit or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such group", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/groups/{id}/owners")]
pub async fn list_group_owners(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<GroupId>,
    query: Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let page = service::groups::list_group_users(
        &proof,
        &state,
        id.into_inner(),
        GroupRole::Owner,
        &query.0,
    )
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Makes a user an owner of a group. Doing it again changes nothing.
#[utoipa::path(
    operation_id = "add_group_owner",
    tag = "groups",
    params(("id" = GroupId, Path, description = "The group's id"), ("user_id" = UserId, Path, description = "The user's id")),
    responses(
        (status = 204, description = "The user is an owner"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such group or user", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/groups/{id}/owners/{user_id}")]
pub async fn add_group_owner(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(GroupId, UserId)>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let (id, user) = path.into_inner();
    service::groups::add_group_user_as_admin(&proof, &state, &actor, id, GroupRole::Owner, user)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Removes an owner from a group. Removing someone who is not one is fine.
#[utoipa::path(
    operation_id = "remove_group_owner",
    tag = "groups",
    params(("id" = GroupId, Path, description = "The group's id"), ("user_id" = UserId, Path, description = "The user's id")),
    responses(
        (status = 204, description = "The user is not an owner"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such group", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/groups/{id}/owners/{user_id}")]
pub async fn remove_group_owner(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(GroupId, UserId)>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let (id, user) = path.into_inner();
    service::groups::remove_group_user(&proof, &state, &actor, id, GroupRole::Owner, user).await?;
    Ok(HttpResponse::NoContent().finish())
}

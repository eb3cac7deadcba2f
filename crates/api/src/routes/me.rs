use actix_web::{HttpRequest, HttpResponse, get, post, web};
use tessera_domain::page::PersonPage;
use tessera_domain::problem::Problem;
use tessera_domain::team::{TeamPage, TeamQuery};
use tessera_domain::user::{ChangePassword, Me};

use crate::auth::Actor;
use crate::error::ApiResult;
use crate::extract::{Json, Query};
use crate::service;
use crate::state::AppState;

/// The signed-in actor.
#[utoipa::path(
    operation_id = "get_me",
    tag = "session",
    responses(
        (status = 200, description = "Who is calling", body = Me),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me")]
pub async fn get_me(state: web::Data<AppState>, actor: Actor) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(service::session::me(&state, &actor).await?))
}

/// Changes your own password, giving the current one. Your other sessions end; the one you
/// are using stays signed in. API tokens are not affected. A wrong current password is
/// throttled like a sign-in.
#[utoipa::path(
    operation_id = "change_my_password",
    tag = "session",
    request_body = ChangePassword,
    responses(
        (status = 204, description = "Password changed; your other sessions ended"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Missing or wrong X-CSRF-Token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Wrong current password, or a new one out of bounds; named in `errors`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many wrong current passwords; see Retry-After", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too many passwords being hashed; see Retry-After", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/me/password")]
pub async fn change_my_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    actor: Actor,
    input: Json<ChangePassword>,
) -> ApiResult<HttpResponse> {
    let address = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    service::users::change_own_password(&state, &actor, &address, input.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Your direct reports: the enabled people whose manager you are, by name, in one page. Empty
/// when you manage nobody. The portal offers to ask for access on their behalf with it.
#[utoipa::path(
    operation_id = "list_my_reports",
    tag = "session",
    responses(
        (status = 200, description = "Your direct reports, in one page", body = PersonPage),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/reports")]
pub async fn list_my_reports(state: web::Data<AppState>, actor: Actor) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(service::users::list_my_reports(&state, &actor).await?))
}

/// Your team: one page of your enabled direct reports, by name, each with their active access
/// (package, catalog, since, until), their requests not yet final (state, stage, decide-by) and
/// the access review items about them waiting for your decision. Empty when you manage nobody;
/// only your own direct reports are ever listed.
///
/// Acting for a report works as in the reference product's "Manage team". To ask for access
/// for them, make a request with `target_user_id` (`POST /api/v1/requests`) under a policy that
/// lets managers request for their direct reports; it is approved like anyone's. To remove
/// their access, make a request with `ask` `remove` and `target_user_id`: it is accepted only
/// when the assignment's policy lets managers request for their direct reports and lets people
/// remove their own access (`manager_may_remove` says so for each assignment), needs no
/// approval, and is audited as your request (`request.submit`, then `assignment.remove`).
/// Otherwise an administrator or an assignment manager of the catalog removes it.
#[utoipa::path(
    operation_id = "get_my_team",
    tag = "my access",
    params(TeamQuery),
    responses(
        (status = 200, description = "Your direct reports, with their access, requests and reviews", body = TeamPage),
        (status = 400, description = "A `limit` out of bounds or a `cursor` this list did not hand out", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/team")]
pub async fn get_my_team(
    state: web::Data<AppState>,
    actor: Actor,
    query: Query<TeamQuery>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(service::team::my_team(&state, &actor, &query.0).await?))
}

use actix_web::{HttpResponse, get, web};
use tessera_domain::problem::Problem;
use tessera_domain::user::Me;

use crate::auth::Actor;
use crate::error::ApiResult;
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

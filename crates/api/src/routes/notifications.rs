use actix_web::{HttpResponse, get, post, web};
use tessera_domain::NotificationId;
use tessera_domain::notification::{NotificationPage, NotificationQuery};
use tessera_domain::problem::Problem;

use crate::auth::Actor;
use crate::error::ApiResult;
use crate::extract::Query;
use crate::service;
use crate::state::AppState;

/// Your notifications, newest first: approvals waiting for you, decisions on your requests,
/// access delivered, ending or removed. Each links to where to act on it in the portal.
#[utoipa::path(
    operation_id = "list_my_notifications",
    tag = "notifications",
    params(NotificationQuery),
    responses(
        (status = 200, description = "One page of your notifications, with how many are unread", body = NotificationPage),
        (status = 400, description = "A bad limit or cursor, named in `errors`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/notifications")]
pub async fn list_my_notifications(
    state: web::Data<AppState>,
    actor: Actor,
    query: Query<NotificationQuery>,
) -> ApiResult<HttpResponse> {
    let page = service::notifications::list_mine(&state, &actor, &query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Marks one of your notifications read. Marking it again keeps the first time.
#[utoipa::path(
    operation_id = "mark_notification_read",
    tag = "notifications",
    params(("id" = NotificationId, Path, description = "The notification's id")),
    responses(
        (status = 204, description = "Marked read"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such notification of yours", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/me/notifications/{id}/read")]
pub async fn mark_notification_read(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<NotificationId>,
) -> ApiResult<HttpResponse> {
    service::notifications::mark_read(&state, &actor, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Marks all your notifications read.
#[utoipa::path(
    operation_id = "mark_all_notifications_read",
    tag = "notifications",
    responses(
        (status = 204, description = "All marked read"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/me/notifications/read-all")]
pub async fn mark_all_notifications_read(
    state: web::Data<AppState>,
    actor: Actor,
) -> ApiResult<HttpResponse> {
    service::notifications::mark_all_read(&state, &actor).await?;
    Ok(HttpResponse::NoContent().finish())
}

use actix_web::{HttpResponse, get, web};
use tessera_domain::AccessPackageId;
use tessera_domain::access::{
    AvailableCatalogs, AvailableCatalogsQuery, AvailableQuery, MyAssignmentsQuery, Overview,
    PackageCardPage, RequestOptions, RequestOptionsQuery, SuggestedPackages, SuggestedQuery,
};
use tessera_domain::assignment::AssignmentPage;
use tessera_domain::problem::Problem;

use crate::auth::Actor;
use crate::error::ApiResult;
use crate::extract::Query;
use crate::service;
use crate::state::AppState;

/// The packages the caller may request, by name: catalog enabled, package not hidden, and an
/// enabled policy whose "who can request" includes them. `q` searches names, descriptions
/// and resource names, `catalog_id` keeps one catalog. Each says what the caller already has
/// of it (`holding`: held until when, or a request pending). Anyone signed in.
///
/// With `for`, one of the caller's enabled direct reports: the packages the caller may request
/// for them, which are those with an enabled policy whose "who can request" includes the
/// report and that lets managers request for their direct reports; `holding` is then what the
/// report has. Anyone else named in `for` is refused (422), whoever they are.
#[utoipa::path(
    operation_id = "list_available_packages",
    tag = "my access",
    params(AvailableQuery),
    responses(
        (status = 200, description = "One page of packages", body = PackageCardPage),
        (status = 400, description = "A bad search, limit, cursor or `for`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`for` is not one of your direct reports", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/available-packages")]
pub async fn list_available_packages(
    state: web::Data<AppState>,
    actor: Actor,
    query: Query<AvailableQuery>,
) -> ApiResult<HttpResponse> {
    let page = service::access::available(&state, &actor, &query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// The catalogs of the packages the caller may request, by name, each with how many of its
/// packages they may request (those matching `q`, when given): the catalog filter of the
/// "Available" list. Anyone signed in; `for` counts for a direct report, as the list does.
#[utoipa::path(
    operation_id = "list_available_catalogs",
    tag = "my access",
    params(AvailableCatalogsQuery),
    responses(
        (status = 200, description = "The catalogs, with counts", body = AvailableCatalogs),
        (status = 400, description = "A bad search or `for`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`for` is not one of your direct reports", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/available-catalogs")]
pub async fn list_available_catalogs(
    state: web::Data<AppState>,
    actor: Actor,
    query: Query<AvailableCatalogsQuery>,
) -> ApiResult<HttpResponse> {
    let catalogs = service::access::available_catalogs(&state, &actor, &query.0).await?;
    Ok(HttpResponse::Ok().json(catalogs))
}

/// Packages the caller may request (as the "Available" list decides) and neither holds nor
/// has asked for, that enabled people of their department, with their manager or reporting
/// to them hold, or that they held before, each with why: per relation, how many hold it
/// (never counting the caller), and how many of their own assignments of it ended and when
/// the last did. Hidden packages are never suggested. Anyone signed in.
#[utoipa::path(
    operation_id = "list_suggested_packages",
    tag = "my access",
    params(SuggestedQuery),
    responses(
        (status = 200, description = "The strongest suggestions: held by the most related people first, then held by the caller most recently, then by name", body = SuggestedPackages),
        (status = 400, description = "A bad limit", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/suggested-packages")]
pub async fn list_suggested_packages(
    state: web::Data<AppState>,
    actor: Actor,
    query: Query<SuggestedQuery>,
) -> ApiResult<HttpResponse> {
    let suggested = service::access::suggested(&state, &actor, &query.0).await?;
    Ok(HttpResponse::Ok().json(suggested))
}

/// Whether the caller (or a direct report, `target_user_id`) can ask for a package now, and if
/// not, why: not in any policy's scope, already assigned, a request already open, a
/// separation-of-duties conflict naming the access in the way, or a disabled catalog. Lists
/// the policies they may request through, with their questions and rules. Works for hidden
/// packages: a direct link opens them. Anyone signed in.
#[utoipa::path(
    operation_id = "get_request_options",
    tag = "my access",
    params(("id" = AccessPackageId, Path, description = "The package's id"), RequestOptionsQuery),
    responses(
        (status = 200, description = "What the caller can request", body = RequestOptions),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such package", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The target is not a direct report of the caller", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/access-packages/{id}/request-options")]
pub async fn get_request_options(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<AccessPackageId>,
    query: Query<RequestOptionsQuery>,
) -> ApiResult<HttpResponse> {
    let options =
        service::access::request_options(&state, &actor, id.into_inner(), query.0.target_user_id)
            .await?;
    Ok(HttpResponse::Ok().json(options))
}

/// The caller's own access: `active` (scheduled or delivered, the default), `expired`,
/// `removed` or one state, newest first.
#[utoipa::path(
    operation_id = "list_my_assignments",
    tag = "my access",
    params(MyAssignmentsQuery),
    responses(
        (status = 200, description = "One page of assignments", body = AssignmentPage),
        (status = 400, description = "A bad state, limit or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/assignments")]
pub async fn list_my_assignments(
    state: web::Data<AppState>,
    actor: Actor,
    query: Query<MyAssignmentsQuery>,
) -> ApiResult<HttpResponse> {
    let page = service::access::my_assignments(&state, &actor, &query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// What needs the caller's attention: approvals waiting for them, their requests in flight,
/// their access ending within 14 days.
#[utoipa::path(
    operation_id = "get_overview",
    tag = "my access",
    responses(
        (status = 200, description = "The overview", body = Overview),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/overview")]
pub async fn get_overview(state: web::Data<AppState>, actor: Actor) -> ApiResult<HttpResponse> {
    let overview = service::access::overview(&state, &actor).await?;
    Ok(HttpResponse::Ok().json(overview))
}

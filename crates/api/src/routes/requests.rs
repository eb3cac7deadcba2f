use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use tessera_domain::RequestId;
use tessera_domain::access::{
    ApprovalList, ApprovalQuery, ApprovalSort, CancelInput, DecisionInput, NewRequestInput,
    RequestExportQuery, RequestPage, RequestQuery, RequestView,
};
use tessera_domain::page::PageQuery;
use tessera_domain::problem::Problem;

use crate::auth::Actor;
use crate::auth::authz::catalog_permission::ManageAssignments;
use crate::auth::authz::{authorize_catalog, authorize_catalogs, authorize_package, require_admin};
use crate::auth::request_authz;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Query};
use crate::idempotency::IdempotencyKey;
use crate::service;
use crate::service::request_search::RequestScope;
use crate::service::requests::OwnList;
use crate::state::AppState;

/// Asks for an access package (`add`), to keep it longer (`extend`) or to give it up
/// (`remove`), for oneself or for a direct report. The request is checked against the
/// policy (scope, dates, justification, answers) and separation of duties; it then waits for
/// approval, or is delivered at once when the policy needs none. Send `Idempotency-Key` to
/// make retries safe: the same key with the same body answers with the request it made first
/// (200), also when retries run at once; the same key with another body is refused (422
/// `idempotency_key_reused`). Keys are remembered for 24 hours. Anyone signed in.
#[utoipa::path(
    operation_id = "submit_request",
    tag = "requests",
    request_body = NewRequestInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Up to 200 visible ASCII characters, remembered for 24 hours; a retry with the same key and body never makes a second request")),
    responses(
        (status = 201, description = "Submitted", body = RequestView),
        (status = 200, description = "This key made this request before", body = RequestView),
        (status = 400, description = "A bad Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such package", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already assigned, a request already open, a separation-of-duties conflict, or the policy does not allow it; `code` says which", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, named in `errors`; or `idempotency_key_reused`: the Idempotency-Key came with another body before", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/requests")]
pub async fn submit_request(
    state: web::Data<AppState>,
    actor: Actor,
    request: HttpRequest,
    input: Json<NewRequestInput>,
) -> ApiResult<HttpResponse> {
    let key = IdempotencyKey::of(&request, &input.0)?;
    let submitted = service::requests::submit(&state, &actor, input.0, key).await?;
    let mut response = if submitted.replayed {
        HttpResponse::Ok()
    } else {
        HttpResponse::Created()
    };
    Ok(response
        .insert_header((
            header::LOCATION,
            format!("/api/v1/requests/{}", submitted.view.id),
        ))
        .json(submitted.view))
}

/// One request, with its stages, decisions and timeline. Its requester, its target, the
/// approvers it asked, assignment managers of its catalog and administrators.
#[utoipa::path(
    operation_id = "get_request",
    tag = "requests",
    params(("id" = RequestId, Path, description = "The request's id")),
    responses(
        (status = 200, description = "The request", body = RequestView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request that you may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/requests/{id}")]
pub async fn get_request(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<RequestId>,
) -> ApiResult<HttpResponse> {
    let reader = request_authz::read_request(&state, &actor, id.into_inner()).await?;
    let view = service::requests::get_request(&state, &reader).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Approves or denies the current stage of a request. Only that stage's approvers, never the
/// target or the requester; the first decision decides the stage, and any denial ends the
/// request. When several approvers decide at once, one wins and the others get 409.
#[utoipa::path(
    operation_id = "decide_request",
    tag = "requests",
    params(("id" = RequestId, Path, description = "The request's id")),
    request_body = DecisionInput,
    responses(
        (status = 200, description = "Decided; the request as it now is", body = RequestView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an approver of the current stage, or your own request", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request that you may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Decided already, not the current stage, or no longer pending", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A justification is required", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/requests/{id}/decision")]
pub async fn decide_request(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<RequestId>,
    input: Json<DecisionInput>,
) -> ApiResult<HttpResponse> {
    let input = input.0;
    let decider = request_authz::may_decide(&state, &actor, id.into_inner(), input.stage).await?;
    let view =
        service::requests::decide(&state, &decider, input.verdict, input.justification).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Withdraws a request not yet delivered, with an optional reason that is kept with the request
/// and shown in its timeline. Its requester or target; assignment managers of its catalog and
/// administrators for anyone's.
#[utoipa::path(
    operation_id = "cancel_request",
    tag = "requests",
    params(("id" = RequestId, Path, description = "The request's id")),
    request_body = CancelInput,
    responses(
        (status = 200, description = "Canceled", body = RequestView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not your request", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request that you may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Delivered, delivering or closed already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A reason longer than 2,000 characters, or blank; named in `errors`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/requests/{id}/cancel")]
pub async fn cancel_request(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<RequestId>,
    input: Json<CancelInput>,
) -> ApiResult<HttpResponse> {
    let canceler = request_authz::may_cancel(&state, &actor, id.into_inner()).await?;
    let view = service::requests::cancel(&state, &canceler, input.0.justification).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// The caller's request history: requests they made or that were made for them, newest
/// first.
#[utoipa::path(
    operation_id = "list_my_requests",
    tag = "requests",
    params(PageQuery),
    responses(
        (status = 200, description = "One page of requests", body = RequestPage),
        (status = 400, description = "A bad limit or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/requests")]
pub async fn list_my_requests(
    state: web::Data<AppState>,
    actor: Actor,
    query: Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let own = request_authz::own_requests(&actor);
    let page = service::requests::list(&state, &own, OwnList::Mine, false, &query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// The caller's approvals: `pending` (waiting for their decision) or `history` (requests they
/// decided), newest first, or with `sort=decide_by` the pending ones to decide soonest first.
#[utoipa::path(
    operation_id = "list_my_approvals",
    tag = "requests",
    params(ApprovalQuery),
    responses(
        (status = 200, description = "One page of requests", body = RequestPage),
        (status = 400, description = "A bad list, sort, limit or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/approvals")]
pub async fn list_my_approvals(
    state: web::Data<AppState>,
    actor: Actor,
    query: Query<ApprovalQuery>,
) -> ApiResult<HttpResponse> {
    let own = request_authz::own_requests(&actor);
    let list = query.0.list.unwrap_or_default();
    let page_query = PageQuery {
        limit: query.0.limit,
        cursor: query.0.cursor.clone(),
    };
    let page = match (query.0.sort.unwrap_or_default(), list) {
        (ApprovalSort::Newest, _) => {
            service::requests::list(&state, &own, OwnList::from(list), false, &page_query).await?
        }
        (ApprovalSort::DecideBy, ApprovalList::Pending) => {
            service::requests::list_pending_by_deadline(&state, &own, &page_query).await?
        }
        (ApprovalSort::DecideBy, ApprovalList::History) => {
            return Err(ApiError::BadRequest {
                field: Some("sort".into()),
                message: "decide_by orders only the pending list: decided requests have no \
                          deadline"
                    .into(),
            });
        }
    };
    Ok(HttpResponse::Ok().json(page))
}

/// Who may list everyone's requests: administrators all of them; the assignment managers
/// (and owners) of a catalog those of the catalog or package they name, or, naming none,
/// those of every catalog where they manage assignments.
async fn request_scope(
    state: &AppState,
    actor: &Actor,
    query: &RequestQuery,
) -> ApiResult<RequestScope> {
    if let Some(package) = query.access_package_id {
        let proof = authorize_package::<ManageAssignments>(state, actor, package).await?;
        Ok(RequestScope::Catalog(proof))
    } else if let Some(catalog) = query.catalog_id {
        let proof = authorize_catalog::<ManageAssignments>(state, actor, catalog).await?;
        Ok(RequestScope::Catalog(proof))
    } else if actor.is_admin {
        Ok(RequestScope::All(require_admin(actor)?))
    } else {
        let proof = authorize_catalogs::<ManageAssignments>(state, actor).await?;
        if proof.catalogs().is_empty() {
            return Err(ApiError::Forbidden(
                "Only administrators and the assignment managers of a catalog may list requests.",
            ));
        }
        Ok(RequestScope::Managed(proof))
    }
}

/// Everyone's requests, newest first, filtered by state, catalog, package, requester, target
/// and submission time: how a script finds stuck or failed requests. Administrators see all;
/// catalog owners, access package managers and assignment managers see their catalogs'.
#[utoipa::path(
    operation_id = "list_requests",
    tag = "requests",
    params(RequestQuery),
    responses(
        (status = 200, description = "One page of requests", body = RequestPage),
        (status = 400, description = "A bad filter, limit or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator nor a manager of the catalog", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such catalog or package that you may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/requests")]
pub async fn list_requests(
    state: web::Data<AppState>,
    actor: Actor,
    query: Query<RequestQuery>,
) -> ApiResult<HttpResponse> {
    let scope = request_scope(&state, &actor, &query.0).await?;
    let page = service::request_search::list_requests(&scope, &state, &query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// The requests the filters match as CSV (RFC 4180, a header row), newest first, at most
/// 10,000; when more match, `Tessera-Truncated: true` says so. The same callers as the list.
#[utoipa::path(
    operation_id = "export_requests",
    tag = "requests",
    params(RequestExportQuery),
    responses(
        (status = 200, description = "The requests as CSV", body = String, content_type = "text/csv",
            headers(("Tessera-Truncated" = String, description = "`true` when more requests matched than the export holds"))),
        (status = 400, description = "A bad filter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator nor a manager of the catalog", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such catalog or package that you may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/requests.csv")]
pub async fn export_requests(
    state: web::Data<AppState>,
    actor: Actor,
    query: Query<RequestExportQuery>,
) -> ApiResult<HttpResponse> {
    let query = RequestQuery::from(query.0);
    let scope = request_scope(&state, &actor, &query).await?;
    let export = service::request_search::export_requests(&scope, &state, &query).await?;
    let mut response = HttpResponse::Ok();
    response
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"requests.csv\"",
        ));
    if export.truncated {
        response.insert_header(("Tessera-Truncated", "true"));
    }
    Ok(response.body(export.csv))
}

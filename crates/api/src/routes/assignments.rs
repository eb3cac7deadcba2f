use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use tessera_domain::access::RequestView;
use tessera_domain::assignment::{
    AssignmentExportQuery, AssignmentPage, AssignmentQuery, AssignmentView, ConflictView,
    NewAssignment, RemoveAssignment, ReprocessQuery, ReprocessReport,
};
use tessera_domain::problem::Problem;
use tessera_domain::{AccessPackageId, AssignmentId};

use crate::auth::Actor;
use crate::auth::authz::catalog_permission::ManageAssignments;
use crate::auth::authz::{authorize_catalog, authorize_package, require_admin};
use crate::error::ApiResult;
use crate::extract::{Json, Query};
use crate::service;
use crate::service::assignments::{DirectAssignment, ListScope};
use crate::state::AppState;

/// Gives a person an access package under one of its policies (a direct assignment). The
/// policy must be enabled; when it requires approval, the assignment becomes a request that
/// waits for its approvers (202, the request). The person must be in its scope;
/// dates must fit its expiry (a later start schedules the assignment); answers must satisfy its
/// questions. Refused when the person already holds the package, or holds access it is
/// incompatible with (separation of duties, `separation_of_duties`). A delivered assignment
/// grants the package's resource roles at once. Catalog owners, access package managers,
/// assignment managers and administrators.
#[utoipa::path(
    operation_id = "create_assignment",
    tag = "assignments",
    params(("id" = AccessPackageId, Path, description = "The package's id")),
    request_body = NewAssignment,
    responses(
        (status = 201, description = "Assigned (delivered, or scheduled for a later start)", body = AssignmentView),
        (status = 202, description = "The policy requires approval: a request waits for its approvers", body = RequestView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your catalog role does not allow it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such package that you may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already assigned or requested, a separation-of-duties conflict, or a disabled policy; `code` says which", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, named in `errors`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/access-packages/{id}/assignments")]
pub async fn create_assignment(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<AccessPackageId>,
    input: Json<NewAssignment>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let proof = authorize_package::<ManageAssignments>(&state, &actor, id).await?;
    match service::assignments::create_assignment(&proof, &state, &actor, id, input.0).await? {
        DirectAssignment::Assigned(assignment) => Ok(HttpResponse::Created()
            .insert_header((
                header::LOCATION,
                format!("/api/v1/assignments/{}", assignment.id),
            ))
            .json(assignment)),
        DirectAssignment::AwaitingApproval(request) => Ok(HttpResponse::Accepted()
            .insert_header((header::LOCATION, format!("/api/v1/requests/{}", request.id)))
            .json(request)),
    }
}

/// Who may list: administrators everything; others must name a package or a catalog where
/// they manage assignments.
async fn list_scope(
    state: &AppState,
    actor: &Actor,
    query: &AssignmentQuery,
) -> ApiResult<ListScope> {
    if let Some(package) = query.access_package_id {
        let proof = authorize_package::<ManageAssignments>(state, actor, package).await?;
        Ok(ListScope::Catalog(proof))
    } else if let Some(catalog) = query.catalog_id {
        let proof = authorize_catalog::<ManageAssignments>(state, actor, catalog).await?;
        Ok(ListScope::Catalog(proof))
    } else {
        Ok(ListScope::All(require_admin(actor)?))
    }
}

/// Assignments, newest first, filtered by catalog, package, policy, person, state and end date
/// (`ends_after`, `ends_before`). Administrators may list all; catalog owners, access package
/// managers and assignment managers must filter by a catalog or package of theirs.
#[utoipa::path(
    operation_id = "list_assignments",
    tag = "assignments",
    params(AssignmentQuery),
    responses(
        (status = 200, description = "One page of assignments", body = AssignmentPage),
        (status = 400, description = "A bad filter, limit or cursor, named in `errors`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed to list these assignments", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such catalog or package that you may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/assignments")]
pub async fn list_assignments(
    state: web::Data<AppState>,
    actor: Actor,
    query: Query<AssignmentQuery>,
) -> ApiResult<HttpResponse> {
    let scope = list_scope(&state, &actor, &query.0).await?;
    let page = service::assignments::list_assignments(&scope, &state, &query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// The assignments the filters match as CSV (RFC 4180, a header row), newest first, at most
/// 10,000; when more match, `Tessera-Truncated: true` says so. The same callers as the list.
#[utoipa::path(
    operation_id = "export_assignments",
    tag = "assignments",
    params(AssignmentExportQuery),
    responses(
        (status = 200, description = "The assignments as CSV", body = String, content_type = "text/csv",
            headers(("Tessera-Truncated" = String, description = "`true` when more assignments matched than the export holds"))),
        (status = 400, description = "A bad filter, named in `errors`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed to list these assignments", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such catalog or package that you may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/assignments.csv")]
pub async fn export_assignments(
    state: web::Data<AppState>,
    actor: Actor,
    query: Query<AssignmentExportQuery>,
) -> ApiResult<HttpResponse> {
    let query = AssignmentQuery::from(query.0);
    let scope = list_scope(&state, &actor, &query).await?;
    let export = service::assignments::export_assignments(&scope, &state, &query).await?;
    let mut response = HttpResponse::Ok();
    response
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"assignments.csv\"",
        ));
    if export.truncated {
        response.insert_header(("Tessera-Truncated", "true"));
    }
    Ok(response.body(export.csv))
}

/// One assignment. Catalog owners, access package managers, assignment managers and
/// administrators.
#[utoipa::path(
    operation_id = "get_assignment",
    tag = "assignments",
    params(("id" = AssignmentId, Path, description = "The assignment's id")),
    responses(
        (status = 200, description = "The assignment", body = AssignmentView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your catalog role does not allow it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assignment that you may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/assignments/{id}")]
pub async fn get_assignment(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<AssignmentId>,
) -> ApiResult<HttpResponse> {
    let (_proof, row) =
        service::assignments::authorize_assignment(&state, &actor, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(service::assignments::get_assignment(&row)?))
}

/// Takes an active assignment away. The person loses the package's resource roles, except
/// those another of their delivered assignments grants. Catalog owners, access package
/// managers, assignment managers and administrators.
#[utoipa::path(
    operation_id = "remove_assignment",
    tag = "assignments",
    params(("id" = AssignmentId, Path, description = "The assignment's id")),
    request_body = RemoveAssignment,
    responses(
        (status = 200, description = "Removed", body = AssignmentView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your catalog role does not allow it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assignment that you may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The assignment has ended already, or changed meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, named in `errors`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/assignments/{id}/remove")]
pub async fn remove_assignment(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<AssignmentId>,
    input: Json<RemoveAssignment>,
) -> ApiResult<HttpResponse> {
    let (proof, row) =
        service::assignments::authorize_assignment(&state, &actor, id.into_inner()).await?;
    let removed =
        service::assignments::remove_assignment(&proof, &state, &actor, row, input.0).await?;
    Ok(HttpResponse::Ok().json(removed))
}

/// Separation of duties report: people with an active assignment of the package who also
/// hold access it is incompatible with (an active assignment of an incompatible package,
/// either way round, or membership of an incompatible group). Catalog owners, access package
/// managers, assignment managers and administrators.
#[utoipa::path(
    operation_id = "list_access_package_conflicts",
    tag = "assignments",
    params(("id" = AccessPackageId, Path, description = "The package's id")),
    responses(
        (status = 200, description = "One entry per person and conflicting access, by username", body = Vec<ConflictView>),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your catalog role does not allow it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such package that you may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/access-packages/{id}/conflicts")]
pub async fn list_access_package_conflicts(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<AccessPackageId>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let proof = authorize_package::<ManageAssignments>(&state, &actor, id).await?;
    let conflicts = service::conflicts::list_conflicts(&proof, &state, id).await?;
    Ok(HttpResponse::Ok().json(conflicts))
}

/// The separation of duties report as CSV (RFC 4180, a header row). The same callers as the
/// report.
#[utoipa::path(
    operation_id = "export_access_package_conflicts",
    tag = "assignments",
    params(("id" = AccessPackageId, Path, description = "The package's id")),
    responses(
        (status = 200, description = "The report as CSV", body = String, content_type = "text/csv"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your catalog role does not allow it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such package that you may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/access-packages/{id}/conflicts.csv")]
pub async fn export_access_package_conflicts(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<AccessPackageId>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let proof = authorize_package::<ManageAssignments>(&state, &actor, id).await?;
    let csv = service::conflicts::export_conflicts(&proof, &state, id).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"conflicts.csv\"",
        ))
        .body(csv))
}

/// Reprocesses an assignment: the directory rows its package's resource roles call for are
/// compared with the directory, and those missing (changed by hand) are put back; if the
/// assignment has ended, the rows it granted that nothing else grants are taken away. Answers
/// the difference found, audited as `assignment.reprocess`; with `dry_run=true` only reports
/// it. Catalog owners, access package managers, assignment managers and administrators.
#[utoipa::path(
    operation_id = "reprocess_assignment",
    tag = "assignments",
    params(("id" = AssignmentId, Path, description = "The assignment's id"), ReprocessQuery),
    responses(
        (status = 200, description = "The difference found (and, unless a dry run, put right)", body = ReprocessReport),
        (status = 400, description = "A bad query, named in `errors`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your catalog role does not allow it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assignment that you may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/assignments/{id}/reprocess")]
pub async fn reprocess_assignment(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<AssignmentId>,
    query: Query<ReprocessQuery>,
) -> ApiResult<HttpResponse> {
    let (proof, row) =
        service::assignments::authorize_assignment(&state, &actor, id.into_inner()).await?;
    let report =
        service::reprocess::reprocess_assignment(&proof, &state, &actor, &row, &query.0).await?;
    Ok(HttpResponse::Ok().json(report))
}

/// Reprocesses every assignment of a package: the directory rows its delivered assignments
/// call for are put back where missing, and rows its ended assignments granted that nothing
/// else grants are taken away. Answers the difference found, audited as `package.reprocess`;
/// with `dry_run=true` only reports it. Catalog owners, access package managers, assignment
/// managers and administrators.
#[utoipa::path(
    operation_id = "reprocess_access_package",
    tag = "assignments",
    params(("id" = AccessPackageId, Path, description = "The package's id"), ReprocessQuery),
    responses(
        (status = 200, description = "The difference found (and, unless a dry run, put right)", body = ReprocessReport),
        (status = 400, description = "A bad query, named in `errors`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your catalog role does not allow it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such package that you may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/access-packages/{id}/reprocess")]
pub async fn reprocess_access_package(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<AccessPackageId>,
    query: Query<ReprocessQuery>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let proof = authorize_package::<ManageAssignments>(&state, &actor, id).await?;
    let report =
        service::reprocess::reprocess_package(&proof, &state, &actor, id, &query.0).await?;
    Ok(HttpResponse::Ok().json(report))
}

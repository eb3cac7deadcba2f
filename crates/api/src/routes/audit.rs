use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use tessera_domain::audit::{AuditExportQuery, AuditPage, AuditQuery};
use tessera_domain::problem::Problem;

use crate::auth::Actor;
use crate::auth::authz::require_admin;
use crate::error::ApiResult;
use crate::extract::Query;
use crate::service;
use crate::state::AppState;

/// The audit trail, newest first: every administrative change with who made it, when, and the
/// object before and after. Administrators only.
#[utoipa::path(
    operation_id = "list_audit_events",
    tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, description = "One page of events, newest first", body = AuditPage),
        (status = 400, description = "A bad filter, limit or cursor, named in `errors`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit-events")]
pub async fn list_audit_events(
    state: web::Data<AppState>,
    actor: Actor,
    query: Query<AuditQuery>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let page = service::audit::list_events(&proof, &state, &query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// The audit events the filters match as CSV (RFC 4180, a header row), newest first, at most
/// 10,000 of them; when more match, the `Tessera-Truncated: true` header says so and an
/// earlier `until` reaches the rest. Cells a spreadsheet would run as a formula start with a
/// single quote. Administrators only.
#[utoipa::path(
    operation_id = "export_audit_events",
    tag = "audit",
    params(AuditExportQuery),
    responses(
        (status = 200, description = "The events as CSV", body = String, content_type = "text/csv",
            headers(("Tessera-Truncated" = String, description = "`true` when more events matched than the export holds"))),
        (status = 400, description = "A bad filter, named in `errors`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit-events.csv")]
pub async fn export_audit_events(
    state: web::Data<AppState>,
    actor: Actor,
    query: Query<AuditExportQuery>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let export = service::audit::export_events(&proof, &state, &query.0).await?;
    let mut response = HttpResponse::Ok();
    response
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"audit-events.csv\"",
        ));
    if export.truncated {
        response.insert_header(("Tessera-Truncated", "true"));
    }
    Ok(response.body(export.csv))
}

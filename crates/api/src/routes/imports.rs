//! Bulk import of the directory. Administrators only.

use actix_web::{HttpResponse, post, web};
use tessera_domain::directory::{ImportDocument, ImportReport};
use tessera_domain::problem::Problem;

use crate::auth::Actor;
use crate::auth::authz::require_admin;
use crate::error::{ApiError, ApiResult};
use crate::extract::RawBody;
use crate::service;
use crate::service::imports::ImportFormat;
use crate::state::AppState;

/// Imports users, groups, memberships and applications from a JSON document or a CSV file.
///
/// Users are matched by username, groups and applications by name regardless of case: a row
/// creates what is missing, updates what differs and leaves the rest, so importing the same
/// file twice changes nothing the second time. Each row is applied on its own, with its audit
/// events; a refused row is reported with its reason (and field) and the others go on.
/// Imported users get no password: they cannot sign in until an administrator sets one up.
///
/// CSV (`text/csv`): a header row, then one row per line with a `type` column of `user`,
/// `group`, `membership` or `application`. Columns: `type`, `username`, `display_name`,
/// `email`, `kind`, `department`, `manager` (a username), `attributes` (`key=value;key=value`),
/// `name`, `description`, `group`, `role` (`member` or `owner`), `roles` (app role names
/// separated by `;`). Users read `username`, `display_name`, `email`, `kind`, `department`,
/// `manager`, `attributes`; groups `name`, `description`; memberships `group`, `username`,
/// `role`; applications `name`, `description`, `roles`. Empty cells are absent fields. Rows
/// are numbered by line.
#[utoipa::path(
    operation_id = "import_directory",
    tag = "directory",
    request_body(content(
        (ImportDocument = "application/json"),
        (String = "text/csv"),
    )),
    responses(
        (status = 200, description = "What was created, updated, left unchanged and refused", body = ImportReport),
        (status = 400, description = "The body is not valid JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The file is larger than the body limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither JSON nor CSV", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The file as a whole cannot be read (unknown section or column)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/directory/imports")]
pub async fn import_directory(
    state: web::Data<AppState>,
    actor: Actor,
    body: RawBody,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let format = match body.media_type.as_str() {
        "application/json" => ImportFormat::Json,
        "text/csv" => ImportFormat::Csv,
        _ => return Err(ApiError::UnsupportedMediaType),
    };
    let report =
        service::imports::import_as_admin(&proof, &state, &actor, format, &body.bytes).await?;
    Ok(HttpResponse::Ok().json(report))
}

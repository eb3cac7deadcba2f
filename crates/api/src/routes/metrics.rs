//! `/metrics`: the process's Prometheus metrics (see `crate::metrics`).
//!
//! On the main port they are for administrators' and service accounts' API tokens. When
//! `metrics.listen` names an address of their own, they are served there to whoever reaches
//! it, and the main port answers 404.

use actix_web::{HttpResponse, get, web};
use tessera_domain::problem::Problem;

use crate::auth::Actor;
use crate::auth::authz::{self, MetricsReaderProof};
use crate::error::{ApiError, ApiResult};
use crate::metrics::CONTENT_TYPE;
use crate::state::AppState;

/// The process's metrics, in the Prometheus text format.
///
/// Requests by route pattern and status with latency histograms, the database pool, scheduled
/// jobs' lag, outboxes' backlogs, refused sign-ins and the build (docs/CONFIGURATION.md lists
/// them). On the main port for administrators' and service accounts' API tokens; 404 when
/// `metrics.listen` serves them on an address of their own.
#[utoipa::path(
    operation_id = "get_metrics",
    tag = "operations",
    responses(
        (status = 200, description = "The metrics (Prometheus text format 0.0.4)", body = String, content_type = "text/plain; version=0.0.4"),
        (status = 401, description = "No Bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator's or a service account's API token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The metrics are served on their own address (`metrics.listen`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/metrics")]
pub async fn get_metrics(
    state: web::Data<AppState>,
    actor: Result<Actor, ApiError>,
) -> ApiResult<HttpResponse> {
    if state.settings.metrics.listen.is_some() {
        return Err(ApiError::NoRoute);
    }
    let proof = authz::may_read_metrics(&actor?)?;
    scrape(&state, &proof).await
}

/// `/metrics` on the address of `metrics.listen`, which the operator keeps to their
/// monitoring: no authentication.
pub async fn get_metrics_on_metrics_address(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    scrape(&state, &authz::on_metrics_address()).await
}

async fn scrape(state: &AppState, _proof: &MetricsReaderProof) -> ApiResult<HttpResponse> {
    let text = state.metrics.scrape(state).await.map_err(|err| {
        tracing::error!(error = %err, "cannot gather the metrics");
        ApiError::Internal
    })?;
    Ok(HttpResponse::Ok().content_type(CONTENT_TYPE).body(text))
}

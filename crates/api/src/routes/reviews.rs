use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, post, put, web};
use tessera_domain::page::PageQuery;
use tessera_domain::problem::Problem;
use tessera_domain::review::{
    AcceptRecommendationsInput, BulkDecisionInput, DecisionInput, PersonReviewItemPage,
    PolicyReviewInput, ReminderSent, ReviewDefinitionInput, ReviewDefinitionPage,
    ReviewDefinitionView, ReviewInstancePage, ReviewInstanceView, ReviewItemPage, ReviewItemQuery,
    ReviewItemView, ReviewResultsQuery,
};
use tessera_domain::{
    AccessPackageId, PolicyId, ReviewDefinitionId, ReviewInstanceId, ReviewItemId, UserId,
};

use crate::auth::Actor;
use crate::auth::authz::catalog_permission::{ManagePackages, Read};
use crate::auth::authz::{authorize_package, require_admin};
use crate::auth::review_authz::{self, InstanceAction, manage_instance};
use crate::error::ApiResult;
use crate::extract::{Json, Query};
use crate::service;
use crate::service::reviews::ItemOutcome;
use crate::state::AppState;

/// Creates an access review definition: what is reviewed (groups' members, applications'
/// assignees, or an access package's assignments), by whom, in up to three stages, when (once
/// or recurring), and with which settings. One instance per reviewed resource starts at each
/// occurrence. Administrators; catalog owners for reviews of their catalogs' packages.
#[utoipa::path(
    operation_id = "create_access_review",
    tag = "access reviews",
    request_body = ReviewDefinitionInput,
    responses(
        (status = 201, description = "Created", body = ReviewDefinitionView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed to manage this review", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such access package that you may see", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, named in `errors` by JSON path", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/access-reviews")]
pub async fn create_access_review(
    state: web::Data<AppState>,
    actor: Actor,
    input: Json<ReviewDefinitionInput>,
) -> ApiResult<HttpResponse> {
    let author = review_authz::may_write_review(&state, &actor, &input.0).await?;
    let view = service::reviews::create_definition(&state, &author, input.0).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/access-reviews/{}", view.id),
        ))
        .json(view))
}

/// The review definitions the caller manages, newest first: all for administrators; those of
/// their catalogs' packages for catalog owners.
#[utoipa::path(
    operation_id = "list_access_reviews",
    tag = "access reviews",
    params(PageQuery),
    responses(
        (status = 200, description = "One page of definitions", body = ReviewDefinitionPage),
        (status = 400, description = "A bad limit or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/access-reviews")]
pub async fn list_access_reviews(
    state: web::Data<AppState>,
    actor: Actor,
    query: Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let reader = review_authz::read_definitions(&actor);
    let page = service::reviews::list_definitions(&state, &reader, &query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// One review definition, with when its next occurrence starts.
#[utoipa::path(
    operation_id = "get_access_review",
    tag = "access reviews",
    params(("id" = ReviewDefinitionId, Path, description = "The definition's id")),
    responses(
        (status = 200, description = "The definition", body = ReviewDefinitionView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed to manage this review", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such review that you manage", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/access-reviews/{id}")]
pub async fn get_access_review(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<ReviewDefinitionId>,
) -> ApiResult<HttpResponse> {
    let manager = review_authz::manage_definition(&state, &actor, id.into_inner()).await?;
    let view = service::reviews::get_definition(&manager)?;
    Ok(HttpResponse::Ok().json(view))
}

/// Replaces a review definition. Instances already planned keep the settings they started
/// with; the change applies from the next occurrence. A series that has started keeps its
/// first start.
#[utoipa::path(
    operation_id = "replace_access_review",
    tag = "access reviews",
    params(("id" = ReviewDefinitionId, Path, description = "The definition's id")),
    request_body = ReviewDefinitionInput,
    responses(
        (status = 200, description = "Replaced", body = ReviewDefinitionView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed to manage this review", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such review that you manage", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Changed meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, named in `errors` by JSON path", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/access-reviews/{id}")]
pub async fn replace_access_review(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<ReviewDefinitionId>,
    input: Json<ReviewDefinitionInput>,
) -> ApiResult<HttpResponse> {
    let manager = review_authz::manage_definition(&state, &actor, id.into_inner()).await?;
    let author = review_authz::may_write_review(&state, &actor, &input.0).await?;
    let view = service::reviews::replace_definition(&state, &manager, &author, input.0).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Deletes a review definition with its instances and their results (the audit trail keeps
/// the decisions).
#[utoipa::path(
    operation_id = "delete_access_review",
    tag = "access reviews",
    params(("id" = ReviewDefinitionId, Path, description = "The definition's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed to manage this review", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such review that you manage", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/access-reviews/{id}")]
pub async fn delete_access_review(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<ReviewDefinitionId>,
) -> ApiResult<HttpResponse> {
    let manager = review_authz::manage_definition(&state, &actor, id.into_inner()).await?;
    service::reviews::delete_definition(&state, &manager).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The history of a definition: its instances, newest first, with their progress.
#[utoipa::path(
    operation_id = "list_access_review_instances",
    tag = "access reviews",
    params(("id" = ReviewDefinitionId, Path, description = "The definition's id"), PageQuery),
    responses(
        (status = 200, description = "One page of instances", body = ReviewInstancePage),
        (status = 400, description = "A bad limit or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed to manage this review", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such review that you manage", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/access-reviews/{id}/instances")]
pub async fn list_access_review_instances(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<ReviewDefinitionId>,
    query: Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let manager = review_authz::manage_definition(&state, &actor, id.into_inner()).await?;
    let page = service::reviews::list_instances(&state, &manager, &query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// The access reviews waiting for the caller: in-progress instances where they review people
/// in the current stage, with the due date and progress.
#[utoipa::path(
    operation_id = "list_my_access_reviews",
    tag = "access reviews",
    params(PageQuery),
    responses(
        (status = 200, description = "One page of instances", body = ReviewInstancePage),
        (status = 400, description = "A bad limit or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/access-reviews")]
pub async fn list_my_access_reviews(
    state: web::Data<AppState>,
    actor: Actor,
    query: Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let own = review_authz::own_reviews(&actor);
    let page = service::reviews::list_own_instances(&state, &own, &query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// One instance with its progress. Those who manage the review, and its reviewers.
#[utoipa::path(
    operation_id = "get_access_review_instance",
    tag = "access reviews",
    params(("id" = ReviewInstanceId, Path, description = "The instance's id")),
    responses(
        (status = 200, description = "The instance", body = ReviewInstanceView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such instance that you may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/access-review-instances/{id}")]
pub async fn get_access_review_instance(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<ReviewInstanceId>,
) -> ApiResult<HttpResponse> {
    let reader = review_authz::read_instance(&state, &actor, id.into_inner()).await?;
    let view = service::reviews::get_instance(&state, &reader).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// An instance's items by person: a reviewer's own items in the current stage (`mine`), or,
/// for those who manage the review, every item (the results), filtered by outcome and name.
#[utoipa::path(
    operation_id = "list_access_review_items",
    tag = "access reviews",
    params(("id" = ReviewInstanceId, Path, description = "The instance's id"), ReviewItemQuery),
    responses(
        (status = 200, description = "One page of items", body = ReviewItemPage),
        (status = 400, description = "A bad filter, limit or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A reviewer asking for every item", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such instance that you may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/access-review-instances/{id}/items")]
pub async fn list_access_review_items(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<ReviewInstanceId>,
    query: Query<ReviewItemQuery>,
) -> ApiResult<HttpResponse> {
    let reader = review_authz::read_instance(&state, &actor, id.into_inner()).await?;
    let page = service::reviews::list_items(&state, &reader, &query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// The access review items about one person, newest first: each with its review, the
/// decisions made so far and the outcome. Administrators only.
#[utoipa::path(
    operation_id = "list_user_access_review_items",
    tag = "access reviews",
    params(("id" = UserId, Path, description = "The person's id"), PageQuery),
    responses(
        (status = 200, description = "One page of items, newest first", body = PersonReviewItemPage),
        (status = 400, description = "A bad limit or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users/{id}/access-review-items")]
pub async fn list_user_access_review_items(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<UserId>,
    query: Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let page =
        service::reviews::list_items_of_person(&proof, &state, id.into_inner(), &query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// An instance's results as CSV (RFC 4180, a header row): one row per person with the
/// outcome, who decided, why, the recommendation and what applying did; filtered like the
/// item list.
#[utoipa::path(
    operation_id = "export_access_review_results",
    tag = "access reviews",
    params(("id" = ReviewInstanceId, Path, description = "The instance's id"), ReviewResultsQuery),
    responses(
        (status = 200, description = "The results as CSV", body = String, content_type = "text/csv"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed to manage this review", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such instance that you may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/access-review-instances/{id}/results.csv")]
pub async fn export_access_review_results(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<ReviewInstanceId>,
    query: Query<ReviewResultsQuery>,
) -> ApiResult<HttpResponse> {
    let manager = manage_instance(&state, &actor, id.into_inner(), InstanceAction::Export).await?;
    let csv = service::reviews::export_results(&state, &manager, &query.0).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"review-results.csv\"",
        ))
        .body(csv))
}

/// Ends an instance early: undecided items follow the no-response rule; with automatic
/// apply, the results apply at once. Those who manage the review.
#[utoipa::path(
    operation_id = "stop_access_review_instance",
    tag = "access reviews",
    params(("id" = ReviewInstanceId, Path, description = "The instance's id")),
    responses(
        (status = 200, description = "Stopped", body = ReviewInstanceView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed to manage this review", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such instance that you may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not in progress, or changed meanwhile", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/access-review-instances/{id}/stop")]
pub async fn stop_access_review_instance(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<ReviewInstanceId>,
) -> ApiResult<HttpResponse> {
    let manager = manage_instance(&state, &actor, id.into_inner(), InstanceAction::Stop).await?;
    let view = service::reviews::stop_instance(&state, &manager).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Stops every instance of the definition still in progress, as stopping each would: undecided
/// items follow the no-response rule; with automatic apply, the results apply at once. Those
/// who manage the review.
#[utoipa::path(
    operation_id = "stop_access_review",
    tag = "access reviews",
    params(("id" = ReviewDefinitionId, Path, description = "The definition's id")),
    responses(
        (status = 200, description = "The instances stopped (none when nothing was in progress)", body = [ReviewInstanceView]),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed to manage this review", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such review that you manage", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "An instance changed meanwhile", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/access-reviews/{id}/stop")]
pub async fn stop_access_review(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<ReviewDefinitionId>,
) -> ApiResult<HttpResponse> {
    let manager = review_authz::manage_definition(&state, &actor, id.into_inner()).await?;
    let stopped = service::reviews::stop_definition(&state, &manager).await?;
    Ok(HttpResponse::Ok().json(stopped))
}

/// Sends a reminder now, through the notifications, to every reviewer with undecided items in
/// the current stage, whatever the reminder setting (the halfway reminder still comes). Those
/// who manage the review.
#[utoipa::path(
    operation_id = "remind_access_review_instance",
    tag = "access reviews",
    params(("id" = ReviewInstanceId, Path, description = "The instance's id")),
    responses(
        (status = 200, description = "Who was reminded", body = ReminderSent),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed to manage this review", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such instance that you may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not in progress, the stage is over, or changed meanwhile", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/access-review-instances/{id}/remind")]
pub async fn remind_access_review_instance(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<ReviewInstanceId>,
) -> ApiResult<HttpResponse> {
    let manager = manage_instance(&state, &actor, id.into_inner(), InstanceAction::Remind).await?;
    let sent = service::reviews::remind_now(&state, &manager).await?;
    Ok(HttpResponse::Ok().json(sent))
}

/// Clears the decisions made in the current stage of a running instance: its items are
/// undecided again and their reviewers decide anew. Earlier stages keep theirs. Those who
/// manage the review.
#[utoipa::path(
    operation_id = "reset_access_review_instance",
    tag = "access reviews",
    params(("id" = ReviewInstanceId, Path, description = "The instance's id")),
    responses(
        (status = 200, description = "Reset", body = ReviewInstanceView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed to manage this review", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such instance that you may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not in progress, the stage is over, or changed meanwhile", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/access-review-instances/{id}/reset")]
pub async fn reset_access_review_instance(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<ReviewInstanceId>,
) -> ApiResult<HttpResponse> {
    let manager = manage_instance(&state, &actor, id.into_inner(), InstanceAction::Reset).await?;
    let view = service::reviews::reset_decisions(&state, &manager).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Applies a completed instance's results: denied people lose the access reviewed (a role
/// still granted by another assignment stays), and each item records what happened. Those who
/// manage the review.
#[utoipa::path(
    operation_id = "apply_access_review_instance",
    tag = "access reviews",
    params(("id" = ReviewInstanceId, Path, description = "The instance's id")),
    responses(
        (status = 200, description = "Applied", body = ReviewInstanceView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed to manage this review", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such instance that you may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not completed, or applied already", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/access-review-instances/{id}/apply")]
pub async fn apply_access_review_instance(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<ReviewInstanceId>,
) -> ApiResult<HttpResponse> {
    let manager = manage_instance(&state, &actor, id.into_inner(), InstanceAction::Apply).await?;
    let view = service::reviews::apply_results(&state, &manager).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Decides one item, or changes the decision, while its stage runs: approve, deny or don't
/// know (in a self-review: approve to keep, deny to give up). Only the item's reviewers in the
/// current stage; never one's own access outside a self-review.
#[utoipa::path(
    operation_id = "decide_access_review_item",
    tag = "access reviews",
    params(("id" = ReviewItemId, Path, description = "The item's id")),
    request_body = DecisionInput,
    responses(
        (status = 200, description = "Decided", body = ReviewItemView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a reviewer of this item now, or one's own access", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item that you may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The stage ended, or the review moved on meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A justification is required, or an answer a self-review does not take", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/access-review-items/{id}/decision")]
pub async fn decide_access_review_item(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<ReviewItemId>,
    input: Json<DecisionInput>,
) -> ApiResult<HttpResponse> {
    let reviewer = review_authz::review_item(&state, &actor, id.into_inner()).await?;
    let view = service::reviews::decide(&state, &reviewer, input.0).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// One verdict for several of the caller's items; each is decided or refused on its own.
#[utoipa::path(
    operation_id = "decide_access_review_items",
    tag = "access reviews",
    params(("id" = ReviewInstanceId, Path, description = "The instance's id")),
    request_body = BulkDecisionInput,
    responses(
        (status = 200, description = "What happened to each item", body = Vec<ItemOutcome>),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such instance that you may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The stage ended, or the review moved on meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No items, too many, or a justification is required", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/access-review-instances/{id}/decisions")]
pub async fn decide_access_review_items(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<ReviewInstanceId>,
    input: Json<BulkDecisionInput>,
) -> ApiResult<HttpResponse> {
    let reader = review_authz::read_instance(&state, &actor, id.into_inner()).await?;
    let outcomes = service::reviews::decide_many(&state, &reader, input.0).await?;
    Ok(HttpResponse::Ok().json(outcomes))
}

/// Accepts the recommendation for the given items, or for every item the caller has not
/// decided yet in the current stage.
#[utoipa::path(
    operation_id = "accept_access_review_recommendations",
    tag = "access reviews",
    params(("id" = ReviewInstanceId, Path, description = "The instance's id")),
    request_body = AcceptRecommendationsInput,
    responses(
        (status = 200, description = "What happened to each item", body = Vec<ItemOutcome>),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such instance that you may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The stage ended, or the review moved on meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No items, or too many", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/access-review-instances/{id}/accept-recommendations")]
pub async fn accept_access_review_recommendations(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<ReviewInstanceId>,
    input: Json<AcceptRecommendationsInput>,
) -> ApiResult<HttpResponse> {
    let reader = review_authz::read_instance(&state, &actor, id.into_inner()).await?;
    let outcomes = service::reviews::accept_recommendations(&state, &reader, input.0).await?;
    Ok(HttpResponse::Ok().json(outcomes))
}

/// The access review a policy carries for its own assignments, if it carries one. Anyone with
/// a role in the package's catalog, and administrators.
#[utoipa::path(
    operation_id = "get_policy_access_review",
    tag = "access reviews",
    params(
        ("id" = AccessPackageId, Path, description = "The package's id"),
        ("policy_id" = PolicyId, Path, description = "The policy's id"),
    ),
    responses(
        (status = 200, description = "The review definition the policy carries", body = ReviewDefinitionView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such package or policy that you may see, or the policy carries no review", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/access-packages/{id}/policies/{policy_id}/access-review")]
pub async fn get_policy_access_review(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(AccessPackageId, PolicyId)>,
) -> ApiResult<HttpResponse> {
    let (package, policy) = path.into_inner();
    let proof = authorize_package::<Read>(&state, &actor, package).await?;
    let view = service::reviews::get_policy_review(&proof, &state, package, policy).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Sets the access review a policy carries: a review of the people holding the package under
/// this policy, with the given reviewers, stages, schedule and settings. Creates it, or replaces
/// it (occurrences already started are kept). It goes with the policy when the policy is
/// deleted. Catalog owners, access package managers and administrators.
#[utoipa::path(
    operation_id = "put_policy_access_review",
    tag = "access reviews",
    params(
        ("id" = AccessPackageId, Path, description = "The package's id"),
        ("policy_id" = PolicyId, Path, description = "The policy's id"),
    ),
    request_body = PolicyReviewInput,
    responses(
        (status = 200, description = "The review definition the policy carries", body = ReviewDefinitionView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your catalog role does not allow it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such package or policy that you may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Changed meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, named in `errors` by JSON path", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/access-packages/{id}/policies/{policy_id}/access-review")]
pub async fn put_policy_access_review(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(AccessPackageId, PolicyId)>,
    input: Json<PolicyReviewInput>,
) -> ApiResult<HttpResponse> {
    let (package, policy) = path.into_inner();
    let proof = authorize_package::<ManagePackages>(&state, &actor, package).await?;
    let view =
        service::reviews::put_policy_review(&proof, &state, &actor, package, policy, input.0)
            .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Removes the access review a policy carries, with its instances and results.
#[utoipa::path(
    operation_id = "delete_policy_access_review",
    tag = "access reviews",
    params(
        ("id" = AccessPackageId, Path, description = "The package's id"),
        ("policy_id" = PolicyId, Path, description = "The policy's id"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your catalog role does not allow it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such package or policy that you may see, or the policy carries no review", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/access-packages/{id}/policies/{policy_id}/access-review")]
pub async fn delete_policy_access_review(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(AccessPackageId, PolicyId)>,
) -> ApiResult<HttpResponse> {
    let (package, policy) = path.into_inner();
    let proof = authorize_package::<ManagePackages>(&state, &actor, package).await?;
    service::reviews::delete_policy_review(&proof, &state, &actor, package, policy).await?;
    Ok(HttpResponse::NoContent().finish())
}

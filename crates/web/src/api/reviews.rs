//! `/api/v1/access-reviews` and what hangs off it: review definitions and their instances for
//! those who manage them (administrators, and catalog owners for reviews of their packages),
//! and the items reviewers decide.

use tessera_domain::page::PageQuery;
use tessera_domain::review::{
    AcceptRecommendationsInput, BulkDecisionInput, DecisionInput, ItemOutcome,
    ReviewDefinitionInput, ReviewDefinitionPage, ReviewDefinitionView, ReviewInstancePage,
    ReviewInstanceView, ReviewItemPage, ReviewItemView,
};
use tessera_domain::{ReviewDefinitionId, ReviewInstanceId, ReviewItemId};

use super::ApiError;
use super::client::{self, Write};
use crate::reviews::ItemQuery;

fn paged(page: &PageQuery) -> Vec<(&'static str, String)> {
    vec![
        (
            "limit",
            page.limit.map(|l| l.to_string()).unwrap_or_default(),
        ),
        ("cursor", page.cursor.clone().unwrap_or_default()),
    ]
}

/// `GET /api/v1/access-reviews`: the definitions the caller manages, newest first.
pub async fn definitions(page: &PageQuery) -> Result<ReviewDefinitionPage, ApiError> {
    client::get("/access-reviews", Some(page)).await
}

/// `POST /api/v1/access-reviews`.
pub async fn create(input: &ReviewDefinitionInput) -> Result<ReviewDefinitionView, ApiError> {
    client::write(Write::Post, "/access-reviews", input).await
}

/// `GET /api/v1/access-reviews/{id}`.
pub async fn definition(id: ReviewDefinitionId) -> Result<ReviewDefinitionView, ApiError> {
    client::get(&format!("/access-reviews/{id}"), None).await
}

/// `PUT /api/v1/access-reviews/{id}`.
pub async fn replace(
    id: ReviewDefinitionId,
    input: &ReviewDefinitionInput,
) -> Result<ReviewDefinitionView, ApiError> {
    client::write(Write::Put, &format!("/access-reviews/{id}"), input).await
}

/// `DELETE /api/v1/access-reviews/{id}`.
pub async fn delete(id: ReviewDefinitionId) -> Result<(), ApiError> {
    client::delete(&format!("/access-reviews/{id}")).await
}

/// `GET /api/v1/access-reviews/{id}/instances`: its instances, newest first.
pub async fn instances(
    id: ReviewDefinitionId,
    page: &PageQuery,
) -> Result<ReviewInstancePage, ApiError> {
    client::get(&format!("/access-reviews/{id}/instances"), Some(page)).await
}

/// `GET /api/v1/me/access-reviews`: the reviews in progress where the caller reviews items.
pub async fn mine(page: &PageQuery) -> Result<ReviewInstancePage, ApiError> {
    client::get("/me/access-reviews", Some(page)).await
}

/// `GET /api/v1/access-review-instances/{id}`, with its progress.
pub async fn instance(id: ReviewInstanceId) -> Result<ReviewInstanceView, ApiError> {
    client::get(&format!("/access-review-instances/{id}"), None).await
}

/// `GET /api/v1/access-review-instances/{id}/items?mine=&outcome=&q=&limit=&cursor=`, by the
/// reviewed person's username. The CSV of the same filters is a plain link: see
/// [`crate::reviews::results_csv_href`].
pub async fn items(
    id: ReviewInstanceId,
    query: &ItemQuery,
    page: &PageQuery,
) -> Result<ReviewItemPage, ApiError> {
    let mut pairs = query.pairs();
    pairs.extend(paged(page));
    client::get_with(&format!("/access-review-instances/{id}/items"), &pairs).await
}

/// `POST /api/v1/access-review-instances/{id}/stop`.
pub async fn stop(id: ReviewInstanceId) -> Result<ReviewInstanceView, ApiError> {
    client::write(
        Write::Post,
        &format!("/access-review-instances/{id}/stop"),
        &serde_json::json!({}),
    )
    .await
}

/// `POST /api/v1/access-review-instances/{id}/apply`.
pub async fn apply(id: ReviewInstanceId) -> Result<ReviewInstanceView, ApiError> {
    client::write(
        Write::Post,
        &format!("/access-review-instances/{id}/apply"),
        &serde_json::json!({}),
    )
    .await
}

/// `POST /api/v1/access-review-items/{id}/decision`: decides one item, or changes the
/// decision while the stage runs.
pub async fn decide(id: ReviewItemId, input: &DecisionInput) -> Result<ReviewItemView, ApiError> {
    client::write(
        Write::Post,
        &format!("/access-review-items/{id}/decision"),
        input,
    )
    .await
}

/// `POST /api/v1/access-review-instances/{id}/decisions`: one verdict for several items, each
/// decided or refused on its own.
pub async fn decide_many(
    id: ReviewInstanceId,
    input: &BulkDecisionInput,
) -> Result<Vec<ItemOutcome>, ApiError> {
    client::write(
        Write::Post,
        &format!("/access-review-instances/{id}/decisions"),
        input,
    )
    .await
}

/// `POST /api/v1/access-review-instances/{id}/accept-recommendations`.
pub async fn accept_recommendations(
    id: ReviewInstanceId,
    input: &AcceptRecommendationsInput,
) -> Result<Vec<ItemOutcome>, ApiError> {
    client::write(
        Write::Post,
        &format!("/access-review-instances/{id}/accept-recommendations"),
        input,
    )
    .await
}

/// `GET /api/v1/users/{id}/access-review-items`: the review items about one person, newest
/// first (administrators).
pub async fn items_about(
    user: tessera_domain::UserId,
    page: &PageQuery,
) -> Result<tessera_domain::review::PersonReviewItemPage, ApiError> {
    client::get(&format!("/users/{user}/access-review-items"), Some(page)).await
}

//! An instance's results as CSV.

use std::collections::{BTreeMap, BTreeSet};

use tessera_domain::assignment::Justification;
use tessera_domain::review::{self, ReviewItem};
use uuid::Uuid;

use super::records::{item_of, outcome_of};
use crate::auth::review_authz::InstanceManager;
use crate::error::ApiResult;
use crate::service::page::parse_search;
use crate::state::AppState;
use crate::store;
use crate::store::reviews::ItemFilter;

const RESULTS_CSV_HEADER: [&str; 10] = [
    "item_id",
    "user_id",
    "username",
    "display_name",
    "outcome",
    "decided_by",
    "justification",
    "recommendation",
    "applied",
    "outcome_source",
];

/// Where an item's outcome came from, for the results CSV: `reviewer` (a reviewer chose it),
/// `recommendation` (a reviewer accepted the recommendation), `no_response_rule` (nobody
/// decided in the last stage and the review's rule did), or empty while nobody has decided.
fn outcome_source(item: &ReviewItem) -> &'static str {
    if let Some(final_outcome) = item.final_outcome()
        && let review::OutcomeBasis::NoResponse { .. } = final_outcome.basis
    {
        return "no_response_rule";
    }
    match item.last_stage().and_then(|stage| stage.decision.as_ref()) {
        Some(decision) => match decision.source {
            review::DecisionSource::Reviewer => "reviewer",
            review::DecisionSource::Recommendation => "recommendation",
        },
        None => "",
    }
}

/// An instance's results as CSV: one row per person, for its managers.
pub async fn export_results(
    state: &AppState,
    manager: &InstanceManager,
    query: &review::ReviewResultsQuery,
) -> ApiResult<Vec<u8>> {
    let row = manager.row();
    let filter = ItemFilter {
        reviewer: None,
        outcome: query.outcome.map(|outcome| outcome.as_str()),
        search: parse_search(query.q.as_deref())?.map(str::to_lowercase),
        ids: None,
    };
    let rows = store::reviews::list_items(&state.db, row.id, &filter, None, None).await?;
    let items = rows.iter().map(item_of).collect::<ApiResult<Vec<_>>>()?;
    let names: BTreeMap<Uuid, String> = {
        let deciders: Vec<Uuid> = items
            .iter()
            .filter_map(|item| {
                item.last_stage()?
                    .decision
                    .as_ref()
                    .map(|d| *d.by.as_uuid())
            })
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        store::users::find_people(&state.db, &deciders)
            .await?
            .into_iter()
            .map(|row| (row.id, row.username))
            .collect()
    };
    let records = rows.iter().zip(items.iter()).map(|(row, item)| {
        let decision = item.last_stage().and_then(|stage| stage.decision.clone());
        vec![
            row.id.to_string(),
            row.user_id.to_string(),
            row.username.clone(),
            row.display_name.clone(),
            outcome_of(item).to_string(),
            decision
                .as_ref()
                .and_then(|d| names.get(d.by.as_uuid()).cloned())
                .unwrap_or_default(),
            decision
                .as_ref()
                .and_then(|d| d.justification.as_ref().map(Justification::to_string))
                .unwrap_or_default(),
            item.recommendation().message(),
            item.applied()
                .map(|applied| {
                    serde_json::to_value(applied)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                })
                .unwrap_or_default(),
            outcome_source(item).to_string(),
        ]
    });
    crate::service::csv::write(&RESULTS_CSV_HEADER, records)
}

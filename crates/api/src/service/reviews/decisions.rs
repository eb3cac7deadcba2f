//! Reviewers decide items: one at a time, several with one verdict, or by accepting the
//! recommendations.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use tessera_domain::ReviewItemId;
use tessera_domain::review::{
    self, AcceptRecommendationsInput, BulkDecisionInput, DecisionInput, ItemAudience,
    ReviewInstance, ReviewItem, ReviewItemView, ReviewRefusal,
};

use super::records::{
    decision_conflict, instance_of, item_of, item_write, person, refusal, with_grants,
};
use crate::auth::review_authz::{InstanceReader, ReviewerOf};
use crate::error::{ApiError, ApiResult};
use crate::service::audit_event;
use crate::state::AppState;
use crate::store;
use crate::store::reviews::{ItemFilter, ItemRow};

/// A reviewer decides one item (or changes their decision) while its stage runs.
pub async fn decide(
    state: &AppState,
    reviewer: &ReviewerOf,
    input: DecisionInput,
) -> ApiResult<ReviewItemView> {
    let actor = reviewer.actor();
    let item_row = reviewer.item();
    let row = reviewer.instance();
    let instance = instance_of(row)?;
    let mut item = item_of(item_row)?;
    let now = Utc::now();
    let event = instance
        .decide(&mut item, actor.id, input.verdict, input.justification, now)
        .map_err(refusal)?;
    let write = item_write(&item, item_row.version)?;
    let audit = audit_event::<(), _>(
        Some(actor),
        "access_review.decide",
        "access_review_item",
        item_row.id.to_string(),
        None,
        Some(&event),
    );
    store::reviews::write_decisions(&state.db, row.id, row.version, &[write], &[audit])
        .await
        .map_err(decision_conflict)?;
    let mut view = [ReviewItemView::new(
        &instance,
        &item,
        person(item_row),
        row.resource_name.clone(),
        ItemAudience::Reviewer,
    )];
    with_grants(state, &instance, &mut view).await?;
    let [view] = view;
    Ok(view)
}

pub use tessera_domain::review::ItemOutcome;

async fn bulk(
    state: &AppState,
    reader: &InstanceReader,
    ids: Option<&[ReviewItemId]>,
    act: impl FnOnce(
        &ReviewInstance,
        &mut [ReviewItem],
        DateTime<Utc>,
    ) -> Result<Vec<review::ItemResult>, ReviewRefusal>,
    action: &'static str,
) -> ApiResult<Vec<ItemOutcome>> {
    let actor = reader.actor();
    let row = reader.row();
    let instance = instance_of(row)?;
    let filter = ItemFilter {
        reviewer: Some(*actor.id.as_uuid()),
        ids: ids.map(|ids| ids.iter().map(|id| *id.as_uuid()).collect()),
        ..ItemFilter::default()
    };
    let rows = store::reviews::list_items(&state.db, row.id, &filter, None, None).await?;
    let mut items = rows.iter().map(item_of).collect::<ApiResult<Vec<_>>>()?;
    let now = Utc::now();
    let results = act(&instance, &mut items, now).map_err(refusal)?;
    let by_id: HashMap<ReviewItemId, (&ItemRow, &ReviewItem)> = rows
        .iter()
        .zip(items.iter())
        .map(|(row, item)| (item.id(), (row, item)))
        .collect();
    let mut writes = Vec::new();
    let mut audit = Vec::new();
    let mut outcomes = Vec::new();
    for (item_id, result) in &results {
        match (result, by_id.get(item_id)) {
            (Ok(event), Some((item_row, item))) => {
                writes.push(item_write(item, item_row.version)?);
                audit.push(audit_event::<(), _>(
                    Some(actor),
                    action,
                    "access_review_item",
                    item_id.to_string(),
                    None,
                    Some(event),
                ));
                outcomes.push(ItemOutcome {
                    item_id: *item_id,
                    item: Some(ReviewItemView::new(
                        &instance,
                        item,
                        person(item_row),
                        row.resource_name.clone(),
                        ItemAudience::Reviewer,
                    )),
                    refused: None,
                });
            }
            (Err(refused), _) => outcomes.push(ItemOutcome {
                item_id: *item_id,
                item: None,
                refused: Some(refused.to_string()),
            }),
            (Ok(_), None) => return Err(ApiError::Internal),
        }
    }
    // Items named but not the caller's to review are refused too, without saying more.
    if let Some(ids) = ids {
        for id in ids {
            if !by_id.contains_key(id) {
                outcomes.push(ItemOutcome {
                    item_id: *id,
                    item: None,
                    refused: Some(ReviewRefusal::NotAReviewer.to_string()),
                });
            }
        }
    }
    store::reviews::write_decisions(&state.db, row.id, row.version, &writes, &audit)
        .await
        .map_err(decision_conflict)?;
    let mut decided: Vec<ReviewItemView> = outcomes
        .iter_mut()
        .filter_map(|outcome| outcome.item.take())
        .collect();
    with_grants(state, &instance, &mut decided).await?;
    let mut decided = decided.into_iter();
    for outcome in outcomes
        .iter_mut()
        .filter(|outcome| outcome.refused.is_none())
    {
        outcome.item = decided.next();
    }
    Ok(outcomes)
}

/// One verdict for several of the caller's items; each is decided or refused on its own.
pub async fn decide_many(
    state: &AppState,
    reader: &InstanceReader,
    input: BulkDecisionInput,
) -> ApiResult<Vec<ItemOutcome>> {
    input.validate().map_err(ApiError::Validation)?;
    let reviewer = reader.actor().id;
    bulk(
        state,
        reader,
        Some(&input.item_ids),
        |instance, items, now| {
            instance.decide_many(
                items,
                reviewer,
                input.verdict,
                input.justification.clone(),
                now,
            )
        },
        "access_review.decide",
    )
    .await
}

/// Accepts the recommendation for the given items, or for every undecided one of the caller.
pub async fn accept_recommendations(
    state: &AppState,
    reader: &InstanceReader,
    input: AcceptRecommendationsInput,
) -> ApiResult<Vec<ItemOutcome>> {
    input.validate().map_err(ApiError::Validation)?;
    let reviewer = reader.actor().id;
    let selected = input.item_ids.clone();
    bulk(
        state,
        reader,
        input.item_ids.as_deref(),
        |instance, items, now| {
            instance.accept_recommendations(items, reviewer, selected.as_deref(), now)
        },
        "access_review.accept_recommendation",
    )
    .await
}

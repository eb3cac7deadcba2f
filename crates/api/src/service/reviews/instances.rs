//! What an instance shows: the instance with its progress, the instances of a definition or
//! of a reviewer, and the items.

use tessera_domain::UserId;
use tessera_domain::page::PageQuery;
use tessera_domain::review::{
    self, ItemAudience, ReviewInstanceView, ReviewItemView, ReviewProgress,
};
use uuid::Uuid;

use super::records::{
    all_items, definition_of, grants_of_person, instance_of, item_of, person, with_grants,
};
use crate::auth::AdminProof;
use crate::auth::review_authz::{InstanceReader, OwnReviews, ReviewManager};
use crate::error::{ApiError, ApiResult};
use crate::service::page::{PageRequest, parse_search};
use crate::state::AppState;
use crate::store;
use crate::store::reviews::{InstanceList, InstanceRow, ItemFilter};

pub(super) async fn instance_view(
    state: &AppState,
    row: &InstanceRow,
) -> ApiResult<ReviewInstanceView> {
    let instance = instance_of(row)?;
    let (_, items) = all_items(state, row.id).await?;
    let mut view = ReviewInstanceView::new(
        &instance,
        row.definition_name.clone(),
        row.resource_name.clone(),
        ReviewProgress::of(&instance, &items),
    );
    if let Some(definition) = store::reviews::find_definition(&state.db, row.definition_id).await? {
        view.description_for_reviewers = definition_of(&definition)?
            .description_for_reviewers()
            .to_string();
    }
    Ok(view)
}

pub async fn get_instance(
    state: &AppState,
    reader: &InstanceReader,
) -> ApiResult<ReviewInstanceView> {
    instance_view(state, reader.row()).await
}

/// The history of the definition `manager` manages: its instances, newest first.
pub async fn list_instances(
    state: &AppState,
    manager: &ReviewManager,
    query: &PageQuery,
) -> ApiResult<review::ReviewInstancePage> {
    instance_page(state, &InstanceList::OfDefinition(manager.row().id), query).await
}

/// The instances in which the caller reviews items, newest first.
pub async fn list_own_instances(
    state: &AppState,
    own: &OwnReviews,
    query: &PageQuery,
) -> ApiResult<review::ReviewInstancePage> {
    instance_page(
        state,
        &InstanceList::ReviewedBy(*own.reviewer().as_uuid()),
        query,
    )
    .await
}

async fn instance_page(
    state: &AppState,
    list: &InstanceList,
    query: &PageQuery,
) -> ApiResult<review::ReviewInstancePage> {
    let page = PageRequest::parse(query)?;
    let before = page.after_id()?;
    let rows = store::reviews::list_instances(&state.db, list, before, page.fetch()).await?;
    let (rows, next_cursor) = page.finish(rows, |row| row.id.to_string());
    let mut items = Vec::with_capacity(rows.len());
    for row in &rows {
        items.push(instance_view(state, row).await?);
    }
    Ok(review::ReviewInstancePage { items, next_cursor })
}

const ITEM_CURSOR_SEPARATOR: char = '\u{1f}';

/// The items of an instance: a reviewer's own (`mine`), or all of them for its managers.
pub async fn list_items(
    state: &AppState,
    reader: &InstanceReader,
    query: &review::ReviewItemQuery,
) -> ApiResult<review::ReviewItemPage> {
    let actor = reader.actor();
    let row = reader.row();
    let audience = reader.audience();
    let mine = query.mine.unwrap_or(audience == ItemAudience::Reviewer);
    if !mine && audience == ItemAudience::Reviewer {
        return Err(ApiError::Forbidden(
            "Reviewers see the items they review; ask with mine=true.",
        ));
    }
    let audience = if mine {
        ItemAudience::Reviewer
    } else {
        audience
    };
    let page = PageRequest::parse(&PageQuery {
        limit: query.limit,
        cursor: query.cursor.clone(),
    })?;
    let after = match page.after.as_deref() {
        None => None,
        Some(raw) => Some(
            raw.split_once(ITEM_CURSOR_SEPARATOR)
                .and_then(|(name, id)| Uuid::parse_str(id).ok().map(|id| (name.to_string(), id)))
                .ok_or_else(crate::service::page::not_a_cursor)?,
        ),
    };
    let filter = ItemFilter {
        reviewer: mine.then_some(*actor.id.as_uuid()),
        outcome: query.outcome.map(|outcome| outcome.as_str()),
        search: parse_search(query.q.as_deref())?.map(str::to_lowercase),
        ids: None,
    };
    let rows =
        store::reviews::list_items(&state.db, row.id, &filter, after, Some(page.fetch())).await?;
    let (rows, next_cursor) = page.finish(rows, |item| {
        format!("{}{ITEM_CURSOR_SEPARATOR}{}", item.username, item.id)
    });
    let instance = instance_of(row)?;
    let mut items = rows
        .iter()
        .map(|item_row| {
            Ok(ReviewItemView::new(
                &instance,
                &item_of(item_row)?,
                person(item_row),
                row.resource_name.clone(),
                audience,
            ))
        })
        .collect::<ApiResult<Vec<_>>>()?;
    with_grants(state, &instance, &mut items).await?;
    Ok(review::ReviewItemPage { items, next_cursor })
}

/// The review items about one person, newest first, each with its review's name and state,
/// as administrators see them.
pub async fn list_items_of_person(
    _: &AdminProof,
    state: &AppState,
    user: UserId,
    query: &PageQuery,
) -> ApiResult<review::PersonReviewItemPage> {
    if store::users::find_user(&state.db, *user.as_uuid())
        .await?
        .is_none()
    {
        return Err(ApiError::NotFound("user"));
    }
    let page = PageRequest::parse(query)?;
    let before = page.after_id()?;
    let rows =
        store::reviews::list_items_of_person(&state.db, *user.as_uuid(), before, page.fetch())
            .await?;
    let (rows, next_cursor) = page.finish(rows, |item| item.id.to_string());
    // A fixed number of statements whatever the page holds: the items' instances at once,
    // and every delivered assignment of the person with its package's roles, matched here
    // against each instance's reviewed access.
    let instance_ids: Vec<Uuid> = rows.iter().map(|item| item.instance_id).collect();
    let instances = store::reviews::find_instances(&state.db, &instance_ids).await?;
    let grants = store::reviews::list_grants_of_person(&state.db, *user.as_uuid()).await?;
    let mut items = Vec::with_capacity(rows.len());
    for item_row in &rows {
        let row = instances
            .iter()
            .find(|instance| instance.id == item_row.instance_id)
            .ok_or(ApiError::NotFound("access review instance"))?;
        let instance = instance_of(row)?;
        let mut item = ReviewItemView::new(
            &instance,
            &item_of(item_row)?,
            person(item_row),
            row.resource_name.clone(),
            ItemAudience::Administrator,
        );
        item.granted_by = grants_of_person(&grants, &instance.resource());
        items.push(review::PersonReviewItemView {
            review_name: row.definition_name.clone(),
            instance_state: instance.state(),
            ends_at: instance.ends_at(),
            item,
        });
    }
    Ok(review::PersonReviewItemPage { items, next_cursor })
}

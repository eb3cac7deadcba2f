//! What a bulk action on review items answers, item by item: `POST
//! /api/v1/access-review-instances/{id}/decisions` and `.../accept-recommendations`.

use serde::{Deserialize, Serialize};

use super::view::ReviewItemView;
use crate::ReviewItemId;

/// The outcome of one item of a bulk action.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ItemOutcome {
    pub item_id: ReviewItemId,
    /// The item after the decision, when it was decided.
    pub item: Option<ReviewItemView>,
    /// Why not, when it was refused.
    pub refused: Option<String>,
}

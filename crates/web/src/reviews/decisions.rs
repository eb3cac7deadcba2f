//! What the reviewers' pages send and read back: what a bulk action answers, the reviewer's
//! decisions checked before they are sent, and the item filters written as a query.

use tessera_domain::ReviewInstanceId;
use tessera_domain::ReviewItemId;
use tessera_domain::assignment::Justification;
use tessera_domain::problem::FieldError;
use tessera_domain::review::{
    AcceptRecommendationsInput, BulkDecisionInput, DecisionInput, ItemOutcome, RecommendedVerdict,
    ReviewItemView, ReviewOutcome, ReviewVerdict,
};

use super::labels::outcome_label;
use crate::api::ApiError;

// ---------- what the API answers ----------

/// Why the item of a bulk action was not decided; `None` when it was.
pub fn refusal_of(outcome: &ItemOutcome) -> Option<String> {
    match (&outcome.item, &outcome.refused) {
        (_, Some(why)) => Some(why.clone()),
        (None, None) => Some("it was not decided".to_string()),
        (Some(_), None) => None,
    }
}

/// What a bulk action came to, in words: how many items were decided, and each refusal.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BulkSummary {
    pub decided: usize,
    /// The person's name (when the item is known) and the server's reason.
    pub refused: Vec<String>,
}

impl BulkSummary {
    /// `known` finds the person of an item the page shows, for the refusals.
    pub fn of(results: &[ItemOutcome], known: impl Fn(ReviewItemId) -> Option<String>) -> Self {
        let mut summary = BulkSummary::default();
        for result in results {
            match refusal_of(result) {
                None => summary.decided += 1,
                Some(why) => {
                    let who = known(result.item_id).unwrap_or_else(|| "One item".to_string());
                    summary.refused.push(format!("{who}: {why}"));
                }
            }
        }
        summary
    }

    /// The sentence of the notice after the action.
    pub fn headline(&self, verb: &str) -> String {
        match (self.decided, self.refused.len()) {
            (1, 0) => format!("1 item {verb}."),
            (n, 0) => format!("{n} items {verb}."),
            (n, refused) => format!(
                "{n} {} {verb}; {refused} could not be.",
                if n == 1 { "item" } else { "items" }
            ),
        }
    }
}

// ---------- the reviewer's decisions ----------

pub(super) fn present(raw: &str) -> Option<&str> {
    Some(raw.trim()).filter(|raw| !raw.is_empty())
}

fn refusal(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::invalid(vec![FieldError {
        field: field.to_string(),
        message: message.into(),
    }])
}

/// The justification as typed: absent when blank, refused when `required`.
fn justification(raw: &str, required: bool) -> Result<Option<Justification>, ApiError> {
    match present(raw) {
        None if required => Err(refusal(
            "justification",
            "this review requires a justification",
        )),
        None => Ok(None),
        Some(raw) => Justification::parse(raw)
            .map(Some)
            .map_err(|error| refusal("justification", error.0)),
    }
}

/// One item's decision.
pub fn decision(
    verdict: ReviewVerdict,
    reason: &str,
    required: bool,
) -> Result<DecisionInput, ApiError> {
    Ok(DecisionInput {
        verdict,
        justification: justification(reason, required)?,
    })
}

/// One verdict for the chosen items.
pub fn bulk_decision(
    item_ids: Vec<ReviewItemId>,
    verdict: ReviewVerdict,
    reason: &str,
    required: bool,
) -> Result<BulkDecisionInput, ApiError> {
    if item_ids.is_empty() {
        return Err(refusal("item_ids", "select the items to decide first"));
    }
    let input = BulkDecisionInput {
        item_ids,
        verdict,
        justification: justification(reason, required)?,
    };
    input.validate().map_err(ApiError::invalid)?;
    Ok(input)
}

/// Accepting the recommendations of the chosen items, or, when none is chosen, of every item
/// not decided yet.
pub fn accept_recommendations(
    item_ids: Vec<ReviewItemId>,
) -> Result<AcceptRecommendationsInput, ApiError> {
    let input = AcceptRecommendationsInput {
        item_ids: (!item_ids.is_empty()).then_some(item_ids),
    };
    input.validate().map_err(ApiError::invalid)?;
    Ok(input)
}

// ---------- the item lists ----------

/// Which items a list shows, by their outcome in the last stage they reached.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OutcomeChoice {
    #[default]
    All,
    Only(ReviewOutcome),
}

impl OutcomeChoice {
    pub const ALL: [OutcomeChoice; 5] = [
        OutcomeChoice::All,
        OutcomeChoice::Only(ReviewOutcome::Approve),
        OutcomeChoice::Only(ReviewOutcome::Deny),
        OutcomeChoice::Only(ReviewOutcome::DontKnow),
        OutcomeChoice::Only(ReviewOutcome::NotReviewed),
    ];

    pub fn value(self) -> &'static str {
        match self {
            OutcomeChoice::All => "",
            OutcomeChoice::Only(outcome) => outcome.as_str(),
        }
    }

    pub fn parse(raw: &str) -> OutcomeChoice {
        OutcomeChoice::ALL
            .into_iter()
            .find(|choice| choice.value() == raw)
            .unwrap_or_default()
    }

    pub fn label(self) -> &'static str {
        match self {
            OutcomeChoice::All => "All outcomes",
            OutcomeChoice::Only(outcome) => outcome_label(outcome),
        }
    }
}

/// The filters of an item list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ItemQuery {
    /// Only the items assigned to the caller in the current stage.
    pub mine: bool,
    pub outcome: OutcomeChoice,
    /// Part of the person's name.
    pub q: String,
}

impl ItemQuery {
    /// The items a reviewer has not decided yet, or all of theirs.
    pub fn mine(undecided_only: bool, q: &str) -> Self {
        ItemQuery {
            mine: true,
            outcome: if undecided_only {
                OutcomeChoice::Only(ReviewOutcome::NotReviewed)
            } else {
                OutcomeChoice::All
            },
            q: q.trim().to_string(),
        }
    }

    /// The query parameters, in a stable order; empty filters are left out.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        [
            ("mine", self.mine.to_string()),
            ("outcome", self.outcome.value().to_string()),
            ("q", self.q.trim().to_string()),
        ]
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .collect()
    }
}

/// The link that downloads an instance's results as CSV, with the outcome and name filters of
/// `query` (the export holds every item, not only the caller's).
pub fn results_csv_href(instance: ReviewInstanceId, query: &ItemQuery) -> String {
    let pairs = query
        .pairs()
        .into_iter()
        .filter(|(key, _)| *key != "mine")
        .collect();
    crate::assignments::with_query(
        &format!("/api/v1/access-review-instances/{instance}/results.csv"),
        pairs,
    )
}

// ---------- accepting recommendations ----------

/// What "Accept recommendations" would do to the items it is asked about: how many it
/// approves, denies and leaves alone, counted by the recommendation's reason.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AcceptPreview {
    /// (what happens, reason in words, how many), in the order of [`AcceptEffect`].
    pub lines: Vec<(AcceptEffect, String, usize)>,
}

/// What accepting a recommendation does to one item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum AcceptEffect {
    Approved,
    Denied,
    /// No recommendation (they are off): the item stays undecided.
    LeftUndecided,
    /// Decided already in this stage: a recommendation never changes a decision.
    AlreadyDecided,
}

impl AcceptEffect {
    pub fn label(self) -> &'static str {
        match self {
            AcceptEffect::Approved => "Approved",
            AcceptEffect::Denied => "Denied",
            AcceptEffect::LeftUndecided => "Left undecided",
            AcceptEffect::AlreadyDecided => "Left as you decided",
        }
    }
}

impl AcceptPreview {
    /// The preview for `items`: the selected ones, or every undecided item of the reviewer.
    pub fn of(items: &[ReviewItemView]) -> Self {
        let mut lines: Vec<(AcceptEffect, String, usize)> = Vec::new();
        for item in items {
            let effect = match (&item.decision, item.recommendation.verdict) {
                (Some(_), _) => AcceptEffect::AlreadyDecided,
                (None, RecommendedVerdict::Approve) => AcceptEffect::Approved,
                (None, RecommendedVerdict::Deny) => AcceptEffect::Denied,
                (None, RecommendedVerdict::NoInfo) => AcceptEffect::LeftUndecided,
            };
            let reason = sentence_case(&item.recommendation.message);
            match lines
                .iter_mut()
                .find(|(known, why, _)| *known == effect && *why == reason)
            {
                Some((_, _, count)) => *count += 1,
                None => lines.push((effect, reason, 1)),
            }
        }
        lines.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| b.2.cmp(&a.2)));
        AcceptPreview { lines }
    }

    /// How many items would be decided.
    pub fn decided(&self) -> usize {
        self.lines
            .iter()
            .filter(|(effect, _, _)| {
                matches!(effect, AcceptEffect::Approved | AcceptEffect::Denied)
            })
            .map(|(_, _, count)| count)
            .sum()
    }

    /// The headline of the preview.
    pub fn headline(&self) -> String {
        match self.decided() {
            0 => "No item would be decided: none of them has a recommendation to accept.".into(),
            1 => "1 item will be decided as recommended:".into(),
            n => format!("{n} items will be decided as recommended:"),
        }
    }
}

fn sentence_case(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

// ---------- keyboard shortcuts ----------

/// The decision a key asks for on a reviewer's row: A approves, D denies, K is "don't know".
/// Keys with a modifier are the browser's.
pub fn verdict_for_key(key: &str, modified: bool) -> Option<ReviewVerdict> {
    if modified {
        return None;
    }
    match key {
        "a" | "A" => Some(ReviewVerdict::Approve),
        "d" | "D" => Some(ReviewVerdict::Deny),
        "k" | "K" => Some(ReviewVerdict::DontKnow),
        _ => None,
    }
}

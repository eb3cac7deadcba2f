//! What the API sends and receives about reviews, besides the definition input.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::decision::{
    ApplyOutcome, FinalOutcome, OutcomeBasis, ReviewDecision, ReviewOutcome, ReviewVerdict,
};
use super::definition::{ReviewDefinitionInput, ReviewedResource, ValidReviewDefinition};
use super::instance::{ReviewInstance, ReviewInstanceState};
use super::item::ReviewItem;
use super::recommendation::{Recommendation, RecommendedVerdict};
use crate::assignment::{Justification, PersonSummary};
use crate::problem::FieldError;
use crate::{AccessPackageId, ReviewDefinitionId, ReviewInstanceId, ReviewItemId, UserId};

/// The most items one bulk action names.
pub const MAX_BULK_ITEMS: usize = 500;

/// A review definition as read: `GET /api/v1/access-reviews/{id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ReviewDefinitionView {
    pub id: ReviewDefinitionId,
    /// Normalised, as an edit form starts from it.
    pub definition: ReviewDefinitionInput,
    /// The sum of the stage durations.
    pub instance_duration_days: u16,
    /// How many occurrences have started.
    pub occurrences_started: u32,
    /// When the next occurrence starts (in the past when it is due and about to start);
    /// absent once the series is over.
    pub next_start_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The newest instance, in the list of definitions (`GET /api/v1/access-reviews`):
    /// absent before the first one starts, and in the answers about one definition, whose
    /// instances `GET /api/v1/access-reviews/{id}/instances` lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_instance: Option<LatestInstance>,
}

/// A definition's newest instance, as the list of definitions shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct LatestInstance {
    pub id: ReviewInstanceId,
    pub state: ReviewInstanceState,
    /// How many people's access it reviews.
    pub items: usize,
    /// How many of them have an outcome other than "not reviewed" (the final one once
    /// completed).
    pub decided: usize,
}

impl ReviewDefinitionView {
    pub fn new(
        id: ReviewDefinitionId,
        definition: &ValidReviewDefinition,
        occurrences_started: u32,
        created_at: DateTime<Utc>,
        updated_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> ReviewDefinitionView {
        ReviewDefinitionView {
            id,
            definition: definition.to_input(),
            instance_duration_days: definition.instance_duration_days(),
            occurrences_started,
            next_start_at: definition
                .next_occurrence(occurrences_started, now)
                .map(|occurrence| occurrence.starts_at),
            created_at,
            updated_at,
            latest_instance: None,
        }
    }
}

/// How far an instance got, counted over its items: each item by the outcome of the last stage
/// it reached (its decision, or not reviewed), and once completed, by its final outcome.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ReviewProgress {
    pub total: usize,
    /// Every item but the not reviewed.
    pub decided: usize,
    pub approved: usize,
    pub denied: usize,
    pub dont_know: usize,
    pub not_reviewed: usize,
    /// Items the no-response rule decided, once completed.
    pub by_no_response_rule: usize,
    /// Items still reviewed in the current stage, while in progress.
    pub in_current_stage: usize,
}

impl ReviewProgress {
    pub fn of(instance: &ReviewInstance, items: &[ReviewItem]) -> ReviewProgress {
        let current = instance.current_stage();
        let mut progress = ReviewProgress::default();
        for item in items
            .iter()
            .filter(|item| item.instance_id() == instance.id())
        {
            let outcome = match item.final_outcome() {
                Some(final_outcome) => {
                    if let OutcomeBasis::NoResponse { .. } = final_outcome.basis {
                        progress.by_no_response_rule += 1;
                    }
                    final_outcome.outcome
                }
                None => item.latest_outcome(),
            };
            progress.total += 1;
            match outcome {
                ReviewOutcome::Approve => progress.approved += 1,
                ReviewOutcome::Deny => progress.denied += 1,
                ReviewOutcome::DontKnow => progress.dont_know += 1,
                ReviewOutcome::NotReviewed => progress.not_reviewed += 1,
            }
            if current == Some(item.stage()) {
                progress.in_current_stage += 1;
            }
        }
        progress.decided = progress.total - progress.not_reviewed;
        progress
    }
}

/// A review instance as listed and read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ReviewInstanceView {
    pub id: ReviewInstanceId,
    pub definition_id: ReviewDefinitionId,
    /// The definition's name.
    pub name: String,
    pub resource: ReviewedResource,
    /// The group's, application's or access package's name.
    pub resource_name: String,
    /// Which occurrence of the definition; the first is 0.
    pub occurrence: u32,
    pub state: ReviewInstanceState,
    /// The number of the stage reviewers decide in, while in progress; the first is 1.
    pub current_stage: Option<usize>,
    pub stage_count: usize,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub current_stage_ends_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    /// Present when an administrator ended it early.
    pub stopped: Option<StopView>,
    pub applied_at: Option<DateTime<Utc>>,
    pub progress: ReviewProgress,
    /// Whether every decision needs a reason.
    pub justification_required: bool,
    /// What the definition tells reviewers.
    pub description_for_reviewers: String,
}

impl ReviewInstanceView {
    pub fn new(
        instance: &ReviewInstance,
        name: String,
        resource_name: String,
        progress: ReviewProgress,
    ) -> ReviewInstanceView {
        let current_stage = instance.current_stage();
        ReviewInstanceView {
            id: instance.id(),
            definition_id: instance.definition_id(),
            name,
            resource: instance.resource(),
            resource_name,
            occurrence: instance.occurrence(),
            state: instance.state(),
            current_stage: current_stage.map(|stage| stage + 1),
            stage_count: instance.stages().len(),
            starts_at: instance.starts_at(),
            ends_at: instance.ends_at(),
            current_stage_ends_at: current_stage.map(|stage| instance.stage_ends_at(stage)),
            started_at: instance.started_at(),
            completed_at: instance.completed_at(),
            stopped: instance.stopped().map(|stop| StopView {
                by: stop.by,
                at: stop.at,
                stage: stop.stage + 1,
            }),
            applied_at: instance.applied_at(),
            progress,
            justification_required: instance.settings().justification_required,
            description_for_reviewers: String::new(),
        }
    }
}

/// A recommendation as reviewers see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RecommendationView {
    pub verdict: RecommendedVerdict,
    pub reason: Recommendation,
    /// The reason in words, such as "no sign-in in the last 30 days".
    pub message: String,
}

/// An administrator ending an instance before its time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct StopView {
    pub by: UserId,
    pub at: DateTime<Utc>,
    /// The number of the stage that was running; the first is 1.
    pub stage: usize,
}

/// What the review concluded about an item, once it completed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct FinalOutcomeView {
    pub outcome: ReviewOutcome,
    pub basis: OutcomeBasisView,
}

/// Why an item's final outcome is what it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OutcomeBasisView {
    /// The decision in the last stage the item reached, by its number (the first is 1).
    Decision { stage: usize },
    /// Nobody decided in the last stage the item reached; the review's rule did.
    NoResponse {
        rule: super::decision::NoResponseRule,
    },
}

impl From<FinalOutcome> for FinalOutcomeView {
    fn from(final_outcome: FinalOutcome) -> Self {
        FinalOutcomeView {
            outcome: final_outcome.outcome,
            basis: match final_outcome.basis {
                OutcomeBasis::Decision { stage } => OutcomeBasisView::Decision { stage: stage + 1 },
                OutcomeBasis::NoResponse { rule } => OutcomeBasisView::NoResponse { rule },
            },
        }
    }
}

/// What an earlier stage concluded about an item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct StageDecision {
    /// The stage's number; the first is 1.
    pub stage: usize,
    pub outcome: ReviewOutcome,
    pub decision: Option<ReviewDecision>,
}

/// Who is looking at an item: reviewers see earlier stages only when the definition shows
/// them; administrators see everything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemAudience {
    Reviewer,
    Administrator,
}

/// One item as a reviewer or an administrator sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ReviewItemView {
    pub id: ReviewItemId,
    pub instance_id: ReviewInstanceId,
    /// The person whose access is reviewed.
    pub person: PersonSummary,
    /// The access reviewed: the instance's resource.
    pub access: ReviewedResource,
    pub access_name: String,
    /// As known when the instance started.
    pub last_sign_in_at: Option<DateTime<Utc>>,
    pub recommendation: RecommendationView,
    /// The number of the last stage the item reached; the first is 1.
    pub stage: usize,
    /// Whether the person reviews their own access in that stage: answer yes (approve) or no
    /// (deny).
    pub self_review: bool,
    /// The latest decision in that stage.
    pub decision: Option<ReviewDecision>,
    /// What earlier stages concluded, when the viewer may see it; empty otherwise.
    pub earlier_decisions: Vec<StageDecision>,
    pub final_outcome: Option<FinalOutcomeView>,
    pub applied: Option<ApplyOutcome>,
    /// How the person holds the reviewed access now: the access packages they are assigned
    /// that grant it, oldest first. Empty when no package grants it (it was given directly),
    /// or when it is no longer held.
    #[serde(default)]
    pub granted_by: Vec<GrantView>,
}

/// One active assignment through which a person holds reviewed access.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct GrantView {
    pub access_package_id: AccessPackageId,
    pub access_package_name: String,
    /// The policy the assignment was given under, by the name it had then.
    pub policy_name: String,
    /// When the assignment started.
    pub since: DateTime<Utc>,
    /// When it ends, if it does.
    pub ends_at: Option<DateTime<Utc>>,
}

impl ReviewItemView {
    pub fn new(
        instance: &ReviewInstance,
        item: &ReviewItem,
        person: PersonSummary,
        access_name: String,
        audience: ItemAudience,
    ) -> ReviewItemView {
        let shown = match audience {
            ItemAudience::Administrator => true,
            ItemAudience::Reviewer => instance.settings().show_earlier_decisions,
        };
        let last = item.last_stage();
        let stage = item.stage();
        let earlier_decisions = if shown {
            item.stages()[..stage]
                .iter()
                .enumerate()
                .map(|(index, earlier)| StageDecision {
                    stage: index + 1,
                    outcome: earlier.outcome(),
                    decision: earlier.decision.clone(),
                })
                .collect()
        } else {
            Vec::new()
        };
        ReviewItemView {
            id: item.id(),
            instance_id: item.instance_id(),
            person,
            access: instance.resource(),
            access_name,
            last_sign_in_at: item.last_sign_in_at(),
            recommendation: RecommendationView {
                verdict: item.recommendation().verdict(),
                reason: item.recommendation(),
                message: item.recommendation().message(),
            },
            stage: stage + 1,
            self_review: last.is_some_and(|last| last.self_review),
            decision: last.and_then(|last| last.decision.clone()),
            earlier_decisions,
            final_outcome: item.final_outcome().map(FinalOutcomeView::from),
            applied: item.applied(),
            granted_by: Vec::new(),
        }
    }
}

/// Input of `POST /api/v1/access-review-items/{id}/decision`. Named `ReviewDecisionInput` in
/// the OpenAPI document, apart from the approval's [`crate::access::DecisionInput`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "server", schema(as = ReviewDecisionInput))]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    pub verdict: ReviewVerdict,
    /// Required when the review requires justification; shown to other reviewers.
    #[serde(default)]
    pub justification: Option<Justification>,
}

/// Input of `POST /api/v1/access-review-instances/{id}/decisions`: one verdict for several
/// items, each decided or refused on its own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BulkDecisionInput {
    /// 1 to 500 items, each once.
    pub item_ids: Vec<ReviewItemId>,
    pub verdict: ReviewVerdict,
    #[serde(default)]
    pub justification: Option<Justification>,
}

impl BulkDecisionInput {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        into_result(item_ids(&self.item_ids))
    }
}

/// Input of `POST /api/v1/access-review-instances/{id}/accept-recommendations`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AcceptRecommendationsInput {
    /// 1 to 500 items; when left out, every item the caller has not decided yet in the
    /// current stage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_ids: Option<Vec<ReviewItemId>>,
}

impl AcceptRecommendationsInput {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        into_result(self.item_ids.as_deref().map(item_ids).unwrap_or_default())
    }
}

fn item_ids(ids: &[ReviewItemId]) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut error = |field: String, message: String| errors.push(FieldError { field, message });
    if ids.is_empty() {
        error("item_ids".into(), "name at least one item".into());
    } else if ids.len() > MAX_BULK_ITEMS {
        error(
            "item_ids".into(),
            format!("may name at most {MAX_BULK_ITEMS} items"),
        );
    }
    let mut seen = BTreeSet::new();
    for (index, id) in ids.iter().enumerate() {
        if !seen.insert(id) {
            error(format!("item_ids[{index}]"), "is listed twice".into());
        }
    }
    errors
}

fn into_result(errors: Vec<FieldError>) -> Result<(), Vec<FieldError>> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// One page of review definitions, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ReviewDefinitionPage {
    pub items: Vec<ReviewDefinitionView>,
    /// The `cursor` of the next page; null on the last page.
    #[cfg_attr(feature = "server", schema(required = true))]
    pub next_cursor: Option<String>,
}

/// One page of review instances, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ReviewInstancePage {
    pub items: Vec<ReviewInstanceView>,
    /// The `cursor` of the next page; null on the last page.
    #[cfg_attr(feature = "server", schema(required = true))]
    pub next_cursor: Option<String>,
}

/// One page of review items, by the reviewed person's username.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ReviewItemPage {
    pub items: Vec<ReviewItemView>,
    /// The `cursor` of the next page; null on the last page.
    #[cfg_attr(feature = "server", schema(required = true))]
    pub next_cursor: Option<String>,
}

/// A review item about one person, with the review it belongs to:
/// `GET /api/v1/users/{id}/access-review-items`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PersonReviewItemView {
    /// The review definition's name.
    pub review_name: String,
    pub instance_state: ReviewInstanceState,
    /// When the instance ends (its last stage).
    pub ends_at: DateTime<Utc>,
    /// The item as administrators see it.
    pub item: ReviewItemView,
}

/// One page of the review items about a person, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PersonReviewItemPage {
    pub items: Vec<PersonReviewItemView>,
    /// The `cursor` of the next page; null on the last page.
    #[cfg_attr(feature = "server", schema(required = true))]
    pub next_cursor: Option<String>,
}

/// The query of `GET /api/v1/access-review-instances/{id}/items`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "server", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct ReviewItemQuery {
    /// Only the items the caller reviews in the current stage. Reviewers always get those;
    /// those who manage the review get every item unless they ask for theirs.
    pub mine: Option<bool>,
    /// Only items with this outcome so far (the final one once completed).
    #[cfg_attr(feature = "server", param(inline))]
    pub outcome: Option<ReviewOutcome>,
    /// Only people whose username or display name contains this, ignoring case.
    #[cfg_attr(feature = "server", param(max_length = 100))]
    pub q: Option<String>,
    #[cfg_attr(feature = "server", param(minimum = 1, maximum = 200))]
    pub limit: Option<u32>,
    #[cfg_attr(feature = "server", param(max_length = 512))]
    pub cursor: Option<String>,
}

/// The query of `GET /api/v1/access-review-instances/{id}/results.csv`: the same filters as the
/// item list, so that the download holds what the page shows.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "server", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct ReviewResultsQuery {
    /// Only items with this outcome so far (the final one once completed).
    #[cfg_attr(feature = "server", param(inline))]
    pub outcome: Option<ReviewOutcome>,
    /// Only people whose username or display name contains this, ignoring case.
    #[cfg_attr(feature = "server", param(max_length = 100))]
    pub q: Option<String>,
}

/// The review a policy carries for its own assignments: `PUT
/// /api/v1/access-packages/{id}/policies/{policy_id}/access-review`. The scope is the policy's
/// assignments; the rest is as in a [`ReviewDefinitionInput`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PolicyReviewInput {
    /// Shown to reviewers: at most 1000 characters.
    #[serde(default)]
    pub description_for_reviewers: String,
    /// Everyone (the default), only guests, or only people inactive for some days.
    #[serde(default)]
    pub filter: super::definition::FilterInput,
    pub stages: Vec<super::definition::StageInput>,
    pub schedule: super::schedule::ScheduleInput,
    #[serde(default)]
    pub settings: super::definition::SettingsInput,
}

impl PolicyReviewInput {
    /// The whole definition this makes for the policy `policy` of package `package`.
    pub fn into_definition(
        self,
        name: String,
        package: crate::AccessPackageId,
        policy: crate::PolicyId,
    ) -> ReviewDefinitionInput {
        ReviewDefinitionInput {
            name,
            description_for_reviewers: self.description_for_reviewers,
            scope: super::definition::ScopeInput {
                resources: super::definition::ResourcesInput::AccessPackage {
                    access_package_id: package,
                    policy_id: Some(policy),
                },
                filter: self.filter,
            },
            stages: self.stages,
            schedule: self.schedule,
            settings: self.settings,
        }
    }
}

/// What `POST /api/v1/access-review-instances/{id}/remind` sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ReminderSent {
    /// The number of the current stage (the first is 1), whose undecided items the reviewers
    /// were reminded of.
    pub stage: usize,
    /// The reviewers reminded: everyone with an undecided item in that stage.
    #[cfg_attr(feature = "server", schema(value_type = Vec<String>))]
    pub reviewers: Vec<crate::UserId>,
}

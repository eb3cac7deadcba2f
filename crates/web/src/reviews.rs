//! The access review pages' pure parts: what a bulk action answers, how reviews, items and
//! decisions read on screen, the reviewer's decisions checked before they are sent, the item
//! filters written as a query, and the definition editor's form turned into the domain's
//! [`ReviewDefinitionInput`], with every refusal at the JSON path the API would use
//! (`stages[1].reviewers[0].group_id`, `schedule.end.occurrences`).

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_domain::assignment::Justification;
use tessera_domain::problem::{FieldError, Problem};
use tessera_domain::review::{
    self, AcceptRecommendationsInput, ApplyOutcome, BulkDecisionInput, DecisionInput,
    DecisionSource, EndInput, FilterInput, Frequency, NoResponseRule, PolicyReviewInput,
    RecommendationsInput, RecommendedVerdict, ResourcesInput, ReviewDefinitionInput,
    ReviewInstanceState, ReviewInstanceView, ReviewItemView, ReviewOutcome, ReviewProgress,
    ReviewVerdict, ReviewedResource, ReviewerSpec, ScheduleInput, ScopeInput, SettingsInput,
    StageInput,
};
use tessera_domain::{AccessPackageId, GroupId, PolicyId, ReviewInstanceId, ReviewItemId, UserId};

use crate::api::ApiError;
use crate::assignments::{local_date_time, person};
use crate::format::timestamp;
use crate::forms::sentence;
use crate::names::KnownNames;

// ---------- what the API answers ----------

/// What a bulk decision or accepting recommendations did to one item: the item as it is now,
/// or why it was refused (a sentence, or a problem).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReviewItemResult {
    pub item_id: ReviewItemId,
    #[serde(default)]
    pub item: Option<ReviewItemView>,
    #[serde(default)]
    pub refused: Option<String>,
    #[serde(default)]
    pub error: Option<Problem>,
}

impl ReviewItemResult {
    /// Why the item was not decided; `None` when it was.
    pub fn refusal(&self) -> Option<String> {
        match (&self.item, &self.refused, &self.error) {
            (_, Some(why), _) => Some(why.clone()),
            (_, None, Some(problem)) => Some(
                problem
                    .detail
                    .clone()
                    .unwrap_or_else(|| problem.title.clone()),
            ),
            (None, None, None) => Some("it was not decided".to_string()),
            (Some(_), None, None) => None,
        }
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
    pub fn of(
        results: &[ReviewItemResult],
        known: impl Fn(ReviewItemId) -> Option<String>,
    ) -> Self {
        let mut summary = BulkSummary::default();
        for result in results {
            match result.refusal() {
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

// ---------- how things read ----------

pub fn state_label(state: ReviewInstanceState) -> &'static str {
    match state {
        ReviewInstanceState::Scheduled => "Scheduled",
        ReviewInstanceState::InProgress => "In progress",
        ReviewInstanceState::Completed => "Completed",
        ReviewInstanceState::Applying => "Applying",
        ReviewInstanceState::Applied => "Applied",
    }
}

/// The classes of a state's badge.
pub fn state_badge(state: ReviewInstanceState) -> &'static str {
    match state {
        ReviewInstanceState::Scheduled => "badge badge-neutral",
        ReviewInstanceState::InProgress => "badge badge-info",
        ReviewInstanceState::Completed | ReviewInstanceState::Applying => "badge badge-success",
        ReviewInstanceState::Applied => "badge badge-neutral",
    }
}

pub fn verdict_label(verdict: ReviewVerdict) -> &'static str {
    match verdict {
        ReviewVerdict::Approve => "Approve",
        ReviewVerdict::Deny => "Deny",
        ReviewVerdict::DontKnow => "Don't know",
    }
}

/// A decision as it reads once made: "Approved".
pub fn decided_label(verdict: ReviewVerdict) -> &'static str {
    match verdict {
        ReviewVerdict::Approve => "Approved",
        ReviewVerdict::Deny => "Denied",
        ReviewVerdict::DontKnow => "Don't know",
    }
}

/// A decision in a self-review: the person answers whether they still need the access.
pub fn self_review_label(verdict: ReviewVerdict) -> &'static str {
    match verdict {
        ReviewVerdict::Approve => "Yes, I still need it",
        ReviewVerdict::Deny => "No, remove it",
        ReviewVerdict::DontKnow => "Don't know",
    }
}

pub fn outcome_label(outcome: ReviewOutcome) -> &'static str {
    match outcome {
        ReviewOutcome::Approve => "Approved",
        ReviewOutcome::Deny => "Denied",
        ReviewOutcome::DontKnow => "Don't know",
        ReviewOutcome::NotReviewed => "Not reviewed",
    }
}

pub fn outcome_badge(outcome: ReviewOutcome) -> &'static str {
    match outcome {
        ReviewOutcome::Approve => "badge badge-success",
        ReviewOutcome::Deny => "badge badge-danger",
        ReviewOutcome::DontKnow => "badge badge-info",
        ReviewOutcome::NotReviewed => "badge badge-neutral",
    }
}

pub fn recommended_label(verdict: RecommendedVerdict) -> &'static str {
    match verdict {
        RecommendedVerdict::Approve => "Approve",
        RecommendedVerdict::Deny => "Deny",
        RecommendedVerdict::NoInfo => "No recommendation",
    }
}

pub fn source_label(source: DecisionSource) -> &'static str {
    match source {
        DecisionSource::Reviewer => "",
        DecisionSource::Recommendation => " (recommendation accepted)",
    }
}

pub fn apply_label(applied: ApplyOutcome) -> &'static str {
    match applied {
        ApplyOutcome::Kept => "Kept",
        ApplyOutcome::Removed => "Removed",
        ApplyOutcome::NotApplicable => "Nothing to remove",
        ApplyOutcome::Failed => "Removal failed",
    }
}

pub fn frequency_label(frequency: Frequency) -> &'static str {
    match frequency {
        Frequency::Weekly => "Weekly",
        Frequency::Monthly => "Monthly",
        Frequency::Quarterly => "Quarterly",
        Frequency::SemiAnnually => "Every six months",
        Frequency::Annually => "Annually",
    }
}

pub fn no_response_label(rule: NoResponseRule) -> &'static str {
    match rule {
        NoResponseRule::NoChange => "No change (access is kept)",
        NoResponseRule::Approve => "Approve (access is kept)",
        NoResponseRule::Deny => "Deny (access is removed)",
        NoResponseRule::TakeRecommendations => "Take the recommendations",
    }
}

/// The wire spelling of a no-response rule, for `<option>` values.
pub fn no_response_value(rule: NoResponseRule) -> &'static str {
    match rule {
        NoResponseRule::NoChange => "no_change",
        NoResponseRule::Approve => "approve",
        NoResponseRule::Deny => "deny",
        NoResponseRule::TakeRecommendations => "take_recommendations",
    }
}

pub const NO_RESPONSE_RULES: [NoResponseRule; 4] = [
    NoResponseRule::NoChange,
    NoResponseRule::Approve,
    NoResponseRule::Deny,
    NoResponseRule::TakeRecommendations,
];

pub fn parse_no_response(raw: &str) -> NoResponseRule {
    NO_RESPONSE_RULES
        .into_iter()
        .find(|rule| no_response_value(*rule) == raw)
        .unwrap_or_default()
}

pub fn parse_frequency(raw: &str) -> Frequency {
    Frequency::ALL
        .into_iter()
        .find(|frequency| frequency.as_str() == raw)
        .unwrap_or(Frequency::Quarterly)
}

/// What kind of access an instance reviews.
pub fn resource_kind_label(resource: &ReviewedResource) -> &'static str {
    match resource {
        ReviewedResource::Group { .. } => "Group membership",
        ReviewedResource::Application { .. } => "Application roles",
        ReviewedResource::AccessPackage { .. } => "Access package",
    }
}

/// How far a review got: "3 of 10 decided".
pub fn progress_text(progress: &ReviewProgress) -> String {
    format!("{} of {} decided", progress.decided, progress.total)
}

/// The question a person answers about their own access.
pub fn self_review_question(access_name: &str) -> String {
    format!("Do you still need access to {access_name}?")
}

/// The stage an instance is in, when it has more than one: "Stage 2 of 3".
pub fn stage_text(instance: &ReviewInstanceView) -> Option<String> {
    let stage = instance.current_stage?;
    (instance.stage_count > 1).then(|| format!("Stage {} of {}", stage, instance.stage_count))
}

/// Whether an administrator may stop an instance: only while reviewers decide.
pub fn can_stop(instance: &ReviewInstanceView) -> bool {
    instance.state == ReviewInstanceState::InProgress
}

/// Whether an administrator may apply an instance's results: once completed, and not yet
/// applied (an instance that applies automatically moves on by itself).
pub fn can_apply(instance: &ReviewInstanceView) -> bool {
    instance.state == ReviewInstanceState::Completed && instance.applied_at.is_none()
}

/// A schedule in words: "Quarterly from 2025-03-04 14:05 UTC, 4 times".
pub fn schedule_summary(schedule: &ScheduleInput) -> String {
    match schedule {
        ScheduleInput::OneTime { starts_at } => format!("Once, starting {}", timestamp(starts_at)),
        ScheduleInput::Recurring {
            starts_at,
            frequency,
            end,
        } => {
            let end = match end {
                EndInput::Never {} => String::new(),
                EndInput::OnDate { at } => format!(", until {}", timestamp(at)),
                EndInput::AfterOccurrences { occurrences: 1 } => ", once".to_string(),
                EndInput::AfterOccurrences { occurrences } => format!(", {occurrences} times"),
            };
            format!(
                "{} from {}{end}",
                frequency_label(*frequency),
                timestamp(starts_at)
            )
        }
    }
}

fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// What a definition reviews, in words: "Members of 2 groups, inactive for 30 days".
pub fn scope_summary(scope: &ScopeInput) -> String {
    let what = match &scope.resources {
        ResourcesInput::Groups { group_ids } => {
            format!("Members of {}", count(group_ids.len(), "group", "groups"))
        }
        ResourcesInput::Applications { application_ids } => format!(
            "Role holders of {}",
            count(application_ids.len(), "application", "applications")
        ),
        ResourcesInput::AccessPackage {
            policy_id: None, ..
        } => "Assignments of an access package".to_string(),
        ResourcesInput::AccessPackage {
            policy_id: Some(_), ..
        } => "Assignments of an access package under one policy".to_string(),
    };
    match scope.filter {
        FilterInput::All {} => what,
        FilterInput::GuestsOnly {} => format!("{what}, guests only"),
        FilterInput::InactiveForDays {
            days,
            guests_only: false,
        } => format!("{what}, inactive for {days} days"),
        FilterInput::InactiveForDays {
            days,
            guests_only: true,
        } => format!("{what}, guests inactive for {days} days"),
    }
}

/// Who of the holders is reviewed, in words: "Only guests inactive for 30 days".
pub fn filter_summary(filter: FilterInput) -> String {
    match filter {
        FilterInput::All {} => "Everyone".to_string(),
        FilterInput::GuestsOnly {} => "Only guests".to_string(),
        FilterInput::InactiveForDays {
            days,
            guests_only: false,
        } => format!("Only people inactive for {days} days"),
        FilterInput::InactiveForDays {
            days,
            guests_only: true,
        } => format!("Only guests inactive for {days} days"),
    }
}

/// Whether reviewers see recommendations, in words.
pub fn recommendations_summary(recommendations: RecommendationsInput) -> String {
    match recommendations {
        RecommendationsInput::Off {} => "Off".to_string(),
        RecommendationsInput::LastSignIn { look_back_days } => {
            format!("From sign-ins in the last {look_back_days} days")
        }
    }
}

/// Who reviews, as words inside a sentence: "their managers", "Maria Manager (maria)",
/// "members of Finance". A user or group whose name is not known (yet) reads as "a user" or
/// "members of a group".
pub fn reviewer_label(spec: &ReviewerSpec, known: &KnownNames) -> String {
    match spec {
        ReviewerSpec::SelfReview {} => "the people themselves".to_string(),
        ReviewerSpec::Manager {} => "their managers".to_string(),
        ReviewerSpec::GroupOwners {} => "the group's owners".to_string(),
        ReviewerSpec::User { user_id } => known
            .person(*user_id)
            .map_or_else(|| "a user".to_string(), person),
        ReviewerSpec::GroupMembers { group_id } => match known.group(*group_id) {
            Some(name) => format!("members of {name}"),
            None => "members of a group".to_string(),
        },
    }
}

/// The users and the groups that the stages name as reviewers, for asking their names.
pub fn named_reviewers(stages: &[StageInput]) -> (Vec<UserId>, Vec<GroupId>) {
    let mut people = Vec::new();
    let mut groups = Vec::new();
    for stage in stages {
        for spec in stage.reviewers.iter().chain(&stage.fallback_reviewers) {
            match spec {
                ReviewerSpec::User { user_id } => people.push(*user_id),
                ReviewerSpec::GroupMembers { group_id } => groups.push(*group_id),
                ReviewerSpec::SelfReview {}
                | ReviewerSpec::Manager {}
                | ReviewerSpec::GroupOwners {} => {}
            }
        }
    }
    (people, groups)
}

/// One stage in words, naming the users and groups `known` has names for: "Their managers;
/// fallback: Maria Manager (maria); 14 days".
pub fn stage_summary(stage: &StageInput, known: &KnownNames) -> String {
    let names = |specs: &[ReviewerSpec]| {
        specs
            .iter()
            .map(|spec| reviewer_label(spec, known))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut text = sentence(&names(&stage.reviewers));
    if !stage.fallback_reviewers.is_empty() {
        text.push_str(&format!("; fallback: {}", names(&stage.fallback_reviewers)));
    }
    text.push_str(&format!(
        "; {}",
        count(stage.duration_days as usize, "day", "days")
    ));
    if let Some(outcomes) = &stage.decisions_that_move_on {
        let moving: Vec<&str> = outcomes.iter().map(|o| outcome_label(*o)).collect();
        text.push_str(&format!("; moves on: {}", moving.join(", ").to_lowercase()));
    }
    text
}

// ---------- the reviewer's decisions ----------

fn present(raw: &str) -> Option<&str> {
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

// ---------- the definition editor's form ----------

/// What is reviewed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ScopeKind {
    #[default]
    Groups,
    Applications,
    AccessPackage,
}

/// Who reviews, as the editor offers it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ReviewerKind {
    SelfReview,
    #[default]
    Manager,
    GroupOwners,
    User,
    GroupMembers,
}

impl ReviewerKind {
    pub const ALL: [ReviewerKind; 5] = [
        ReviewerKind::Manager,
        ReviewerKind::SelfReview,
        ReviewerKind::GroupOwners,
        ReviewerKind::User,
        ReviewerKind::GroupMembers,
    ];

    pub fn value(self) -> &'static str {
        match self {
            ReviewerKind::SelfReview => "self_review",
            ReviewerKind::Manager => "manager",
            ReviewerKind::GroupOwners => "group_owners",
            ReviewerKind::User => "user",
            ReviewerKind::GroupMembers => "group_members",
        }
    }

    pub fn parse(raw: &str) -> ReviewerKind {
        ReviewerKind::ALL
            .into_iter()
            .find(|kind| kind.value() == raw)
            .unwrap_or_default()
    }

    pub fn label(self) -> &'static str {
        match self {
            ReviewerKind::SelfReview => "The people themselves (self-review)",
            ReviewerKind::Manager => "Each person's manager",
            ReviewerKind::GroupOwners => "The owners of the group reviewed",
            ReviewerKind::User => "A specific user",
            ReviewerKind::GroupMembers => "Members of a group",
        }
    }

    /// Whether the reviewers depend on the person reviewed; such kinds are never fallbacks.
    pub fn relative(self) -> bool {
        matches!(
            self,
            ReviewerKind::SelfReview | ReviewerKind::Manager | ReviewerKind::GroupOwners
        )
    }
}

/// One entry of a list of reviewers: its kind and, for a user or a group, the chosen id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReviewerDraft {
    pub kind: ReviewerKind,
    pub target: String,
}

impl ReviewerDraft {
    pub fn of(spec: &ReviewerSpec) -> Self {
        let (kind, target) = match spec {
            ReviewerSpec::SelfReview {} => (ReviewerKind::SelfReview, String::new()),
            ReviewerSpec::Manager {} => (ReviewerKind::Manager, String::new()),
            ReviewerSpec::GroupOwners {} => (ReviewerKind::GroupOwners, String::new()),
            ReviewerSpec::User { user_id } => (ReviewerKind::User, user_id.to_string()),
            ReviewerSpec::GroupMembers { group_id } => {
                (ReviewerKind::GroupMembers, group_id.to_string())
            }
        };
        ReviewerDraft { kind, target }
    }

    /// The spec, or a refusal at `{at}.user_id` or `{at}.group_id` (where the API reports an
    /// unknown user or group).
    fn spec(&self, at: &str, refusals: &mut Vec<FieldError>) -> Option<ReviewerSpec> {
        let mut refuse = |field: String, message: &str| {
            refusals.push(FieldError {
                field,
                message: message.to_string(),
            });
            None
        };
        match self.kind {
            ReviewerKind::SelfReview => Some(ReviewerSpec::SelfReview {}),
            ReviewerKind::Manager => Some(ReviewerSpec::Manager {}),
            ReviewerKind::GroupOwners => Some(ReviewerSpec::GroupOwners {}),
            ReviewerKind::User => match self.target.trim().parse::<UserId>() {
                Ok(user_id) => Some(ReviewerSpec::User { user_id }),
                Err(_) => refuse(format!("{at}.user_id"), "choose a user"),
            },
            ReviewerKind::GroupMembers => match self.target.trim().parse::<GroupId>() {
                Ok(group_id) => Some(ReviewerSpec::GroupMembers { group_id }),
                Err(_) => refuse(format!("{at}.group_id"), "choose a group"),
            },
        }
    }
}

/// One stage as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StageDraft {
    pub reviewers: Vec<ReviewerDraft>,
    pub fallback: Vec<ReviewerDraft>,
    pub duration_days: String,
    /// The outcomes that send a person on to the next stage; ignored on the last stage.
    pub moves_on: BTreeSet<ReviewOutcome>,
}

impl Default for StageDraft {
    fn default() -> Self {
        StageDraft {
            reviewers: vec![ReviewerDraft::default()],
            fallback: Vec::new(),
            duration_days: "14".into(),
            moves_on: ReviewOutcome::ALL.into_iter().collect(),
        }
    }
}

impl StageDraft {
    pub fn of(stage: &StageInput) -> Self {
        StageDraft {
            reviewers: stage.reviewers.iter().map(ReviewerDraft::of).collect(),
            fallback: stage
                .fallback_reviewers
                .iter()
                .map(ReviewerDraft::of)
                .collect(),
            duration_days: stage.duration_days.to_string(),
            moves_on: match &stage.decisions_that_move_on {
                None => ReviewOutcome::ALL.into_iter().collect(),
                Some(outcomes) => outcomes.iter().copied().collect(),
            },
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ScheduleKind {
    #[default]
    OneTime,
    Recurring,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EndKind {
    #[default]
    Never,
    OnDate,
    AfterOccurrences,
}

/// The definition editor's form as typed. Moments are what `datetime-local` and `date` inputs
/// give, in the browser's time zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DefinitionDraft {
    pub name: String,
    pub description: String,
    pub scope: ScopeKind,
    pub group_ids: Vec<String>,
    pub application_ids: Vec<String>,
    pub access_package_id: String,
    /// "" for every policy of the package.
    pub policy_id: String,
    /// Only guests, people from outside the organisation; with `inactive_only`, only the
    /// inactive among them.
    pub guests_only: bool,
    pub inactive_only: bool,
    pub inactive_days: String,
    pub stages: Vec<StageDraft>,
    pub schedule: ScheduleKind,
    /// `2025-03-04T14:05`.
    pub starts_at: String,
    pub frequency: Frequency,
    pub end: EndKind,
    /// `2025-12-31`: no review starts after that day.
    pub end_date: String,
    pub occurrences: String,
    pub justification_required: bool,
    pub recommendations: bool,
    pub look_back_days: String,
    pub if_no_response: NoResponseRule,
    pub auto_apply: bool,
    pub reminders: bool,
    pub show_earlier_decisions: bool,
}

impl DefinitionDraft {
    /// A new definition with the API's defaults, starting at `starts_at` (local).
    pub fn new(starts_at: NaiveDateTime) -> Self {
        DefinitionDraft {
            name: String::new(),
            description: String::new(),
            scope: ScopeKind::Groups,
            group_ids: Vec::new(),
            application_ids: Vec::new(),
            access_package_id: String::new(),
            policy_id: String::new(),
            guests_only: false,
            inactive_only: false,
            inactive_days: "90".into(),
            stages: vec![StageDraft::default()],
            schedule: ScheduleKind::OneTime,
            starts_at: starts_at.format("%Y-%m-%dT%H:%M").to_string(),
            frequency: Frequency::Quarterly,
            end: EndKind::Never,
            end_date: String::new(),
            occurrences: "4".into(),
            justification_required: false,
            recommendations: true,
            look_back_days: "30".into(),
            if_no_response: NoResponseRule::NoChange,
            auto_apply: false,
            reminders: true,
            show_earlier_decisions: false,
        }
    }

    /// The form of a stored definition; `to_local` gives a moment in the browser's time zone.
    pub fn of(
        input: &ReviewDefinitionInput,
        to_local: impl Fn(DateTime<Utc>) -> NaiveDateTime,
    ) -> Self {
        let mut draft = DefinitionDraft::new(to_local(input.schedule.starts_at()));
        draft.name = input.name.clone();
        draft.description = input.description_for_reviewers.clone();
        match &input.scope.resources {
            ResourcesInput::Groups { group_ids } => {
                draft.scope = ScopeKind::Groups;
                draft.group_ids = group_ids.iter().map(ToString::to_string).collect();
            }
            ResourcesInput::Applications { application_ids } => {
                draft.scope = ScopeKind::Applications;
                draft.application_ids = application_ids.iter().map(ToString::to_string).collect();
            }
            ResourcesInput::AccessPackage {
                access_package_id,
                policy_id,
            } => {
                draft.scope = ScopeKind::AccessPackage;
                draft.access_package_id = access_package_id.to_string();
                draft.policy_id = policy_id.map(|id| id.to_string()).unwrap_or_default();
            }
        }
        match input.scope.filter {
            FilterInput::All {} => {}
            FilterInput::GuestsOnly {} => draft.guests_only = true,
            FilterInput::InactiveForDays { days, guests_only } => {
                draft.guests_only = guests_only;
                draft.inactive_only = true;
                draft.inactive_days = days.to_string();
            }
        }
        draft.stages = input.stages.iter().map(StageDraft::of).collect();
        if let ScheduleInput::Recurring { frequency, end, .. } = &input.schedule {
            draft.schedule = ScheduleKind::Recurring;
            draft.frequency = *frequency;
            match end {
                EndInput::Never {} => draft.end = EndKind::Never,
                EndInput::OnDate { at } => {
                    draft.end = EndKind::OnDate;
                    draft.end_date = to_local(*at).date().format("%Y-%m-%d").to_string();
                }
                EndInput::AfterOccurrences { occurrences } => {
                    draft.end = EndKind::AfterOccurrences;
                    draft.occurrences = occurrences.to_string();
                }
            }
        }
        let settings = &input.settings;
        draft.justification_required = settings.justification_required;
        match settings.recommendations {
            RecommendationsInput::Off {} => draft.recommendations = false,
            RecommendationsInput::LastSignIn { look_back_days } => {
                draft.recommendations = true;
                draft.look_back_days = look_back_days.to_string();
            }
        }
        draft.if_no_response = settings.if_no_response;
        draft.auto_apply = settings.auto_apply;
        draft.reminders = settings.reminders;
        draft.show_earlier_decisions = settings.show_earlier_decisions;
        draft
    }

    /// The definition to send, checked with the domain's own rules, or every refusal found
    /// before asking the server, each at the JSON path the API uses. `to_utc` reads a local
    /// date and time in the browser's time zone (`None` when it does not exist there).
    ///
    /// Whether the first start lies in the past is left to the server: an edited series that
    /// has started keeps its first start.
    pub fn parse(
        &self,
        to_utc: impl Fn(NaiveDateTime) -> Option<DateTime<Utc>>,
    ) -> Result<ReviewDefinitionInput, Vec<FieldError>> {
        let mut form = Parsing::default();
        let resources = match self.scope {
            ScopeKind::Groups => ResourcesInput::Groups {
                group_ids: form.ids(
                    &self.group_ids,
                    "scope.resources.group_ids",
                    "choose a group",
                ),
            },
            ScopeKind::Applications => ResourcesInput::Applications {
                application_ids: form.ids(
                    &self.application_ids,
                    "scope.resources.application_ids",
                    "choose an application",
                ),
            },
            ScopeKind::AccessPackage => ResourcesInput::AccessPackage {
                access_package_id: form
                    .id::<AccessPackageId>(
                        &self.access_package_id,
                        "scope.resources.access_package_id",
                        "choose an access package",
                    )
                    .unwrap_or(AccessPackageId::from_uuid(uuid::Uuid::nil())),
                policy_id: match present(&self.policy_id) {
                    None => None,
                    Some(_) => form.id::<PolicyId>(
                        &self.policy_id,
                        "scope.resources.policy_id",
                        "choose a policy of the package, or all policies",
                    ),
                },
            },
        };
        let filter = match (self.inactive_only, self.guests_only) {
            (true, guests_only) => FilterInput::InactiveForDays {
                days: form.number(
                    &self.inactive_days,
                    "scope.filter.days",
                    "must be a whole number of days",
                ),
                guests_only,
            },
            (false, true) => FilterInput::GuestsOnly {},
            (false, false) => FilterInput::All {},
        };
        let last = self.stages.len().saturating_sub(1);
        let stages = self
            .stages
            .iter()
            .enumerate()
            .map(|(index, stage)| form.stage(stage, index, index == last))
            .collect();
        let starts_at = form
            .moment(&self.starts_at, "schedule.starts_at", &to_utc)
            .unwrap_or(DateTime::UNIX_EPOCH);
        let schedule = match self.schedule {
            ScheduleKind::OneTime => ScheduleInput::OneTime { starts_at },
            ScheduleKind::Recurring => ScheduleInput::Recurring {
                starts_at,
                frequency: self.frequency,
                end: match self.end {
                    EndKind::Never => EndInput::Never {},
                    EndKind::OnDate => EndInput::OnDate {
                        at: form
                            .end_of_day(&self.end_date, "schedule.end.at", &to_utc)
                            .unwrap_or(DateTime::<Utc>::MAX_UTC),
                    },
                    EndKind::AfterOccurrences => EndInput::AfterOccurrences {
                        occurrences: form.number(
                            &self.occurrences,
                            "schedule.end.occurrences",
                            "must be a whole number",
                        ),
                    },
                },
            },
        };
        let recommendations = if self.recommendations {
            RecommendationsInput::LastSignIn {
                look_back_days: form.number(
                    &self.look_back_days,
                    "settings.recommendations.look_back_days",
                    "must be a whole number of days",
                ),
            }
        } else {
            RecommendationsInput::Off {}
        };
        let input = ReviewDefinitionInput {
            name: self.name.clone(),
            description_for_reviewers: self.description.clone(),
            scope: ScopeInput { resources, filter },
            stages,
            schedule,
            settings: SettingsInput {
                justification_required: self.justification_required,
                recommendations,
                if_no_response: self.if_no_response,
                auto_apply: self.auto_apply,
                reminders: self.reminders,
                // Only meaningful with more than one stage; not sent otherwise, so that a
                // tick left behind after removing stages does not refuse the definition.
                show_earlier_decisions: self.show_earlier_decisions && self.stages.len() > 1,
            },
        };
        form.finish(input)
    }
}

// ---------- the review a policy carries ----------

/// Stands in for the name while the form of a policy's review is checked: the name is not
/// sent, as the server names the review after the package and the policy.
const POLICY_REVIEW_NAME: &str = "Review of a policy";

impl DefinitionDraft {
    /// A new review of the people holding a package under one policy: every quarter, from
    /// `starts_at` (local).
    pub fn for_policy(starts_at: NaiveDateTime) -> Self {
        DefinitionDraft {
            scope: ScopeKind::AccessPackage,
            schedule: ScheduleKind::Recurring,
            ..DefinitionDraft::new(starts_at)
        }
    }

    /// The review the policy `policy` of package `package` carries, as `PUT
    /// .../access-review` takes it: this form's description, filter, stages, schedule and
    /// settings, checked as [`DefinitionDraft::parse`] checks a whole definition (its name and
    /// resources being the policy's), with every refusal at the form's path.
    pub fn parse_policy_review(
        &self,
        package: AccessPackageId,
        policy: PolicyId,
        to_utc: impl Fn(NaiveDateTime) -> Option<DateTime<Utc>>,
    ) -> Result<PolicyReviewInput, Vec<FieldError>> {
        let whole = DefinitionDraft {
            name: POLICY_REVIEW_NAME.to_string(),
            scope: ScopeKind::AccessPackage,
            access_package_id: package.to_string(),
            policy_id: policy.to_string(),
            ..self.clone()
        };
        let input = whole.parse(to_utc)?;
        Ok(PolicyReviewInput {
            description_for_reviewers: input.description_for_reviewers,
            filter: input.scope.filter,
            stages: input.stages,
            schedule: input.schedule,
            settings: input.settings,
        })
    }
}

/// The server's refusals of a policy's review, at the paths of the editor's form: the body's
/// `filter` is the form's `scope.filter` (the server may name either).
pub fn policy_review_errors(errors: &[FieldError]) -> Vec<FieldError> {
    errors
        .iter()
        .map(|error| {
            let field = match error.field.strip_prefix("filter") {
                Some(rest) if rest.is_empty() || rest.starts_with('.') => {
                    format!("scope.filter{rest}")
                }
                _ => error.field.clone(),
            };
            FieldError {
                field,
                message: error.message.clone(),
            }
        })
        .collect()
}

/// Refusals found while reading the form, and what stood in for the values refused, so that
/// the domain's check does not report them a second time (or at a shifted index).
#[derive(Default)]
struct Parsing {
    refusals: Vec<FieldError>,
    /// Fields whose value was made up after a refusal: the domain's messages about them are
    /// dropped.
    stand_ins: Vec<String>,
    /// Lists from which an entry was left out: the domain's messages about them and their
    /// entries are dropped, as its indexes no longer match the form's.
    shortened: Vec<String>,
}

impl Parsing {
    fn refuse(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.refusals.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    fn id<T: std::str::FromStr>(&mut self, raw: &str, field: &str, message: &str) -> Option<T> {
        match raw.trim().parse::<T>() {
            Ok(id) => Some(id),
            Err(_) => {
                self.refuse(field, message);
                self.stand_ins.push(field.to_string());
                None
            }
        }
    }

    fn ids<T: std::str::FromStr>(&mut self, raw: &[String], list: &str, message: &str) -> Vec<T> {
        let mut ids = Vec::new();
        for (index, one) in raw.iter().enumerate() {
            match one.trim().parse::<T>() {
                Ok(id) => ids.push(id),
                Err(_) => {
                    self.refuse(format!("{list}[{index}]"), message);
                    self.shortened.push(list.to_string());
                }
            }
        }
        ids
    }

    fn number(&mut self, raw: &str, field: &str, message: &str) -> u32 {
        raw.trim().parse::<u32>().unwrap_or_else(|_| {
            self.refuse(field, message);
            self.stand_ins.push(field.to_string());
            0
        })
    }

    fn moment(
        &mut self,
        raw: &str,
        field: &str,
        to_utc: &impl Fn(NaiveDateTime) -> Option<DateTime<Utc>>,
    ) -> Option<DateTime<Utc>> {
        let found = match present(raw) {
            None => Err("choose when the review starts"),
            Some(raw) => match local_date_time(raw) {
                None => Err("must be a date and time such as 2025-03-04T14:05"),
                Some(naive) => to_utc(naive).ok_or("does not exist in your time zone"),
            },
        };
        found
            .map_err(|message| {
                self.refuse(field, message);
                self.stand_ins.push(field.to_string());
            })
            .ok()
    }

    /// The last minute of a day typed in a `date` input.
    fn end_of_day(
        &mut self,
        raw: &str,
        field: &str,
        to_utc: &impl Fn(NaiveDateTime) -> Option<DateTime<Utc>>,
    ) -> Option<DateTime<Utc>> {
        let found = match present(raw) {
            None => Err("choose the last day a review may start"),
            Some(raw) => match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
                Err(_) => Err("must be a date such as 2025-12-31"),
                Ok(date) => NaiveTime::from_hms_opt(23, 59, 0)
                    .and_then(|time| to_utc(date.and_time(time)))
                    .ok_or("does not exist in your time zone"),
            },
        };
        found
            .map_err(|message| {
                self.refuse(field, message);
                self.stand_ins.push(field.to_string());
            })
            .ok()
    }

    fn reviewers(&mut self, drafts: &[ReviewerDraft], list: &str) -> Vec<ReviewerSpec> {
        let mut specs = Vec::new();
        for (index, draft) in drafts.iter().enumerate() {
            match draft.spec(&format!("{list}[{index}]"), &mut self.refusals) {
                Some(spec) => specs.push(spec),
                None => self.shortened.push(list.to_string()),
            }
        }
        specs
    }

    fn stage(&mut self, stage: &StageDraft, index: usize, last: bool) -> StageInput {
        let at = format!("stages[{index}]");
        let all: BTreeSet<ReviewOutcome> = ReviewOutcome::ALL.into_iter().collect();
        StageInput {
            reviewers: self.reviewers(&stage.reviewers, &format!("{at}.reviewers")),
            fallback_reviewers: self
                .reviewers(&stage.fallback, &format!("{at}.fallback_reviewers")),
            duration_days: self.number(
                &stage.duration_days,
                &format!("{at}.duration_days"),
                "must be a whole number of days",
            ),
            decisions_that_move_on: (!last && stage.moves_on != all)
                .then(|| stage.moves_on.iter().copied().collect()),
        }
    }

    /// Whether the domain's message about `field` is one this form already answered.
    fn answered(&self, field: &str) -> bool {
        self.stand_ins.iter().any(|made_up| made_up == field)
            || self.shortened.iter().any(|list| {
                field == list
                    || field
                        .strip_prefix(list.as_str())
                        .is_some_and(|rest| rest.starts_with('['))
            })
    }

    fn finish(
        self,
        input: ReviewDefinitionInput,
    ) -> Result<ReviewDefinitionInput, Vec<FieldError>> {
        let mut refusals = self.refusals.clone();
        if let Err(found) = review::validate_record(&input) {
            refusals.extend(
                found
                    .into_iter()
                    .filter(|error| !self.answered(&error.field)),
            );
        }
        if refusals.is_empty() {
            Ok(input)
        } else {
            Err(refusals)
        }
    }
}

/// The refusals at `path` or inside it (`path.x`, `path[0]`), joined; for a control that
/// stands for a whole subtree of the input, such as one reviewer.
pub fn messages_under(errors: &[FieldError], path: &str) -> Option<String> {
    let found: Vec<&str> = errors
        .iter()
        .filter(|e| {
            e.field == path
                || e.field
                    .strip_prefix(path)
                    .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
        })
        .map(|e| e.message.as_str())
        .collect();
    (!found.is_empty()).then(|| found.join("; "))
}

/// The refusals at exactly `path`, joined; for a list whose entries show their own.
pub fn messages_at(errors: &[FieldError], path: &str) -> Option<String> {
    let found: Vec<&str> = errors
        .iter()
        .filter(|e| e.field == path)
        .map(|e| e.message.as_str())
        .collect();
    (!found.is_empty()).then(|| found.join("; "))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;
    use tessera_domain::assignment::PersonSummary;
    use tessera_domain::directory::GroupSummary;

    use super::*;

    const GROUP: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5a";
    const OTHER_GROUP: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
    const USER: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c";
    const PACKAGE: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5d";
    const ITEM: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5e";
    const POLICY: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5f";

    /// The browser's time zone in these tests: UTC.
    fn utc(naive: NaiveDateTime) -> Option<DateTime<Utc>> {
        Some(naive.and_utc())
    }

    fn start() -> NaiveDateTime {
        local_date_time("2030-03-04T14:05").unwrap()
    }

    fn manager_review_of_one_group() -> DefinitionDraft {
        let mut draft = DefinitionDraft::new(start());
        draft.name = "Quarterly sales review".into();
        draft.group_ids = vec![GROUP.into()];
        draft.stages[0].fallback = vec![ReviewerDraft {
            kind: ReviewerKind::User,
            target: USER.into(),
        }];
        draft
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn a_one_time_manager_review_is_sent_in_the_apis_shape() {
        let input = manager_review_of_one_group().parse(utc).unwrap();
        assert_eq!(
            serde_json::to_value(&input).unwrap(),
            json!({
                "name": "Quarterly sales review",
                "description_for_reviewers": "",
                "scope": {
                    "resources": {"type": "groups", "group_ids": [GROUP]},
                    "filter": {"type": "all"}
                },
                "stages": [{
                    "reviewers": [{"type": "manager"}],
                    "fallback_reviewers": [{"type": "user", "user_id": USER}],
                    "duration_days": 14
                }],
                "schedule": {"type": "one_time", "starts_at": "2030-03-04T14:05:00Z"},
                "settings": {
                    "justification_required": false,
                    "recommendations": {"type": "last_sign_in", "look_back_days": 30},
                    "if_no_response": "no_change",
                    "auto_apply": false,
                    "reminders": true,
                    "show_earlier_decisions": false
                }
            })
        );
    }

    #[test]
    fn a_recurring_two_stage_review_of_an_access_package_reads_back_the_same() {
        let mut draft = manager_review_of_one_group();
        draft.scope = ScopeKind::AccessPackage;
        draft.access_package_id = PACKAGE.into();
        draft.inactive_only = true;
        draft.inactive_days = "60".into();
        draft.schedule = ScheduleKind::Recurring;
        draft.frequency = Frequency::Quarterly;
        draft.end = EndKind::AfterOccurrences;
        draft.occurrences = "4".into();
        draft.stages[0].moves_on = [ReviewOutcome::Approve, ReviewOutcome::DontKnow].into();
        draft.stages.push(StageDraft {
            reviewers: vec![ReviewerDraft {
                kind: ReviewerKind::GroupMembers,
                target: OTHER_GROUP.into(),
            }],
            fallback: Vec::new(),
            duration_days: "7".into(),
            moves_on: BTreeSet::new(),
        });
        draft.show_earlier_decisions = true;
        draft.if_no_response = NoResponseRule::TakeRecommendations;
        draft.auto_apply = true;
        let input = draft.parse(utc).unwrap();
        let value = serde_json::to_value(&input).unwrap();
        assert_eq!(
            value["scope"],
            json!({
                "resources": {"type": "access_package", "access_package_id": PACKAGE},
                "filter": {"type": "inactive_for_days", "days": 60, "guests_only": false}
            })
        );
        assert_eq!(
            value["stages"][0]["decisions_that_move_on"],
            json!(["approve", "dont_know"])
        );
        assert!(value["stages"][1].get("decisions_that_move_on").is_none());
        assert_eq!(
            value["schedule"],
            json!({
                "type": "recurring",
                "starts_at": "2030-03-04T14:05:00Z",
                "frequency": "quarterly",
                "end": {"type": "after_occurrences", "occurrences": 4}
            })
        );
        // The editor opens a stored definition as it was written.
        let again = DefinitionDraft::of(&input, |at| at.naive_utc());
        assert_eq!(again.parse(utc).unwrap(), input);
    }

    #[test]
    fn an_end_date_means_the_last_minute_of_that_day() {
        let mut draft = manager_review_of_one_group();
        draft.schedule = ScheduleKind::Recurring;
        draft.frequency = Frequency::Monthly;
        draft.end = EndKind::OnDate;
        draft.end_date = "2030-12-31".into();
        let input = draft.parse(utc).unwrap();
        assert_eq!(
            input.schedule,
            ScheduleInput::Recurring {
                starts_at: Utc.with_ymd_and_hms(2030, 3, 4, 14, 5, 0).unwrap(),
                frequency: Frequency::Monthly,
                end: EndInput::OnDate {
                    at: Utc.with_ymd_and_hms(2030, 12, 31, 23, 59, 0).unwrap()
                },
            }
        );
        assert_eq!(
            DefinitionDraft::of(&input, |at| at.naive_utc()).end_date,
            "2030-12-31"
        );
    }

    #[test]
    fn unreadable_values_are_refused_where_the_api_would_refuse_them() {
        let mut draft = manager_review_of_one_group();
        draft.name = String::new();
        draft.stages[0].duration_days = "two weeks".into();
        draft.stages[0].fallback = vec![ReviewerDraft {
            kind: ReviewerKind::User,
            target: String::new(),
        }];
        draft.schedule = ScheduleKind::Recurring;
        draft.end = EndKind::AfterOccurrences;
        draft.occurrences = "many".into();
        draft.starts_at = String::new();
        let errors = draft.parse(utc).unwrap_err();
        let found = fields(&errors);
        for expected in [
            "name",
            "stages[0].duration_days",
            "stages[0].fallback_reviewers[0].user_id",
            "schedule.end.occurrences",
            "schedule.starts_at",
        ] {
            assert!(found.contains(&expected), "{expected} in {found:?}");
        }
        // Each field once: the domain's own check does not repeat what was refused here.
        let mut unique = found.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), found.len(), "{found:?}");
        // The fallback left out is not reported as missing by the domain as well.
        assert!(
            !found.contains(&"stages[0].fallback_reviewers"),
            "{found:?}"
        );
    }

    #[test]
    fn the_domains_rules_are_checked_before_sending() {
        let mut draft = manager_review_of_one_group();
        draft.stages[0].fallback.clear();
        draft.recommendations = false;
        draft.if_no_response = NoResponseRule::TakeRecommendations;
        draft.group_ids.clear();
        let errors = draft.parse(utc).unwrap_err();
        let found = fields(&errors);
        assert!(found.contains(&"stages[0].fallback_reviewers"), "{found:?}");
        assert!(found.contains(&"settings.if_no_response"), "{found:?}");
        assert!(found.contains(&"scope.resources.group_ids"), "{found:?}");
    }

    #[test]
    fn showing_earlier_decisions_is_only_sent_with_several_stages() {
        let mut draft = manager_review_of_one_group();
        draft.show_earlier_decisions = true;
        let input = draft.parse(utc).unwrap();
        assert!(!input.settings.show_earlier_decisions);
    }

    #[test]
    fn messages_are_found_under_a_control_or_at_a_list() {
        let errors = vec![
            FieldError {
                field: "stages[1].reviewers[0].group_id".into(),
                message: "no such group".into(),
            },
            FieldError {
                field: "stages[1].reviewers".into(),
                message: "add at least one reviewer".into(),
            },
            FieldError {
                field: "stages[10].reviewers".into(),
                message: "elsewhere".into(),
            },
        ];
        assert_eq!(
            messages_under(&errors, "stages[1].reviewers[0]").as_deref(),
            Some("no such group")
        );
        assert_eq!(
            messages_at(&errors, "stages[1].reviewers").as_deref(),
            Some("add at least one reviewer")
        );
        assert_eq!(messages_under(&errors, "stages[1].reviewers[1]"), None);
    }

    #[test]
    fn a_required_justification_is_asked_for_before_sending() {
        let refused = decision(ReviewVerdict::Deny, "  ", true).unwrap_err();
        assert!(refused.field_message("justification").is_some());
        let decided = decision(ReviewVerdict::Deny, " left the team ", true).unwrap();
        assert_eq!(
            serde_json::to_value(&decided).unwrap(),
            json!({"verdict": "deny", "justification": "left the team"})
        );
        let optional = decision(ReviewVerdict::DontKnow, "", false).unwrap();
        assert_eq!(optional.justification, None);
    }

    #[test]
    fn a_bulk_decision_needs_chosen_items() {
        assert!(
            bulk_decision(Vec::new(), ReviewVerdict::Approve, "", false)
                .unwrap_err()
                .field_message("item_ids")
                .is_some()
        );
        let item: ReviewItemId = ITEM.parse().unwrap();
        let input = bulk_decision(vec![item], ReviewVerdict::Approve, "", false).unwrap();
        assert_eq!(
            serde_json::to_value(&input).unwrap(),
            json!({"item_ids": [ITEM], "verdict": "approve", "justification": null})
        );
    }

    #[test]
    fn accepting_recommendations_without_a_choice_means_every_undecided_item() {
        assert_eq!(
            serde_json::to_value(accept_recommendations(Vec::new()).unwrap()).unwrap(),
            json!({})
        );
        let item: ReviewItemId = ITEM.parse().unwrap();
        assert_eq!(
            serde_json::to_value(accept_recommendations(vec![item]).unwrap()).unwrap(),
            json!({"item_ids": [ITEM]})
        );
    }

    #[test]
    fn item_filters_become_a_query() {
        assert_eq!(
            ItemQuery::mine(true, " ali ").pairs(),
            vec![
                ("mine", "true".to_string()),
                ("outcome", "not_reviewed".to_string()),
                ("q", "ali".to_string())
            ]
        );
        let results = ItemQuery {
            mine: false,
            outcome: OutcomeChoice::Only(ReviewOutcome::Deny),
            q: "a b".into(),
        };
        assert_eq!(
            results.pairs(),
            vec![
                ("mine", "false".to_string()),
                ("outcome", "deny".to_string()),
                ("q", "a b".to_string())
            ]
        );
        let instance = ReviewInstanceId::from_uuid(uuid::Uuid::nil());
        assert_eq!(
            results_csv_href(instance, &results),
            "/api/v1/access-review-instances/00000000-0000-0000-0000-000000000000/results.csv\
             ?outcome=deny&q=a%20b"
        );
        assert_eq!(
            results_csv_href(instance, &ItemQuery::default()),
            "/api/v1/access-review-instances/00000000-0000-0000-0000-000000000000/results.csv"
        );
        assert_eq!(
            OutcomeChoice::parse("dont_know"),
            OutcomeChoice::Only(ReviewOutcome::DontKnow)
        );
        assert_eq!(OutcomeChoice::parse("nonsense"), OutcomeChoice::All);
    }

    #[test]
    fn bulk_results_are_counted_and_refusals_named() {
        let item: ReviewItemId = ITEM.parse().unwrap();
        let results: Vec<ReviewItemResult> = serde_json::from_value(json!([
            {"item_id": ITEM, "item": null, "refused": "You can't review your own access."}
        ]))
        .unwrap();
        let summary = BulkSummary::of(&results, |id| (id == item).then(|| "Bob".to_string()));
        assert_eq!(summary.decided, 0);
        assert_eq!(
            summary.refused,
            vec!["Bob: You can't review your own access.".to_string()]
        );
        assert_eq!(
            summary.headline("approved"),
            "0 items approved; 1 could not be."
        );
        assert_eq!(
            BulkSummary {
                decided: 1,
                refused: Vec::new()
            }
            .headline("denied"),
            "1 item denied."
        );
    }

    #[test]
    fn schedules_and_scopes_read_as_sentences() {
        let input = manager_review_of_one_group().parse(utc).unwrap();
        assert_eq!(
            schedule_summary(&input.schedule),
            "Once, starting 2030-03-04 14:05 UTC"
        );
        assert_eq!(scope_summary(&input.scope), "Members of 1 group");
        assert_eq!(
            stage_summary(&input.stages[0], &KnownNames::default()),
            "Their managers; fallback: a user; 14 days"
        );
        let recurring = ScheduleInput::Recurring {
            starts_at: Utc.with_ymd_and_hms(2030, 3, 4, 14, 5, 0).unwrap(),
            frequency: Frequency::SemiAnnually,
            end: EndInput::AfterOccurrences { occurrences: 3 },
        };
        assert_eq!(
            schedule_summary(&recurring),
            "Every six months from 2030-03-04 14:05 UTC, 3 times"
        );
    }

    #[test]
    fn stages_name_the_users_and_groups_whose_names_are_known() {
        let mut draft = manager_review_of_one_group();
        draft.stages[0].reviewers = vec![
            ReviewerDraft {
                kind: ReviewerKind::GroupMembers,
                target: OTHER_GROUP.into(),
            },
            ReviewerDraft {
                kind: ReviewerKind::Manager,
                target: String::new(),
            },
        ];
        let input = draft.parse(utc).unwrap();
        let (people, groups) = named_reviewers(&input.stages);
        assert_eq!(people, [USER.parse::<UserId>().unwrap()]);
        assert_eq!(groups, [OTHER_GROUP.parse::<GroupId>().unwrap()]);

        let mut known = KnownNames::default();
        assert_eq!(
            stage_summary(&input.stages[0], &known),
            "Members of a group, their managers; fallback: a user; 14 days"
        );
        known.learn_people(&[PersonSummary {
            id: people[0],
            username: "maria".into(),
            display_name: "Maria Manager".into(),
            guest: false,
        }]);
        known.learn_groups(&[GroupSummary {
            id: groups[0],
            name: "Finance".into(),
        }]);
        assert_eq!(
            stage_summary(&input.stages[0], &known),
            "Members of Finance, their managers; fallback: Maria Manager (maria); 14 days"
        );
    }

    #[test]
    fn guests_only_is_sent_alone_or_with_inactivity_and_reads_back() {
        let mut draft = manager_review_of_one_group();
        draft.guests_only = true;
        let guests = draft.parse(utc).unwrap();
        assert_eq!(
            serde_json::to_value(guests.scope.filter).unwrap(),
            json!({"type": "guests_only"})
        );
        assert_eq!(DefinitionDraft::of(&guests, |at| at.naive_utc()), draft);
        assert_eq!(
            scope_summary(&guests.scope),
            "Members of 1 group, guests only"
        );
        assert_eq!(filter_summary(guests.scope.filter), "Only guests");

        draft.inactive_only = true;
        draft.inactive_days = "45".into();
        let inactive_guests = draft.parse(utc).unwrap();
        assert_eq!(
            serde_json::to_value(inactive_guests.scope.filter).unwrap(),
            json!({"type": "inactive_for_days", "days": 45, "guests_only": true})
        );
        assert_eq!(
            DefinitionDraft::of(&inactive_guests, |at| at.naive_utc()),
            draft
        );
        assert_eq!(
            scope_summary(&inactive_guests.scope),
            "Members of 1 group, guests inactive for 45 days"
        );
        assert_eq!(
            filter_summary(inactive_guests.scope.filter),
            "Only guests inactive for 45 days"
        );
        assert_eq!(
            filter_summary(FilterInput::InactiveForDays {
                days: 45,
                guests_only: false
            }),
            "Only people inactive for 45 days"
        );
        assert_eq!(filter_summary(FilterInput::All {}), "Everyone");
    }

    fn quarterly_review_by_a_user() -> DefinitionDraft {
        let mut draft = DefinitionDraft::for_policy(start());
        draft.stages[0].reviewers = vec![ReviewerDraft {
            kind: ReviewerKind::User,
            target: USER.into(),
        }];
        draft
    }

    #[test]
    fn a_policys_review_is_sent_without_the_name_and_resources_the_policy_decides() {
        let package: AccessPackageId = PACKAGE.parse().unwrap();
        let policy: PolicyId = POLICY.parse().unwrap();
        let input = quarterly_review_by_a_user()
            .parse_policy_review(package, policy, utc)
            .unwrap();
        assert_eq!(
            serde_json::to_value(&input).unwrap(),
            json!({
                "description_for_reviewers": "",
                "filter": {"type": "all"},
                "stages": [{
                    "reviewers": [{"type": "user", "user_id": USER}],
                    "fallback_reviewers": [],
                    "duration_days": 14
                }],
                "schedule": {
                    "type": "recurring",
                    "starts_at": "2030-03-04T14:05:00Z",
                    "frequency": "quarterly",
                    "end": {"type": "never"}
                },
                "settings": {
                    "justification_required": false,
                    "recommendations": {"type": "last_sign_in", "look_back_days": 30},
                    "if_no_response": "no_change",
                    "auto_apply": false,
                    "reminders": true,
                    "show_earlier_decisions": false
                }
            })
        );
        // The stored review, as the server answers it, opens in the form as it was written.
        let stored = input
            .clone()
            .into_definition("Ledger: Staff".into(), package, policy);
        let again = DefinitionDraft::of(&stored, |at| at.naive_utc());
        assert_eq!(
            again.parse_policy_review(package, policy, utc).unwrap(),
            input
        );
    }

    #[test]
    fn a_policys_review_is_refused_at_the_forms_paths_and_never_for_its_name() {
        let package: AccessPackageId = PACKAGE.parse().unwrap();
        let policy: PolicyId = POLICY.parse().unwrap();
        let mut draft = quarterly_review_by_a_user();
        draft.stages[0].reviewers[0].kind = ReviewerKind::Manager;
        draft.inactive_only = true;
        draft.inactive_days = "soon".into();
        let errors = draft.parse_policy_review(package, policy, utc).unwrap_err();
        let found = fields(&errors);
        assert!(found.contains(&"scope.filter.days"), "{found:?}");
        assert!(found.contains(&"stages[0].fallback_reviewers"), "{found:?}");
        assert!(
            !found
                .iter()
                .any(|field| *field == "name" || field.starts_with("scope.resources")),
            "{found:?}"
        );
    }

    #[test]
    fn the_servers_refusals_of_a_policys_review_land_on_the_forms_fields() {
        let refused = |field: &str| FieldError {
            field: field.into(),
            message: "no".into(),
        };
        let mapped = policy_review_errors(&[
            refused("filter.days"),
            refused("filter"),
            refused("scope.filter.days"),
            refused("stages[0].reviewers[0].user_id"),
            refused("filtered"),
        ]);
        assert_eq!(
            fields(&mapped),
            vec![
                "scope.filter.days",
                "scope.filter",
                "scope.filter.days",
                "stages[0].reviewers[0].user_id",
                "filtered"
            ]
        );
    }

    #[test]
    fn option_values_read_back() {
        for rule in NO_RESPONSE_RULES {
            assert_eq!(parse_no_response(no_response_value(rule)), rule);
        }
        for frequency in Frequency::ALL {
            assert_eq!(parse_frequency(frequency.as_str()), frequency);
        }
        for kind in ReviewerKind::ALL {
            assert_eq!(ReviewerKind::parse(kind.value()), kind);
        }
    }
}

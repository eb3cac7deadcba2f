//! How reviews, items, decisions, schedules, scopes and stages read on screen.

use tessera_domain::GroupId;
use tessera_domain::UserId;
use tessera_domain::review::{
    ApplyOutcome, DecisionSource, EndInput, FilterInput, Frequency, NoResponseRule,
    RecommendationsInput, RecommendedVerdict, ResourcesInput, ReviewInstanceState,
    ReviewInstanceView, ReviewOutcome, ReviewVerdict, ReviewedResource, ReviewerSpec,
    ScheduleInput, ScopeInput, StageInput,
};

use crate::assignments::person;
use crate::format::timestamp;
use crate::forms::sentence;
use crate::names::KnownNames;

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
pub fn progress_text(decided: usize, total: usize) -> String {
    format!("{decided} of {total} decided")
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

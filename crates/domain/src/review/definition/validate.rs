//! The rules a [`ReviewDefinitionInput`] must pass: [`validate`] when a definition is created
//! or changed, [`validate_record`] for the rules that hold whatever the time.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::{
    DESCRIPTION_MAX_LEN, FilterInput, MAX_INACTIVE_DAYS, MAX_INSTANCE_DAYS, MAX_RESOURCES,
    MAX_REVIEWER_ENTRIES, MAX_STAGES, NAME_MAX_LEN, PersonFilter, RecommendationsInput,
    ResourcesInput, ReviewDefinitionInput, ReviewSettings, ReviewStage, ReviewedResource,
    ReviewerSpec, SettingsInput, StageInput, ValidReviewDefinition,
};
use crate::policy::{Errors, Lines, text};
use crate::problem::FieldError;
use crate::review::decision::{NoResponseRule, ReviewOutcome};
use crate::review::recommendation::MAX_LOOK_BACK_DAYS;
use crate::review::schedule::{self, ScheduleInput};

/// Checks a definition when it is created or changed at `now`: every rule of
/// [`validate_record`], and a first start that is not in the past nor more than five years
/// ahead. Reports every problem at once, each under the JSON path of the input at fault.
///
/// When an administrator edits a series that has already started, its first start is in the
/// past; the caller keeps the stored start and checks the edit with [`validate_record`].
pub fn validate(
    input: &ReviewDefinitionInput,
    now: DateTime<Utc>,
) -> Result<ValidReviewDefinition, Vec<FieldError>> {
    let mut late = Errors::default();
    schedule::validate_at(&mut late, &input.schedule, now);
    match (validate_record(input), late.is_empty()) {
        (Ok(definition), true) => Ok(definition),
        (Ok(_), false) => Err(late.into_vec()),
        (Err(mut errors), _) => {
            if !late.is_empty() {
                errors.extend(late.into_vec());
            }
            Err(errors)
        }
    }
}

/// Checks the rules that hold whatever the time, which a stored definition must still pass
/// when read back. Beyond lengths and ranges (each documented on its field), it refuses:
/// - no resource, more than 50, or one twice;
/// - no stage, or more than 3; stages lasting more than 180 days together, or longer than the
///   shortest period of the recurrence (an instance would overlap the next);
/// - a reviewer list empty, longer than 25, naming one set twice, or mixing self-review with
///   other reviewers; group owners when no groups are reviewed;
/// - self-review, managers or group owners without fallback reviewers; fallback reviewers that
///   are themselves relative, or already reviewers of the stage;
/// - outcomes moving on from the last stage, none at all, or one twice;
/// - "take recommendations" when recommendations are off; showing earlier decisions when
///   there is a single stage;
/// - an end date not after the first start, or an occurrence count outside 1 to 1000.
pub fn validate_record(
    input: &ReviewDefinitionInput,
) -> Result<ValidReviewDefinition, Vec<FieldError>> {
    let mut errors = Errors::default();
    let name = text(
        &mut errors,
        "name",
        &input.name,
        1,
        NAME_MAX_LEN,
        Lines::One,
    );
    let description = text(
        &mut errors,
        "description_for_reviewers",
        &input.description_for_reviewers,
        0,
        DESCRIPTION_MAX_LEN,
        Lines::Many,
    );
    let resources = validate_resources(&mut errors, &input.scope.resources);
    let filter = validate_filter(&mut errors, input.scope.filter);
    let stages = validate_stages(&mut errors, input);
    let schedule = schedule::validate(&mut errors, &input.schedule);
    let settings = validate_settings(&mut errors, &input.settings);
    cross_field_rules(&mut errors, input);

    match (
        name,
        description,
        resources,
        filter,
        stages,
        schedule,
        settings,
    ) {
        (
            Some(name),
            Some(description_for_reviewers),
            Some(resources),
            Some(filter),
            Some(stages),
            Some(schedule),
            Some(settings),
        ) if errors.is_empty() => Ok(ValidReviewDefinition {
            name,
            description_for_reviewers,
            resources,
            filter,
            stages,
            schedule,
            settings,
        }),
        _ => Err(errors.into_vec()),
    }
}

fn validate_resources(
    errors: &mut Errors,
    resources: &ResourcesInput,
) -> Option<Vec<ReviewedResource>> {
    match resources {
        ResourcesInput::Groups { group_ids } => {
            id_list(errors, "scope.resources.group_ids", group_ids).then(|| {
                group_ids
                    .iter()
                    .map(|group_id| ReviewedResource::Group {
                        group_id: *group_id,
                    })
                    .collect()
            })
        }
        ResourcesInput::Applications { application_ids } => {
            id_list(errors, "scope.resources.application_ids", application_ids).then(|| {
                application_ids
                    .iter()
                    .map(|application_id| ReviewedResource::Application {
                        application_id: *application_id,
                    })
                    .collect()
            })
        }
        ResourcesInput::AccessPackage {
            access_package_id,
            policy_id,
        } => Some(vec![ReviewedResource::AccessPackage {
            access_package_id: *access_package_id,
            policy_id: *policy_id,
        }]),
    }
}

/// A list of resources: not empty, not too long, none twice. Whether it passed.
fn id_list<T: Ord>(errors: &mut Errors, at: &str, ids: &[T]) -> bool {
    let before = errors.len();
    if ids.is_empty() {
        errors.add(at, "select at least one");
    } else if ids.len() > MAX_RESOURCES {
        errors.add(
            at,
            format!("may select at most {MAX_RESOURCES}; each is reviewed separately"),
        );
    }
    let mut seen = BTreeSet::new();
    for (index, id) in ids.iter().enumerate() {
        if !seen.insert(id) {
            errors.add(format!("{at}[{index}]"), "is already selected");
        }
    }
    errors.len() == before
}

fn validate_filter(errors: &mut Errors, filter: FilterInput) -> Option<PersonFilter> {
    match filter {
        FilterInput::All {} => Some(PersonFilter::ALL),
        FilterInput::GuestsOnly {} => Some(PersonFilter {
            guests_only: true,
            inactive_days: None,
        }),
        FilterInput::InactiveForDays { days, guests_only } => {
            match u16::try_from(days)
                .ok()
                .filter(|days| (1..=MAX_INACTIVE_DAYS).contains(days))
            {
                Some(days) => Some(PersonFilter {
                    guests_only,
                    inactive_days: Some(days),
                }),
                None => {
                    errors.add(
                        "scope.filter.days",
                        format!("must be between 1 and {MAX_INACTIVE_DAYS} days"),
                    );
                    None
                }
            }
        }
    }
}

fn validate_stages(errors: &mut Errors, input: &ReviewDefinitionInput) -> Option<Vec<ReviewStage>> {
    let stages = &input.stages;
    let before = errors.len();
    if stages.is_empty() {
        errors.add("stages", "add at least one stage");
    } else if stages.len() > MAX_STAGES {
        errors.add("stages", format!("may have at most {MAX_STAGES} stages"));
    }
    let groups_reviewed = matches!(input.scope.resources, ResourcesInput::Groups { .. });
    let valid: Vec<Option<ReviewStage>> = stages
        .iter()
        .enumerate()
        .map(|(index, stage)| {
            validate_stage(
                errors,
                &format!("stages[{index}]"),
                index + 1 == stages.len(),
                groups_reviewed,
                stage,
            )
        })
        .collect();
    // Only once every stage's own duration is in range: otherwise that error says it all.
    let total: u64 = stages
        .iter()
        .map(|stage| u64::from(stage.duration_days))
        .sum();
    if valid_durations(stages) && total > u64::from(MAX_INSTANCE_DAYS) {
        errors.add(
            "stages",
            format!(
                "the stages last {total} days together; a review lasts at most \
                 {MAX_INSTANCE_DAYS} days"
            ),
        );
    }
    if errors.len() != before {
        return None;
    }
    valid.into_iter().collect()
}

fn validate_stage(
    errors: &mut Errors,
    at: &str,
    last: bool,
    groups_reviewed: bool,
    stage: &StageInput,
) -> Option<ReviewStage> {
    let before = errors.len();
    let reviewers_at = format!("{at}.reviewers");
    reviewer_list(
        errors,
        &reviewers_at,
        &stage.reviewers,
        Some("add at least one reviewer"),
    );
    let alone = stage.reviewers.len() == 1;
    for (index, spec) in stage.reviewers.iter().enumerate() {
        match spec {
            ReviewerSpec::SelfReview {} if !alone => errors.add(
                format!("{reviewers_at}[{index}]"),
                "people reviewing their own access can't share a stage with other reviewers; \
                 give the others a stage of their own",
            ),
            ReviewerSpec::GroupOwners {} if !groups_reviewed => errors.add(
                format!("{reviewers_at}[{index}]"),
                "group owners review only when groups are reviewed",
            ),
            ReviewerSpec::SelfReview {}
            | ReviewerSpec::GroupOwners {}
            | ReviewerSpec::Manager {}
            | ReviewerSpec::User { .. }
            | ReviewerSpec::GroupMembers { .. } => {}
        }
    }

    let fallback_at = format!("{at}.fallback_reviewers");
    let needs_fallback = stage.reviewers.iter().any(|spec| spec.is_relative());
    if needs_fallback && stage.fallback_reviewers.is_empty() {
        errors.add(
            &fallback_at,
            "required when self-review, managers or group owners review: they may be nobody \
             for some people",
        );
    }
    reviewer_list(errors, &fallback_at, &stage.fallback_reviewers, None);
    for (index, spec) in stage.fallback_reviewers.iter().enumerate() {
        if spec.is_relative() {
            errors.add(
                format!("{fallback_at}[{index}]"),
                "only specific users and groups can be fallback reviewers",
            );
        } else if stage.reviewers.contains(spec) {
            errors.add(
                format!("{fallback_at}[{index}]"),
                "is already a reviewer of this stage",
            );
        }
    }

    let duration = u8::try_from(stage.duration_days)
        .ok()
        .filter(|days| (1..=MAX_INSTANCE_DAYS).contains(&u16::from(*days)));
    if duration.is_none() {
        errors.add(
            format!("{at}.duration_days"),
            format!("must be between 1 and {MAX_INSTANCE_DAYS} days"),
        );
    }

    let moves_on = match &stage.decisions_that_move_on {
        None => ReviewOutcome::ALL.into_iter().collect(),
        Some(_) if last => {
            errors.add(
                format!("{at}.decisions_that_move_on"),
                "the last stage has no next stage; leave this out",
            );
            BTreeSet::new()
        }
        Some(outcomes) => {
            let moves_at = format!("{at}.decisions_that_move_on");
            if outcomes.is_empty() {
                errors.add(
                    &moves_at,
                    "choose at least one outcome, or remove the stages after this one",
                );
            }
            let mut seen = BTreeSet::new();
            for (index, outcome) in outcomes.iter().enumerate() {
                if !seen.insert(*outcome) {
                    errors.add(format!("{moves_at}[{index}]"), "is listed twice");
                }
            }
            seen
        }
    };

    if errors.len() != before {
        return None;
    }
    Some(ReviewStage {
        reviewers: stage.reviewers.clone(),
        fallback: stage.fallback_reviewers.clone(),
        duration_days: duration?,
        moves_on,
    })
}

fn valid_durations(stages: &[StageInput]) -> bool {
    stages
        .iter()
        .all(|stage| (1..=u32::from(MAX_INSTANCE_DAYS)).contains(&stage.duration_days))
}

/// A list of reviewers: not too long, no entry twice, and when `if_empty` says why, not empty.
fn reviewer_list(errors: &mut Errors, at: &str, specs: &[ReviewerSpec], if_empty: Option<&str>) {
    if let (true, Some(message)) = (specs.is_empty(), if_empty) {
        errors.add(at, message);
    } else if specs.len() > MAX_REVIEWER_ENTRIES {
        errors.add(
            at,
            format!("may have at most {MAX_REVIEWER_ENTRIES} entries; use a group for more people"),
        );
    }
    let mut seen = BTreeSet::new();
    for (index, spec) in specs.iter().enumerate() {
        if !seen.insert(*spec) {
            errors.add(format!("{at}[{index}]"), "is listed twice");
        }
    }
}

fn validate_settings(errors: &mut Errors, settings: &SettingsInput) -> Option<ReviewSettings> {
    let look_back_days = match settings.recommendations {
        RecommendationsInput::Off {} => None,
        RecommendationsInput::LastSignIn { look_back_days } => {
            match u16::try_from(look_back_days)
                .ok()
                .filter(|days| (1..=MAX_LOOK_BACK_DAYS).contains(days))
            {
                Some(days) => Some(days),
                None => {
                    errors.add(
                        "settings.recommendations.look_back_days",
                        format!("must be between 1 and {MAX_LOOK_BACK_DAYS} days"),
                    );
                    return None;
                }
            }
        }
    };
    Some(ReviewSettings {
        justification_required: settings.justification_required,
        look_back_days,
        if_no_response: settings.if_no_response,
        auto_apply: settings.auto_apply,
        reminders: settings.reminders,
        show_earlier_decisions: settings.show_earlier_decisions,
    })
}

/// Rules that tie sections together. They read the input directly, so they are reported even
/// when the sections themselves have problems.
fn cross_field_rules(errors: &mut Errors, input: &ReviewDefinitionInput) {
    if let ScheduleInput::Recurring { frequency, .. } = &input.schedule
        && valid_durations(&input.stages)
    {
        let total: u32 = input.stages.iter().map(|stage| stage.duration_days).sum();
        let period = frequency.shortest_period_days();
        if total > u32::from(period) {
            errors.add(
                "schedule.frequency",
                format!(
                    "the stages last {total} days together, longer than the shortest {} \
                     period ({period} days), so an instance would overlap the next; shorten \
                     the stages or choose a longer period",
                    frequency.as_str().replace('_', "-")
                ),
            );
        }
    }
    let recommendations_off = match input.settings.recommendations {
        RecommendationsInput::Off {} => true,
        RecommendationsInput::LastSignIn { .. } => false,
    };
    if recommendations_off && input.settings.if_no_response == NoResponseRule::TakeRecommendations {
        errors.add(
            "settings.if_no_response",
            "recommendations are off, so there are none to take; turn them on or choose \
             another rule",
        );
    }
    if input.settings.show_earlier_decisions && input.stages.len() < 2 {
        errors.add(
            "settings.show_earlier_decisions",
            "a review with a single stage has no earlier decisions to show",
        );
    }
}

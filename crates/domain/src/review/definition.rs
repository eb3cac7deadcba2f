//! Review definitions: what is reviewed, by whom, in which stages, how often, and what happens
//! to the results. Written by an administrator (or a catalog owner, for an access package of
//! their catalog) as a [`ReviewDefinitionInput`] and checked by [`validate`], which reports
//! every problem at once under the JSON path of the input at fault.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::decision::{NoResponseRule, ReviewOutcome};
use super::recommendation::DEFAULT_LOOK_BACK_DAYS;
use super::schedule::{Occurrence, ReviewSchedule, ScheduleInput, next_start_after};
use crate::problem::FieldError;
use crate::{AccessPackageId, ApplicationId, GroupId, PolicyId, UserId};

mod validate;

pub use validate::{validate, validate_record};

/// The longest review name, in characters.
pub const NAME_MAX_LEN: usize = 100;
/// The longest description shown to reviewers, in characters.
pub const DESCRIPTION_MAX_LEN: usize = 1000;
/// The most stages a review may have, as in the reference.
pub const MAX_STAGES: usize = 3;
/// The most entries in one list of reviewers. Larger sets belong in a group.
pub const MAX_REVIEWER_ENTRIES: usize = 25;
/// The most groups or applications one definition reviews. Each is its own instance at every
/// occurrence; a definition of hundreds is a tenant-wide campaign, which this model does not
/// try to be.
pub const MAX_RESOURCES: usize = 50;
/// The longest instance, all stages together, in days: the reference's largest example
/// duration. A review open for half a year has stopped being a review.
pub const MAX_INSTANCE_DAYS: u16 = 180;
/// The most days of inactivity the scope filter may ask for, as in the reference.
pub const MAX_INACTIVE_DAYS: u16 = 730;

/// Input of `POST /api/v1/access-reviews` and `PUT /api/v1/access-reviews/{id}`: a whole review
/// definition. Check it with [`validate`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReviewDefinitionInput {
    /// 1 to 100 characters.
    #[cfg_attr(feature = "server", schema(min_length = 1, max_length = 100))]
    pub name: String,
    /// Shown to reviewers with every item and in their e-mail: at most 1000 characters.
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(max_length = 1000))]
    pub description_for_reviewers: String,
    pub scope: ScopeInput,
    /// One to three stages, run one after the other.
    pub stages: Vec<StageInput>,
    pub schedule: ScheduleInput,
    #[serde(default)]
    pub settings: SettingsInput,
}

impl ReviewDefinitionInput {
    /// Who may write this input, from what it reviews alone, so that the check can run before
    /// the rest is validated. A valid definition has the same managers
    /// ([`ValidReviewDefinition::managed_by`]).
    pub fn managed_by(&self) -> ReviewManagers {
        match self.scope.resources {
            ResourcesInput::AccessPackage {
                access_package_id, ..
            } => ReviewManagers::AdministratorsAndCatalogOwnersOf(access_package_id),
            ResourcesInput::Groups { .. } | ResourcesInput::Applications { .. } => {
                ReviewManagers::Administrators
            }
        }
    }
}

/// Whose access is reviewed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ScopeInput {
    pub resources: ResourcesInput,
    /// Everyone holding the access, or only the inactive; everyone when left out.
    #[serde(default)]
    pub filter: FilterInput,
}

/// The resources whose holders are reviewed. Selecting several groups or applications reviews
/// each separately: every occurrence creates one instance per resource.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ResourcesInput {
    /// The members of each group: 1 to 50 groups.
    Groups { group_ids: Vec<GroupId> },
    /// The people assigned any role of each application: 1 to 50 applications.
    Applications { application_ids: Vec<ApplicationId> },
    /// The assignments of one access package, or only those given under one of its policies.
    AccessPackage {
        access_package_id: AccessPackageId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        policy_id: Option<PolicyId>,
    },
}

/// Which holders of the access are reviewed: everyone, only guests, or only the inactive
/// (optionally only inactive guests).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum FilterInput {
    /// Everyone.
    // `{}` so that serde refuses `{"type":"all","days":30}` instead of ignoring the days.
    All {},
    /// Only guests (people from outside the organisation), as they are when each instance
    /// starts.
    GuestsOnly {},
    /// Only people with no sign-in in the last `days` days (1 to 730), decided when each
    /// instance starts. Accounts created within that window are left out. With `guests_only`,
    /// only such guests.
    InactiveForDays {
        #[cfg_attr(feature = "server", schema(minimum = 1, maximum = 730))]
        days: u32,
        #[serde(default)]
        guests_only: bool,
    },
}

impl Default for FilterInput {
    fn default() -> Self {
        FilterInput::All {}
    }
}

/// A set of reviewers, as written in a definition; resolution turns it into people for each
/// reviewed person when their stage starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ReviewerSpec {
    /// Each person reviews their own access ("do you still need it?"). Alone in its list.
    // `{}` rather than unit variants: serde ignores unknown fields on unit variants of an
    // internally tagged enum.
    SelfReview {},
    /// Each person's manager.
    Manager {},
    /// The owners of the group under review; only when groups are reviewed.
    GroupOwners {},
    /// One user.
    User { user_id: UserId },
    /// The members of a group.
    GroupMembers { group_id: GroupId },
}

impl ReviewerSpec {
    /// Whether the set depends on the person reviewed, and so may be nobody for some.
    pub fn is_relative(self) -> bool {
        match self {
            ReviewerSpec::SelfReview {}
            | ReviewerSpec::Manager {}
            | ReviewerSpec::GroupOwners {} => true,
            ReviewerSpec::User { .. } | ReviewerSpec::GroupMembers { .. } => false,
        }
    }
}

/// One stage, as an administrator writes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StageInput {
    /// Who decides: 1 to 25 entries. Self-review stands alone.
    pub reviewers: Vec<ReviewerSpec>,
    /// Who decides for a person whose reviewers resolve to nobody (no manager, a group without
    /// owners, a person who can't sign in to review themselves). Required when `reviewers`
    /// holds self-review, managers or group owners; only specific users and groups.
    #[serde(default)]
    pub fallback_reviewers: Vec<ReviewerSpec>,
    /// 1 to 180 days. The stages of one instance together last at most 180 days, and no
    /// longer than the shortest period of a recurring review (7 days for weekly).
    #[cfg_attr(feature = "server", schema(minimum = 1, maximum = 180))]
    pub duration_days: u32,
    /// Which outcomes of this stage send a person on to the next stage; the others are final.
    /// Every outcome when left out. Not allowed on the last stage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decisions_that_move_on: Option<Vec<ReviewOutcome>>,
}

/// What reviewers see and what happens at the end, as an administrator writes it. Every field
/// has a default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SettingsInput {
    /// Whether every decision needs a reason. Off by default.
    #[serde(default)]
    pub justification_required: bool,
    /// Decision helpers from sign-in activity; on, looking back 30 days, by default.
    #[serde(default)]
    pub recommendations: RecommendationsInput,
    /// What happens to access nobody decided on; no change by default.
    #[serde(default)]
    pub if_no_response: NoResponseRule,
    /// Whether results are applied (denied access removed) as soon as an instance ends; off
    /// by default, so that an administrator looks at the results first.
    #[serde(default)]
    pub auto_apply: bool,
    /// Whether reviewers with undecided items are reminded halfway through each stage. On by
    /// default: unanswered reviews are the reference product's most common failure.
    #[serde(default = "on")]
    #[cfg_attr(feature = "server", schema(default = true))]
    pub reminders: bool,
    /// Whether reviewers of a later stage see the decisions of earlier stages. Off by default,
    /// as in the reference, so that later reviewers judge for themselves.
    #[serde(default)]
    pub show_earlier_decisions: bool,
}

fn on() -> bool {
    true
}

impl Default for SettingsInput {
    fn default() -> Self {
        SettingsInput {
            justification_required: false,
            recommendations: RecommendationsInput::default(),
            if_no_response: NoResponseRule::default(),
            auto_apply: false,
            reminders: true,
            show_earlier_decisions: false,
        }
    }
}

/// Whether reviewers get recommendations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum RecommendationsInput {
    Off {},
    /// Recommend removing access of people with no sign-in in the last `look_back_days` days
    /// (1 to 730, 30 when left out).
    LastSignIn {
        #[serde(default = "default_look_back")]
        #[cfg_attr(feature = "server", schema(minimum = 1, maximum = 730, default = 30))]
        look_back_days: u32,
    },
}

fn default_look_back() -> u32 {
    u32::from(DEFAULT_LOOK_BACK_DAYS)
}

impl Default for RecommendationsInput {
    fn default() -> Self {
        RecommendationsInput::LastSignIn {
            look_back_days: default_look_back(),
        }
    }
}

/// One resource reviewed by an instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ReviewedResource {
    /// Membership of a group.
    Group { group_id: GroupId },
    /// Role assignments of an application: all the person's roles in it.
    Application { application_id: ApplicationId },
    /// The person's assignment of an access package (they hold at most one), or only one given
    /// under `policy_id`.
    AccessPackage {
        access_package_id: AccessPackageId,
        policy_id: Option<PolicyId>,
    },
}

/// A validated scope filter: both conditions must hold.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PersonFilter {
    pub guests_only: bool,
    /// Only people inactive for this many days.
    pub inactive_days: Option<u16>,
}

impl PersonFilter {
    /// Everyone.
    pub const ALL: PersonFilter = PersonFilter {
        guests_only: false,
        inactive_days: None,
    };

    /// Whether a person is reviewed, judged when the instance starts: `guest` says whether
    /// they are a guest; inactivity is [`super::recommendation::is_inactive`].
    pub fn includes(
        self,
        guest: bool,
        last_sign_in: Option<DateTime<Utc>>,
        created_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> bool {
        (guest || !self.guests_only)
            && self.inactive_days.is_none_or(|days| {
                super::recommendation::is_inactive(last_sign_in, created_at, days, now)
            })
    }
}

/// A validated stage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewStage {
    reviewers: Vec<ReviewerSpec>,
    fallback: Vec<ReviewerSpec>,
    duration_days: u8,
    moves_on: BTreeSet<ReviewOutcome>,
}

impl ReviewStage {
    pub fn reviewers(&self) -> &[ReviewerSpec] {
        &self.reviewers
    }

    pub fn fallback(&self) -> &[ReviewerSpec] {
        &self.fallback
    }

    pub fn duration_days(&self) -> u8 {
        self.duration_days
    }

    /// The outcomes that send a person on to the next stage; all four on the last stage, where
    /// it does not matter.
    pub fn moves_on(&self) -> &BTreeSet<ReviewOutcome> {
        &self.moves_on
    }

    /// Whether each person reviews their own access in this stage.
    pub fn is_self_review(&self) -> bool {
        self.reviewers == [ReviewerSpec::SelfReview {}]
    }
}

/// Validated settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ReviewSettings {
    pub justification_required: bool,
    /// The recommendations' look-back window in days; absent when they are off.
    pub look_back_days: Option<u16>,
    pub if_no_response: NoResponseRule,
    pub auto_apply: bool,
    pub reminders: bool,
    pub show_earlier_decisions: bool,
}

/// Who may create, change and run a review definition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReviewManagers {
    /// Reviews of groups and applications: administrators only.
    Administrators,
    /// Reviews of an access package: administrators, and the owners of its catalog.
    AdministratorsAndCatalogOwnersOf(AccessPackageId),
}

/// A review definition that passed [`validate`] (or [`validate_record`]). Serialized as its
/// [`ReviewDefinitionInput`]; deserializing validates again with [`validate_record`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ReviewDefinitionInput", into = "ReviewDefinitionInput")]
pub struct ValidReviewDefinition {
    name: String,
    description_for_reviewers: String,
    resources: Vec<ReviewedResource>,
    filter: PersonFilter,
    stages: Vec<ReviewStage>,
    schedule: ReviewSchedule,
    settings: ReviewSettings,
}

impl ValidReviewDefinition {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn description_for_reviewers(&self) -> &str {
        &self.description_for_reviewers
    }

    /// One instance per resource at every occurrence.
    pub fn resources(&self) -> &[ReviewedResource] {
        &self.resources
    }

    pub fn filter(&self) -> PersonFilter {
        self.filter
    }

    pub fn stages(&self) -> &[ReviewStage] {
        &self.stages
    }

    pub fn schedule(&self) -> &ReviewSchedule {
        &self.schedule
    }

    pub fn settings(&self) -> &ReviewSettings {
        &self.settings
    }

    /// How long each instance lasts: the sum of its stages.
    pub fn instance_duration_days(&self) -> u16 {
        self.stages
            .iter()
            .map(|stage| u16::from(stage.duration_days))
            .sum()
    }

    /// The instance of the series not yet started that should start now (a little late, when
    /// its start has passed) or next; `None` when the series is over. Occurrences whose whole
    /// instance already lies in the past, because nothing started them in time, are skipped.
    pub fn next_occurrence(&self, already_started: u32, now: DateTime<Utc>) -> Option<Occurrence> {
        let duration = TimeDelta::days(i64::from(self.instance_duration_days()));
        let after = now
            .checked_sub_signed(duration)
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        next_start_after(&self.schedule, after, already_started)
    }

    /// Who may manage the definition: for an access package, its catalog's owners too.
    pub fn managed_by(&self) -> ReviewManagers {
        match self.resources.first() {
            Some(ReviewedResource::AccessPackage {
                access_package_id, ..
            }) => ReviewManagers::AdministratorsAndCatalogOwnersOf(*access_package_id),
            Some(ReviewedResource::Group { .. } | ReviewedResource::Application { .. }) | None => {
                ReviewManagers::Administrators
            }
        }
    }

    /// Every user, group, application, access package and policy the definition names, with
    /// the path to report when it does not exist (or the policy is not the package's).
    pub fn references(&self) -> Vec<ReviewReference> {
        let mut found = Vec::new();
        let mut add = |field: String, target| found.push(ReviewReference { field, target });
        for (index, resource) in self.resources.iter().enumerate() {
            match *resource {
                ReviewedResource::Group { group_id } => add(
                    format!("scope.resources.group_ids[{index}]"),
                    ReviewReferenceTarget::Group(group_id),
                ),
                ReviewedResource::Application { application_id } => add(
                    format!("scope.resources.application_ids[{index}]"),
                    ReviewReferenceTarget::Application(application_id),
                ),
                ReviewedResource::AccessPackage {
                    access_package_id,
                    policy_id,
                } => {
                    add(
                        "scope.resources.access_package_id".into(),
                        ReviewReferenceTarget::AccessPackage(access_package_id),
                    );
                    if let Some(policy_id) = policy_id {
                        add(
                            "scope.resources.policy_id".into(),
                            ReviewReferenceTarget::PackagePolicy {
                                access_package_id,
                                policy_id,
                            },
                        );
                    }
                }
            }
        }
        for (index, stage) in self.stages.iter().enumerate() {
            for (list, specs) in [
                ("reviewers", &stage.reviewers),
                ("fallback_reviewers", &stage.fallback),
            ] {
                for (entry, spec) in specs.iter().enumerate() {
                    let at = format!("stages[{index}].{list}[{entry}]");
                    match *spec {
                        ReviewerSpec::User { user_id } => add(
                            format!("{at}.user_id"),
                            ReviewReferenceTarget::User(user_id),
                        ),
                        ReviewerSpec::GroupMembers { group_id } => add(
                            format!("{at}.group_id"),
                            ReviewReferenceTarget::Group(group_id),
                        ),
                        ReviewerSpec::SelfReview {}
                        | ReviewerSpec::Manager {}
                        | ReviewerSpec::GroupOwners {} => {}
                    }
                }
            }
        }
        found
    }

    /// The definition as an administrator would write it, normalised (trimmed text, every
    /// outcome moving on written as nothing): what `GET` answers and an edit form starts from.
    pub fn to_input(&self) -> ReviewDefinitionInput {
        let resources = match self.resources.first() {
            Some(ReviewedResource::AccessPackage {
                access_package_id,
                policy_id,
            }) => ResourcesInput::AccessPackage {
                access_package_id: *access_package_id,
                policy_id: *policy_id,
            },
            Some(ReviewedResource::Application { .. }) => ResourcesInput::Applications {
                application_ids: self
                    .resources
                    .iter()
                    .filter_map(|resource| match resource {
                        ReviewedResource::Application { application_id } => Some(*application_id),
                        ReviewedResource::Group { .. } | ReviewedResource::AccessPackage { .. } => {
                            None
                        }
                    })
                    .collect(),
            },
            Some(ReviewedResource::Group { .. }) | None => ResourcesInput::Groups {
                group_ids: self
                    .resources
                    .iter()
                    .filter_map(|resource| match resource {
                        ReviewedResource::Group { group_id } => Some(*group_id),
                        ReviewedResource::Application { .. }
                        | ReviewedResource::AccessPackage { .. } => None,
                    })
                    .collect(),
            },
        };
        let all: BTreeSet<ReviewOutcome> = ReviewOutcome::ALL.into_iter().collect();
        ReviewDefinitionInput {
            name: self.name.clone(),
            description_for_reviewers: self.description_for_reviewers.clone(),
            scope: ScopeInput {
                resources,
                filter: match self.filter {
                    PersonFilter {
                        guests_only,
                        inactive_days: Some(days),
                    } => FilterInput::InactiveForDays {
                        days: u32::from(days),
                        guests_only,
                    },
                    PersonFilter {
                        guests_only: true,
                        inactive_days: None,
                    } => FilterInput::GuestsOnly {},
                    PersonFilter {
                        guests_only: false,
                        inactive_days: None,
                    } => FilterInput::All {},
                },
            },
            stages: self
                .stages
                .iter()
                .map(|stage| StageInput {
                    reviewers: stage.reviewers.clone(),
                    fallback_reviewers: stage.fallback.clone(),
                    duration_days: u32::from(stage.duration_days),
                    decisions_that_move_on: (stage.moves_on != all)
                        .then(|| stage.moves_on.iter().copied().collect()),
                })
                .collect(),
            schedule: self.schedule.to_input(),
            settings: SettingsInput {
                justification_required: self.settings.justification_required,
                recommendations: match self.settings.look_back_days {
                    None => RecommendationsInput::Off {},
                    Some(days) => RecommendationsInput::LastSignIn {
                        look_back_days: u32::from(days),
                    },
                },
                if_no_response: self.settings.if_no_response,
                auto_apply: self.settings.auto_apply,
                reminders: self.settings.reminders,
                show_earlier_decisions: self.settings.show_earlier_decisions,
            },
        }
    }
}

/// Something a definition names, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewReference {
    /// The JSON path in the [`ReviewDefinitionInput`], for a [`FieldError`].
    pub field: String,
    pub target: ReviewReferenceTarget,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReviewReferenceTarget {
    User(UserId),
    Group(GroupId),
    Application(ApplicationId),
    AccessPackage(AccessPackageId),
    /// Must be a policy of this access package.
    PackagePolicy {
        access_package_id: AccessPackageId,
        policy_id: PolicyId,
    },
}

/// Why a [`ReviewDefinitionInput`] was refused, when converted with `TryFrom` (as serde does).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ReviewDefinitionErrors(pub Vec<FieldError>);

impl fmt::Display for ReviewDefinitionErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid review definition:")?;
        for error in &self.0 {
            write!(f, " {}: {};", error.field, error.message)?;
        }
        Ok(())
    }
}

impl TryFrom<ReviewDefinitionInput> for ValidReviewDefinition {
    type Error = ReviewDefinitionErrors;

    fn try_from(input: ReviewDefinitionInput) -> Result<Self, Self::Error> {
        validate_record(&input).map_err(ReviewDefinitionErrors)
    }
}

impl From<ValidReviewDefinition> for ReviewDefinitionInput {
    fn from(definition: ValidReviewDefinition) -> Self {
        definition.to_input()
    }
}

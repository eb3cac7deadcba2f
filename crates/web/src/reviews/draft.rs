//! The definition editor's form ([`DefinitionDraft`], kept by the editor in one reactive
//! store) turned into the domain's [`ReviewDefinitionInput`] and checked with the domain's own
//! rules, with every refusal at the JSON path the API would use
//! (`stages[1].reviewers[0].group_id`, `schedule.end.occurrences`).

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
#[cfg(target_arch = "wasm32")]
use reactive_stores::Store;
use tessera_domain::problem::FieldError;
use tessera_domain::review::{
    self, EndInput, FilterInput, Frequency, NoResponseRule, PolicyReviewInput,
    RecommendationsInput, ResourcesInput, ReviewDefinitionInput, ReviewOutcome, ReviewerSpec,
    ScheduleInput, ScopeInput, SettingsInput, StageInput,
};
use tessera_domain::{AccessPackageId, GroupId, PolicyId, UserId};

use super::decisions::present;
use crate::assignments::local_date_time;
use crate::rows::Row;

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
#[cfg_attr(target_arch = "wasm32", derive(Store))]
pub struct ReviewerDraft {
    pub key: usize,
    pub kind: ReviewerKind,
    pub target: String,
}

impl Row for ReviewerDraft {
    fn key(&self) -> usize {
        self.key
    }
}

impl ReviewerDraft {
    pub fn of(key: usize, spec: &ReviewerSpec) -> Self {
        let (kind, target) = match spec {
            ReviewerSpec::SelfReview {} => (ReviewerKind::SelfReview, String::new()),
            ReviewerSpec::Manager {} => (ReviewerKind::Manager, String::new()),
            ReviewerSpec::GroupOwners {} => (ReviewerKind::GroupOwners, String::new()),
            ReviewerSpec::User { user_id } => (ReviewerKind::User, user_id.to_string()),
            ReviewerSpec::GroupMembers { group_id } => {
                (ReviewerKind::GroupMembers, group_id.to_string())
            }
        };
        ReviewerDraft { key, kind, target }
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
#[cfg_attr(target_arch = "wasm32", derive(Store))]
pub struct StageDraft {
    pub key: usize,
    #[cfg_attr(target_arch = "wasm32", store(key: usize = |row| row.key))]
    pub reviewers: Vec<ReviewerDraft>,
    #[cfg_attr(target_arch = "wasm32", store(key: usize = |row| row.key))]
    pub fallback: Vec<ReviewerDraft>,
    pub duration_days: String,
    /// The outcomes that send a person on to the next stage; ignored on the last stage.
    pub moves_on: BTreeSet<ReviewOutcome>,
}

impl Row for StageDraft {
    fn key(&self) -> usize {
        self.key
    }
}

impl Default for StageDraft {
    fn default() -> Self {
        StageDraft {
            key: 0,
            reviewers: vec![ReviewerDraft::default()],
            fallback: Vec::new(),
            duration_days: "14".into(),
            moves_on: ReviewOutcome::ALL.into_iter().collect(),
        }
    }
}

impl StageDraft {
    /// A new stage: one manager to review, fourteen days to decide.
    pub fn new(key: usize) -> Self {
        StageDraft {
            key,
            ..StageDraft::default()
        }
    }

    pub fn of(key: usize, stage: &StageInput) -> Self {
        StageDraft {
            key,
            reviewers: reviewers_of(&stage.reviewers),
            fallback: reviewers_of(&stage.fallback_reviewers),
            duration_days: stage.duration_days.to_string(),
            moves_on: match &stage.decisions_that_move_on {
                None => ReviewOutcome::ALL.into_iter().collect(),
                Some(outcomes) => outcomes.iter().copied().collect(),
            },
        }
    }
}

fn reviewers_of(specs: &[ReviewerSpec]) -> Vec<ReviewerDraft> {
    specs
        .iter()
        .enumerate()
        .map(|(key, spec)| ReviewerDraft::of(key, spec))
        .collect()
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
#[cfg_attr(target_arch = "wasm32", derive(Store))]
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
    #[cfg_attr(target_arch = "wasm32", store(key: usize = |row| row.key))]
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

    /// Makes `user` the fallback reviewer of the first stage when its reviewers depend on the
    /// person reviewed (their manager) and it has no fallback yet, so that the default form
    /// can be saved as it is.
    pub fn default_fallback_to(&mut self, user: UserId) {
        if let Some(stage) = self.stages.first_mut()
            && stage.fallback.is_empty()
            && stage
                .reviewers
                .iter()
                .any(|reviewer| reviewer.kind == ReviewerKind::Manager)
        {
            stage.fallback.push(ReviewerDraft {
                key: 0,
                kind: ReviewerKind::User,
                target: user.to_string(),
            });
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
        draft.stages = input
            .stages
            .iter()
            .enumerate()
            .map(|(key, stage)| StageDraft::of(key, stage))
            .collect();
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

//! The policy editor's form as typed ([`PolicyDraft`], kept by the editor in one reactive
//! store) turned into the domain's [`PolicyDefinition`] and checked with the domain's own
//! rules, with every refusal at the JSON path the API would use
//! (`approval.stages[0].timeout_days`, `lifecycle.expiry.at`).

use chrono::{NaiveDate, NaiveTime};
#[cfg(target_arch = "wasm32")]
use reactive_stores::Store;
use tessera_domain::policy::{
    self, ApprovalDefinition, ApproverSpec, CustomExtensionDefinition, EscalationDefinition,
    ExpiryDefinition, ExtensionMode, ExtensionOutcome, ExtensionRule, ExtensionStage,
    LifecycleDefinition, ManagerLevel, PolicyDefinition, QuestionDefinition, RequesterDefinition,
    StageDefinition, WhoCanRequest,
};
use tessera_domain::problem::FieldError;
use tessera_domain::{GroupId, UserId};

use crate::rows::{Row, fresh_key};

/// Who approves, as the editor offers it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ApproverKind {
    #[default]
    User,
    GroupMembers,
    Manager,
    SecondManager,
    Sponsors,
    GroupOwners,
}

impl ApproverKind {
    pub const ALL: [ApproverKind; 6] = [
        ApproverKind::User,
        ApproverKind::GroupMembers,
        ApproverKind::Manager,
        ApproverKind::SecondManager,
        ApproverKind::Sponsors,
        ApproverKind::GroupOwners,
    ];

    pub fn value(self) -> &'static str {
        match self {
            ApproverKind::User => "user",
            ApproverKind::GroupMembers => "group_members",
            ApproverKind::Manager => "manager",
            ApproverKind::SecondManager => "manager_2",
            ApproverKind::Sponsors => "sponsors",
            ApproverKind::GroupOwners => "group_owners",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ApproverKind::User => "A specific user",
            ApproverKind::GroupMembers => "Members of a group",
            ApproverKind::Manager => "The requester's manager",
            ApproverKind::SecondManager => "The requester's second-level manager",
            ApproverKind::Sponsors => "The requester's sponsors",
            ApproverKind::GroupOwners => "Owners of a group of this package",
        }
    }

    /// Whether the approvers depend on the requester; such kinds are never fallbacks.
    pub fn relative(self) -> bool {
        matches!(
            self,
            ApproverKind::Manager | ApproverKind::SecondManager | ApproverKind::Sponsors
        )
    }

    pub fn parse(raw: &str) -> ApproverKind {
        ApproverKind::ALL
            .into_iter()
            .find(|kind| kind.value() == raw)
            .unwrap_or_default()
    }
}

/// One entry of a list of approvers: its kind and, for a user or a group, the chosen id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(target_arch = "wasm32", derive(Store))]
pub struct ApproverDraft {
    pub key: usize,
    pub kind: ApproverKind,
    /// The chosen user or group id, as text.
    pub target: String,
}

impl Row for ApproverDraft {
    fn key(&self) -> usize {
        self.key
    }
}

impl ApproverDraft {
    pub fn new(key: usize, kind: ApproverKind) -> Self {
        ApproverDraft {
            key,
            kind,
            target: String::new(),
        }
    }

    pub fn of(key: usize, spec: &ApproverSpec) -> Self {
        let (kind, target) = match spec {
            ApproverSpec::User { user_id } => (ApproverKind::User, user_id.to_string()),
            ApproverSpec::GroupMembers { group_id } => {
                (ApproverKind::GroupMembers, group_id.to_string())
            }
            ApproverSpec::Manager { level } if *level == ManagerLevel::DIRECT => {
                (ApproverKind::Manager, String::new())
            }
            ApproverSpec::Manager { .. } => (ApproverKind::SecondManager, String::new()),
            ApproverSpec::Sponsors {} => (ApproverKind::Sponsors, String::new()),
            ApproverSpec::GroupOwners { group_id } => {
                (ApproverKind::GroupOwners, group_id.to_string())
            }
        };
        ApproverDraft { key, kind, target }
    }

    fn spec(&self, path: &str, refusals: &mut Vec<FieldError>) -> Option<ApproverSpec> {
        let target = &self.target;
        let mut refuse = |message: &str| {
            refusals.push(FieldError {
                field: path.to_string(),
                message: message.to_string(),
            });
            None
        };
        match self.kind {
            ApproverKind::User => match target.parse::<UserId>() {
                Ok(user_id) => Some(ApproverSpec::User { user_id }),
                Err(_) => refuse("choose a user"),
            },
            ApproverKind::GroupMembers => match target.parse::<GroupId>() {
                Ok(group_id) => Some(ApproverSpec::GroupMembers { group_id }),
                Err(_) => refuse("choose a group"),
            },
            ApproverKind::GroupOwners => match target.parse::<GroupId>() {
                Ok(group_id) => Some(ApproverSpec::GroupOwners { group_id }),
                Err(_) => refuse("choose a group of this package"),
            },
            ApproverKind::Manager => Some(ApproverSpec::Manager {
                level: ManagerLevel::DIRECT,
            }),
            ApproverKind::SecondManager => Some(ApproverSpec::Manager {
                level: ManagerLevel::SECOND,
            }),
            ApproverKind::Sponsors => Some(ApproverSpec::Sponsors {}),
        }
    }
}

fn approvers_of(specs: &[ApproverSpec]) -> Vec<ApproverDraft> {
    specs
        .iter()
        .enumerate()
        .map(|(key, spec)| ApproverDraft::of(key, spec))
        .collect()
}

fn specs(rows: &[ApproverDraft], path: &str, refusals: &mut Vec<FieldError>) -> Vec<ApproverSpec> {
    rows.iter()
        .enumerate()
        .filter_map(|(index, row)| row.spec(&format!("{path}[{index}]"), refusals))
        .collect()
}

/// One approval stage as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(target_arch = "wasm32", derive(Store))]
pub struct StageDraft {
    pub key: usize,
    #[cfg_attr(target_arch = "wasm32", store(key: usize = |row| row.key))]
    pub primary: Vec<ApproverDraft>,
    #[cfg_attr(target_arch = "wasm32", store(key: usize = |row| row.key))]
    pub fallback: Vec<ApproverDraft>,
    pub timeout_days: String,
    pub justification: bool,
    pub escalate: bool,
    pub after_days: String,
    #[cfg_attr(target_arch = "wasm32", store(key: usize = |row| row.key))]
    pub escalation: Vec<ApproverDraft>,
    #[cfg_attr(target_arch = "wasm32", store(key: usize = |row| row.key))]
    pub escalation_fallback: Vec<ApproverDraft>,
}

impl Row for StageDraft {
    fn key(&self) -> usize {
        self.key
    }
}

impl StageDraft {
    /// A new stage: one approver to choose, seven days to decide.
    pub fn new(key: usize) -> Self {
        StageDraft {
            key,
            primary: vec![ApproverDraft::new(0, ApproverKind::User)],
            fallback: Vec::new(),
            timeout_days: "7".into(),
            justification: false,
            escalate: false,
            after_days: String::new(),
            escalation: Vec::new(),
            escalation_fallback: Vec::new(),
        }
    }

    pub fn of(key: usize, stage: &StageDefinition) -> Self {
        let escalation = stage.escalation.as_ref();
        StageDraft {
            key,
            primary: approvers_of(&stage.primary_approvers),
            fallback: approvers_of(&stage.fallback_approvers),
            timeout_days: stage.timeout_days.to_string(),
            justification: stage.approver_justification_required,
            escalate: escalation.is_some(),
            after_days: escalation
                .map(|e| e.after_days.to_string())
                .unwrap_or_default(),
            escalation: approvers_of(escalation.map(|e| e.approvers.as_slice()).unwrap_or(&[])),
            escalation_fallback: approvers_of(
                escalation
                    .map(|e| e.fallback_approvers.as_slice())
                    .unwrap_or(&[]),
            ),
        }
    }

    fn definition(&self, at: &str, refusals: &mut Vec<FieldError>) -> StageDefinition {
        let timeout_days = whole_number(
            &self.timeout_days,
            &format!("{at}.timeout_days"),
            "must be a whole number of days, from 1 to 14",
            refusals,
        );
        let escalation = self.escalate.then(|| EscalationDefinition {
            after_days: whole_number(
                &self.after_days,
                &format!("{at}.escalation.after_days"),
                "must be a whole number of days",
                refusals,
            ),
            approvers: specs(
                &self.escalation,
                &format!("{at}.escalation.approvers"),
                refusals,
            ),
            fallback_approvers: specs(
                &self.escalation_fallback,
                &format!("{at}.escalation.fallback_approvers"),
                refusals,
            ),
        });
        StageDefinition {
            primary_approvers: specs(&self.primary, &format!("{at}.primary_approvers"), refusals),
            fallback_approvers: specs(
                &self.fallback,
                &format!("{at}.fallback_approvers"),
                refusals,
            ),
            timeout_days,
            escalation,
            approver_justification_required: self.justification,
        }
    }
}

fn whole_number(raw: &str, path: &str, message: &str, refusals: &mut Vec<FieldError>) -> u32 {
    raw.trim().parse::<u32>().unwrap_or_else(|_| {
        refusals.push(FieldError {
            field: path.to_string(),
            message: message.to_string(),
        });
        0
    })
}

/// The kind of answer a question takes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum QuestionKind {
    #[default]
    ShortText,
    LongText,
    SingleChoice,
    MultipleChoice,
}

impl QuestionKind {
    pub const ALL: [QuestionKind; 4] = [
        QuestionKind::ShortText,
        QuestionKind::LongText,
        QuestionKind::SingleChoice,
        QuestionKind::MultipleChoice,
    ];

    pub fn value(self) -> &'static str {
        match self {
            QuestionKind::ShortText => "short_text",
            QuestionKind::LongText => "long_text",
            QuestionKind::SingleChoice => "single_choice",
            QuestionKind::MultipleChoice => "multiple_choice",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            QuestionKind::ShortText => "Short text",
            QuestionKind::LongText => "Long text",
            QuestionKind::SingleChoice => "One choice from a list",
            QuestionKind::MultipleChoice => "Several choices from a list",
        }
    }

    pub fn has_choices(self) -> bool {
        matches!(
            self,
            QuestionKind::SingleChoice | QuestionKind::MultipleChoice
        )
    }

    pub fn parse(raw: &str) -> Option<QuestionKind> {
        QuestionKind::ALL
            .into_iter()
            .find(|kind| kind.value() == raw)
    }
}

/// One question to requesters as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(target_arch = "wasm32", derive(Store))]
pub struct QuestionDraft {
    pub key: usize,
    /// The stable key answers are stored under; not edited, so answers keep their meaning.
    pub id: String,
    pub kind: QuestionKind,
    pub text: String,
    pub required: bool,
    pub regex: String,
    /// The pattern's form in words, and an answer of that form, shown to requesters.
    pub hint: String,
    pub example: String,
    /// One choice a line.
    pub choices: String,
}

impl Row for QuestionDraft {
    fn key(&self) -> usize {
        self.key
    }
}

impl QuestionDraft {
    /// A new short-text question, its id the smallest `qN` that `questions` do not use.
    pub fn new(questions: &[QuestionDraft]) -> Self {
        let id = (1..)
            .map(|n| format!("q{n}"))
            .find(|id| questions.iter().all(|q| q.id != *id))
            .unwrap_or_else(|| "q".into());
        QuestionDraft {
            key: fresh_key(questions),
            id,
            ..QuestionDraft::default()
        }
    }

    pub fn of(key: usize, question: &QuestionDefinition) -> Self {
        let (hint, example) = match question {
            QuestionDefinition::ShortText { hint, example, .. }
            | QuestionDefinition::LongText { hint, example, .. } => (hint.clone(), example.clone()),
            QuestionDefinition::SingleChoice { .. } | QuestionDefinition::MultipleChoice { .. } => {
                (None, None)
            }
        };
        let (kind, id, text, required, regex, choices) = match question {
            QuestionDefinition::ShortText {
                id,
                text,
                required,
                regex,
                ..
            } => (QuestionKind::ShortText, id, text, required, regex, &[][..]),
            QuestionDefinition::LongText {
                id,
                text,
                required,
                regex,
                ..
            } => (QuestionKind::LongText, id, text, required, regex, &[][..]),
            QuestionDefinition::SingleChoice {
                id,
                text,
                required,
                choices,
            } => (
                QuestionKind::SingleChoice,
                id,
                text,
                required,
                &None,
                choices.as_slice(),
            ),
            QuestionDefinition::MultipleChoice {
                id,
                text,
                required,
                choices,
            } => (
                QuestionKind::MultipleChoice,
                id,
                text,
                required,
                &None,
                choices.as_slice(),
            ),
        };
        QuestionDraft {
            key,
            id: id.clone(),
            kind,
            text: text.clone(),
            required: *required,
            regex: regex.clone().unwrap_or_default(),
            hint: hint.unwrap_or_default(),
            example: example.unwrap_or_default(),
            choices: choices.join("\n"),
        }
    }

    fn definition(&self) -> QuestionDefinition {
        let id = self.id.clone();
        let text = self.text.clone();
        let required = self.required;
        let given = |raw: &str| Some(raw.trim().to_string()).filter(|r| !r.is_empty());
        let regex = given(&self.regex);
        let hint = given(&self.hint);
        let example = given(&self.example);
        let choices = || {
            self.choices
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .map(str::to_string)
                .collect()
        };
        match self.kind {
            QuestionKind::ShortText => QuestionDefinition::ShortText {
                id,
                text,
                required,
                regex,
                hint,
                example,
            },
            QuestionKind::LongText => QuestionDefinition::LongText {
                id,
                text,
                required,
                regex,
                hint,
                example,
            },
            QuestionKind::SingleChoice => QuestionDefinition::SingleChoice {
                id,
                text,
                required,
                choices: choices(),
            },
            QuestionKind::MultipleChoice => QuestionDefinition::MultipleChoice {
                id,
                text,
                required,
                choices: choices(),
            },
        }
    }
}

/// The unit a custom extension's wait is typed in; the API counts seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WaitUnit {
    Seconds,
    Minutes,
    Hours,
    #[default]
    Days,
}

impl WaitUnit {
    /// Largest first: a stored wait reads in the largest unit that divides it.
    pub const ALL: [WaitUnit; 4] = [
        WaitUnit::Days,
        WaitUnit::Hours,
        WaitUnit::Minutes,
        WaitUnit::Seconds,
    ];

    pub fn value(self) -> &'static str {
        match self {
            WaitUnit::Seconds => "seconds",
            WaitUnit::Minutes => "minutes",
            WaitUnit::Hours => "hours",
            WaitUnit::Days => "days",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            WaitUnit::Seconds => "Seconds",
            WaitUnit::Minutes => "Minutes",
            WaitUnit::Hours => "Hours",
            WaitUnit::Days => "Days",
        }
    }

    pub fn seconds(self) -> u32 {
        match self {
            WaitUnit::Seconds => 1,
            WaitUnit::Minutes => 60,
            WaitUnit::Hours => 60 * 60,
            WaitUnit::Days => 24 * 60 * 60,
        }
    }

    pub fn parse(raw: &str) -> WaitUnit {
        WaitUnit::ALL
            .into_iter()
            .find(|unit| unit.value() == raw)
            .unwrap_or_default()
    }

    /// `seconds` as a count of the largest unit that divides it.
    pub fn split(seconds: u32) -> (u32, WaitUnit) {
        WaitUnit::ALL
            .into_iter()
            .find(|unit| seconds > 0 && seconds.is_multiple_of(unit.seconds()))
            .map(|unit| (seconds / unit.seconds(), unit))
            .unwrap_or((seconds, WaitUnit::Seconds))
    }
}

/// A custom extension's stage in words, as the editor offers it.
pub fn stage_label(stage: ExtensionStage) -> &'static str {
    match stage {
        ExtensionStage::RequestCreated => "When a request is made, before approval",
        ExtensionStage::RequestApproved => "When a request is approved, before delivery",
        ExtensionStage::AssignmentGranted => "When access is granted",
        ExtensionStage::AssignmentRemoval => "When access is being removed",
    }
}

/// A custom extension's mode in words.
pub fn mode_label(mode: ExtensionMode) -> &'static str {
    match mode {
        ExtensionMode::LaunchAndContinue => "Launch and continue",
        ExtensionMode::LaunchAndWait => "Launch and wait",
    }
}

/// What a waiting request does when the extension does not answer in time, in words.
pub fn outcome_label(outcome: ExtensionOutcome) -> &'static str {
    match outcome {
        ExtensionOutcome::Continue => "The request goes on",
        ExtensionOutcome::Deny => "The request is denied",
    }
}

/// How long a launch-and-wait extension is waited for and what its silence means, in words;
/// `None` for launch and continue.
pub fn wait_words(extension: &CustomExtensionDefinition) -> Option<String> {
    let seconds = extension.timeout_seconds?;
    let (count, unit) = WaitUnit::split(seconds);
    let unit = unit.value();
    // "1 days" reads badly: the singular drops the plural's final "s".
    let unit = if count == 1 {
        unit.trim_end_matches('s')
    } else {
        unit
    };
    let then = match extension.timeout_outcome? {
        ExtensionOutcome::Continue => "the request goes on",
        ExtensionOutcome::Deny => "the request is denied",
    };
    Some(format!("Waits up to {count} {unit}, then {then}"))
}

/// One custom extension as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(target_arch = "wasm32", derive(Store))]
pub struct ExtensionDraft {
    pub key: usize,
    pub name: String,
    pub stage: ExtensionStage,
    pub url: String,
    pub mode: ExtensionMode,
    /// How long a launch-and-wait extension is waited for, in `unit`s.
    pub timeout: String,
    pub unit: WaitUnit,
    pub timeout_outcome: ExtensionOutcome,
}

impl Row for ExtensionDraft {
    fn key(&self) -> usize {
        self.key
    }
}

impl ExtensionDraft {
    /// A new extension: called when a request is made, without waiting. Should it wait, it
    /// waits a day and then denies the request.
    pub fn new(key: usize) -> Self {
        ExtensionDraft {
            key,
            name: String::new(),
            stage: ExtensionStage::RequestCreated,
            url: String::new(),
            mode: ExtensionMode::LaunchAndContinue,
            timeout: "1".into(),
            unit: WaitUnit::Days,
            timeout_outcome: ExtensionOutcome::Deny,
        }
    }

    pub fn of(key: usize, extension: &CustomExtensionDefinition) -> Self {
        let (timeout, unit) = extension
            .timeout_seconds
            .map(WaitUnit::split)
            .map(|(count, unit)| (count.to_string(), unit))
            .unwrap_or_else(|| ("1".into(), WaitUnit::Days));
        ExtensionDraft {
            key,
            name: extension.name.clone(),
            stage: extension.stage,
            url: extension.url.clone(),
            mode: extension.mode,
            timeout,
            unit,
            timeout_outcome: extension.timeout_outcome.unwrap_or(ExtensionOutcome::Deny),
        }
    }

    fn definition(&self, at: &str, refusals: &mut Vec<FieldError>) -> CustomExtensionDefinition {
        let (timeout_seconds, timeout_outcome) = match self.mode {
            ExtensionMode::LaunchAndContinue => (None, None),
            ExtensionMode::LaunchAndWait => {
                let seconds = match self.timeout.trim().parse::<u32>() {
                    // Too large to count is too long to wait: the domain refuses the largest.
                    Ok(count) => count.saturating_mul(self.unit.seconds()),
                    Err(_) => {
                        refusals.push(FieldError {
                            field: format!("{at}.timeout_seconds"),
                            message: "must be a whole number, up to 14 days".into(),
                        });
                        // A stand-in the domain accepts, so the field has one message.
                        policy::extensions::MIN_WAIT_SECONDS
                    }
                };
                (Some(seconds), Some(self.timeout_outcome))
            }
        };
        CustomExtensionDefinition {
            name: self.name.clone(),
            stage: self.stage,
            url: self.url.trim().to_string(),
            mode: self.mode,
            timeout_seconds,
            timeout_outcome,
        }
    }
}

/// Who may request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Who {
    Specific,
    #[default]
    AllMembers,
    AllUsers,
    Nobody,
}

/// When access ends.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ExpiryKind {
    Never,
    OnDate,
    #[default]
    AfterDays,
    AfterHours,
}

/// Whether access may be extended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Extension {
    #[default]
    No,
    Yes,
    WithApproval,
}

/// The policy editor's form as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(target_arch = "wasm32", derive(Store))]
pub struct PolicyDraft {
    pub name: String,
    pub description: String,
    pub enabled: bool,
    pub who: Who,
    /// The ids of the users who may request, with [`Who::Specific`].
    pub users: Vec<String>,
    /// The ids of the groups whose members may request, with [`Who::Specific`].
    pub groups: Vec<String>,
    pub approval_required: bool,
    #[cfg_attr(target_arch = "wasm32", store(key: usize = |row| row.key))]
    pub stages: Vec<StageDraft>,
    pub justification_required: bool,
    pub may_choose_dates: bool,
    pub on_behalf: bool,
    #[cfg_attr(target_arch = "wasm32", store(key: usize = |row| row.key))]
    pub questions: Vec<QuestionDraft>,
    pub expiry: ExpiryKind,
    /// `2025-12-31`, a day in UTC.
    pub expiry_date: String,
    pub expiry_days: String,
    pub expiry_hours: String,
    pub extension: Extension,
    pub self_removal: bool,
    #[cfg_attr(target_arch = "wasm32", store(key: usize = |row| row.key))]
    pub custom_extensions: Vec<ExtensionDraft>,
}

impl Default for PolicyDraft {
    /// A new policy: enabled, for all members, without approval, for a year.
    fn default() -> Self {
        PolicyDraft {
            name: String::new(),
            description: String::new(),
            enabled: true,
            who: Who::AllMembers,
            users: Vec::new(),
            groups: Vec::new(),
            approval_required: false,
            stages: Vec::new(),
            justification_required: false,
            may_choose_dates: false,
            on_behalf: false,
            questions: Vec::new(),
            expiry: ExpiryKind::AfterDays,
            expiry_date: String::new(),
            expiry_days: "365".into(),
            expiry_hours: String::new(),
            extension: Extension::No,
            self_removal: true,
            custom_extensions: Vec::new(),
        }
    }
}

impl PolicyDraft {
    /// The form of a stored policy.
    pub fn of(d: &PolicyDefinition) -> Self {
        let mut draft = PolicyDraft {
            name: d.name.clone(),
            description: d.description.clone(),
            enabled: d.enabled,
            justification_required: d.requester.justification_required,
            may_choose_dates: d.requester.may_choose_dates,
            on_behalf: d.requester.on_behalf_of_direct_reports,
            questions: d
                .requester
                .questions
                .iter()
                .enumerate()
                .map(|(key, question)| QuestionDraft::of(key, question))
                .collect(),
            extension: match d.lifecycle.extension {
                ExtensionRule::NotAllowed {} => Extension::No,
                ExtensionRule::Allowed {
                    approval_required: false,
                } => Extension::Yes,
                ExtensionRule::Allowed {
                    approval_required: true,
                } => Extension::WithApproval,
            },
            self_removal: d.lifecycle.self_removal_allowed,
            custom_extensions: d
                .custom_extensions
                .iter()
                .enumerate()
                .map(|(key, extension)| ExtensionDraft::of(key, extension))
                .collect(),
            ..PolicyDraft::default()
        };
        match &d.who_can_request {
            WhoCanRequest::SpecificUsersAndGroups { users, groups } => {
                draft.who = Who::Specific;
                draft.users = users.iter().map(ToString::to_string).collect();
                draft.groups = groups.iter().map(ToString::to_string).collect();
            }
            WhoCanRequest::AllMembers {} => draft.who = Who::AllMembers,
            WhoCanRequest::AllUsers {} => draft.who = Who::AllUsers,
            WhoCanRequest::Nobody {} => draft.who = Who::Nobody,
        }
        if let ApprovalDefinition::Required { stages } = &d.approval {
            draft.approval_required = true;
            draft.stages = stages
                .iter()
                .enumerate()
                .map(|(key, stage)| StageDraft::of(key, stage))
                .collect();
        }
        match d.lifecycle.expiry {
            ExpiryDefinition::Never {} => draft.expiry = ExpiryKind::Never,
            ExpiryDefinition::OnDate { at } => {
                draft.expiry = ExpiryKind::OnDate;
                draft.expiry_date = at.date_naive().format("%Y-%m-%d").to_string();
            }
            ExpiryDefinition::AfterDays { days } => {
                draft.expiry = ExpiryKind::AfterDays;
                draft.expiry_days = days.to_string();
            }
            ExpiryDefinition::AfterHours { hours } => {
                draft.expiry = ExpiryKind::AfterHours;
                draft.expiry_hours = hours.to_string();
            }
        }
        draft
    }

    /// The definition to send, checked with the domain's own rules, or every refusal found
    /// before asking the server, each at the JSON path the API uses.
    pub fn parse(&self) -> Result<PolicyDefinition, Vec<FieldError>> {
        let mut refusals = Vec::new();
        let who_can_request = match self.who {
            Who::Specific => WhoCanRequest::SpecificUsersAndGroups {
                users: self.users.iter().filter_map(|id| id.parse().ok()).collect(),
                groups: self
                    .groups
                    .iter()
                    .filter_map(|id| id.parse().ok())
                    .collect(),
            },
            Who::AllMembers => WhoCanRequest::AllMembers {},
            Who::AllUsers => WhoCanRequest::AllUsers {},
            Who::Nobody => WhoCanRequest::Nobody {},
        };
        let approval = if self.approval_required {
            ApprovalDefinition::Required {
                stages: self
                    .stages
                    .iter()
                    .enumerate()
                    .map(|(index, stage)| {
                        stage.definition(&format!("approval.stages[{index}]"), &mut refusals)
                    })
                    .collect(),
            }
        } else {
            ApprovalDefinition::None {}
        };
        let expiry = match self.expiry {
            ExpiryKind::Never => ExpiryDefinition::Never {},
            ExpiryKind::OnDate => {
                match NaiveDate::parse_from_str(self.expiry_date.trim(), "%Y-%m-%d") {
                    Ok(date) => ExpiryDefinition::OnDate {
                        at: date.and_time(NaiveTime::MIN).and_utc(),
                    },
                    Err(_) => {
                        refusals.push(FieldError {
                            field: "lifecycle.expiry.at".into(),
                            message: "choose a date".into(),
                        });
                        ExpiryDefinition::Never {}
                    }
                }
            }
            ExpiryKind::AfterDays => ExpiryDefinition::AfterDays {
                days: whole_number(
                    &self.expiry_days,
                    "lifecycle.expiry.days",
                    "must be a whole number of days",
                    &mut refusals,
                ),
            },
            ExpiryKind::AfterHours => ExpiryDefinition::AfterHours {
                hours: whole_number(
                    &self.expiry_hours,
                    "lifecycle.expiry.hours",
                    "must be a whole number of hours",
                    &mut refusals,
                ),
            },
        };
        let definition = PolicyDefinition {
            name: self.name.clone(),
            description: self.description.clone(),
            enabled: self.enabled,
            who_can_request,
            approval,
            requester: RequesterDefinition {
                justification_required: self.justification_required,
                questions: self
                    .questions
                    .iter()
                    .map(QuestionDraft::definition)
                    .collect(),
                may_choose_dates: self.may_choose_dates,
                on_behalf_of_direct_reports: self.on_behalf,
            },
            lifecycle: LifecycleDefinition {
                expiry,
                extension: match self.extension {
                    Extension::No => ExtensionRule::NotAllowed {},
                    Extension::Yes => ExtensionRule::Allowed {
                        approval_required: false,
                    },
                    Extension::WithApproval => ExtensionRule::Allowed {
                        approval_required: true,
                    },
                },
                self_removal_allowed: self.self_removal,
            },
            custom_extensions: self
                .custom_extensions
                .iter()
                .enumerate()
                .map(|(index, extension)| {
                    extension.definition(&format!("custom_extensions[{index}]"), &mut refusals)
                })
                .collect(),
        };
        // The domain's own rules, so the same message appears before the round trip.
        if let Err(errors) = policy::validate(&definition) {
            refusals.extend(errors);
        }
        if refusals.is_empty() {
            Ok(definition)
        } else {
            Err(refusals)
        }
    }
}

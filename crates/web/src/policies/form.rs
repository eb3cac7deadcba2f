//! The policy editor's form: a tree of signals that mirrors the domain's `PolicyDefinition`,
//! read into one on submit.

use chrono::{NaiveDate, NaiveTime};
use leptos::prelude::*;
use tessera_domain::policy::{
    self, ApprovalDefinition, ApproverSpec, EscalationDefinition, ExpiryDefinition, ExtensionRule,
    LifecycleDefinition, ManagerLevel, PolicyDefinition, QuestionDefinition, RequesterDefinition,
    StageDefinition, WhoCanRequest,
};
use tessera_domain::problem::FieldError;
use tessera_domain::{GroupId, UserId};

// ---------- the form's state ----------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ApproverKind {
    User,
    GroupMembers,
    Manager,
    SecondManager,
    Sponsors,
    GroupOwners,
}

impl ApproverKind {
    pub(super) const ALL: [ApproverKind; 6] = [
        ApproverKind::User,
        ApproverKind::GroupMembers,
        ApproverKind::Manager,
        ApproverKind::SecondManager,
        ApproverKind::Sponsors,
        ApproverKind::GroupOwners,
    ];

    pub(super) fn value(self) -> &'static str {
        match self {
            ApproverKind::User => "user",
            ApproverKind::GroupMembers => "group_members",
            ApproverKind::Manager => "manager",
            ApproverKind::SecondManager => "manager_2",
            ApproverKind::Sponsors => "sponsors",
            ApproverKind::GroupOwners => "group_owners",
        }
    }

    pub(super) fn label(self) -> &'static str {
        match self {
            ApproverKind::User => "A specific user",
            ApproverKind::GroupMembers => "Members of a group",
            ApproverKind::Manager => "The requester's manager",
            ApproverKind::SecondManager => "The requester's second-level manager",
            ApproverKind::Sponsors => "The requester's sponsors",
            ApproverKind::GroupOwners => "Owners of a group of this package",
        }
    }

    pub(super) fn relative(self) -> bool {
        matches!(
            self,
            ApproverKind::Manager | ApproverKind::SecondManager | ApproverKind::Sponsors
        )
    }

    pub(super) fn parse(raw: &str) -> ApproverKind {
        ApproverKind::ALL
            .into_iter()
            .find(|kind| kind.value() == raw)
            .unwrap_or(ApproverKind::User)
    }
}

#[derive(Clone, Copy)]
pub(super) struct ApproverRow {
    pub(super) kind: RwSignal<ApproverKind>,
    /// The chosen user or group id, as text.
    pub(super) target: RwSignal<String>,
    pub(super) filter: RwSignal<String>,
}

impl ApproverRow {
    pub(super) fn new(kind: ApproverKind, target: String) -> Self {
        Self {
            kind: RwSignal::new(kind),
            target: RwSignal::new(target),
            filter: RwSignal::new(String::new()),
        }
    }

    pub(super) fn from_spec(spec: &ApproverSpec) -> Self {
        match spec {
            ApproverSpec::User { user_id } => Self::new(ApproverKind::User, user_id.to_string()),
            ApproverSpec::GroupMembers { group_id } => {
                Self::new(ApproverKind::GroupMembers, group_id.to_string())
            }
            ApproverSpec::Manager { level } if *level == ManagerLevel::DIRECT => {
                Self::new(ApproverKind::Manager, String::new())
            }
            ApproverSpec::Manager { .. } => Self::new(ApproverKind::SecondManager, String::new()),
            ApproverSpec::Sponsors {} => Self::new(ApproverKind::Sponsors, String::new()),
            ApproverSpec::GroupOwners { group_id } => {
                Self::new(ApproverKind::GroupOwners, group_id.to_string())
            }
        }
    }

    pub(super) fn spec(&self, path: &str, refusals: &mut Vec<FieldError>) -> Option<ApproverSpec> {
        let target = self.target.get_untracked();
        let mut refuse = |message: &str| {
            refusals.push(FieldError {
                field: path.to_string(),
                message: message.to_string(),
            });
            None
        };
        match self.kind.get_untracked() {
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

pub(super) fn specs(
    rows: RwSignal<Vec<ApproverRow>>,
    path: &str,
    refusals: &mut Vec<FieldError>,
) -> Vec<ApproverSpec> {
    rows.get_untracked()
        .iter()
        .enumerate()
        .filter_map(|(index, row)| row.spec(&format!("{path}[{index}]"), refusals))
        .collect()
}

pub(super) fn rows_of(specs: &[ApproverSpec]) -> RwSignal<Vec<ApproverRow>> {
    RwSignal::new(specs.iter().map(ApproverRow::from_spec).collect())
}

#[derive(Clone, Copy)]
pub(super) struct StageRow {
    pub(super) primary: RwSignal<Vec<ApproverRow>>,
    pub(super) fallback: RwSignal<Vec<ApproverRow>>,
    pub(super) timeout_days: RwSignal<String>,
    pub(super) justification: RwSignal<bool>,
    pub(super) escalate: RwSignal<bool>,
    pub(super) after_days: RwSignal<String>,
    pub(super) escalation: RwSignal<Vec<ApproverRow>>,
    pub(super) escalation_fallback: RwSignal<Vec<ApproverRow>>,
}

impl StageRow {
    pub(super) fn new() -> Self {
        Self {
            primary: RwSignal::new(vec![ApproverRow::new(ApproverKind::User, String::new())]),
            fallback: RwSignal::new(Vec::new()),
            timeout_days: RwSignal::new("7".into()),
            justification: RwSignal::new(false),
            escalate: RwSignal::new(false),
            after_days: RwSignal::new(String::new()),
            escalation: RwSignal::new(Vec::new()),
            escalation_fallback: RwSignal::new(Vec::new()),
        }
    }

    pub(super) fn from_definition(stage: &StageDefinition) -> Self {
        let escalation = stage.escalation.as_ref();
        Self {
            primary: rows_of(&stage.primary_approvers),
            fallback: rows_of(&stage.fallback_approvers),
            timeout_days: RwSignal::new(stage.timeout_days.to_string()),
            justification: RwSignal::new(stage.approver_justification_required),
            escalate: RwSignal::new(escalation.is_some()),
            after_days: RwSignal::new(
                escalation
                    .map(|e| e.after_days.to_string())
                    .unwrap_or_default(),
            ),
            escalation: rows_of(escalation.map(|e| e.approvers.as_slice()).unwrap_or(&[])),
            escalation_fallback: rows_of(
                escalation
                    .map(|e| e.fallback_approvers.as_slice())
                    .unwrap_or(&[]),
            ),
        }
    }

    pub(super) fn definition(&self, at: &str, refusals: &mut Vec<FieldError>) -> StageDefinition {
        let timeout_days = whole_number(
            &self.timeout_days.get_untracked(),
            &format!("{at}.timeout_days"),
            "must be a whole number of days, from 1 to 14",
            refusals,
        );
        let escalation = self.escalate.get_untracked().then(|| EscalationDefinition {
            after_days: whole_number(
                &self.after_days.get_untracked(),
                &format!("{at}.escalation.after_days"),
                "must be a whole number of days",
                refusals,
            ),
            approvers: specs(
                self.escalation,
                &format!("{at}.escalation.approvers"),
                refusals,
            ),
            fallback_approvers: specs(
                self.escalation_fallback,
                &format!("{at}.escalation.fallback_approvers"),
                refusals,
            ),
        });
        StageDefinition {
            primary_approvers: specs(self.primary, &format!("{at}.primary_approvers"), refusals),
            fallback_approvers: specs(self.fallback, &format!("{at}.fallback_approvers"), refusals),
            timeout_days,
            escalation,
            approver_justification_required: self.justification.get_untracked(),
        }
    }
}

pub(super) fn whole_number(
    raw: &str,
    path: &str,
    message: &str,
    refusals: &mut Vec<FieldError>,
) -> u32 {
    raw.trim().parse::<u32>().unwrap_or_else(|_| {
        refusals.push(FieldError {
            field: path.to_string(),
            message: message.to_string(),
        });
        0
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum QuestionKind {
    ShortText,
    LongText,
    SingleChoice,
    MultipleChoice,
}

impl QuestionKind {
    pub(super) const ALL: [QuestionKind; 4] = [
        QuestionKind::ShortText,
        QuestionKind::LongText,
        QuestionKind::SingleChoice,
        QuestionKind::MultipleChoice,
    ];

    pub(super) fn value(self) -> &'static str {
        match self {
            QuestionKind::ShortText => "short_text",
            QuestionKind::LongText => "long_text",
            QuestionKind::SingleChoice => "single_choice",
            QuestionKind::MultipleChoice => "multiple_choice",
        }
    }

    pub(super) fn label(self) -> &'static str {
        match self {
            QuestionKind::ShortText => "Short text",
            QuestionKind::LongText => "Long text",
            QuestionKind::SingleChoice => "One choice from a list",
            QuestionKind::MultipleChoice => "Several choices from a list",
        }
    }

    pub(super) fn has_choices(self) -> bool {
        matches!(
            self,
            QuestionKind::SingleChoice | QuestionKind::MultipleChoice
        )
    }
}

#[derive(Clone, Copy)]
pub(super) struct QuestionRow {
    /// The stable key answers are stored under; not edited, so answers keep their meaning.
    pub(super) id: StoredValue<String>,
    pub(super) kind: RwSignal<QuestionKind>,
    pub(super) text: RwSignal<String>,
    pub(super) required: RwSignal<bool>,
    pub(super) regex: RwSignal<String>,
    /// One choice a line.
    pub(super) choices: RwSignal<String>,
}

impl QuestionRow {
    pub(super) fn new(id: String) -> Self {
        Self {
            id: StoredValue::new(id),
            kind: RwSignal::new(QuestionKind::ShortText),
            text: RwSignal::new(String::new()),
            required: RwSignal::new(false),
            regex: RwSignal::new(String::new()),
            choices: RwSignal::new(String::new()),
        }
    }

    pub(super) fn from_definition(question: &QuestionDefinition) -> Self {
        let (kind, id, text, required, regex, choices) = match question {
            QuestionDefinition::ShortText {
                id,
                text,
                required,
                regex,
            } => (
                QuestionKind::ShortText,
                id,
                text,
                required,
                regex.clone(),
                Vec::new(),
            ),
            QuestionDefinition::LongText {
                id,
                text,
                required,
                regex,
            } => (
                QuestionKind::LongText,
                id,
                text,
                required,
                regex.clone(),
                Vec::new(),
            ),
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
                None,
                choices.clone(),
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
                None,
                choices.clone(),
            ),
        };
        Self {
            id: StoredValue::new(id.clone()),
            kind: RwSignal::new(kind),
            text: RwSignal::new(text.clone()),
            required: RwSignal::new(*required),
            regex: RwSignal::new(regex.unwrap_or_default()),
            choices: RwSignal::new(choices.join("\n")),
        }
    }

    pub(super) fn definition(&self) -> QuestionDefinition {
        let id = self.id.get_value();
        let text = self.text.get_untracked();
        let required = self.required.get_untracked();
        let regex = Some(self.regex.get_untracked().trim().to_string()).filter(|r| !r.is_empty());
        let choices = || {
            self.choices
                .get_untracked()
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .map(str::to_string)
                .collect()
        };
        match self.kind.get_untracked() {
            QuestionKind::ShortText => QuestionDefinition::ShortText {
                id,
                text,
                required,
                regex,
            },
            QuestionKind::LongText => QuestionDefinition::LongText {
                id,
                text,
                required,
                regex,
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Who {
    Specific,
    AllMembers,
    AllUsers,
    Nobody,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ExpiryKind {
    Never,
    OnDate,
    AfterDays,
    AfterHours,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Extension {
    No,
    Yes,
    WithApproval,
}

#[derive(Clone, Copy)]
pub(super) struct PolicyForm {
    pub(super) name: RwSignal<String>,
    pub(super) description: RwSignal<String>,
    pub(super) enabled: RwSignal<bool>,
    pub(super) who: RwSignal<Who>,
    pub(super) users: RwSignal<Vec<String>>,
    pub(super) groups: RwSignal<Vec<String>>,
    pub(super) approval_required: RwSignal<bool>,
    pub(super) stages: RwSignal<Vec<StageRow>>,
    pub(super) justification_required: RwSignal<bool>,
    pub(super) may_choose_dates: RwSignal<bool>,
    pub(super) on_behalf: RwSignal<bool>,
    pub(super) questions: RwSignal<Vec<QuestionRow>>,
    pub(super) expiry: RwSignal<ExpiryKind>,
    pub(super) expiry_date: RwSignal<String>,
    pub(super) expiry_days: RwSignal<String>,
    pub(super) expiry_hours: RwSignal<String>,
    pub(super) extension: RwSignal<Extension>,
    pub(super) self_removal: RwSignal<bool>,
}

impl PolicyForm {
    pub(super) fn new(existing: Option<&PolicyDefinition>) -> Self {
        let form = Self {
            name: RwSignal::new(String::new()),
            description: RwSignal::new(String::new()),
            enabled: RwSignal::new(true),
            who: RwSignal::new(Who::AllMembers),
            users: RwSignal::new(Vec::new()),
            groups: RwSignal::new(Vec::new()),
            approval_required: RwSignal::new(false),
            stages: RwSignal::new(Vec::new()),
            justification_required: RwSignal::new(false),
            may_choose_dates: RwSignal::new(false),
            on_behalf: RwSignal::new(false),
            questions: RwSignal::new(Vec::new()),
            expiry: RwSignal::new(ExpiryKind::AfterDays),
            expiry_date: RwSignal::new(String::new()),
            expiry_days: RwSignal::new("365".into()),
            expiry_hours: RwSignal::new(String::new()),
            extension: RwSignal::new(Extension::No),
            self_removal: RwSignal::new(true),
        };
        if let Some(definition) = existing {
            form.load(definition);
        }
        form
    }

    pub(super) fn load(&self, d: &PolicyDefinition) {
        self.name.set(d.name.clone());
        self.description.set(d.description.clone());
        self.enabled.set(d.enabled);
        match &d.who_can_request {
            WhoCanRequest::SpecificUsersAndGroups { users, groups } => {
                self.who.set(Who::Specific);
                self.users
                    .set(users.iter().map(ToString::to_string).collect());
                self.groups
                    .set(groups.iter().map(ToString::to_string).collect());
            }
            WhoCanRequest::AllMembers {} => self.who.set(Who::AllMembers),
            WhoCanRequest::AllUsers {} => self.who.set(Who::AllUsers),
            WhoCanRequest::Nobody {} => self.who.set(Who::Nobody),
        }
        match &d.approval {
            ApprovalDefinition::None {} => self.approval_required.set(false),
            ApprovalDefinition::Required { stages } => {
                self.approval_required.set(true);
                self.stages
                    .set(stages.iter().map(StageRow::from_definition).collect());
            }
        }
        self.justification_required
            .set(d.requester.justification_required);
        self.may_choose_dates.set(d.requester.may_choose_dates);
        self.on_behalf.set(d.requester.on_behalf_of_direct_reports);
        self.questions.set(
            d.requester
                .questions
                .iter()
                .map(QuestionRow::from_definition)
                .collect(),
        );
        match d.lifecycle.expiry {
            ExpiryDefinition::Never {} => self.expiry.set(ExpiryKind::Never),
            ExpiryDefinition::OnDate { at } => {
                self.expiry.set(ExpiryKind::OnDate);
                self.expiry_date
                    .set(at.date_naive().format("%Y-%m-%d").to_string());
            }
            ExpiryDefinition::AfterDays { days } => {
                self.expiry.set(ExpiryKind::AfterDays);
                self.expiry_days.set(days.to_string());
            }
            ExpiryDefinition::AfterHours { hours } => {
                self.expiry.set(ExpiryKind::AfterHours);
                self.expiry_hours.set(hours.to_string());
            }
        }
        self.extension.set(match d.lifecycle.extension {
            ExtensionRule::NotAllowed {} => Extension::No,
            ExtensionRule::Allowed {
                approval_required: false,
            } => Extension::Yes,
            ExtensionRule::Allowed {
                approval_required: true,
            } => Extension::WithApproval,
        });
        self.self_removal.set(d.lifecycle.self_removal_allowed);
    }

    /// The definition to send, or every refusal found before asking the server.
    pub(super) fn definition(&self) -> Result<PolicyDefinition, Vec<FieldError>> {
        let mut refusals = Vec::new();
        let who_can_request = match self.who.get_untracked() {
            Who::Specific => WhoCanRequest::SpecificUsersAndGroups {
                users: self
                    .users
                    .get_untracked()
                    .iter()
                    .filter_map(|id| id.parse().ok())
                    .collect(),
                groups: self
                    .groups
                    .get_untracked()
                    .iter()
                    .filter_map(|id| id.parse().ok())
                    .collect(),
            },
            Who::AllMembers => WhoCanRequest::AllMembers {},
            Who::AllUsers => WhoCanRequest::AllUsers {},
            Who::Nobody => WhoCanRequest::Nobody {},
        };
        let approval = if self.approval_required.get_untracked() {
            ApprovalDefinition::Required {
                stages: self
                    .stages
                    .get_untracked()
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
        let expiry = match self.expiry.get_untracked() {
            ExpiryKind::Never => ExpiryDefinition::Never {},
            ExpiryKind::OnDate => {
                match NaiveDate::parse_from_str(self.expiry_date.get_untracked().trim(), "%Y-%m-%d")
                {
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
                    &self.expiry_days.get_untracked(),
                    "lifecycle.expiry.days",
                    "must be a whole number of days",
                    &mut refusals,
                ),
            },
            ExpiryKind::AfterHours => ExpiryDefinition::AfterHours {
                hours: whole_number(
                    &self.expiry_hours.get_untracked(),
                    "lifecycle.expiry.hours",
                    "must be a whole number of hours",
                    &mut refusals,
                ),
            },
        };
        let definition = PolicyDefinition {
            name: self.name.get_untracked(),
            description: self.description.get_untracked(),
            enabled: self.enabled.get_untracked(),
            who_can_request,
            approval,
            requester: RequesterDefinition {
                justification_required: self.justification_required.get_untracked(),
                questions: self
                    .questions
                    .get_untracked()
                    .iter()
                    .map(QuestionRow::definition)
                    .collect(),
                may_choose_dates: self.may_choose_dates.get_untracked(),
                on_behalf_of_direct_reports: self.on_behalf.get_untracked(),
            },
            lifecycle: LifecycleDefinition {
                expiry,
                extension: match self.extension.get_untracked() {
                    Extension::No => ExtensionRule::NotAllowed {},
                    Extension::Yes => ExtensionRule::Allowed {
                        approval_required: false,
                    },
                    Extension::WithApproval => ExtensionRule::Allowed {
                        approval_required: true,
                    },
                },
                self_removal_allowed: self.self_removal.get_untracked(),
            },
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

/// The smallest `qN` key not yet used.
pub(super) fn next_question_id(questions: &[QuestionRow]) -> String {
    let used: Vec<String> = questions.iter().map(|q| q.id.get_value()).collect();
    (1..)
        .map(|n| format!("q{n}"))
        .find(|id| !used.contains(id))
        .unwrap_or_else(|| "q".into())
}

pub(super) fn move_item<T: Send + Sync + 'static>(rows: RwSignal<Vec<T>>, index: usize, up: bool) {
    rows.update(|all| {
        let other = if up {
            index.checked_sub(1)
        } else {
            Some(index + 1)
        };
        if let Some(other) = other.filter(|other| *other < all.len()) {
            all.swap(index, other);
        }
    });
}

pub(super) fn remove_item<T: Send + Sync + 'static>(rows: RwSignal<Vec<T>>, index: usize) {
    rows.update(|all| {
        if index < all.len() {
            all.remove(index);
        }
    });
}

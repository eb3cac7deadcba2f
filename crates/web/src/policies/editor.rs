//! The assignment-policy editor: who may request, the approval stages with their approvers,
//! what requesters answer, and how long access lasts.
//!
//! The form is a tree of signals that mirrors [`PolicyDefinition`]. On submit it is turned into
//! a definition (each unreadable number or missing choice refused with the JSON path the API
//! would use), checked with the domain's own `policy::validate`, then sent. Every refusal,
//! local or from a `422`, is shown at the control its path names.

use chrono::{NaiveDate, NaiveTime};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use tessera_domain::package::{AccessPackageView, PolicyView, ResourceRoleKind};
use tessera_domain::policy::{
    self, ApprovalDefinition, ApproverSpec, EscalationDefinition, ExpiryDefinition, ExtensionRule,
    LifecycleDefinition, ManagerLevel, PolicyDefinition, QuestionDefinition, RequesterDefinition,
    StageDefinition, WhoCanRequest, approval::escalation_days_allowed,
};
use tessera_domain::problem::FieldError;
use tessera_domain::{GroupId, UserId};

use crate::api;
use crate::components::{
    CheckboxField, DirectoryKind, DirectoryNames, ErrorAlert, PersonPicker, SearchSelect,
    TextAreaField, TextField, busy, directory_choices,
};
use crate::forms::sentence;
use crate::names::{keep_chosen, named_in_policy};
use crate::pages::common::is_admin;

type Errors = RwSignal<Vec<FieldError>>;

/// The message for `path` itself, or for anything inside it (`path.x`, `path[0]`).
fn at(errors: Errors, path: String) -> Signal<Option<String>> {
    Signal::derive(move || {
        let messages: Vec<String> = errors.with(|all| {
            all.iter()
                .filter(|e| {
                    e.field == path
                        || e.field
                            .strip_prefix(path.as_str())
                            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
                })
                .map(|e| sentence(&e.message))
                .collect()
        });
        (!messages.is_empty()).then(|| messages.join(" "))
    })
}

/// The message for `path` only, for a list whose entries show their own.
fn exact(errors: Errors, path: String) -> Signal<Option<String>> {
    Signal::derive(move || {
        errors.with(|all| {
            let messages: Vec<String> = all
                .iter()
                .filter(|e| e.field == path)
                .map(|e| sentence(&e.message))
                .collect();
            (!messages.is_empty()).then(|| messages.join(" "))
        })
    })
}

fn either(a: Signal<Option<String>>, b: Signal<Option<String>>) -> Signal<Option<String>> {
    Signal::derive(move || match (a.get(), b.get()) {
        (Some(a), Some(b)) => Some(format!("{a} {b}")),
        (a, b) => a.or(b),
    })
}

/// A paragraph for an error of a group of controls.
fn list_error(id: String, error: Signal<Option<String>>) -> impl IntoView {
    move || {
        error.get().map(
            |message| view! { <p class="field-error" id=id.clone() role="alert">{message}</p> },
        )
    }
}

// ---------- the form's state ----------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ApproverKind {
    User,
    GroupMembers,
    Manager,
    SecondManager,
    Sponsors,
    GroupOwners,
}

impl ApproverKind {
    const ALL: [ApproverKind; 6] = [
        ApproverKind::User,
        ApproverKind::GroupMembers,
        ApproverKind::Manager,
        ApproverKind::SecondManager,
        ApproverKind::Sponsors,
        ApproverKind::GroupOwners,
    ];

    fn value(self) -> &'static str {
        match self {
            ApproverKind::User => "user",
            ApproverKind::GroupMembers => "group_members",
            ApproverKind::Manager => "manager",
            ApproverKind::SecondManager => "manager_2",
            ApproverKind::Sponsors => "sponsors",
            ApproverKind::GroupOwners => "group_owners",
        }
    }

    fn label(self) -> &'static str {
        match self {
            ApproverKind::User => "A specific user",
            ApproverKind::GroupMembers => "Members of a group",
            ApproverKind::Manager => "The requester's manager",
            ApproverKind::SecondManager => "The requester's second-level manager",
            ApproverKind::Sponsors => "The requester's sponsors",
            ApproverKind::GroupOwners => "Owners of a group of this package",
        }
    }

    fn relative(self) -> bool {
        matches!(
            self,
            ApproverKind::Manager | ApproverKind::SecondManager | ApproverKind::Sponsors
        )
    }

    fn parse(raw: &str) -> ApproverKind {
        ApproverKind::ALL
            .into_iter()
            .find(|kind| kind.value() == raw)
            .unwrap_or(ApproverKind::User)
    }
}

#[derive(Clone, Copy)]
struct ApproverRow {
    kind: RwSignal<ApproverKind>,
    /// The chosen user or group id, as text.
    target: RwSignal<String>,
    filter: RwSignal<String>,
}

impl ApproverRow {
    fn new(kind: ApproverKind, target: String) -> Self {
        Self {
            kind: RwSignal::new(kind),
            target: RwSignal::new(target),
            filter: RwSignal::new(String::new()),
        }
    }

    fn from_spec(spec: &ApproverSpec) -> Self {
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

    fn spec(&self, path: &str, refusals: &mut Vec<FieldError>) -> Option<ApproverSpec> {
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

fn specs(
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

fn rows_of(specs: &[ApproverSpec]) -> RwSignal<Vec<ApproverRow>> {
    RwSignal::new(specs.iter().map(ApproverRow::from_spec).collect())
}

#[derive(Clone, Copy)]
struct StageRow {
    primary: RwSignal<Vec<ApproverRow>>,
    fallback: RwSignal<Vec<ApproverRow>>,
    timeout_days: RwSignal<String>,
    justification: RwSignal<bool>,
    escalate: RwSignal<bool>,
    after_days: RwSignal<String>,
    escalation: RwSignal<Vec<ApproverRow>>,
    escalation_fallback: RwSignal<Vec<ApproverRow>>,
}

impl StageRow {
    fn new() -> Self {
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

    fn from_definition(stage: &StageDefinition) -> Self {
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

    fn definition(&self, at: &str, refusals: &mut Vec<FieldError>) -> StageDefinition {
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

fn whole_number(raw: &str, path: &str, message: &str, refusals: &mut Vec<FieldError>) -> u32 {
    raw.trim().parse::<u32>().unwrap_or_else(|_| {
        refusals.push(FieldError {
            field: path.to_string(),
            message: message.to_string(),
        });
        0
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum QuestionKind {
    ShortText,
    LongText,
    SingleChoice,
    MultipleChoice,
}

impl QuestionKind {
    const ALL: [QuestionKind; 4] = [
        QuestionKind::ShortText,
        QuestionKind::LongText,
        QuestionKind::SingleChoice,
        QuestionKind::MultipleChoice,
    ];

    fn value(self) -> &'static str {
        match self {
            QuestionKind::ShortText => "short_text",
            QuestionKind::LongText => "long_text",
            QuestionKind::SingleChoice => "single_choice",
            QuestionKind::MultipleChoice => "multiple_choice",
        }
    }

    fn label(self) -> &'static str {
        match self {
            QuestionKind::ShortText => "Short text",
            QuestionKind::LongText => "Long text",
            QuestionKind::SingleChoice => "One choice from a list",
            QuestionKind::MultipleChoice => "Several choices from a list",
        }
    }

    fn has_choices(self) -> bool {
        matches!(
            self,
            QuestionKind::SingleChoice | QuestionKind::MultipleChoice
        )
    }
}

#[derive(Clone, Copy)]
struct QuestionRow {
    /// The stable key answers are stored under; not edited, so answers keep their meaning.
    id: StoredValue<String>,
    kind: RwSignal<QuestionKind>,
    text: RwSignal<String>,
    required: RwSignal<bool>,
    regex: RwSignal<String>,
    /// One choice a line.
    choices: RwSignal<String>,
}

impl QuestionRow {
    fn new(id: String) -> Self {
        Self {
            id: StoredValue::new(id),
            kind: RwSignal::new(QuestionKind::ShortText),
            text: RwSignal::new(String::new()),
            required: RwSignal::new(false),
            regex: RwSignal::new(String::new()),
            choices: RwSignal::new(String::new()),
        }
    }

    fn from_definition(question: &QuestionDefinition) -> Self {
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

    fn definition(&self) -> QuestionDefinition {
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
enum Who {
    Specific,
    AllMembers,
    AllUsers,
    Nobody,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ExpiryKind {
    Never,
    OnDate,
    AfterDays,
    AfterHours,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Extension {
    No,
    Yes,
    WithApproval,
}

#[derive(Clone, Copy)]
struct PolicyForm {
    name: RwSignal<String>,
    description: RwSignal<String>,
    enabled: RwSignal<bool>,
    who: RwSignal<Who>,
    users: RwSignal<Vec<String>>,
    groups: RwSignal<Vec<String>>,
    approval_required: RwSignal<bool>,
    stages: RwSignal<Vec<StageRow>>,
    justification_required: RwSignal<bool>,
    may_choose_dates: RwSignal<bool>,
    on_behalf: RwSignal<bool>,
    questions: RwSignal<Vec<QuestionRow>>,
    expiry: RwSignal<ExpiryKind>,
    expiry_date: RwSignal<String>,
    expiry_days: RwSignal<String>,
    expiry_hours: RwSignal<String>,
    extension: RwSignal<Extension>,
    self_removal: RwSignal<bool>,
}

impl PolicyForm {
    fn new(existing: Option<&PolicyDefinition>) -> Self {
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

    fn load(&self, d: &PolicyDefinition) {
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
    fn definition(&self) -> Result<PolicyDefinition, Vec<FieldError>> {
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
fn next_question_id(questions: &[QuestionRow]) -> String {
    let used: Vec<String> = questions.iter().map(|q| q.id.get_value()).collect();
    (1..)
        .map(|n| format!("q{n}"))
        .find(|id| !used.contains(id))
        .unwrap_or_else(|| "q".into())
}

fn move_item<T: Send + Sync + 'static>(rows: RwSignal<Vec<T>>, index: usize, up: bool) {
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

fn remove_item<T: Send + Sync + 'static>(rows: RwSignal<Vec<T>>, index: usize) {
    rows.update(|all| {
        if index < all.len() {
            all.remove(index);
        }
    });
}

// ---------- the view ----------

/// What pickers need: the names of the people and groups known so far and the groups of this
/// package.
#[derive(Clone)]
struct Directory {
    names: DirectoryNames,
    package_groups: Vec<(String, String)>,
    /// The editor's owner. Rows added by a click get their signals from it: created in an
    /// event handler, they would belong to whatever ran last and could be disposed with it.
    owner: Owner,
}

/// Makes a row's signals under the editor's owner.
fn owned<T>(directory: StoredValue<Directory>, make: impl FnOnce() -> T) -> T {
    directory.with_value(|d| d.owner.clone()).with(make)
}

#[component]
pub fn PolicyEditor(
    package: AccessPackageView,
    /// The policy being changed; `None` for a new one.
    existing: Option<PolicyView>,
    on_saved: Callback<PolicyView>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let form = PolicyForm::new(existing.as_ref().map(|p| &p.definition));
    let errors: Errors = RwSignal::new(Vec::new());
    let mut package_groups: Vec<(String, String)> = package
        .resource_roles
        .iter()
        .filter(|role| {
            matches!(
                role.kind,
                ResourceRoleKind::GroupMember | ResourceRoleKind::GroupOwner
            )
        })
        .filter_map(|role| Some((role.group_id?.to_string(), role.resource_name.clone())))
        .collect();
    package_groups.dedup();
    let names = DirectoryNames::default();
    // A stored policy names people and groups by id: ask for their names, which anyone signed
    // in may read, though only administrators may list the groups.
    if let Some(existing) = &existing {
        let (people, groups) = named_in_policy(&existing.definition);
        names.load(people, groups);
    }
    let directory = StoredValue::new(Directory {
        names,
        package_groups,
        owner: Owner::current().unwrap_or_default(),
    });
    let package_id = package.id;
    let policy_id = existing.as_ref().map(|p| p.id);
    let save = Action::new_local(move |definition: &PolicyDefinition| {
        let definition = definition.clone();
        async move {
            let saved = match policy_id {
                Some(policy_id) => {
                    api::packages::replace_policy(package_id, policy_id, &definition).await
                }
                None => api::packages::create_policy(package_id, &definition).await,
            };
            match saved {
                Ok(policy) => {
                    on_saved.run(policy);
                    Ok(())
                }
                Err(error) => {
                    errors.set(
                        error
                            .problem()
                            .map(|p| p.errors.clone())
                            .unwrap_or_default(),
                    );
                    Err(error)
                }
            }
        }
    });
    let local_refusal = RwSignal::new(false);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if save.pending().get_untracked() {
            return;
        }
        match form.definition() {
            Ok(definition) => {
                errors.set(Vec::new());
                local_refusal.set(false);
                save.dispatch(definition);
            }
            Err(refusals) => {
                errors.set(refusals);
                local_refusal.set(true);
            }
        }
    };
    let server_error = Signal::derive(move || {
        if local_refusal.get() {
            None
        } else {
            save.value().get().and_then(Result::err)
        }
    });
    let heading = if existing.is_some() {
        "Change the policy"
    } else {
        "New policy"
    };
    view! {
        <form class="form policy-editor" novalidate on:submit=on_submit aria-labelledby="policy-editor-heading">
            <h3 id="policy-editor-heading">{heading}</h3>
            {move || server_error.get().map(|error| view! { <ErrorAlert error=error title="The policy was not saved." /> })}
            {move || {
                (local_refusal.get() && !errors.with(Vec::is_empty))
                    .then(|| {
                        view! {
                            <div class="alert alert-error" role="alert">
                                <p class="alert-title">"The policy was not saved."</p>
                                <p>
                                    {move || match errors.with(Vec::len) {
                                        1 => "1 field needs attention; it is marked below.".to_string(),
                                        n => format!("{n} fields need attention; each is marked below."),
                                    }}
                                </p>
                            </div>
                        }
                    })
            }}
            <fieldset class="panel">
                <legend>"Policy"</legend>
                <TextField id="policy-name" label="Policy name" value=form.name error=at(errors, "name".into()) required=true autocomplete="off" />
                <TextAreaField id="policy-description" label="Policy description" value=form.description error=at(errors, "description".into()) />
                <CheckboxField id="policy-enabled" label="Enabled" checked=form.enabled hint="A disabled policy accepts no new requests." />
            </fieldset>
            <WhoSection form=form errors=errors directory=directory />
            <ApprovalSection form=form errors=errors directory=directory />
            <RequesterSection form=form errors=errors directory=directory />
            <LifecycleSection form=form errors=errors />
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" aria-disabled=move || busy(save.pending().get())>
                    {move || if save.pending().get() { "Saving…" } else { "Save policy" }}
                </button>
                <button type="button" class="btn btn-secondary" on:click=move |_| on_cancel.run(())>
                    "Cancel"
                </button>
            </div>
        </form>
    }
}

/// A group of radios bound to `value`.
fn radios<T: Copy + PartialEq + Send + Sync + 'static>(
    name: &'static str,
    value: RwSignal<T>,
    options: Vec<(T, &'static str, Option<&'static str>)>,
) -> impl IntoView {
    options
        .into_iter()
        .map(|(option, label, hint)| {
            view! {
                <label class="choice">
                    <input
                        type="radio"
                        name=name
                        prop:checked=move || value.get() == option
                        on:change=move |_| value.set(option)
                    />
                    <span>
                        {label}
                        {hint.map(|hint| view! { <span class="choice-hint">{hint}</span> })}
                    </span>
                </label>
            }
        })
        .collect_view()
}

#[component]
fn WhoSection(
    form: PolicyForm,
    errors: Errors,
    directory: StoredValue<Directory>,
) -> impl IntoView {
    let names = directory.with_value(|d| d.names);
    let user_filter = RwSignal::new(String::new());
    let user_choice = RwSignal::new(String::new());
    let group_filter = RwSignal::new(String::new());
    let group_choice = RwSignal::new(String::new());
    let groups = directory_choices(
        DirectoryKind::Groups,
        group_filter,
        Signal::derive(move || form.who.get() == Who::Specific),
    );
    let add_user = move |_| {
        let id = user_choice.get_untracked();
        if !id.is_empty() && !form.users.with_untracked(|all| all.contains(&id)) {
            form.users.update(|all| all.push(id));
        }
        user_choice.set(String::new());
    };
    let add_group = move |_| {
        let id = group_choice.get_untracked();
        if id.is_empty() {
            return;
        }
        if let Some((_, name)) = groups
            .get_untracked()
            .and_then(Result::ok)
            .and_then(|all| all.into_iter().find(|(gid, _)| *gid == id))
        {
            names.learn_group(&id, name);
        }
        if !form.groups.with_untracked(|all| all.contains(&id)) {
            form.groups.update(|all| all.push(id));
        }
        group_choice.set(String::new());
    };
    let group_name = move |id: &str| {
        names
            .group_name(id)
            .unwrap_or_else(|| format!("Group {id}"))
    };
    view! {
        <fieldset class="panel">
            <legend>"Who can request"</legend>
            <div class="choices" role="radiogroup" aria-label="Who can request">
                {radios(
                    "who-can-request",
                    form.who,
                    vec![
                        (Who::Specific, "Specific users and groups", None),
                        (Who::AllMembers, "All members", Some("People of the organisation; not service accounts or guests.")),
                        (Who::AllUsers, "All users", Some("Everyone in the directory.")),
                        (Who::Nobody, "Nobody", Some("Only administrators assign this package directly.")),
                    ],
                )}
            </div>
            {list_error("who-error".into(), exact(errors, "who_can_request".into()))}
            <Show when=move || form.who.get() == Who::Specific>
                <div class="picked">
                    <h4>"Users who may request"</h4>
                    <ul class="chips">
                        {move || {
                            form.users
                                .get()
                                .into_iter()
                                .enumerate()
                                .map(|(index, id)| {
                                    let name = names.name_of(&id);
                                    let error = at(errors, format!("who_can_request.users[{index}]"));
                                    view! {
                                        <li class="chip">
                                            <span>{name.clone()}</span>
                                            <button type="button" class="btn btn-ghost btn-small" aria-label=format!("Remove {name}") on:click=move |_| remove_item(form.users, index)>
                                                "Remove"
                                            </button>
                                            {move || error.get().map(|m| view! { <span class="field-error">{m}</span> })}
                                        </li>
                                    }
                                })
                                .collect_view()
                        }}
                    </ul>
                    <div class="form-inline">
                        <PersonPicker id="who-user" label="User who may request" value=user_choice filter=user_filter names=names />
                        <div class="form-actions">
                            <button type="button" class="btn btn-secondary" on:click=add_user>"Add user"</button>
                        </div>
                    </div>
                    <h4>"Groups whose members may request"</h4>
                    <ul class="chips">
                        {move || {
                            form.groups
                                .get()
                                .into_iter()
                                .enumerate()
                                .map(|(index, id)| {
                                    let name = group_name(&id);
                                    let error = at(errors, format!("who_can_request.groups[{index}]"));
                                    view! {
                                        <li class="chip">
                                            <span>{name.clone()}</span>
                                            <button type="button" class="btn btn-ghost btn-small" aria-label=format!("Remove {name}") on:click=move |_| remove_item(form.groups, index)>
                                                "Remove"
                                            </button>
                                            {move || error.get().map(|m| view! { <span class="field-error">{m}</span> })}
                                        </li>
                                    }
                                })
                                .collect_view()
                        }}
                    </ul>
                    <div class="form-inline">
                        <SearchSelect id="who-group" label="Group whose members may request" value=group_choice filter=group_filter choices=Signal::derive(move || groups.get().and_then(Result::ok).unwrap_or_default()) />
                        <div class="form-actions">
                            <button type="button" class="btn btn-secondary" on:click=add_group>"Add group"</button>
                        </div>
                    </div>
                </div>
            </Show>
        </fieldset>
    }
}

#[component]
fn ApprovalSection(
    form: PolicyForm,
    errors: Errors,
    directory: StoredValue<Directory>,
) -> impl IntoView {
    let add_stage = move |_| {
        if form.stages.with_untracked(Vec::len) < policy::approval::MAX_STAGES {
            let stage = owned(directory, StageRow::new);
            form.stages.update(|all| all.push(stage));
        }
    };
    let set_required = move |required: bool| {
        form.approval_required.set(required);
        if required && form.stages.with_untracked(Vec::is_empty) {
            form.stages.set(vec![owned(directory, StageRow::new)]);
        }
    };
    view! {
        <fieldset class="panel">
            <legend>"Approval"</legend>
            <div class="choices" role="radiogroup" aria-label="Approval">
                <label class="choice">
                    <input type="radio" name="approval" prop:checked=move || !form.approval_required.get() on:change=move |_| set_required(false) />
                    <span>"No approval" <span class="choice-hint">"Requests are granted at once."</span></span>
                </label>
                <label class="choice">
                    <input type="radio" name="approval" prop:checked=move || form.approval_required.get() on:change=move |_| set_required(true) />
                    <span>"Approval required" <span class="choice-hint">"One to three stages, decided in order; every stage must approve."</span></span>
                </label>
            </div>
            <Show when=move || form.approval_required.get()>
                {list_error("stages-error".into(), exact(errors, "approval.stages".into()))}
                {move || {
                    let count = form.stages.with(Vec::len);
                    form.stages
                        .get()
                        .into_iter()
                        .enumerate()
                        .map(|(index, stage)| view! {
                            <StageEditor stage=stage index=index count=count form=form errors=errors directory=directory />
                        })
                        .collect_view()
                }}
                <Show when=move || form.stages.with(|s| s.len() < policy::approval::MAX_STAGES)>
                    <button type="button" class="btn btn-secondary" on:click=add_stage>
                        "Add a stage"
                    </button>
                </Show>
            </Show>
        </fieldset>
    }
}

#[component]
fn StageEditor(
    stage: StageRow,
    index: usize,
    count: usize,
    form: PolicyForm,
    errors: Errors,
    directory: StoredValue<Directory>,
) -> impl IntoView {
    let number = index + 1;
    let at_path = format!("approval.stages[{index}]");
    let prefix = format!("stage-{index}");
    let allowed = move || {
        stage
            .timeout_days
            .get()
            .trim()
            .parse::<u8>()
            .ok()
            .and_then(escalation_days_allowed)
    };
    let escalation_hint = move || match allowed() {
        Some(range) => format!(
            "With this timeout, escalate after {} to {} days.",
            range.start(),
            range.end()
        ),
        None => "Escalation is only possible with a timeout of at least 4 days.".to_string(),
    };
    let after_error = either(
        exact(errors, format!("{at_path}.escalation")),
        at(errors, format!("{at_path}.escalation.after_days")),
    );
    view! {
        <fieldset class="stage">
            <legend>{format!("Stage {number}")}</legend>
            <ApproverList
                rows=stage.primary
                title="Approvers"
                noun="approver"
                path=format!("{at_path}.primary_approvers")
                id_prefix=format!("{prefix}-primary")
                relative=true
                hint="Any one of them decides for the stage."
                errors=errors
                directory=directory
            />
            <ApproverList
                rows=stage.fallback
                title="Fallback approvers"
                noun="fallback approver"
                path=format!("{at_path}.fallback_approvers")
                id_prefix=format!("{prefix}-fallback")
                relative=false
                hint="Decide when the approvers above cannot be found, such as a requester without a manager. Required when the approvers include a manager or sponsors; users and groups only."
                errors=errors
                directory=directory
            />
            <TextField
                id=format!("{prefix}-timeout")
                label="Days to decide"
                value=stage.timeout_days
                error=at(errors, format!("{at_path}.timeout_days"))
                hint="1 to 14 days. A request not decided in time does not go further."
                inputmode="numeric"
            />
            <CheckboxField id=format!("{prefix}-justification") label="Approvers must give a reason" checked=stage.justification />
            <CheckboxField id=format!("{prefix}-escalate") label="Escalate when no decision comes" checked=stage.escalate />
            <Show when=move || stage.escalate.get()>
                <div class="escalation">
                    <p class="field-hint" id=format!("{prefix}-escalation-rule")>
                        "Escalation needs a timeout of at least 4 days. It happens after half the time plus one day, and before the last day: "
                        {escalation_hint}
                    </p>
                    <TextField
                        id=format!("{prefix}-after-days")
                        label="Escalate after (days)"
                        value=stage.after_days
                        error=after_error
                        inputmode="numeric"
                    />
                    <ApproverList
                        rows=stage.escalation
                        title="Escalation approvers"
                        noun="escalation approver"
                        path=format!("{at_path}.escalation.approvers")
                        id_prefix=format!("{prefix}-escalation")
                        relative=true
                        hint="Asked in addition once the stage escalates; choose someone new."
                        errors=errors
                        directory=directory
                    />
                    <ApproverList
                        rows=stage.escalation_fallback
                        title="Escalation fallback approvers"
                        noun="escalation fallback approver"
                        path=format!("{at_path}.escalation.fallback_approvers")
                        id_prefix=format!("{prefix}-escalation-fallback")
                        relative=false
                        hint="Required when the escalation approvers include a manager or sponsors."
                        errors=errors
                        directory=directory
                    />
                </div>
            </Show>
            <div class="row-actions">
                {(index > 0).then(|| view! {
                    <button type="button" class="btn btn-ghost btn-small" on:click=move |_| move_item(form.stages, index, true)>
                        {format!("Move stage {number} up")}
                    </button>
                })}
                {(index + 1 < count).then(|| view! {
                    <button type="button" class="btn btn-ghost btn-small" on:click=move |_| move_item(form.stages, index, false)>
                        {format!("Move stage {number} down")}
                    </button>
                })}
                <button type="button" class="btn btn-danger-outline btn-small" on:click=move |_| remove_item(form.stages, index)>
                    {format!("Remove stage {number}")}
                </button>
            </div>
        </fieldset>
    }
}

#[component]
fn ApproverList(
    rows: RwSignal<Vec<ApproverRow>>,
    title: &'static str,
    noun: &'static str,
    path: String,
    id_prefix: String,
    /// Whether managers and sponsors may be chosen.
    relative: bool,
    hint: &'static str,
    errors: Errors,
    directory: StoredValue<Directory>,
) -> impl IntoView {
    let list_error_id = format!("{id_prefix}-error");
    let list_path = path.clone();
    view! {
        <fieldset class="approvers">
            <legend>{title}</legend>
            <p class="field-hint">{hint}</p>
            {list_error(list_error_id, exact(errors, list_path))}
            {move || {
                rows.get()
                    .into_iter()
                    .enumerate()
                    .map(|(index, row)| view! {
                        <ApproverEditor
                            row=row
                            legend=format!("{} {}", sentence(noun), index + 1)
                            path=format!("{path}[{index}]")
                            id=format!("{id_prefix}-{index}")
                            relative=relative
                            errors=errors
                            directory=directory
                            on_remove=Callback::new(move |_| remove_item(rows, index))
                        />
                    })
                    .collect_view()
            }}
            <button
                type="button"
                class="btn btn-secondary btn-small"
                on:click=move |_| {
                    let kind = if relative { ApproverKind::Manager } else { ApproverKind::User };
                    let row = owned(directory, || ApproverRow::new(kind, String::new()));
                    rows.update(|all| all.push(row));
                }
            >
                {format!("Add {noun}")}
            </button>
        </fieldset>
    }
}

#[component]
fn ApproverEditor(
    row: ApproverRow,
    legend: String,
    path: String,
    id: String,
    relative: bool,
    errors: Errors,
    directory: StoredValue<Directory>,
    on_remove: Callback<()>,
) -> impl IntoView {
    let error = at(errors, path);
    let kind_id = format!("{id}-kind");
    let names = directory.with_value(|d| d.names);
    let package_groups = directory.with_value(|d| d.package_groups.clone());
    let groups = directory_choices(
        DirectoryKind::Groups,
        row.filter,
        Signal::derive(move || row.kind.get() == ApproverKind::GroupMembers),
    );
    // The chosen group stays a choice, by name, for those who may not list groups too.
    let group_choices = Signal::derive(move || {
        let found = groups.get().and_then(Result::ok).unwrap_or_default();
        let chosen = row.target.get();
        keep_chosen(found, &chosen, || {
            names.group_name(&chosen).unwrap_or_else(|| chosen.clone())
        })
    });
    let kinds: Vec<ApproverKind> = ApproverKind::ALL
        .into_iter()
        .filter(|kind| relative || !kind.relative())
        .collect();
    let remove_label = format!("Remove {}", legend.to_lowercase());
    view! {
        <fieldset class="approver">
            <legend>{legend}</legend>
            <div class="field">
                <label for=kind_id.clone()>"Who"</label>
                <select
                    id=kind_id
                    prop:value=move || row.kind.get().value()
                    on:change=move |ev| {
                        row.kind.set(ApproverKind::parse(&event_target_value(&ev)));
                        row.target.set(String::new());
                    }
                >
                    {kinds
                        .into_iter()
                        .map(|kind| {
                            view! { <option value=kind.value() selected=move || row.kind.get() == kind>{kind.label()}</option> }
                        })
                        .collect_view()}
                </select>
            </div>
            {
                let id = id.clone();
                move || match row.kind.get() {
                    ApproverKind::User => view! {
                        <PersonPicker id=format!("{id}-user") label="User" value=row.target filter=row.filter error=error names=names />
                    }
                    .into_any(),
                    ApproverKind::GroupMembers => view! {
                        <SearchSelect id=format!("{id}-group") label="Group" value=row.target filter=row.filter choices=group_choices error=error />
                    }
                    .into_any(),
                    ApproverKind::GroupOwners => {
                        let choices = package_groups.clone();
                        let select_id = format!("{id}-package-group");
                        view! {
                            <div class="field" class:field-invalid=move || error.with(Option::is_some)>
                                <label for=select_id.clone()>"Group of this package"</label>
                                <select id=select_id prop:value=move || row.target.get() on:change=move |ev| row.target.set(event_target_value(&ev))>
                                    <option value="">"Choose…"</option>
                                    {choices
                                        .into_iter()
                                        .map(|(gid, name)| {
                                            let selected = gid == row.target.get_untracked();
                                            view! { <option value=gid selected=selected>{name}</option> }
                                        })
                                        .collect_view()}
                                </select>
                                {move || error.get().map(|m| view! { <p class="field-error">{m}</p> })}
                            </div>
                        }
                        .into_any()
                    }
                    ApproverKind::Manager | ApproverKind::SecondManager | ApproverKind::Sponsors => {
                        view! { {move || error.get().map(|m| view! { <p class="field-error" role="alert">{m}</p> })} }.into_any()
                    }
                }
            }
            <button type="button" class="btn btn-ghost btn-small" aria-label=remove_label on:click=move |_| on_remove.run(())>
                "Remove"
            </button>
        </fieldset>
    }
}

#[component]
fn RequesterSection(
    form: PolicyForm,
    errors: Errors,
    directory: StoredValue<Directory>,
) -> impl IntoView {
    let add_question = move |_| {
        let id = form.questions.with_untracked(|all| next_question_id(all));
        let question = owned(directory, || QuestionRow::new(id));
        form.questions.update(|all| all.push(question));
    };
    view! {
        <fieldset class="panel">
            <legend>"Requesters"</legend>
            <CheckboxField id="policy-justification" label="Requesters must give a reason" checked=form.justification_required />
            <CheckboxField id="policy-dates" label="Requesters may choose start and end dates" checked=form.may_choose_dates />
            <CheckboxField id="policy-on-behalf" label="Managers may request for their direct reports" checked=form.on_behalf />
            {list_error("on-behalf-error".into(), at(errors, "requester.on_behalf_of_direct_reports".into()))}
            <h4>"Questions"</h4>
            <p class="field-hint">"Asked when someone requests this package; approvers see the answers."</p>
            {list_error("questions-error".into(), exact(errors, "requester.questions".into()))}
            {move || {
                let count = form.questions.with(Vec::len);
                form.questions
                    .get()
                    .into_iter()
                    .enumerate()
                    .map(|(index, question)| view! { <QuestionEditor question=question index=index count=count form=form errors=errors /> })
                    .collect_view()
            }}
            <button type="button" class="btn btn-secondary btn-small" on:click=add_question>"Add a question"</button>
        </fieldset>
    }
}

#[component]
fn QuestionEditor(
    question: QuestionRow,
    index: usize,
    count: usize,
    form: PolicyForm,
    errors: Errors,
) -> impl IntoView {
    let number = index + 1;
    let path = format!("requester.questions[{index}]");
    let prefix = format!("question-{index}");
    let kind_id = format!("{prefix}-kind");
    let id_error = at(errors, format!("{path}.id"));
    view! {
        <fieldset class="question">
            <legend>{format!("Question {number}")}</legend>
            <div class="field">
                <label for=kind_id.clone()>"Kind of answer"</label>
                <select
                    id=kind_id
                    prop:value=move || question.kind.get().value()
                    on:change=move |ev| {
                        let raw = event_target_value(&ev);
                        if let Some(kind) = QuestionKind::ALL.into_iter().find(|k| k.value() == raw) {
                            question.kind.set(kind);
                        }
                    }
                >
                    {QuestionKind::ALL
                        .into_iter()
                        .map(|kind| view! { <option value=kind.value() selected=move || question.kind.get() == kind>{kind.label()}</option> })
                        .collect_view()}
                </select>
            </div>
            <TextField id=format!("{prefix}-text") label="Question" value=question.text error=either(at(errors, format!("{path}.text")), id_error) />
            <CheckboxField id=format!("{prefix}-required") label="An answer is required" checked=question.required />
            {
                let path = path.clone();
                let prefix = prefix.clone();
                move || {
                    if question.kind.get().has_choices() {
                        view! {
                            <TextAreaField id=format!("{prefix}-choices") label="Choices, one a line" value=question.choices error=at(errors, format!("{path}.choices")) hint="2 to 30 choices." rows=4 />
                        }
                        .into_any()
                    } else {
                        view! {
                            <TextField id=format!("{prefix}-regex") label="Answer pattern (optional)" value=question.regex error=at(errors, format!("{path}.regex")) hint="A regular expression the whole answer must match, such as [A-Z]{3}-[0-9]+." autocomplete="off" />
                        }
                        .into_any()
                    }
                }
            }
            <div class="row-actions">
                {(index > 0).then(|| view! {
                    <button type="button" class="btn btn-ghost btn-small" on:click=move |_| move_item(form.questions, index, true)>
                        {format!("Move question {number} up")}
                    </button>
                })}
                {(index + 1 < count).then(|| view! {
                    <button type="button" class="btn btn-ghost btn-small" on:click=move |_| move_item(form.questions, index, false)>
                        {format!("Move question {number} down")}
                    </button>
                })}
                <button type="button" class="btn btn-danger-outline btn-small" on:click=move |_| remove_item(form.questions, index)>
                    {format!("Remove question {number}")}
                </button>
            </div>
        </fieldset>
    }
}

#[component]
fn LifecycleSection(form: PolicyForm, errors: Errors) -> impl IntoView {
    view! {
        <fieldset class="panel">
            <legend>"Lifecycle"</legend>
            <fieldset class="choices">
                <legend>"Access ends"</legend>
                {radios(
                    "expiry",
                    form.expiry,
                    vec![
                        (ExpiryKind::Never, "Never", None),
                        (ExpiryKind::OnDate, "On a date", None),
                        (ExpiryKind::AfterDays, "After a number of days", None),
                        (ExpiryKind::AfterHours, "After a number of hours", None),
                    ],
                )}
            </fieldset>
            {move || match form.expiry.get() {
                ExpiryKind::Never => ().into_any(),
                ExpiryKind::OnDate => view! {
                    <TextField id="expiry-date" label="End date (UTC)" input_type="date" value=form.expiry_date error=at(errors, "lifecycle.expiry.at".into()) />
                }
                .into_any(),
                ExpiryKind::AfterDays => view! {
                    <TextField id="expiry-days" label="Days of access" value=form.expiry_days error=at(errors, "lifecycle.expiry.days".into()) hint="Up to 3660 days." inputmode="numeric" />
                }
                .into_any(),
                ExpiryKind::AfterHours => view! {
                    <TextField id="expiry-hours" label="Hours of access" value=form.expiry_hours error=at(errors, "lifecycle.expiry.hours".into()) hint="Up to 8784 hours; use days for longer." inputmode="numeric" />
                }
                .into_any(),
            }}
            <fieldset class="choices">
                <legend>"Extension"</legend>
                {radios(
                    "extension",
                    form.extension,
                    vec![
                        (Extension::No, "Not allowed", None),
                        (Extension::Yes, "Allowed", Some("People may extend their access before it ends.")),
                        (Extension::WithApproval, "Allowed, with approval", Some("An extension goes through the approval stages again.")),
                    ],
                )}
            </fieldset>
            {list_error("extension-error".into(), at(errors, "lifecycle.extension".into()))}
            <CheckboxField id="policy-self-removal" label="People may remove their own access" checked=form.self_removal />
        </fieldset>
    }
}

/// A line that sums a policy up, for the list.
pub fn summary(definition: &PolicyDefinition) -> (String, String, String) {
    let who = match &definition.who_can_request {
        WhoCanRequest::SpecificUsersAndGroups { users, groups } => {
            format!("{} users, {} groups", users.len(), groups.len())
        }
        WhoCanRequest::AllMembers {} => "All members".into(),
        WhoCanRequest::AllUsers {} => "All users".into(),
        WhoCanRequest::Nobody {} => "Nobody".into(),
    };
    let approval = match &definition.approval {
        ApprovalDefinition::None {} => "No approval".into(),
        ApprovalDefinition::Required { stages } if stages.len() == 1 => "1 stage".into(),
        ApprovalDefinition::Required { stages } => format!("{} stages", stages.len()),
    };
    let expiry = match definition.lifecycle.expiry {
        ExpiryDefinition::Never {} => "Never ends".into(),
        ExpiryDefinition::OnDate { at } => format!("Ends on {}", at.format("%Y-%m-%d")),
        ExpiryDefinition::AfterDays { days } => format!("Ends after {days} days"),
        ExpiryDefinition::AfterHours { hours } => format!("Ends after {hours} hours"),
    };
    (who, approval, expiry)
}

/// Whether the person can pick groups: only administrators can list them. Anyone can pick
/// people.
pub fn can_pick_groups() -> bool {
    is_admin()
}

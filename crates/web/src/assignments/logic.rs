//! The assignment pages' pure parts: the list's filters written as a query (for the list and
//! the CSV links), how assignments, conflicts and policies read on screen, and the "New
//! assignment" form parsed into the domain's [`NewAssignment`], with every refusal at the JSON
//! path the API would use (`user_id`, `starts_at`, `answers[2].value`…).

use chrono::{DateTime, NaiveDateTime, Utc};
use tessera_domain::assignment::{
    AssignmentQuery, AssignmentState, AssignmentView, ConflictingAccess, Justification,
    NewAssignment, PersonSummary, RemoveAssignment, ReprocessChange, ReprocessReport, StateFilter,
};
use tessera_domain::package::ResourceRoleKind;
use tessera_domain::policy::{
    self, AnswerInput, AnswerValueInput, ApprovalDefinition, ExpiryDefinition, PolicyDefinition,
    QuestionDefinition,
};
use tessera_domain::problem::FieldError;
use tessera_domain::{AccessPackageId, PolicyId, UserId};

use crate::api::ApiError;
use crate::audit::encode;
use crate::format::timestamp;

/// The path of the CSV export of assignments, under the API's base.
pub const CSV_EXPORT_PATH: &str = "/api/v1/assignments.csv";

/// What the state filter of an assignment list offers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StateChoice {
    /// Scheduled or delivered: who has, or is about to have, the access.
    #[default]
    Active,
    Scheduled,
    Delivered,
    Expired,
    Removed,
    All,
}

impl StateChoice {
    pub const ALL: [StateChoice; 6] = [
        StateChoice::Active,
        StateChoice::Scheduled,
        StateChoice::Delivered,
        StateChoice::Expired,
        StateChoice::Removed,
        StateChoice::All,
    ];

    /// The `<option>` value.
    pub fn value(self) -> &'static str {
        match self {
            StateChoice::Active => "active",
            StateChoice::Scheduled => "scheduled",
            StateChoice::Delivered => "delivered",
            StateChoice::Expired => "expired",
            StateChoice::Removed => "removed",
            StateChoice::All => "all",
        }
    }

    /// The choice of an `<option>` value; anything unknown is the default.
    pub fn parse(raw: &str) -> StateChoice {
        StateChoice::ALL
            .into_iter()
            .find(|choice| choice.value() == raw)
            .unwrap_or_default()
    }

    pub fn label(self) -> &'static str {
        match self {
            StateChoice::Active => "Active (scheduled or delivered)",
            StateChoice::Scheduled => "Scheduled",
            StateChoice::Delivered => "Delivered",
            StateChoice::Expired => "Expired",
            StateChoice::Removed => "Removed",
            StateChoice::All => "All",
        }
    }

    /// The API's filter; `None` lists every state.
    pub fn filter(self) -> Option<StateFilter> {
        match self {
            StateChoice::Active => Some(StateFilter::Active),
            StateChoice::Scheduled => Some(StateFilter::Scheduled),
            StateChoice::Delivered => Some(StateFilter::Delivered),
            StateChoice::Expired => Some(StateFilter::Expired),
            StateChoice::Removed => Some(StateFilter::Removed),
            StateChoice::All => None,
        }
    }
}

fn state_filter_value(filter: StateFilter) -> &'static str {
    match filter {
        StateFilter::Active => "active",
        StateFilter::Scheduled => "scheduled",
        StateFilter::Delivered => "delivered",
        StateFilter::Expired => "expired",
        StateFilter::Removed => "removed",
    }
}

/// The filters as query parameters, in a stable order; absent filters, `limit` and `cursor`
/// are left out.
pub fn query_pairs(filters: &AssignmentQuery) -> Vec<(&'static str, String)> {
    [
        ("catalog_id", filters.catalog_id.map(|id| id.to_string())),
        (
            "access_package_id",
            filters.access_package_id.map(|id| id.to_string()),
        ),
        ("user_id", filters.user_id.map(|id| id.to_string())),
        (
            "state",
            filters.state.map(|s| state_filter_value(s).to_string()),
        ),
    ]
    .into_iter()
    .filter_map(|(key, value)| value.map(|value| (key, value)))
    .collect()
}

/// `path` with these query pairs, percent-encoded; `path` alone when there are none.
pub(crate) fn with_query(path: &str, pairs: Vec<(&'static str, String)>) -> String {
    let query = pairs
        .into_iter()
        .map(|(key, value)| format!("{key}={}", encode(&value)))
        .collect::<Vec<_>>()
        .join("&");
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}

/// The link that downloads the assignments these filters match as CSV.
pub fn csv_href(filters: &AssignmentQuery) -> String {
    with_query(CSV_EXPORT_PATH, query_pairs(filters))
}

/// The link that downloads a package's separation-of-duties report as CSV.
pub fn conflicts_csv_href(package: AccessPackageId) -> String {
    format!("/api/v1/access-packages/{package}/conflicts.csv")
}

pub fn state_label(state: AssignmentState) -> &'static str {
    match state {
        AssignmentState::Scheduled => "Scheduled",
        AssignmentState::Delivered => "Delivered",
        AssignmentState::Expired => "Expired",
        AssignmentState::Removed => "Removed",
    }
}

/// The classes of a state's badge.
pub fn state_badge(state: AssignmentState) -> &'static str {
    match state {
        AssignmentState::Scheduled => "badge badge-info",
        AssignmentState::Delivered => "badge badge-success",
        AssignmentState::Expired => "badge badge-neutral",
        AssignmentState::Removed => "badge badge-danger",
    }
}

/// A person as pickers and lists name them: `Ada Admin (admin)`.
pub fn person(person: &PersonSummary) -> String {
    format!("{} ({})", person.display_name, person.username)
}

/// What a conflicting access is, and its name.
pub fn conflict_kind(access: &ConflictingAccess) -> (&'static str, &str) {
    match access {
        ConflictingAccess::AccessPackage { name, .. } => ("Access package", name),
        ConflictingAccess::Group { name, .. } => ("Group membership", name),
    }
}

/// Whether a policy gives access at once when someone is assigned under it. The API refuses a
/// disabled policy (`409`); under one that requires approval, the assignment cannot skip its
/// approvers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyUse {
    Usable,
    Disabled,
    RequiresApproval,
}

impl PolicyUse {
    pub fn of(definition: &PolicyDefinition) -> Self {
        if !definition.enabled {
            return PolicyUse::Disabled;
        }
        match &definition.approval {
            ApprovalDefinition::None {} => PolicyUse::Usable,
            ApprovalDefinition::Required { .. } => PolicyUse::RequiresApproval,
        }
    }

    /// What the policy picker says about it, after the policy's name.
    pub fn suffix(self) -> &'static str {
        match self {
            PolicyUse::Usable => "",
            PolicyUse::Disabled => " (disabled)",
            PolicyUse::RequiresApproval => " (requires approval)",
        }
    }

    /// Why the policy cannot be used, shown under the picker.
    pub fn warning(self) -> Option<&'static str> {
        match self {
            PolicyUse::Usable => None,
            PolicyUse::Disabled => Some(
                "This policy is disabled: it takes no new assignments. Enable it, or choose another policy.",
            ),
            PolicyUse::RequiresApproval => Some(
                "This policy requires approval, which a direct assignment cannot skip: the person gets the access only once its approvers agree. Choose a policy without approval to give access at once.",
            ),
        }
    }
}

/// How long access lasts under a policy, shown under the policy picker.
pub fn expiry_hint(definition: &PolicyDefinition) -> String {
    match definition.lifecycle.expiry {
        ExpiryDefinition::Never {} => {
            "Under this policy, access lasts until it is removed.".to_string()
        }
        ExpiryDefinition::OnDate { at } => {
            format!("Under this policy, access ends on {}.", timestamp(&at))
        }
        ExpiryDefinition::AfterDays { days: 1 } => {
            "Under this policy, access ends 1 day after it starts.".to_string()
        }
        ExpiryDefinition::AfterDays { days } => {
            format!("Under this policy, access ends {days} days after it starts.")
        }
        ExpiryDefinition::AfterHours { hours: 1 } => {
            "Under this policy, access ends 1 hour after it starts.".to_string()
        }
        ExpiryDefinition::AfterHours { hours } => {
            format!("Under this policy, access ends {hours} hours after it starts.")
        }
    }
}

/// When an assignment ends, or ended.
pub fn end_label(assignment: &AssignmentView) -> String {
    match (assignment.state, assignment.ended_at, assignment.ends_at) {
        (AssignmentState::Removed, Some(at), _) => format!("Removed {}", timestamp(&at)),
        (AssignmentState::Expired, Some(at), _) => format!("Expired {}", timestamp(&at)),
        (_, _, Some(end)) => timestamp(&end),
        (_, _, None) => "No end".to_string(),
    }
}

/// The body of a removal: the reason, when one is given.
pub fn removal(reason: &str) -> Result<RemoveAssignment, ApiError> {
    match present(reason) {
        None => Ok(RemoveAssignment::default()),
        Some(raw) => Justification::parse(raw)
            .map(|justification| RemoveAssignment {
                justification: Some(justification),
            })
            .map_err(|error| {
                ApiError::invalid(vec![FieldError {
                    field: "justification".into(),
                    message: error.0,
                }])
            }),
    }
}

/// A question as the form shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuestionView {
    pub text: String,
    pub required: bool,
    pub kind: QuestionKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QuestionKind {
    ShortText,
    LongText,
    SingleChoice(Vec<String>),
    MultipleChoice(Vec<String>),
}

impl QuestionView {
    pub fn of(question: &QuestionDefinition) -> Self {
        let (text, required, kind) = match question {
            QuestionDefinition::ShortText { text, required, .. } => {
                (text, *required, QuestionKind::ShortText)
            }
            QuestionDefinition::LongText { text, required, .. } => {
                (text, *required, QuestionKind::LongText)
            }
            QuestionDefinition::SingleChoice {
                text,
                required,
                choices,
                ..
            } => (text, *required, QuestionKind::SingleChoice(choices.clone())),
            QuestionDefinition::MultipleChoice {
                text,
                required,
                choices,
                ..
            } => (
                text,
                *required,
                QuestionKind::MultipleChoice(choices.clone()),
            ),
        };
        QuestionView {
            text: text.clone(),
            required,
            kind,
        }
    }
}

fn question_id(question: &QuestionDefinition) -> &str {
    match question {
        QuestionDefinition::ShortText { id, .. }
        | QuestionDefinition::LongText { id, .. }
        | QuestionDefinition::SingleChoice { id, .. }
        | QuestionDefinition::MultipleChoice { id, .. } => id,
    }
}

/// One question's answer as typed: the text, or the one chosen choice, in `text`; the chosen
/// choices of a multiple-choice question in `chosen`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AnswerDraft {
    pub text: String,
    pub chosen: Vec<String>,
}

impl AnswerDraft {
    /// Blank answers for every question of a policy.
    pub fn blank_for(definition: Option<&PolicyDefinition>) -> Vec<AnswerDraft> {
        let count = definition.map_or(0, |d| d.requester.questions.len());
        vec![AnswerDraft::default(); count]
    }

    /// Ticks or unticks one choice of a multiple-choice question.
    pub fn toggle(&mut self, choice: &str, on: bool) {
        self.chosen.retain(|c| c != choice);
        if on {
            self.chosen.push(choice.to_string());
        }
    }
}

/// The "New assignment" form as typed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NewAssignmentForm {
    pub policy_id: String,
    pub user_id: String,
    /// `2025-03-04T14:05` as a `datetime-local` input gives it, in the browser's time zone.
    pub starts_at: String,
    pub ends_at: String,
    pub justification: String,
    /// One per question of the chosen policy, in its order.
    pub answers: Vec<AnswerDraft>,
}

impl NewAssignmentForm {
    /// The assignment to send. `policy` is the chosen policy's definition, whose questions the
    /// answers follow and are checked against with the domain's own rules; `to_utc` reads a
    /// local date and time in the browser's time zone (`None` when it does not exist there).
    /// Every answer is sent, blank or not, so that refusals name `answers[i]` of question `i`.
    pub fn parse(
        &self,
        policy: Option<&PolicyDefinition>,
        to_utc: impl Fn(NaiveDateTime) -> Option<DateTime<Utc>>,
    ) -> Result<NewAssignment, ApiError> {
        let mut refusals = Vec::new();
        let mut refuse = |field: &str, message: &str| {
            refusals.push(FieldError {
                field: field.to_string(),
                message: message.to_string(),
            })
        };
        let policy_id = match (self.policy_id.trim().parse::<PolicyId>(), policy) {
            (Ok(id), Some(_)) => Some(id),
            _ => {
                refuse("policy_id", "choose a policy");
                None
            }
        };
        let user_id = self
            .user_id
            .trim()
            .parse::<UserId>()
            .map_err(|_| refuse("user_id", "choose a person"))
            .ok();
        let mut moment = |field: &str, raw: &str| match present(raw) {
            None => None,
            Some(raw) => match local_date_time(raw) {
                None => {
                    refuse(field, "must be a date and time such as 2025-03-04T14:05");
                    None
                }
                Some(naive) => match to_utc(naive) {
                    Some(at) => Some(at),
                    None => {
                        refuse(field, "does not exist in your time zone");
                        None
                    }
                },
            },
        };
        let starts_at = moment("starts_at", &self.starts_at);
        let ends_at = moment("ends_at", &self.ends_at);
        if let (Some(start), Some(end)) = (starts_at, ends_at)
            && end <= start
        {
            refuse("ends_at", "must be after the start");
        }
        let justification = match present(&self.justification) {
            None => None,
            Some(raw) => Justification::parse(raw)
                .map_err(|error| refuse("justification", &error.0))
                .ok(),
        };
        let questions = policy.map_or(&[][..], |d| d.requester.questions.as_slice());
        let answers: Vec<AnswerInput> = questions
            .iter()
            .enumerate()
            .map(|(index, question)| {
                let draft = self.answers.get(index).cloned().unwrap_or_default();
                let value = match question {
                    QuestionDefinition::MultipleChoice { choices, .. } => AnswerValueInput::Many(
                        choices
                            .iter()
                            .filter(|choice| draft.chosen.contains(choice))
                            .cloned()
                            .collect(),
                    ),
                    QuestionDefinition::ShortText { .. }
                    | QuestionDefinition::LongText { .. }
                    | QuestionDefinition::SingleChoice { .. } => AnswerValueInput::One(draft.text),
                };
                AnswerInput {
                    question_id: question_id(question).to_string(),
                    value,
                }
            })
            .collect();
        // A policy that does not pass here (a rule tightened since it was saved) is left to the
        // server to judge.
        if let Some(valid) = policy.and_then(|d| policy::validate(d).ok())
            && let Err(found) = policy::validate_answers(&valid, &answers)
        {
            refusals.extend(found);
        }
        match (policy_id, user_id) {
            (Some(policy_id), Some(user_id)) if refusals.is_empty() => Ok(NewAssignment {
                policy_id,
                user_id,
                starts_at,
                ends_at,
                justification,
                answers,
            }),
            _ => Err(ApiError::invalid(refusals)),
        }
    }
}

fn present(raw: &str) -> Option<&str> {
    Some(raw.trim()).filter(|raw| !raw.is_empty())
}

/// A `datetime-local` value, to the minute or the second.
pub fn local_date_time(raw: &str) -> Option<NaiveDateTime> {
    [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M:%S%.f",
    ]
    .into_iter()
    .find_map(|format| NaiveDateTime::parse_from_str(raw.trim(), format).ok())
}

/// The refusal at `path` or inside it (`path.value`, `path[0]`), for a control that stands for
/// a whole subtree of the input, such as one question's answer.
pub fn message_under(error: &ApiError, path: &str) -> Option<String> {
    let problem = error.problem()?;
    let messages: Vec<&str> = problem
        .errors
        .iter()
        .filter(|e| {
            e.field == path
                || e.field
                    .strip_prefix(path)
                    .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
        })
        .map(|e| e.message.as_str())
        .collect();
    (!messages.is_empty()).then(|| messages.join("; "))
}

/// What reprocessing found (or, without a dry run, did), in a sentence.
pub fn reprocess_summary(report: &ReprocessReport) -> String {
    fn rows(n: usize) -> String {
        if n == 1 {
            "1 directory row".into()
        } else {
            format!("{n} directory rows")
        }
    }
    let (added, removed) = (report.added.len(), report.removed.len());
    match (report.is_empty(), report.dry_run) {
        (true, _) => {
            "The directory holds exactly what the assignments say: nothing to put right.".into()
        }
        (false, true) => format!(
            "Found {} to put back and {} to take away. Nothing was changed yet.",
            rows(added),
            rows(removed)
        ),
        (false, false) => format!("Put back {} and took away {}.", rows(added), rows(removed)),
    }
}

/// One row of a reprocess report, as its table shows it: the person, what they hold (or held)
/// and whether it was put back or taken away.
pub fn reprocess_rows(report: &ReprocessReport) -> Vec<(String, String, &'static str)> {
    let what = |change: &ReprocessChange| {
        let role = match change.kind {
            ResourceRoleKind::GroupMember => "Member of",
            ResourceRoleKind::GroupOwner => "Owner of",
            ResourceRoleKind::AppRole => "Application role",
        };
        format!("{role} {}", change.resource_name)
    };
    let (put, taken) = if report.dry_run {
        ("To put back", "To take away")
    } else {
        ("Put back", "Taken away")
    };
    report
        .added
        .iter()
        .map(|change| (person(&change.user), what(change), put))
        .chain(
            report
                .removed
                .iter()
                .map(|change| (person(&change.user), what(change), taken)),
        )
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
#[path = "tests.rs"]
mod tests;

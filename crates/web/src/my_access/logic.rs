//! The pure parts of "My Access" (the overview, access packages, request history and
//! approvals): which tab a query names, how requests, blockers and refusals read in words, and
//! the request, extension, removal, cancellation and decision forms parsed into the domain's
//! inputs, with every refusal at the JSON path the API would use (`policy_id`, `justification`,
//! `answers[2].value`, `ends_at`…), so local and server refusals show at the same control.

use chrono::{DateTime, NaiveDateTime, Utc};
use tessera_domain::access::{
    Ask, Blocker, CancelInput, DecisionInput, DecisionView, Holding, NewRequestInput, RequestView,
    RequestablePolicy, StageView, SuggestionReason,
};
use tessera_domain::assignment::{Justification, StateFilter};
use tessera_domain::policy::{
    self, Answer, AnswerInput, AnswerValue, AnswerValueInput, ApprovalDefinition, ExtensionRule,
    PolicyDefinition, QuestionDefinition,
};
use tessera_domain::problem::{FieldError, ProblemCode};
use tessera_domain::request::{RequestKind, RequestState, Verdict};
use tessera_domain::{AccessPackageId, UserId};

use crate::api::ApiError;
use crate::assignments::{AnswerDraft, local_date_time};

/// The tabs of the access packages page, named by its `?tab=` query.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PackagesTab {
    /// Packages one may request.
    #[default]
    Available,
    /// Packages people like oneself hold, or one held before.
    Suggested,
    /// One's access now (scheduled or delivered).
    Active,
    /// One's access that expired or was removed.
    Expired,
}

impl PackagesTab {
    pub const ALL: [PackagesTab; 4] = [
        PackagesTab::Available,
        PackagesTab::Suggested,
        PackagesTab::Active,
        PackagesTab::Expired,
    ];

    /// Anything unknown is the first tab.
    pub fn parse(raw: Option<&str>) -> Self {
        match raw {
            Some("suggested") => PackagesTab::Suggested,
            Some("active") => PackagesTab::Active,
            Some("expired") => PackagesTab::Expired,
            _ => PackagesTab::Available,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PackagesTab::Available => "Available",
            PackagesTab::Suggested => "Suggested",
            PackagesTab::Active => "Active",
            PackagesTab::Expired => "Expired",
        }
    }

    /// The tab's address under `base` (the page's path).
    pub fn href(self, base: &str) -> String {
        match self {
            PackagesTab::Available => base.to_string(),
            PackagesTab::Suggested => format!("{base}?tab=suggested"),
            PackagesTab::Active => format!("{base}?tab=active"),
            PackagesTab::Expired => format!("{base}?tab=expired"),
        }
    }
}

/// What someone already has of a package, in a word or two: "You have it", "Ends in 6 days"
/// (when it ends within about a month), "Pending".
pub fn holding_label(holding: &Holding, now: DateTime<Utc>) -> String {
    holding_words(holding, now, "You have it")
}

/// What a direct report has of a package, as their manager reads it in the list of what
/// they may request for them: "They have it", "Ends in 6 days", "Pending".
pub fn report_holding_label(holding: &Holding, now: DateTime<Utc>) -> String {
    holding_words(holding, now, "They have it")
}

fn holding_words(holding: &Holding, now: DateTime<Utc>, held: &str) -> String {
    match holding {
        Holding::Held {
            ends_at: Some(at), ..
        } => match crate::format::relative(at, now) {
            Some(words) if *at > now => format!("Ends {words}"),
            _ => held.to_string(),
        },
        Holding::Held { ends_at: None, .. } => held.to_string(),
        Holding::Pending { .. } => "Pending".to_string(),
    }
}

/// Why a package is suggested, as a sentence: "3 people in your department (Finance) have
/// it", "1 of your direct reports has it", "You had it until 2 Nov". `day` writes a date
/// ([`crate::format::day`] in the browser's time zone).
pub fn suggestion_reason(
    reason: &SuggestionReason,
    day: impl Fn(&DateTime<Utc>) -> String,
) -> String {
    let people = |count: u64| {
        if count == 1 {
            "1 person".to_string()
        } else {
            format!("{count} people")
        }
    };
    let has = |count: u64| if count == 1 { "has" } else { "have" };
    match reason {
        SuggestionReason::SameDepartment { department, count } => format!(
            "{} in your department ({department}) {} it",
            people(*count),
            has(*count)
        ),
        SuggestionReason::SameManager { count } => {
            format!("{} with your manager {} it", people(*count), has(*count))
        }
        SuggestionReason::DirectReports { count } => {
            format!("{count} of your direct reports {} it", has(*count))
        }
        SuggestionReason::HeldBefore {
            until,
            count: 0 | 1,
        } => {
            format!("You had it until {}", day(until))
        }
        SuggestionReason::HeldBefore { until, count } => {
            format!("You had it {count} times, last until {}", day(until))
        }
    }
}

/// All the reasons of a suggestion, as one line of sentences.
pub fn suggestion_reasons(
    reasons: &[SuggestionReason],
    day: impl Fn(&DateTime<Utc>) -> String,
) -> String {
    reasons
        .iter()
        .map(|reason| format!("{}.", suggestion_reason(reason, &day)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The first `max` characters of a description on one line, with an ellipsis when cut.
pub fn excerpt(text: &str, max: usize) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= max {
        return line;
    }
    let cut: String = line.chars().take(max).collect();
    // A cut in the middle of a word drops that word.
    let at_word_end = line.chars().nth(max) == Some(' ');
    let cut = match cut.rsplit_once(' ') {
        Some((head, _)) if !at_word_end => head,
        _ => cut.as_str(),
    };
    format!("{}…", cut.trim_end_matches([',', ';', ':', '.']))
}

/// The tabs of the approvals page.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ApprovalsTab {
    #[default]
    Pending,
    History,
}

impl ApprovalsTab {
    pub const ALL: [ApprovalsTab; 2] = [ApprovalsTab::Pending, ApprovalsTab::History];

    pub fn parse(raw: Option<&str>) -> Self {
        match raw {
            Some("history") => ApprovalsTab::History,
            _ => ApprovalsTab::Pending,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ApprovalsTab::Pending => "Pending",
            ApprovalsTab::History => "History",
        }
    }

    pub fn href(self, base: &str) -> String {
        match self {
            ApprovalsTab::Pending => base.to_string(),
            ApprovalsTab::History => format!("{base}?tab=history"),
        }
    }
}

/// The `state` query value of `GET /me/assignments`.
pub fn state_filter_value(filter: StateFilter) -> &'static str {
    match filter {
        StateFilter::Active => "active",
        StateFilter::Scheduled => "scheduled",
        StateFilter::Delivered => "delivered",
        StateFilter::Expired => "expired",
        StateFilter::Removed => "removed",
    }
}

/// Who a request panel asks for, to word what stands in the way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Whom<'a> {
    Myself,
    /// A direct report, by name.
    Other(&'a str),
}

/// `A`, `A and B`, `A, B and C`.
pub fn joined(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Why a package cannot be requested now, in a sentence.
pub fn describe_blocker(blocker: &Blocker, whom: Whom<'_>) -> String {
    match (blocker, whom) {
        (Blocker::NotInScope, Whom::Myself) => {
            "No policy of this package lets you request it. Ask the package's owner if you need it."
                .to_string()
        }
        (Blocker::NotInScope, Whom::Other(name)) => {
            format!("No policy of this package lets you request it for {name}.")
        }
        (Blocker::AlreadyAssigned { .. }, Whom::Myself) => {
            "You already have this package.".to_string()
        }
        (Blocker::AlreadyAssigned { .. }, Whom::Other(name)) => {
            format!("{name} already has this package.")
        }
        (Blocker::PendingRequest { .. }, Whom::Myself) => {
            "You already asked for this package, and that request is still open.".to_string()
        }
        (Blocker::PendingRequest { .. }, Whom::Other(name)) => {
            format!("A request of this package for {name} is still open.")
        }
        (Blocker::Conflict { conflicting }, whom) => {
            let holder = match whom {
                Whom::Myself => "you hold".to_string(),
                Whom::Other(name) => format!("{name} holds"),
            };
            if conflicting.is_empty() {
                format!("Separation of duties: this package is incompatible with access {holder}.")
            } else {
                format!(
                    "Separation of duties: this package is incompatible with access {holder}: {}.",
                    joined(conflicting)
                )
            }
        }
        (Blocker::CatalogDisabled, _) => {
            "The catalog of this package is disabled, so its packages cannot be requested now."
                .to_string()
        }
    }
}

pub fn request_state_label(state: RequestState) -> &'static str {
    match state {
        RequestState::Submitted => "Submitted",
        RequestState::PendingApproval => "Pending approval",
        RequestState::Waiting => "Waiting for an extension",
        RequestState::Scheduled => "Scheduled",
        RequestState::Delivering => "Delivering",
        RequestState::Delivered => "Delivered",
        RequestState::PartiallyDelivered => "Partially delivered",
        RequestState::DeliveryFailed => "Delivery failed",
        RequestState::Denied => "Denied",
        RequestState::Canceled => "Canceled",
        RequestState::Expired => "Expired",
    }
}

/// A request's state in words: "Waiting for <extension>" names the custom extension a
/// waiting request waits for.
pub fn request_label(request: &RequestView) -> String {
    match (&request.waiting_for, request.state) {
        (Some(waiting), RequestState::Waiting) => format!("Waiting for {}", waiting.extension),
        _ => request_status_label(request.kind, request.state).to_string(),
    }
}

/// A request's state as its kind reads it: a removal or an extension that went through is
/// "Removed" or "Extended", not "Delivered".
pub fn request_status_label(kind: RequestKind, state: RequestState) -> &'static str {
    match state {
        RequestState::Delivered => match kind {
            RequestKind::UserRemove | RequestKind::AdminRemove => "Removed",
            RequestKind::UserExtend => "Extended",
            RequestKind::UserAdd | RequestKind::AdminAdd => request_state_label(state),
        },
        RequestState::Submitted
        | RequestState::PendingApproval
        | RequestState::Scheduled
        | RequestState::Delivering
        | RequestState::PartiallyDelivered
        | RequestState::DeliveryFailed
        | RequestState::Denied
        | RequestState::Canceled
        | RequestState::Waiting
        | RequestState::Expired => request_state_label(state),
    }
}

/// The classes of a request state's badge.
pub fn request_state_badge(state: RequestState) -> &'static str {
    match state {
        RequestState::Submitted
        | RequestState::PendingApproval
        | RequestState::Waiting
        | RequestState::Scheduled
        | RequestState::Delivering => "badge badge-info",
        RequestState::Delivered => "badge badge-success",
        RequestState::PartiallyDelivered | RequestState::DeliveryFailed | RequestState::Denied => {
            "badge badge-danger"
        }
        RequestState::Canceled | RequestState::Expired => "badge badge-neutral",
    }
}

pub fn request_kind_label(kind: RequestKind) -> &'static str {
    match kind {
        RequestKind::UserAdd => "Request access",
        RequestKind::UserExtend => "Extend access",
        RequestKind::UserRemove => "Remove access",
        RequestKind::AdminAdd => "Direct assignment",
        RequestKind::AdminRemove => "Removal by an administrator",
    }
}

pub fn verdict_label(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Approve => "Approved",
        Verdict::Deny => "Denied",
    }
}

/// Whether someone asked for another person (a manager for a report, an administrator).
pub fn on_behalf(request: &RequestView) -> bool {
    request.requester.id != request.target.id
}

/// The stage waiting for a decision, if the request waits for one.
pub fn current_stage(request: &RequestView) -> Option<&StageView> {
    if request.state != RequestState::PendingApproval {
        return None;
    }
    request
        .stages
        .iter()
        .find(|stage| stage.started_at.is_some() && stage.decision.is_none())
}

/// The decision `me` made on a request, if any.
pub fn decision_by(request: &RequestView, me: UserId) -> Option<&DecisionView> {
    request
        .stages
        .iter()
        .filter_map(|stage| stage.decision.as_ref())
        .find(|decision| decision.by.id == me)
}

/// Whether `me` may withdraw the request: it is not delivered yet, and it is theirs.
pub fn can_cancel(request: &RequestView, me: UserId) -> bool {
    request.state.is_cancelable() && (request.requester.id == me || request.target.id == me)
}

/// Whether `me` may ask again for what a closed request of theirs asked: access they did not
/// get because it was denied, expired undecided or was canceled.
pub fn can_resubmit(request: &RequestView, me: UserId) -> bool {
    let closed_without_access = match request.state {
        RequestState::Denied | RequestState::Expired | RequestState::Canceled => true,
        RequestState::Submitted
        | RequestState::PendingApproval
        | RequestState::Waiting
        | RequestState::Scheduled
        | RequestState::Delivering
        | RequestState::Delivered
        | RequestState::PartiallyDelivered
        | RequestState::DeliveryFailed => false,
    };
    closed_without_access && request.kind == RequestKind::UserAdd && request.requester.id == me
}

/// The people who may decide a stage, by name (escalation approvers too, once escalated).
pub fn stage_approvers(stage: &StageView) -> String {
    let names: Vec<String> = stage
        .approvers
        .iter()
        .chain(
            stage
                .escalated_at
                .map_or(&[][..], |_| &stage.escalation_approvers[..]),
        )
        .map(|person| person.display_name.clone())
        .collect();
    if names.is_empty() {
        "Nobody".to_string()
    } else {
        joined(&names)
    }
}

/// An accepted answer as text.
pub fn answer_text(value: &AnswerValue) -> String {
    match value {
        AnswerValue::Text(text) | AnswerValue::Choice(text) => text.clone(),
        AnswerValue::Choices(choices) => choices.join(", "),
    }
}

/// Whether a policy needs approval, in words.
pub fn approval_words(policy: &RequestablePolicy) -> String {
    match (&policy.definition.approval, policy.requires_approval) {
        (ApprovalDefinition::Required { stages }, true) if stages.len() > 1 => {
            format!("Needs approval, in {} stages.", stages.len())
        }
        (_, true) => "Needs approval.".to_string(),
        (_, false) => "No approval needed: access is given at once.".to_string(),
    }
}

/// What a policy says about extending or removing access held under it: `Ok` with a hint when
/// it allows it, `Err` with the reason when it does not.
pub fn change_allowed(
    definition: &PolicyDefinition,
    ask: Ask,
) -> Result<&'static str, &'static str> {
    match ask {
        Ask::Extend => match definition.lifecycle.extension {
            ExtensionRule::NotAllowed {} => {
                Err("The policy of this access does not allow extending it.")
            }
            ExtensionRule::Allowed {
                approval_required: true,
            } => Ok("An extension goes through the policy's approval."),
            ExtensionRule::Allowed {
                approval_required: false,
            } => Ok("An extension needs no approval."),
        },
        Ask::Remove => {
            if definition.lifecycle.self_removal_allowed {
                Ok("You lose the access at once.")
            } else {
                Err("The policy of this access does not let you remove it yourself.")
            }
        }
        Ask::Add => Ok(""),
    }
}

/// A `409` in words people can act on; `None` leaves the server's own detail, which for
/// separation of duties names the access in the way.
pub fn conflict_words(code: ProblemCode) -> Option<&'static str> {
    Some(match code {
        ProblemCode::AlreadyAssigned => {
            "This access is already assigned, so there is nothing to request."
        }
        ProblemCode::RequestPending => {
            "A request for this package is already open. Follow it in Request history, or cancel it there first."
        }
        ProblemCode::RemovalNotAllowed => {
            "The policy of this access does not let you remove it yourself. Ask the package's owner."
        }
        ProblemCode::ExtensionNotAllowed => {
            "The policy of this access does not allow extending it."
        }
        ProblemCode::DoesNotExpire => "This access does not expire, so there is nothing to extend.",
        ProblemCode::NotAssigned => "This access is no longer assigned.",
        ProblemCode::CatalogDisabled => {
            "The catalog of this package is disabled, so the package cannot be requested now."
        }
        ProblemCode::PolicyDisabled => {
            "This policy was disabled and takes no new requests. Choose another policy, or reload the page."
        }
        ProblemCode::AlreadyDecided | ProblemCode::StageNotCurrent => {
            "Someone decided first: this request no longer waits for your decision."
        }
        ProblemCode::RequestNotPending | ProblemCode::StageTimedOut => {
            "This request no longer waits for your decision."
        }
        ProblemCode::Unauthenticated
        | ProblemCode::SignInFailed
        | ProblemCode::LocalPasswordsDisabled
        | ProblemCode::SignInBlocked
        | ProblemCode::RateLimited
        | ProblemCode::Forbidden
        | ProblemCode::CsrfFailed
        | ProblemCode::NotFound
        | ProblemCode::NoRoute
        | ProblemCode::MethodNotAllowed
        | ProblemCode::ValidationFailed
        | ProblemCode::BadRequest
        | ProblemCode::UnsupportedMediaType
        | ProblemCode::PayloadTooLarge
        | ProblemCode::HeadersTooLarge
        | ProblemCode::IdempotencyKeyReused
        | ProblemCode::Duplicate
        | ProblemCode::Changed
        | ProblemCode::MissingReference
        | ProblemCode::ResourceInUse
        | ProblemCode::NameTaken
        | ProblemCode::UsernameTaken
        | ProblemCode::ExternalIdTaken
        | ProblemCode::GroupManagedByProvider
        | ProblemCode::CatalogNameTaken
        | ProblemCode::PackageNameTaken
        | ProblemCode::CatalogHasPackages
        | ProblemCode::ResourceInCatalog
        | ProblemCode::ResourcesNotInCatalog
        | ProblemCode::ResourceRoleExists
        | ProblemCode::ResourceUsageChanged
        | ProblemCode::PackageChanged
        | ProblemCode::PolicyDeleted
        | ProblemCode::PolicyHasAssignments
        | ProblemCode::SeparationOfDuties
        | ProblemCode::AssignmentEnded
        | ProblemCode::AssignmentChanged
        | ProblemCode::RequestChanged
        | ProblemCode::RequestNotCancelable
        | ProblemCode::RequestNotReady
        | ProblemCode::WaitOver
        | ProblemCode::CallbackRefused
        | ProblemCode::AccessReviewChanged
        | ProblemCode::ReviewChanged
        | ProblemCode::ReviewNotOpen
        | ProblemCode::ReviewNotCompleted
        | ProblemCode::ReviewRefused
        | ProblemCode::UserDisabled
        | ProblemCode::SelfLockout
        | ProblemCode::LastAdministrator
        | ProblemCode::Superseded
        | ProblemCode::ConnectorFailed
        | ProblemCode::Internal
        | ProblemCode::Unavailable
        | ProblemCode::Busy
        | ProblemCode::Unknown => return None,
    })
}

/// One sentence for a refused write: the words of [`conflict_words`] for a `409`, else the
/// server's.
pub fn refusal_message(error: &ApiError) -> String {
    error
        .problem()
        .filter(|problem| problem.status == 409)
        .and_then(|problem| conflict_words(problem.code))
        .map(str::to_string)
        .unwrap_or_else(|| error.message())
}

/// Whether a decision was refused because the request moved on (someone else decided, or it
/// closed): the list should be read again.
pub fn decided_elsewhere(error: &ApiError) -> bool {
    error.status() == Some(409)
}

/// The pattern a text question's answer must match, if it has one.
pub fn question_pattern(question: &QuestionDefinition) -> Option<&str> {
    match question {
        QuestionDefinition::ShortText { regex, .. }
        | QuestionDefinition::LongText { regex, .. } => regex.as_deref(),
        QuestionDefinition::SingleChoice { .. } | QuestionDefinition::MultipleChoice { .. } => None,
    }
}

/// What a requester is told about the form a text answer must have: the policy's hint and
/// example, or, without them, a general sentence. Never the pattern itself, which few people
/// read. `None` when the question has no pattern.
pub fn pattern_guide(question: &QuestionDefinition) -> Option<String> {
    let (hint, example) = match question {
        QuestionDefinition::ShortText {
            regex: Some(_),
            hint,
            example,
            ..
        }
        | QuestionDefinition::LongText {
            regex: Some(_),
            hint,
            example,
            ..
        } => (hint.as_deref(), example.as_deref()),
        QuestionDefinition::ShortText { regex: None, .. }
        | QuestionDefinition::LongText { regex: None, .. }
        | QuestionDefinition::SingleChoice { .. }
        | QuestionDefinition::MultipleChoice { .. } => return None,
    };
    let ending = |text: &str| {
        if text.ends_with(['.', '!', '?']) {
            String::new()
        } else {
            ".".to_string()
        }
    };
    Some(match (hint, example) {
        (Some(hint), Some(example)) => format!("{hint}{} For example: {example}", ending(hint)),
        (Some(hint), None) => format!("{hint}{}", ending(hint)),
        (None, Some(example)) => format!("For example: {example}"),
        (None, None) => {
            "This answer has to follow a set format; it is checked when you submit.".to_string()
        }
    })
}

fn question_id(question: &QuestionDefinition) -> &str {
    match question {
        QuestionDefinition::ShortText { id, .. }
        | QuestionDefinition::LongText { id, .. }
        | QuestionDefinition::SingleChoice { id, .. }
        | QuestionDefinition::MultipleChoice { id, .. } => id,
    }
}

/// The answers of an earlier request, as drafts for the same questions asked again (a
/// resubmission). Questions the earlier request did not answer, or that are new, stay blank.
pub fn drafts_from(questions: &[QuestionDefinition], earlier: &[Answer]) -> Vec<AnswerDraft> {
    questions
        .iter()
        .map(|question| {
            let given = earlier
                .iter()
                .find(|answer| answer.question_id().as_str() == question_id(question));
            match given.map(Answer::value) {
                None => AnswerDraft::default(),
                Some(AnswerValue::Text(text) | AnswerValue::Choice(text)) => AnswerDraft {
                    text: text.clone(),
                    chosen: Vec::new(),
                },
                Some(AnswerValue::Choices(chosen)) => AnswerDraft {
                    text: String::new(),
                    chosen: chosen.clone(),
                },
            }
        })
        .collect()
}

/// Every question's answer, blank or not, in the policy's order, so that refusals name
/// `answers[i]` of question `i`.
fn answer_inputs(questions: &[QuestionDefinition], drafts: &[AnswerDraft]) -> Vec<AnswerInput> {
    questions
        .iter()
        .enumerate()
        .map(|(index, question)| {
            let draft = drafts.get(index).cloned().unwrap_or_default();
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
        .collect()
}

fn present(raw: &str) -> Option<&str> {
    Some(raw.trim()).filter(|raw| !raw.is_empty())
}

/// Collects the refusals of one form.
#[derive(Default)]
struct Refusals(Vec<FieldError>);

impl Refusals {
    fn refuse(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.to_string(),
            message: message.into(),
        });
    }

    /// A justification as typed: absent when blank (refused when `required`).
    fn justification(&mut self, raw: &str, required: Option<&str>) -> Option<Justification> {
        match present(raw) {
            None => {
                if let Some(message) = required {
                    self.refuse("justification", message);
                }
                None
            }
            Some(raw) => Justification::parse(raw)
                .map_err(|error| self.refuse("justification", error.0))
                .ok(),
        }
    }

    /// A moment typed in a `datetime-local` input, read with `to_utc` (the browser's time zone).
    fn moment(
        &mut self,
        field: &str,
        raw: &str,
        to_utc: &impl Fn(NaiveDateTime) -> Option<DateTime<Utc>>,
    ) -> Option<DateTime<Utc>> {
        let raw = present(raw)?;
        match local_date_time(raw) {
            None => {
                self.refuse(field, "must be a date and time such as 2025-03-04T14:05");
                None
            }
            Some(naive) => {
                let at = to_utc(naive);
                if at.is_none() {
                    self.refuse(field, "does not exist in your time zone");
                }
                at
            }
        }
    }

    fn finish<T>(self, value: Option<T>) -> Result<T, ApiError> {
        match value {
            Some(value) if self.0.is_empty() => Ok(value),
            _ => Err(ApiError::invalid(self.0)),
        }
    }
}

/// The request panel's form as typed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RequestForm {
    pub policy_id: String,
    /// The direct report asked for; `None` for oneself.
    pub target_user_id: Option<UserId>,
    pub justification: String,
    /// `2025-03-04T14:05` as a `datetime-local` input gives it, in the browser's time zone.
    pub starts_at: String,
    pub ends_at: String,
    /// One per question of the chosen policy, in its order.
    pub answers: Vec<AnswerDraft>,
}

impl RequestForm {
    /// The request to send, checked with the domain's own rules against the chosen policy (one
    /// of `policies`); `to_utc` reads a local date and time in the browser's time zone. Dates
    /// are sent only when the policy lets requesters choose them.
    pub fn parse(
        &self,
        package: AccessPackageId,
        policies: &[RequestablePolicy],
        to_utc: impl Fn(NaiveDateTime) -> Option<DateTime<Utc>>,
    ) -> Result<NewRequestInput, ApiError> {
        let mut refusals = Refusals::default();
        let chosen = policies
            .iter()
            .find(|policy| policy.id.to_string() == self.policy_id.trim());
        let Some(policy) = chosen else {
            refusals.refuse("policy_id", "choose a policy");
            return refusals.finish(None);
        };
        let requester = &policy.definition.requester;
        let justification = refusals.justification(
            &self.justification,
            requester
                .justification_required
                .then_some("this policy requires a justification"),
        );
        let (starts_at, ends_at) = if requester.may_choose_dates {
            let start = refusals.moment("starts_at", &self.starts_at, &to_utc);
            let end = refusals.moment("ends_at", &self.ends_at, &to_utc);
            if let (Some(start), Some(end)) = (start, end)
                && end <= start
            {
                refusals.refuse("ends_at", "must be after the start");
            }
            (start, end)
        } else {
            (None, None)
        };
        let answers = answer_inputs(&requester.questions, &self.answers);
        // A policy that no longer passes here (a rule tightened since it was saved) is left to
        // the server to judge.
        if let Ok(valid) = policy::validate(&policy.definition)
            && let Err(found) = policy::validate_answers(&valid, &answers)
        {
            refusals.0.extend(found);
        }
        refusals.finish(Some(NewRequestInput {
            access_package_id: package,
            policy_id: Some(policy.id),
            ask: Ask::Add,
            target_user_id: self.target_user_id,
            justification,
            answers,
            starts_at,
            ends_at,
        }))
    }
}

/// The form that extends or removes one's own access.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChangeForm {
    pub justification: String,
    /// The end asked for, when extending under a policy that lets requesters choose dates.
    pub ends_at: String,
}

impl ChangeForm {
    /// `policy` is the definition of the policy the access was given under, when known; the
    /// server checks again either way.
    pub fn parse(
        &self,
        ask: Ask,
        package: AccessPackageId,
        policy: Option<&PolicyDefinition>,
        to_utc: impl Fn(NaiveDateTime) -> Option<DateTime<Utc>>,
    ) -> Result<NewRequestInput, ApiError> {
        let mut refusals = Refusals::default();
        let extending = ask == Ask::Extend;
        let required = extending
            && policy.is_some_and(|definition| definition.requester.justification_required);
        let justification = refusals.justification(
            &self.justification,
            required.then_some("this policy requires a justification"),
        );
        let ends_at = if extending {
            refusals.moment("ends_at", &self.ends_at, &to_utc)
        } else {
            None
        };
        refusals.finish(Some(NewRequestInput {
            access_package_id: package,
            policy_id: None,
            ask,
            target_user_id: None,
            justification,
            answers: Vec::new(),
            starts_at: None,
            ends_at,
        }))
    }
}

/// A manager's removal of a direct report's access (from "My team"): a removal request for
/// the report, with the reason the manager must give.
pub fn removal_for_report(
    package: AccessPackageId,
    report: UserId,
    reason: &str,
) -> Result<NewRequestInput, ApiError> {
    let mut refusals = Refusals::default();
    let justification =
        refusals.justification(reason, Some("say why you remove this person's access"));
    refusals.finish(Some(NewRequestInput {
        access_package_id: package,
        policy_id: None,
        ask: Ask::Remove,
        target_user_id: Some(report),
        justification,
        answers: Vec::new(),
        starts_at: None,
        ends_at: None,
    }))
}

/// An approver's decision on the current stage.
pub fn decision(
    stage: &StageView,
    verdict: Verdict,
    justification: &str,
) -> Result<DecisionInput, ApiError> {
    let mut refusals = Refusals::default();
    let justification = refusals.justification(
        justification,
        stage
            .approver_justification_required
            .then_some("this stage requires a justification"),
    );
    refusals.finish(Some(DecisionInput {
        stage: stage.number,
        verdict,
        justification,
    }))
}

/// The body of a cancellation: the reason, when one is given.
pub fn cancellation(reason: &str) -> Result<CancelInput, ApiError> {
    let mut refusals = Refusals::default();
    let justification = refusals.justification(reason, None);
    refusals.finish(Some(CancelInput { justification }))
}

/// What a submitted request means for the person who made it, in a sentence.
pub fn submitted_words(request: &RequestView) -> String {
    let package = &request.access_package_name;
    match (request.kind, request.state) {
        (_, RequestState::PendingApproval | RequestState::Submitted) => {
            format!("Your request for {package} was submitted and waits for approval.")
        }
        (_, RequestState::Scheduled) => {
            format!("Your request for {package} was approved and is scheduled for its start.")
        }
        (_, RequestState::Waiting) => format!(
            "Your request for {package} was submitted. {}.",
            request_label(request)
        ),
        (RequestKind::UserRemove | RequestKind::AdminRemove, RequestState::Delivered) => {
            format!("Your access to {package} was removed.")
        }
        (RequestKind::UserExtend, RequestState::Delivered) => {
            format!("Your access to {package} was extended.")
        }
        (_, RequestState::Delivered | RequestState::Delivering) => {
            format!("Your request for {package} was granted.")
        }
        (_, state) => format!(
            "Your request for {package} is {}.",
            request_state_label(state).to_lowercase()
        ),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
#[path = "tests.rs"]
mod tests;

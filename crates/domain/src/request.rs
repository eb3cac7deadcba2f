//! Requests for access packages, from submission to delivery, as a pure state machine.
//!
//! A request is made by a requester for a target: themselves, one of their reports (a manager
//! asking on their behalf), or anyone (an administrator assigning directly). It asks to get
//! access, extend it or give it up ([`RequestKind`]). Its states follow the reference product
//! (`entra-governance.md` §1.10):
//!
//! ```text
//! submitted ─► pending_approval ─(one approval per stage)─► scheduled ─► delivering
//!     │              ├─ a denial ──────────────────────► denied          ├─► delivered
//!     │              ├─ a stage nobody can decide ──────► denied         ├─► partially_delivered
//!     │              └─ a stage undecided at its deadline ─► expired     └─► delivery_failed
//!     └─ no approval needed ─► scheduled ─► delivering
//! submitted, pending_approval, scheduled ─ cancel ─► canceled
//! ```
//!
//! A request is `scheduled` only while its requested start is ahead; otherwise approval (or
//! submission, without stages) starts delivery at once. A first stage nobody can decide
//! denies a request straight from `submitted`.
//!
//! Design choices:
//! - The state is a plain [`RequestState`], stored as a column; everything else a transition
//!   needs is in the [`Request`], whose stages are stored as a JSON blob ([`RequestRecord`]).
//!   Only the transition methods change a request. Each checks everything first and either
//!   changes the request and returns the one [`RequestEvent`] the audit trail records, or
//!   refuses with a [`Refusal`] and changes nothing. Persist the result with its event as one
//!   compare-and-set on the version the request was read at.
//! - Final states: delivered, partially_delivered, delivery_failed, denied, canceled and
//!   expired. Nothing changes a final request. Reprocessing a failed or partial delivery
//!   (reference §1.6) re-runs the delivery of the assignment; it does not reopen the request
//!   and its approvals. Someone denied or expired submits a new request.
//! - The stages are copied from the policy when the request is made (timeout, escalation day,
//!   whether approvers must justify): a policy edited later does not change requests already
//!   made (reference §1.6).
//! - Approvers are people, resolved when their stage starts, not at submission: the approver
//!   of stage 2 is whoever holds the role when stage 1 is approved. Transitions that may start
//!   a stage take a resolver, called at most once and only after every check passed, so the
//!   caller writes `|stage| resolve_stage(&policy.stages()[stage], requester, target, &view)`.
//!   A stage that resolves to nobody denies the request at once ([`Next::NoApprover`]) rather
//!   than letting it wait for a timeout nobody can beat.
//! - Nobody approves a request for themselves or one they made. Resolution already leaves the
//!   target and the requester out; the request enforces it again: they are removed from every
//!   set of approvers it receives, and [`Refusal::SelfApproval`] answers them.
//! - Time is an argument. Deadlines are computed from each stage's start with the policy's
//!   arithmetic (days of 24 hours); [`Request::next_due`] tells a sweeper when to come back.
//! - Who may request at all (audience membership, being the target's manager, holding an
//!   administrator role over the package, holding the assignment being extended or removed)
//!   needs the directory and the store: the caller decides it and passes the result
//!   ([`Actor::Administrator`], the [`NewRequest`] it builds). [`Request::new`] checks what
//!   the policy alone tells.

mod outcome;
mod record;
mod stage;
#[cfg(test)]
mod tests;
mod wait;
#[cfg(test)]
mod wait_tests;

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::assignment::Justification;
use crate::policy::{
    ExtensionOutcome, ExtensionRule, ExtensionStage, ResolvedApprovers, ValidPolicy,
};
use crate::{AccessPackageId, PolicyId, RequestId, UserId};

pub use record::{InvalidRecord, RequestRecord};
pub use stage::{Cancellation, Decision, Stage, Verdict};
pub use wait::{MESSAGE_MAX_LEN, Wait, WaitAnswer, clean_message};

/// Where a request is in its life. Sent and stored in `snake_case`.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum RequestState {
    /// Made, not yet checked against its policy's approval; [`Request::submit`] moves it on.
    Submitted,
    /// Waiting for the current stage's decision.
    PendingApproval,
    /// Waiting for a launch-and-wait custom extension's answer, before approval
    /// (`request_created`) or before delivery (`request_approved`).
    Waiting,
    /// Approved (or needing no approval); delivery waits for the requested start.
    Scheduled,
    /// Being carried out on the package's resources.
    Delivering,
    /// Carried out on every resource.
    Delivered,
    /// Carried out on some resources only.
    PartiallyDelivered,
    /// Carried out on no resource.
    DeliveryFailed,
    /// An approver denied it, or a stage had nobody to decide it.
    Denied,
    /// Withdrawn before delivery by the requester, the target or an administrator.
    Canceled,
    /// A stage stayed undecided until its timeout.
    Expired,
}

impl RequestState {
    pub const ALL: [RequestState; 11] = crate::variants::all();

    /// The wire and column spelling.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(raw: &str) -> Option<RequestState> {
        raw.parse().ok()
    }

    /// Whether the request is over: no transition leaves a final state.
    pub fn is_final(self) -> bool {
        match self {
            RequestState::Submitted
            | RequestState::PendingApproval
            | RequestState::Waiting
            | RequestState::Scheduled
            | RequestState::Delivering => false,
            RequestState::Delivered
            | RequestState::PartiallyDelivered
            | RequestState::DeliveryFailed
            | RequestState::Denied
            | RequestState::Canceled
            | RequestState::Expired => true,
        }
    }

    /// Whether the request may still be canceled: nothing has been delivered yet.
    pub fn is_cancelable(self) -> bool {
        match self {
            RequestState::Submitted
            | RequestState::PendingApproval
            | RequestState::Waiting
            | RequestState::Scheduled => true,
            RequestState::Delivering
            | RequestState::Delivered
            | RequestState::PartiallyDelivered
            | RequestState::DeliveryFailed
            | RequestState::Denied
            | RequestState::Canceled
            | RequestState::Expired => false,
        }
    }
}

impl fmt::Display for RequestState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a request asks for, and who may make it. Sent and stored in `snake_case`.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum RequestKind {
    /// Access for oneself, or for a direct report when the policy lets managers ask.
    UserAdd,
    /// More time on an active assignment; approved by the policy's stages only when its
    /// extension rule says so.
    UserExtend,
    /// Giving up one's own access (or a report's), when the policy allows it. Never approved.
    UserRemove,
    /// An administrator or assignment manager assigning someone. Goes through the policy's
    /// approval like any request (reference §1.6): to assign at once, use a policy without
    /// approval.
    AdminAdd,
    /// An administrator removing someone's assignment. Never approved.
    AdminRemove,
}

impl RequestKind {
    pub const ALL: [RequestKind; 5] = crate::variants::all();

    /// The wire and column spelling.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(raw: &str) -> Option<RequestKind> {
        raw.parse().ok()
    }

    /// Whether the request takes access away.
    pub fn removes(self) -> bool {
        match self {
            RequestKind::UserRemove | RequestKind::AdminRemove => true,
            RequestKind::UserAdd | RequestKind::UserExtend | RequestKind::AdminAdd => false,
        }
    }
}

impl fmt::Display for RequestKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Someone acting on a request other than as an approver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    /// Acting for themselves: may act on requests they made or that are for them.
    Person(UserId),
    /// Someone the caller found to administer the request's access package (a global
    /// administrator, a catalog owner, an assignment manager).
    Administrator(UserId),
}

impl Actor {
    pub fn user(self) -> UserId {
        match self {
            Actor::Person(user) | Actor::Administrator(user) => user,
        }
    }
}

/// How delivery went, as the code carrying it out reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryResult {
    /// Every resource role was granted (or, for a removal, taken away).
    Delivered,
    /// Some were.
    PartiallyDelivered,
    /// None was.
    Failed,
}

impl DeliveryResult {
    pub fn state(self) -> RequestState {
        match self {
            DeliveryResult::Delivered => RequestState::Delivered,
            DeliveryResult::PartiallyDelivered => RequestState::PartiallyDelivered,
            DeliveryResult::Failed => RequestState::DeliveryFailed,
        }
    }
}

/// What happened in one transition: what the audit trail records and notifications follow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RequestEvent {
    /// The request was checked against its policy's approval.
    Submitted {
        next: Next,
    },
    /// A stage was approved.
    Approved {
        stage: usize,
        decision: Decision,
        next: Next,
    },
    /// A stage was denied, which ends the request.
    Denied {
        stage: usize,
        decision: Decision,
    },
    /// A stage was forwarded to its escalation approvers (who may be nobody).
    Escalated {
        stage: usize,
        approvers: BTreeSet<UserId>,
    },
    /// A stage stayed undecided until its deadline, which ends the request.
    TimedOut {
        stage: usize,
        deadline_at: DateTime<Utc>,
    },
    Canceled {
        cancellation: Cancellation,
    },
    /// A scheduled request reached its start.
    DeliveryStarted,
    DeliveryFinished {
        result: DeliveryResult,
    },
    /// An approver of the current stage was taken off it (they left, or stopped being the
    /// manager the stage asked for), and `added` joined: their replacement, or the stage's
    /// fallback approvers when nobody else was left (`used_fallback`).
    Rerouted {
        stage: usize,
        removed: UserId,
        added: BTreeSet<UserId>,
        used_fallback: bool,
    },
    /// The last approver of the current stage was taken off it and nobody could replace them,
    /// not even a fallback approver: the request is denied, as when a stage starts with nobody.
    NoApproverLeft {
        stage: usize,
        removed: UserId,
    },
    /// The extension the request waited for answered: it goes on (`next`) or is denied
    /// (`next` absent).
    ExtensionAnswered {
        extension: String,
        stage: ExtensionStage,
        outcome: ExtensionOutcome,
        message: Option<String>,
        next: Option<Next>,
    },
    /// The extension did not answer in time: its timeout outcome applied.
    ExtensionTimedOut {
        extension: String,
        stage: ExtensionStage,
        outcome: ExtensionOutcome,
        next: Option<Next>,
    },
}

impl RequestEvent {
    /// The state the request is in after this event.
    pub fn state_after(&self) -> RequestState {
        match self {
            RequestEvent::Submitted { next } | RequestEvent::Approved { next, .. } => next.state(),
            RequestEvent::Denied { .. } => RequestState::Denied,
            RequestEvent::Escalated { .. } => RequestState::PendingApproval,
            RequestEvent::TimedOut { .. } => RequestState::Expired,
            RequestEvent::Canceled { .. } => RequestState::Canceled,
            RequestEvent::DeliveryStarted => RequestState::Delivering,
            RequestEvent::DeliveryFinished { result } => result.state(),
            RequestEvent::Rerouted { .. } => RequestState::PendingApproval,
            RequestEvent::NoApproverLeft { .. } => RequestState::Denied,
            RequestEvent::ExtensionAnswered { next, .. }
            | RequestEvent::ExtensionTimedOut { next, .. } => {
                next.as_ref().map_or(RequestState::Denied, Next::state)
            }
        }
    }

    /// The custom extension stages the request passed in this event: `request_created` when it
    /// was submitted, `request_approved` when it passed its approval (or needed none). The
    /// launch-and-continue extensions of those stages are called; a launch-and-wait one is
    /// called when [`Next::Waiting`] says so. Removals call none.
    pub fn extension_stages_reached(&self, kind: RequestKind) -> Vec<ExtensionStage> {
        if kind.removes() {
            return Vec::new();
        }
        let approved = |next: Option<&Next>| match next {
            Some(Next::Scheduled { .. } | Next::Delivering) => true,
            Some(Next::Waiting { stage, .. }) => *stage == ExtensionStage::RequestApproved,
            Some(Next::Stage { .. } | Next::NoApprover { .. }) | None => false,
        };
        let mut reached = Vec::new();
        match self {
            RequestEvent::Submitted { next } => {
                reached.push(ExtensionStage::RequestCreated);
                if approved(Some(next)) {
                    reached.push(ExtensionStage::RequestApproved);
                }
            }
            RequestEvent::Approved { next, .. } => {
                if approved(Some(next)) {
                    reached.push(ExtensionStage::RequestApproved);
                }
            }
            RequestEvent::ExtensionAnswered { stage, next, .. }
            | RequestEvent::ExtensionTimedOut { stage, next, .. } => {
                if *stage == ExtensionStage::RequestCreated && approved(next.as_ref()) {
                    reached.push(ExtensionStage::RequestApproved);
                }
            }
            RequestEvent::Denied { .. }
            | RequestEvent::Escalated { .. }
            | RequestEvent::TimedOut { .. }
            | RequestEvent::Canceled { .. }
            | RequestEvent::DeliveryStarted
            | RequestEvent::DeliveryFinished { .. }
            | RequestEvent::Rerouted { .. }
            | RequestEvent::NoApproverLeft { .. } => {}
        }
        reached
    }

    /// The extension the request began waiting for in this event, if it did.
    pub fn began_waiting(&self) -> Option<(&str, ExtensionStage)> {
        let next = match self {
            RequestEvent::Submitted { next } | RequestEvent::Approved { next, .. } => Some(next),
            RequestEvent::ExtensionAnswered { next, .. }
            | RequestEvent::ExtensionTimedOut { next, .. } => next.as_ref(),
            RequestEvent::Denied { .. }
            | RequestEvent::Escalated { .. }
            | RequestEvent::TimedOut { .. }
            | RequestEvent::Canceled { .. }
            | RequestEvent::DeliveryStarted
            | RequestEvent::DeliveryFinished { .. }
            | RequestEvent::Rerouted { .. }
            | RequestEvent::NoApproverLeft { .. } => None,
        };
        match next {
            Some(Next::Waiting {
                extension, stage, ..
            }) => Some((extension.as_str(), *stage)),
            Some(Next::Stage { .. } | Next::NoApprover { .. } | Next::Scheduled { .. })
            | Some(Next::Delivering)
            | None => None,
        }
    }
}

/// What follows a submission or an approval.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Next {
    /// The stage began: its approvers are asked to decide before the deadline.
    Stage {
        stage: usize,
        approvers: BTreeSet<UserId>,
        used_fallback: bool,
        deadline_at: DateTime<Utc>,
    },
    /// Nobody could decide the stage, not even a fallback approver: the request is denied.
    NoApprover { stage: usize },
    /// Approved; delivery starts at the requested start.
    Scheduled { start_at: DateTime<Utc> },
    /// Approved; delivery starts now.
    Delivering,
    /// The request waits for a launch-and-wait extension's answer until `until`.
    Waiting {
        extension: String,
        stage: ExtensionStage,
        until: DateTime<Utc>,
    },
}

impl Next {
    pub fn state(&self) -> RequestState {
        match self {
            Next::Stage { .. } => RequestState::PendingApproval,
            Next::NoApprover { .. } => RequestState::Denied,
            Next::Scheduled { .. } => RequestState::Scheduled,
            Next::Delivering => RequestState::Delivering,
            Next::Waiting { .. } => RequestState::Waiting,
        }
    }
}

/// When a request can next move on with time alone, and what to call then.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Due {
    pub at: DateTime<Utc>,
    pub action: DueAction,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DueAction {
    /// [`Request::submit`]: a request left submitted is due at once.
    Submit,
    /// [`Request::escalate`].
    Escalate,
    /// [`Request::time_out`].
    TimeOut,
    /// [`Request::start_delivery`].
    StartDelivery,
    /// [`Request::time_out_wait`].
    TimeOutWait,
}

/// Why a transition was refused. The request is unchanged.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the request is over ({state}) and can't change any more")]
    AlreadyFinal { state: RequestState },
    #[error("the request has already been submitted")]
    AlreadySubmitted,
    #[error("the request is not waiting for approval ({state})")]
    NotPending { state: RequestState },
    #[error("the request has no stage {}", .stage + 1)]
    NoSuchStage { stage: usize },
    #[error("stage {} has not started yet", .stage + 1)]
    StageNotStarted { stage: usize },
    #[error("stage {} is already decided", .stage + 1)]
    StageAlreadyDecided { stage: usize },
    #[error("stage {} timed out at {deadline_at}", .stage + 1)]
    StageTimedOut {
        stage: usize,
        deadline_at: DateTime<Utc>,
    },
    #[error("nobody approves a request for their own access or one they made")]
    SelfApproval,
    #[error("only the approvers of the current stage decide it")]
    NotAnApprover,
    #[error("this stage needs approvers to say why they decide")]
    JustificationRequired,
    #[error("not before {due_at}")]
    NotYetDue { due_at: DateTime<Utc> },
    #[error("stage {} does not escalate", .stage + 1)]
    NoEscalation { stage: usize },
    #[error("stage {} has already escalated", .stage + 1)]
    AlreadyEscalated { stage: usize },
    #[error("the request can't be canceled once delivery started ({state})")]
    NotCancelable { state: RequestState },
    #[error("only the requester, the person the access is for, or an administrator cancels")]
    NotYourRequest,
    #[error("the request is not scheduled ({state})")]
    NotScheduled { state: RequestState },
    #[error("the request is not being delivered ({state})")]
    NotDelivering { state: RequestState },
    #[error("the request is not waiting for an extension ({state})")]
    NotWaiting { state: RequestState },
    #[error("the wait for the extension timed out at {until}")]
    WaitTimedOut { until: DateTime<Utc> },
}

/// Why a request can't be made under a policy, as far as the policy alone tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NewRequestRefusal {
    #[error("this policy accepts no new requests or assignments")]
    PolicyDisabled,
    #[error("only administrators assign access through this policy")]
    AdministratorsOnly,
    #[error("managers can't request on behalf of their reports through this policy")]
    OnBehalfNotAllowed,
    #[error("this policy does not let people extend their access")]
    ExtensionNotAllowed,
    #[error("this policy does not let people remove their own access")]
    SelfRemovalNotAllowed,
    #[error("this request can't choose when it starts")]
    StartNotAllowed,
}

/// A request to make, once the caller checked who may make it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewRequest {
    pub id: RequestId,
    pub access_package_id: AccessPackageId,
    pub policy_id: PolicyId,
    pub kind: RequestKind,
    pub requester: UserId,
    pub target: UserId,
    /// When access should start; absent, or not in the future, means as soon as approved.
    pub start_at: Option<DateTime<Utc>>,
}

/// A request, consistent in every state: built by [`Request::new`], changed only by its
/// transitions, and read back from storage only through [`RequestRecord`]'s checks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RequestRecord", into = "RequestRecord")]
pub struct Request {
    id: RequestId,
    access_package_id: AccessPackageId,
    policy_id: PolicyId,
    kind: RequestKind,
    state: RequestState,
    requester: UserId,
    target: UserId,
    submitted_at: DateTime<Utc>,
    start_at: Option<DateTime<Utc>>,
    stages: Vec<Stage>,
    waits: Vec<Wait>,
    cancellation: Option<Cancellation>,
    delivery_started_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
}

impl Request {
    /// A request in state `submitted`, with the policy's approval stages when its kind needs
    /// them: adds (by a user or an administrator) always, extensions when the policy's
    /// extension rule requires approval, removals never.
    pub fn new(
        new: NewRequest,
        policy: &ValidPolicy,
        now: DateTime<Utc>,
    ) -> Result<Request, NewRequestRefusal> {
        let on_behalf = new.requester != new.target;
        let refuse_if = |refused: bool, refusal| if refused { Err(refusal) } else { Ok(()) };
        let user_request = || {
            refuse_if(!policy.enabled(), NewRequestRefusal::PolicyDisabled)?;
            refuse_if(
                !policy.audience().accepts_requests(),
                NewRequestRefusal::AdministratorsOnly,
            )?;
            refuse_if(
                on_behalf && !policy.requester().on_behalf_of_direct_reports(),
                NewRequestRefusal::OnBehalfNotAllowed,
            )
        };
        let no_start = || refuse_if(new.start_at.is_some(), NewRequestRefusal::StartNotAllowed);
        let stages = match new.kind {
            RequestKind::UserAdd => {
                user_request()?;
                refuse_if(
                    new.start_at.is_some() && !policy.requester().may_choose_dates(),
                    NewRequestRefusal::StartNotAllowed,
                )?;
                policy.stages()
            }
            RequestKind::UserExtend => {
                user_request()?;
                no_start()?;
                match policy.lifecycle().extension() {
                    ExtensionRule::NotAllowed {} => {
                        return Err(NewRequestRefusal::ExtensionNotAllowed);
                    }
                    ExtensionRule::Allowed {
                        approval_required: true,
                    } => policy.stages(),
                    ExtensionRule::Allowed {
                        approval_required: false,
                    } => &[],
                }
            }
            RequestKind::UserRemove => {
                refuse_if(
                    !policy.lifecycle().self_removal_allowed(),
                    NewRequestRefusal::SelfRemovalNotAllowed,
                )?;
                refuse_if(
                    on_behalf && !policy.requester().on_behalf_of_direct_reports(),
                    NewRequestRefusal::OnBehalfNotAllowed,
                )?;
                no_start()?;
                &[]
            }
            RequestKind::AdminAdd => {
                refuse_if(!policy.enabled(), NewRequestRefusal::PolicyDisabled)?;
                policy.stages()
            }
            RequestKind::AdminRemove => {
                no_start()?;
                &[]
            }
        };
        Ok(Request {
            id: new.id,
            access_package_id: new.access_package_id,
            policy_id: new.policy_id,
            kind: new.kind,
            state: RequestState::Submitted,
            requester: new.requester,
            target: new.target,
            submitted_at: now,
            start_at: new.start_at,
            stages: stages.iter().map(Stage::planned).collect(),
            waits: if new.kind.removes() {
                Vec::new()
            } else {
                policy
                    .custom_extensions()
                    .iter()
                    .filter_map(Wait::planned)
                    .collect()
            },
            cancellation: None,
            delivery_started_at: None,
            closed_at: None,
        })
    }

    pub fn id(&self) -> RequestId {
        self.id
    }

    pub fn access_package_id(&self) -> AccessPackageId {
        self.access_package_id
    }

    pub fn policy_id(&self) -> PolicyId {
        self.policy_id
    }

    pub fn kind(&self) -> RequestKind {
        self.kind
    }

    pub fn state(&self) -> RequestState {
        self.state
    }

    pub fn requester(&self) -> UserId {
        self.requester
    }

    /// The person the access is for.
    pub fn target(&self) -> UserId {
        self.target
    }

    pub fn submitted_at(&self) -> DateTime<Utc> {
        self.submitted_at
    }

    pub fn start_at(&self) -> Option<DateTime<Utc>> {
        self.start_at
    }

    /// All approval stages in order, started or not; empty when the request needs no approval.
    pub fn stages(&self) -> &[Stage] {
        &self.stages
    }

    /// The launch-and-wait extensions, started or not, in the order the policy lists them.
    pub fn waits(&self) -> &[Wait] {
        &self.waits
    }

    /// The wait in progress, while the request is waiting.
    pub fn current_wait(&self) -> Option<&Wait> {
        match self.state {
            RequestState::Waiting => self.waits.iter().find(|wait| wait.is_open()),
            RequestState::Submitted
            | RequestState::PendingApproval
            | RequestState::Scheduled
            | RequestState::Delivering
            | RequestState::Delivered
            | RequestState::PartiallyDelivered
            | RequestState::DeliveryFailed
            | RequestState::Denied
            | RequestState::Canceled
            | RequestState::Expired => None,
        }
    }

    pub fn cancellation(&self) -> Option<&Cancellation> {
        self.cancellation.as_ref()
    }

    pub fn delivery_started_at(&self) -> Option<DateTime<Utc>> {
        self.delivery_started_at
    }

    /// When the request reached its final state.
    pub fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.closed_at
    }

    pub fn is_final(&self) -> bool {
        self.state.is_final()
    }

    /// The stage waiting for a decision, while the request is pending approval.
    pub fn current_stage(&self) -> Option<usize> {
        match self.state {
            RequestState::PendingApproval => self.stages.iter().rposition(Stage::is_started),
            RequestState::Submitted
            | RequestState::Waiting
            | RequestState::Scheduled
            | RequestState::Delivering
            | RequestState::Delivered
            | RequestState::PartiallyDelivered
            | RequestState::DeliveryFailed
            | RequestState::Denied
            | RequestState::Canceled
            | RequestState::Expired => None,
        }
    }

    /// Who may decide now: the current stage's approvers, escalation approvers included.
    pub fn current_approvers(&self) -> BTreeSet<UserId> {
        self.current_stage()
            .and_then(|index| self.stages.get(index))
            .map(|stage| {
                stage
                    .approvers
                    .union(&stage.escalation_approvers)
                    .copied()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// When time alone next lets the request move on, and which transition to call then.
    /// Absent while delivering (its end is reported, not awaited) and in final states.
    pub fn next_due(&self) -> Option<Due> {
        let due = |at, action| Some(Due { at, action });
        match self.state {
            RequestState::Submitted => due(self.submitted_at, DueAction::Submit),
            RequestState::PendingApproval => {
                let stage = self.stages.get(self.current_stage()?)?;
                match (stage.escalates_at(), stage.escalated_at) {
                    (Some(at), None) => due(at, DueAction::Escalate),
                    (Some(_), Some(_)) | (None, _) => due(stage.deadline_at()?, DueAction::TimeOut),
                }
            }
            RequestState::Waiting => due(self.current_wait()?.until()?, DueAction::TimeOutWait),
            RequestState::Scheduled => due(self.start_at?, DueAction::StartDelivery),
            RequestState::Delivering
            | RequestState::Delivered
            | RequestState::PartiallyDelivered
            | RequestState::DeliveryFailed
            | RequestState::Denied
            | RequestState::Canceled
            | RequestState::Expired => None,
        }
    }

    /// Checks the request against its approval: the first stage starts (with the approvers
    /// `resolve` finds for it), or, without stages, the request is scheduled or delivery
    /// starts.
    pub fn submit(
        &mut self,
        now: DateTime<Utc>,
        resolve: impl FnOnce(usize) -> ResolvedApprovers,
    ) -> Result<RequestEvent, Refusal> {
        match self.state {
            RequestState::Submitted => {}
            RequestState::PendingApproval
            | RequestState::Waiting
            | RequestState::Scheduled
            | RequestState::Delivering => {
                return Err(Refusal::AlreadySubmitted);
            }
            RequestState::Delivered
            | RequestState::PartiallyDelivered
            | RequestState::DeliveryFailed
            | RequestState::Denied
            | RequestState::Canceled
            | RequestState::Expired => return Err(self.already_final()),
        }
        let next = self.advance_to(0, now, resolve);
        Ok(RequestEvent::Submitted { next })
    }

    /// `approver` approves `stage`, which must be the current one. The next stage starts with
    /// the approvers `resolve_next` finds for it; after the last, the request is scheduled or
    /// delivery starts.
    pub fn approve(
        &mut self,
        stage: usize,
        approver: UserId,
        justification: Option<Justification>,
        now: DateTime<Utc>,
        resolve_next: impl FnOnce(usize) -> ResolvedApprovers,
    ) -> Result<RequestEvent, Refusal> {
        let decision =
            self.check_decision(stage, approver, Verdict::Approve, justification, now)?;
        self.stages[stage].decision = Some(decision.clone());
        let next = self.advance_to(stage + 1, now, resolve_next);
        Ok(RequestEvent::Approved {
            stage,
            decision,
            next,
        })
    }

    /// `approver` denies `stage`, which must be the current one. Any denial ends the request.
    pub fn deny(
        &mut self,
        stage: usize,
        approver: UserId,
        justification: Option<Justification>,
        now: DateTime<Utc>,
    ) -> Result<RequestEvent, Refusal> {
        let decision = self.check_decision(stage, approver, Verdict::Deny, justification, now)?;
        self.stages[stage].decision = Some(decision.clone());
        self.close(RequestState::Denied, now);
        Ok(RequestEvent::Denied { stage, decision })
    }

    /// Forwards the current stage, once its escalation time has come, to the escalation
    /// approvers `resolve` finds for it. The first approvers can still decide.
    pub fn escalate(
        &mut self,
        now: DateTime<Utc>,
        resolve: impl FnOnce(usize) -> ResolvedApprovers,
    ) -> Result<RequestEvent, Refusal> {
        let index = self.pending_stage()?;
        let stage = &self.stages[index];
        let Some(escalates_at) = stage.escalates_at() else {
            return Err(Refusal::NoEscalation { stage: index });
        };
        if stage.escalated_at.is_some() {
            return Err(Refusal::AlreadyEscalated { stage: index });
        }
        if now < escalates_at {
            return Err(Refusal::NotYetDue {
                due_at: escalates_at,
            });
        }
        self.check_not_timed_out(index, now)?;
        let approvers = self.without_self(resolve(index).approvers);
        let stage = &mut self.stages[index];
        stage.escalated_at = Some(now);
        stage.escalation_approvers = approvers.clone();
        Ok(RequestEvent::Escalated {
            stage: index,
            approvers,
        })
    }

    /// Ends the request when its current stage reached its deadline undecided.
    pub fn time_out(&mut self, now: DateTime<Utc>) -> Result<RequestEvent, Refusal> {
        let index = self.pending_stage()?;
        let deadline_at = self.deadline_of(index)?;
        if now < deadline_at {
            return Err(Refusal::NotYetDue {
                due_at: deadline_at,
            });
        }
        self.close(RequestState::Expired, now);
        Ok(RequestEvent::TimedOut {
            stage: index,
            deadline_at,
        })
    }

    /// Whether `actor` may cancel the request now, checked as [`Request::cancel`] checks it;
    /// answers whether they cancel as an administrator.
    pub fn check_canceler(&self, actor: Actor) -> Result<bool, Refusal> {
        match self.state {
            RequestState::Submitted
            | RequestState::PendingApproval
            | RequestState::Waiting
            | RequestState::Scheduled => {}
            RequestState::Delivering => {
                return Err(Refusal::NotCancelable { state: self.state });
            }
            RequestState::Delivered
            | RequestState::PartiallyDelivered
            | RequestState::DeliveryFailed
            | RequestState::Denied
            | RequestState::Canceled
            | RequestState::Expired => return Err(self.already_final()),
        }
        match actor {
            Actor::Administrator(_) => Ok(true),
            Actor::Person(user) if user == self.requester || user == self.target => Ok(false),
            Actor::Person(_) => Err(Refusal::NotYourRequest),
        }
    }

    /// Withdraws the request before anything is delivered: by its requester or target, or by
    /// an administrator, with the reason they gave, if any.
    pub fn cancel(
        &mut self,
        actor: Actor,
        reason: Option<Justification>,
        now: DateTime<Utc>,
    ) -> Result<RequestEvent, Refusal> {
        let as_administrator = self.check_canceler(actor)?;
        let cancellation = Cancellation {
            by: actor.user(),
            as_administrator,
            at: now,
            reason,
        };
        self.cancellation = Some(cancellation.clone());
        self.close(RequestState::Canceled, now);
        Ok(RequestEvent::Canceled { cancellation })
    }

    /// Starts delivering a scheduled request once its start has come.
    pub fn start_delivery(&mut self, now: DateTime<Utc>) -> Result<RequestEvent, Refusal> {
        match self.state {
            RequestState::Scheduled => {}
            RequestState::Submitted
            | RequestState::PendingApproval
            | RequestState::Waiting
            | RequestState::Delivering => {
                return Err(Refusal::NotScheduled { state: self.state });
            }
            RequestState::Delivered
            | RequestState::PartiallyDelivered
            | RequestState::DeliveryFailed
            | RequestState::Denied
            | RequestState::Canceled
            | RequestState::Expired => return Err(self.already_final()),
        }
        if let Some(start_at) = self.start_at
            && now < start_at
        {
            return Err(Refusal::NotYetDue { due_at: start_at });
        }
        self.state = RequestState::Delivering;
        self.delivery_started_at = Some(now);
        Ok(RequestEvent::DeliveryStarted)
    }

    /// Records how delivery went, which ends the request.
    pub fn finish_delivery(
        &mut self,
        result: DeliveryResult,
        now: DateTime<Utc>,
    ) -> Result<RequestEvent, Refusal> {
        match self.state {
            RequestState::Delivering => {}
            RequestState::Submitted
            | RequestState::PendingApproval
            | RequestState::Waiting
            | RequestState::Scheduled => {
                return Err(Refusal::NotDelivering { state: self.state });
            }
            RequestState::Delivered
            | RequestState::PartiallyDelivered
            | RequestState::DeliveryFailed
            | RequestState::Denied
            | RequestState::Canceled
            | RequestState::Expired => return Err(self.already_final()),
        }
        self.close(result.state(), now);
        Ok(RequestEvent::DeliveryFinished { result })
    }

    /// Takes `removed` off the current stage, first and escalation approvers alike, and asks
    /// `replacement` instead when given (a new manager; nobody approves their own request, so
    /// the target and the requester are never added). When no first approver is left, the
    /// stage's fallback approvers (`fallback` resolves them) are asked; when there are none,
    /// the escalation approvers left decide alone; when nobody at all is left, the request is
    /// denied, as a stage that starts with nobody is.
    pub fn reroute(
        &mut self,
        removed: UserId,
        replacement: Option<UserId>,
        now: DateTime<Utc>,
        fallback: impl FnOnce(usize) -> ResolvedApprovers,
    ) -> Result<RequestEvent, Refusal> {
        let index = self.pending_stage()?;
        if !self.stages[index].asks(removed) {
            return Err(Refusal::NotAnApprover);
        }
        let added: BTreeSet<UserId> = self.without_self(replacement.into_iter().collect());
        let stage = &mut self.stages[index];
        stage.approvers.remove(&removed);
        stage.escalation_approvers.remove(&removed);
        let mut added: BTreeSet<UserId> = added
            .into_iter()
            .filter(|person| stage.approvers.insert(*person))
            .collect();
        let mut used_fallback = false;
        if self.stages[index].approvers.is_empty() {
            let found = self.without_self(fallback(index).approvers);
            let stage = &mut self.stages[index];
            if found.is_empty() {
                // Only escalation approvers remain: they become the stage's approvers, since a
                // waiting stage always has some.
                stage.approvers = stage.escalation_approvers.clone();
            } else {
                added.extend(
                    found
                        .iter()
                        .filter(|p| !stage.escalation_approvers.contains(*p)),
                );
                stage.approvers = found;
                stage.used_fallback = true;
                used_fallback = true;
            }
        }
        if self.stages[index].approvers.is_empty() {
            self.close(RequestState::Denied, now);
            return Ok(RequestEvent::NoApproverLeft {
                stage: index,
                removed,
            });
        }
        Ok(RequestEvent::Rerouted {
            stage: index,
            removed,
            added,
            used_fallback,
        })
    }

    fn already_final(&self) -> Refusal {
        Refusal::AlreadyFinal { state: self.state }
    }

    /// The current stage, or why the request is not waiting for a decision.
    fn pending_stage(&self) -> Result<usize, Refusal> {
        match self.state {
            RequestState::PendingApproval => self
                .current_stage()
                .ok_or(Refusal::NotPending { state: self.state }),
            RequestState::Submitted
            | RequestState::Waiting
            | RequestState::Scheduled
            | RequestState::Delivering => Err(Refusal::NotPending { state: self.state }),
            RequestState::Delivered
            | RequestState::PartiallyDelivered
            | RequestState::DeliveryFailed
            | RequestState::Denied
            | RequestState::Canceled
            | RequestState::Expired => Err(self.already_final()),
        }
    }

    fn deadline_of(&self, index: usize) -> Result<DateTime<Utc>, Refusal> {
        self.stages
            .get(index)
            .and_then(Stage::deadline_at)
            .ok_or(Refusal::StageNotStarted { stage: index })
    }

    fn check_not_timed_out(&self, index: usize, now: DateTime<Utc>) -> Result<(), Refusal> {
        let deadline_at = self.deadline_of(index)?;
        if now >= deadline_at {
            return Err(Refusal::StageTimedOut {
                stage: index,
                deadline_at,
            });
        }
        Ok(())
    }

    /// Every check of a decision, in the order a person can act on: the stage (already
    /// decided, over, not the current one), who decides, when, and why.
    /// Whether `approver` may decide `stage` now: everything a decision checks, in the same
    /// order, except the justification the decision carries.
    pub fn check_decider(
        &self,
        stage: usize,
        approver: UserId,
        now: DateTime<Utc>,
    ) -> Result<(), Refusal> {
        let Some(asked) = self.stages.get(stage) else {
            return Err(Refusal::NoSuchStage { stage });
        };
        if asked.decision.is_some() {
            return Err(Refusal::StageAlreadyDecided { stage });
        }
        let current = self.pending_stage()?;
        if stage != current {
            return Err(if stage > current {
                Refusal::StageNotStarted { stage }
            } else {
                Refusal::StageAlreadyDecided { stage }
            });
        }
        if approver == self.target || approver == self.requester {
            return Err(Refusal::SelfApproval);
        }
        if !asked.asks(approver) {
            return Err(Refusal::NotAnApprover);
        }
        self.check_not_timed_out(stage, now)?;
        Ok(())
    }

    fn check_decision(
        &self,
        stage: usize,
        approver: UserId,
        verdict: Verdict,
        justification: Option<Justification>,
        now: DateTime<Utc>,
    ) -> Result<Decision, Refusal> {
        self.check_decider(stage, approver, now)?;
        let justification_required = self
            .stages
            .get(stage)
            .is_some_and(|asked| asked.approver_justification_required);
        if justification_required && justification.is_none() {
            return Err(Refusal::JustificationRequired);
        }
        Ok(Decision {
            by: approver,
            verdict,
            justification,
            at: now,
        })
    }

    /// Starts stage `index`, or when there is none left, schedules the request or starts
    /// delivering it.
    fn advance_to(
        &mut self,
        index: usize,
        now: DateTime<Utc>,
        resolve: impl FnOnce(usize) -> ResolvedApprovers,
    ) -> Next {
        let gate = if index == 0 {
            Some(ExtensionStage::RequestCreated)
        } else {
            None
        };
        let gate = gate
            .filter(|stage| self.unstarted_wait(*stage).is_some())
            .or_else(|| {
                (index >= self.stages.len())
                    .then_some(ExtensionStage::RequestApproved)
                    .filter(|stage| self.unstarted_wait(*stage).is_some())
            });
        if let Some(stage) = gate
            && let Some(position) = self.unstarted_wait(stage)
        {
            let wait = &mut self.waits[position];
            wait.started_at = Some(now);
            self.state = RequestState::Waiting;
            return Next::Waiting {
                extension: wait.extension.clone(),
                stage,
                until: wait.until().unwrap_or(now),
            };
        }
        if index >= self.stages.len() {
            return match self.start_at {
                Some(start_at) if start_at > now => {
                    self.state = RequestState::Scheduled;
                    Next::Scheduled { start_at }
                }
                Some(_) | None => {
                    self.state = RequestState::Delivering;
                    self.delivery_started_at = Some(now);
                    Next::Delivering
                }
            };
        }
        let resolved = resolve(index);
        let approvers = self.without_self(resolved.approvers);
        let deadline_at = self.stages[index].start(now, approvers.clone(), resolved.used_fallback);
        if approvers.is_empty() {
            self.close(RequestState::Denied, now);
            return Next::NoApprover { stage: index };
        }
        self.state = RequestState::PendingApproval;
        Next::Stage {
            stage: index,
            approvers,
            used_fallback: resolved.used_fallback,
            deadline_at,
        }
    }

    /// The position of the wait at `stage` that has not started, if there is one.
    fn unstarted_wait(&self, stage: ExtensionStage) -> Option<usize> {
        self.waits
            .iter()
            .position(|wait| wait.stage == stage && wait.started_at.is_none())
    }

    /// The wait in progress and its position, or why the request is not waiting.
    fn open_wait(&self) -> Result<usize, Refusal> {
        match self.state {
            RequestState::Waiting => self
                .waits
                .iter()
                .position(Wait::is_open)
                .ok_or(Refusal::NotWaiting { state: self.state }),
            RequestState::Submitted
            | RequestState::PendingApproval
            | RequestState::Scheduled
            | RequestState::Delivering => Err(Refusal::NotWaiting { state: self.state }),
            RequestState::Delivered
            | RequestState::PartiallyDelivered
            | RequestState::DeliveryFailed
            | RequestState::Denied
            | RequestState::Canceled
            | RequestState::Expired => Err(self.already_final()),
        }
    }

    /// Ends the wait at `position` with `answer`: the request goes on to approval (after
    /// `request_created`) or delivery (after `request_approved`), or is denied.
    fn end_wait(
        &mut self,
        position: usize,
        answer: WaitAnswer,
        resolve: impl FnOnce(usize) -> ResolvedApprovers,
    ) -> Option<Next> {
        let now = answer.at;
        let outcome = answer.outcome;
        let stage = self.waits[position].stage;
        self.waits[position].answer = Some(answer);
        match outcome {
            ExtensionOutcome::Continue => Some(match stage {
                ExtensionStage::RequestCreated => self.advance_to(0, now, resolve),
                ExtensionStage::RequestApproved
                | ExtensionStage::AssignmentGranted
                | ExtensionStage::AssignmentRemoval => {
                    self.advance_to(self.stages.len(), now, resolve)
                }
            }),
            ExtensionOutcome::Deny => {
                self.close(RequestState::Denied, now);
                None
            }
        }
    }

    /// The extension the request waits for answers, before its timeout: `continue` lets the
    /// request go on (the next stage starts with the approvers `resolve` finds), `deny` denies
    /// it. A wait is answered once: a second answer finds the request no longer waiting.
    pub fn answer_wait(
        &mut self,
        outcome: ExtensionOutcome,
        message: Option<String>,
        now: DateTime<Utc>,
        resolve: impl FnOnce(usize) -> ResolvedApprovers,
    ) -> Result<RequestEvent, Refusal> {
        let position = self.open_wait()?;
        let wait = &self.waits[position];
        let until = wait.until().unwrap_or(now);
        if now >= until {
            return Err(Refusal::WaitTimedOut { until });
        }
        let (extension, stage) = (wait.extension.clone(), wait.stage);
        let answer = WaitAnswer {
            outcome,
            message: message.clone(),
            timed_out: false,
            at: now,
        };
        let next = self.end_wait(position, answer, resolve);
        Ok(RequestEvent::ExtensionAnswered {
            extension,
            stage,
            outcome,
            message,
            next,
        })
    }

    /// Applies the timeout outcome of the wait in progress once its time is up.
    pub fn time_out_wait(
        &mut self,
        now: DateTime<Utc>,
        resolve: impl FnOnce(usize) -> ResolvedApprovers,
    ) -> Result<RequestEvent, Refusal> {
        let position = self.open_wait()?;
        let wait = &self.waits[position];
        let until = wait.until().unwrap_or(now);
        if now < until {
            return Err(Refusal::NotYetDue { due_at: until });
        }
        let (extension, stage, outcome) =
            (wait.extension.clone(), wait.stage, wait.timeout_outcome);
        let answer = WaitAnswer {
            outcome,
            message: None,
            timed_out: true,
            at: now,
        };
        let next = self.end_wait(position, answer, resolve);
        Ok(RequestEvent::ExtensionTimedOut {
            extension,
            stage,
            outcome,
            next,
        })
    }

    fn without_self(&self, mut approvers: BTreeSet<UserId>) -> BTreeSet<UserId> {
        approvers.retain(|person| *person != self.target && *person != self.requester);
        approvers
    }

    fn close(&mut self, state: RequestState, now: DateTime<Utc>) {
        self.state = state;
        self.closed_at = Some(now);
    }
}

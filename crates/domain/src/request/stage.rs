//! One approval stage of a request: what the policy said about it when the request was made,
//! who was asked, and who decided.

use std::collections::BTreeSet;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::UserId;
use crate::assignment::Justification;
use crate::policy::ApprovalStage;

/// An approval stage of a request. Stages start one after the other; a stage that has not
/// started has no start, no approvers and no decision.
///
/// The first three fields are copied from the policy when the request is made, so a policy
/// changed later does not change the requests already pending (`entra-governance.md` §1.6).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Stage {
    /// Days the stage may stay undecided before the request expires: 1 to 14.
    pub timeout_days: u8,
    /// Days after the stage starts when it is forwarded to escalation approvers, if it is.
    pub escalate_after_days: Option<u8>,
    /// Whether an approver must say why they decided.
    pub approver_justification_required: bool,
    /// When the stage began; absent while an earlier stage is undecided.
    pub started_at: Option<DateTime<Utc>>,
    /// Who was asked when the stage began. Empty in a started stage only when nobody could be
    /// found, which denied the request.
    pub approvers: BTreeSet<UserId>,
    /// Whether the primary approvers resolved to nobody and the fallback approvers were asked.
    pub used_fallback: bool,
    /// When the stage was forwarded to escalation approvers; it happens at most once.
    pub escalated_at: Option<DateTime<Utc>>,
    /// Who was asked too when the stage escalated. The first approvers can still decide.
    pub escalation_approvers: BTreeSet<UserId>,
    /// The one decision of the stage: the first approver to answer decides.
    pub decision: Option<Decision>,
}

impl Stage {
    /// A stage planned from the policy's, not yet started.
    pub(crate) fn planned(stage: &ApprovalStage) -> Stage {
        Stage {
            timeout_days: stage.timeout_days(),
            escalate_after_days: stage.escalation().map(|escalation| escalation.after_days()),
            approver_justification_required: stage.approver_justification_required(),
            started_at: None,
            approvers: BTreeSet::new(),
            used_fallback: false,
            escalated_at: None,
            escalation_approvers: BTreeSet::new(),
            decision: None,
        }
    }

    /// Starts the stage at `at` with these approvers; returns its deadline.
    pub(crate) fn start(
        &mut self,
        at: DateTime<Utc>,
        approvers: BTreeSet<UserId>,
        used_fallback: bool,
    ) -> DateTime<Utc> {
        self.started_at = Some(at);
        self.approvers = approvers;
        self.used_fallback = used_fallback;
        after_days(at, self.timeout_days)
    }

    pub fn is_started(&self) -> bool {
        self.started_at.is_some()
    }

    /// When the stage, if started and still undecided then, expires the request. Same
    /// arithmetic as [`ApprovalStage::deadline_at`]: days of 24 hours on UTC instants.
    pub fn deadline_at(&self) -> Option<DateTime<Utc>> {
        self.started_at
            .map(|started| after_days(started, self.timeout_days))
    }

    /// When the stage, if started and still undecided then, escalates; absent when it never
    /// does. Same arithmetic as [`ApprovalStage::escalation_at`].
    pub fn escalates_at(&self) -> Option<DateTime<Utc>> {
        self.started_at
            .zip(self.escalate_after_days)
            .map(|(started, days)| after_days(started, days))
    }

    /// Whether `user` was asked to decide this stage, first or on escalation.
    pub fn asks(&self, user: UserId) -> bool {
        self.approvers.contains(&user) || self.escalation_approvers.contains(&user)
    }

    pub fn is_approved(&self) -> bool {
        self.verdict() == Some(Verdict::Approve)
    }

    pub fn verdict(&self) -> Option<Verdict> {
        self.decision.as_ref().map(|decision| decision.verdict)
    }
}

/// Saturates at the latest representable instant rather than panic on absurd inputs, as the
/// policy's helpers do.
fn after_days(start: DateTime<Utc>, days: u8) -> DateTime<Utc> {
    start
        .checked_add_signed(TimeDelta::hours(24 * i64::from(days)))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// An approver's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Approve,
    Deny,
}

/// Who decided a stage, how, why and when. Requesters see it, justification included.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Decision {
    pub by: UserId,
    pub verdict: Verdict,
    pub justification: Option<Justification>,
    pub at: DateTime<Utc>,
}

/// Who canceled a request, when, and why if they said. The reason is part of the request
/// (written with the transition), so the requester reads it in the timeline and not only
/// auditors in the audit trail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Cancellation {
    pub by: UserId,
    /// Whether they canceled as an administrator rather than as the requester or the target.
    pub as_administrator: bool,
    pub at: DateTime<Utc>,
    /// Absent in records written before reasons were kept with the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Justification>,
}

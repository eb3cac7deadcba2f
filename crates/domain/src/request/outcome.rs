//! What people read about a request's outcome: why it closed, whom it concerns, and its state
//! in words.

use super::{Request, RequestState, Verdict};
use crate::UserId;
use crate::policy::ExtensionOutcome;

impl Request {
    /// Why the request closed without delivery, in words; `None` while it is open or once it
    /// was delivered (delivery records its own outcome).
    pub fn closing_reason(&self) -> Option<&'static str> {
        match self.state() {
            RequestState::Denied => {
                if let Some(answer) = self
                    .waits()
                    .iter()
                    .filter_map(|wait| wait.answer.as_ref())
                    .find(|answer| answer.outcome == ExtensionOutcome::Deny)
                {
                    return Some(if answer.timed_out {
                        "A custom extension did not answer in time, so the request was denied."
                    } else {
                        "A custom extension denied the request."
                    });
                }
                let denied_by_someone = self
                    .stages()
                    .iter()
                    .any(|stage| stage.verdict() == Some(Verdict::Deny));
                Some(if denied_by_someone {
                    "An approver denied the request."
                } else {
                    "Nobody could approve a stage of this request, so it was denied."
                })
            }
            RequestState::Expired => Some("No approver decided before the stage's deadline."),
            RequestState::Canceled => Some("The request was canceled."),
            RequestState::Submitted
            | RequestState::PendingApproval
            | RequestState::Waiting
            | RequestState::Scheduled
            | RequestState::Delivering
            | RequestState::Delivered
            | RequestState::PartiallyDelivered
            | RequestState::DeliveryFailed => None,
        }
    }

    /// The people the request's outcome concerns: its target, and its requester when that is
    /// someone else.
    pub fn concerned(&self) -> Vec<UserId> {
        let mut people = vec![self.target()];
        if self.requester() != self.target() {
            people.push(self.requester());
        }
        people
    }
}

impl RequestState {
    /// The state as a sentence ends it: "The request was {describe}."
    pub fn describe(self) -> &'static str {
        match self {
            RequestState::Submitted => "submitted",
            RequestState::PendingApproval => "waiting for approval",
            RequestState::Waiting => "waiting for a custom extension",
            RequestState::Scheduled => "approved, scheduled for its start",
            RequestState::Delivering => "being delivered",
            RequestState::Delivered => "delivered",
            RequestState::PartiallyDelivered => "partially delivered",
            RequestState::DeliveryFailed => "delivery failed",
            RequestState::Denied => "denied",
            RequestState::Canceled => "canceled",
            RequestState::Expired => "expired without a decision",
        }
    }
}

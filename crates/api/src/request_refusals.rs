//! The domain's refusals as API errors.

use tessera_domain::problem::ProblemCode;
use tessera_domain::request::{NewRequestRefusal, Refusal};

use crate::error::ApiError;

pub(crate) fn refusal(refusal: Refusal) -> ApiError {
    let conflict = |code: ProblemCode, detail: String| ApiError::Conflict {
        code,
        detail,
        field: None,
    };
    match refusal {
        Refusal::SelfApproval => ApiError::Forbidden(
            "Nobody approves a request for their own access or a request they made.",
        ),
        Refusal::NotAnApprover => {
            ApiError::Forbidden("You are not an approver of this request's current stage.")
        }
        Refusal::NotYourRequest => ApiError::Forbidden("This is not your request."),
        Refusal::JustificationRequired => {
            ApiError::invalid("justification", "this stage requires a justification")
        }
        Refusal::StageAlreadyDecided { stage } => conflict(
            ProblemCode::AlreadyDecided,
            format!("Stage {} was decided already.", stage + 1),
        ),
        Refusal::AlreadyFinal { state } | Refusal::NotPending { state } => conflict(
            ProblemCode::RequestNotPending,
            format!("The request is {state}; it waits for no decision."),
        ),
        Refusal::NoSuchStage { stage } | Refusal::StageNotStarted { stage } => conflict(
            ProblemCode::StageNotCurrent,
            format!("Stage {} is not the stage being decided.", stage + 1),
        ),
        Refusal::StageTimedOut { .. } => conflict(
            ProblemCode::StageTimedOut,
            "The stage's deadline passed; the request is expiring.".into(),
        ),
        Refusal::NotCancelable { state } => conflict(
            ProblemCode::RequestNotCancelable,
            format!("A request that is {state} can no longer be canceled."),
        ),
        Refusal::NotWaiting { state } => conflict(
            ProblemCode::WaitOver,
            format!("The request is {state}; it waits for no extension."),
        ),
        Refusal::WaitTimedOut { until } => conflict(
            ProblemCode::WaitOver,
            format!("The wait for the extension timed out at {until}."),
        ),
        // Refusals of submission, of the scheduler's steps and of delivery: no person's
        // decision or cancellation meets these.
        other @ (Refusal::AlreadySubmitted
        | Refusal::NotYetDue { .. }
        | Refusal::NoEscalation { .. }
        | Refusal::AlreadyEscalated { .. }
        | Refusal::NotScheduled { .. }
        | Refusal::NotDelivering { .. }) => {
            conflict(ProblemCode::RequestNotReady, other.to_string())
        }
    }
}

pub(super) fn new_request_refusal(refusal: NewRequestRefusal) -> ApiError {
    match refusal {
        NewRequestRefusal::PolicyDisabled => ApiError::Conflict {
            code: ProblemCode::PolicyDisabled,
            detail: "The policy is disabled: it takes no new requests.".into(),
            field: Some("policy_id"),
        },
        NewRequestRefusal::AdministratorsOnly => ApiError::invalid(
            "policy_id",
            "this policy is for direct assignment by administrators only",
        ),
        NewRequestRefusal::OnBehalfNotAllowed => ApiError::invalid(
            "target_user_id",
            "this policy does not let managers ask for their direct reports",
        ),
        NewRequestRefusal::ExtensionNotAllowed => ApiError::Conflict {
            code: ProblemCode::ExtensionNotAllowed,
            detail: "The policy does not allow extending this access.".into(),
            field: None,
        },
        NewRequestRefusal::SelfRemovalNotAllowed => ApiError::Conflict {
            code: ProblemCode::RemovalNotAllowed,
            detail: "The policy does not let people give up this access themselves.".into(),
            field: None,
        },
        NewRequestRefusal::StartNotAllowed => ApiError::invalid(
            "starts_at",
            "this policy does not let requesters choose dates",
        ),
    }
}

use chrono::{DateTime, Utc};
use tessera_domain::access::RequestView;
use tessera_domain::assignment::AssignmentState;
use tessera_domain::request::{RequestKind, RequestState};
use tessera_domain::team::{TeamAccess, TeamRequest};

/// How many reports one page of "My team" shows.
pub const TEAM_PAGE_SIZE: u32 = 20;

/// The accessible name of the button that removes `access` from `person`: each Remove on the
/// page has its own.
pub fn remove_label(access: &TeamAccess, person: &str) -> String {
    format!("Remove {} from {person}", access.access_package_name)
}

/// The heading of the removal form.
pub fn removal_heading(package: &str, person: &str) -> String {
    format!("Remove {person}'s access to {package}")
}

/// The moment worth telling of a report's access, with the word before it: when it starts,
/// for access scheduled to start, else when it ends; `None` when it has started and never ends.
pub fn access_timing(access: &TeamAccess) -> Option<(&'static str, DateTime<Utc>)> {
    match (access.state, access.ends_at) {
        (AssignmentState::Scheduled, _) => Some(("Starts", access.starts_at)),
        (_, Some(at)) => Some(("Ends", at)),
        (_, None) => None,
    }
}

/// What a report's request asks, in a few words: "Asks for access", "Removal".
pub fn request_kind_words(kind: RequestKind) -> &'static str {
    match kind {
        RequestKind::UserAdd => "Asks for access",
        RequestKind::UserExtend => "Asks for more time",
        RequestKind::UserRemove => "Removal",
        RequestKind::AdminAdd => "Direct assignment",
        RequestKind::AdminRemove => "Removal by an administrator",
    }
}

/// Where a request stands in its approval, when it waits for one: "Stage 1 of 2".
pub fn stage_words(request: &TeamRequest) -> Option<String> {
    match (request.state, request.stage) {
        (RequestState::PendingApproval, Some(stage)) => {
            Some(format!("Stage {stage} of {}", request.stages))
        }
        _ => None,
    }
}

/// What came of a removal made for `person`, as a sentence.
pub fn removal_words(request: &RequestView, person: &str) -> String {
    let package = &request.access_package_name;
    match request.state {
        RequestState::Delivered => format!("{person}'s access to {package} was removed."),
        RequestState::Denied | RequestState::Canceled | RequestState::Expired => {
            format!("{person}'s access to {package} was not removed.")
        }
        RequestState::Submitted
        | RequestState::PendingApproval
        | RequestState::Waiting
        | RequestState::Scheduled
        | RequestState::Delivering
        | RequestState::PartiallyDelivered
        | RequestState::DeliveryFailed => {
            format!("The removal of {person}'s access to {package} was asked for.")
        }
    }
}

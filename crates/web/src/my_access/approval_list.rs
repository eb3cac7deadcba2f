//! The approvers' list, its pure parts: the date each request must be decided by, the order of
//! the list (soonest first), the deep link to one request in it, and what a bulk decision came
//! to.

use chrono::{DateTime, Utc};
use tessera_domain::RequestId;
use tessera_domain::access::RequestView;

use super::logic::current_stage;

/// The query parameter of the Approvals page that opens one request in its details pane.
pub const CHOSEN_REQUEST: &str = "request";

/// The Approvals page with `request` open in its details pane.
pub fn approval_href(base: &str, request: RequestId) -> String {
    format!("{base}?{CHOSEN_REQUEST}={request}")
}

/// When the request's current stage must be decided: after it, the request is denied
/// automatically (or escalated, when the stage says so). `None` when the stage has no deadline
/// or the request waits for nobody.
pub fn decide_by(request: &RequestView) -> Option<DateTime<Utc>> {
    current_stage(request).and_then(|stage| stage.deadline_at)
}

/// The requests by the date they must be decided by, soonest first; those without one last,
/// oldest submission first.
pub fn by_deadline(requests: &[RequestView]) -> Vec<RequestView> {
    let mut sorted = requests.to_vec();
    sorted.sort_by(|a, b| match (decide_by(a), decide_by(b)) {
        (Some(x), Some(y)) => x.cmp(&y).then(a.submitted_at.cmp(&b.submitted_at)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.submitted_at.cmp(&b.submitted_at),
    });
    sorted
}

/// What a bulk approval or denial came to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BulkApproval {
    pub decided: usize,
    /// "<package> for <person>: why", one per request that was not decided.
    pub refused: Vec<String>,
}

impl BulkApproval {
    pub fn headline(&self, verb: &str) -> String {
        let requests = |n: usize| if n == 1 { "request" } else { "requests" };
        match self.refused.len() {
            0 => format!("You {verb} {} {}.", self.decided, requests(self.decided)),
            refused => format!(
                "You {verb} {} {}; {refused} could not be decided.",
                self.decided,
                requests(self.decided)
            ),
        }
    }
}

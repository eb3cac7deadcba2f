//! Requests: asking for a package (or to extend or give it up), approvals, cancellation and
//! delivery. The scheduled work that escalates, times out and starts requests is in
//! [`crate::jobs::requests`].
//!
//! The rules of a request's life are the domain's (`tessera_domain::request`); this module
//! loads what they need (the policy, the directory around the target), decides who may act,
//! and persists each transition as a compare-and-set with its audit event. Delivery is its own
//! transaction after the transition that reaches `delivering`, so a crash in between leaves a
//! `delivering` request that the scheduler delivers on its next round.
//!
//! Who may act is decided before, in [`crate::auth::request_authz`]: every privileged function
//! here takes the proof that check returns, holding the request it authorised.
//!
//! One module per use case: [`submit`] makes requests, [`decide`] holds approvers' decisions
//! and cancellation, [`deliver`] carries approved requests out, and [`views`] reads them.
//! [`directory`] resolves approvers and [`notes`] renders notifications. The stored form is
//! read and written by [`crate::request_record`], and the domain's refusals mapped to API
//! errors by [`crate::request_refusals`]: leaves outside the service, because the request
//! authorization uses them too.

mod decide;
mod deliver;
mod directory;
mod notes;
mod reroute;
mod submit;
mod views;

pub(crate) use crate::request_record::{policy_of, request_of, write_of};
pub use decide::{cancel, decide};
pub(crate) use deliver::deliver;
pub(crate) use directory::{LoadedDirectory, escalation_resolver, load_directory, stage_resolver};
pub(crate) use notes::notes_for;
pub(crate) use reroute::{Removal, close_open_requests, reroute_approvals};
pub use submit::{AdminAdd, Submitted, submit, submit_admin_add};
pub use views::{OwnList, get_request, list, list_pending_by_deadline, page_of, request_view};

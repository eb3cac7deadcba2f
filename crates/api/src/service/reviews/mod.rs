//! Access reviews: definitions, the instances each occurrence starts, reviewers' decisions, and
//! the scheduled work that starts, reminds, advances, completes and applies them.
//!
//! The rules are the domain's (`tessera_domain::review`). Who may act is decided before, in
//! [`crate::auth::review_authz`]: every privileged function here takes the proof that check
//! returns, holding the definition, instance or item it authorised. This module loads what the
//! rules need (the people in scope, the directory to resolve reviewers), and persists each step
//! with compare-and-set.
//!
//! One module per use case: [`definitions`] and [`policy_reviews`] set reviews up,
//! [`instances`] and [`results`] show them, [`decisions`] are the reviewers', [`actions`] the
//! managers', and [`sweeps`] is the scheduled work (`apply` is shared by the last two).

pub mod actions;
mod apply;
pub mod decisions;
pub mod definitions;
pub mod instances;
mod notices;
pub mod policy_reviews;
mod records;
mod reroute;
pub mod results;
pub mod sweeps;

pub use actions::{apply_results, remind_now, reset_decisions, stop_definition, stop_instance};
pub use decisions::{ItemOutcome, accept_recommendations, decide, decide_many};
pub use definitions::{
    create_definition, delete_definition, get_definition, list_definitions, replace_definition,
};
pub use instances::{
    get_instance, list_instances, list_items, list_items_of_person, list_own_instances,
};
pub use policy_reviews::{delete_policy_review, get_policy_review, put_policy_review};
pub(crate) use reroute::{Removal, reviewer_changes};
pub use results::export_results;
pub use sweeps::run_due_reviews;

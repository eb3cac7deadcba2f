//! The administrators' page of one person (what they have and why, their requests, reviews
//! and audit events; edit, disable, set a password) with its pure parts (tested natively).

mod logic;
pub use logic::*;

#[cfg(target_arch = "wasm32")]
pub(crate) mod page;

//! Connected systems: the administrators' pages of connectors, their bindings and their
//! reconciliation, and the delivery status of an assignment that every assignment list can
//! open, with their pure parts (tested natively).

mod logic;
pub use logic::*;

#[cfg(target_arch = "wasm32")]
pub(crate) mod delivery;
#[cfg(target_arch = "wasm32")]
pub(crate) mod page;
#[cfg(target_arch = "wasm32")]
pub(crate) mod reconciliation;

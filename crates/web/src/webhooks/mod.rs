//! The administrators' webhook pages: subscriptions, their signing secrets and delivery logs,
//! with their pure parts (tested natively in `tests.rs`).

mod logic;
pub use logic::*;

#[cfg(target_arch = "wasm32")]
pub(crate) mod page;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;

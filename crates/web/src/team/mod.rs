//! "My team", for managers: each direct report with their access, their requests in progress
//! and the reviews of their access waiting for the manager, with "Request access for …" and
//! Remove on their behalf. The pure parts are tested natively in `tests.rs`.

mod logic;
pub use logic::*;

#[cfg(target_arch = "wasm32")]
pub(crate) mod page;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;

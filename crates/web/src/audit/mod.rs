//! The audit trail page, with its pure parts (tested natively).

mod logic;
pub use logic::*;

#[cfg(target_arch = "wasm32")]
pub(crate) mod page;

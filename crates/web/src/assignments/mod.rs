//! Assignments of access packages: the lists, the "New assignment" form and the
//! separation-of-duties report, with their pure parts (tested natively).

mod logic;
pub use logic::*;

#[cfg(target_arch = "wasm32")]
pub(crate) mod page;

//! The administrators' list of every request, and an access package's pending requests on its
//! page, with their pure parts (tested natively).

mod logic;
pub use logic::*;

#[cfg(target_arch = "wasm32")]
pub(crate) mod package_section;
#[cfg(target_arch = "wasm32")]
pub(crate) mod page;

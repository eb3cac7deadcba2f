//! Access reviews: the reviewers' pages, the administrators' pages, the definition editor and
//! the review a policy carries, with their pure parts (tested natively in `tests.rs`).

mod decisions;
mod draft;
mod labels;

pub use decisions::*;
pub use draft::*;
pub use labels::*;

#[cfg(target_arch = "wasm32")]
pub(crate) mod admin;
#[cfg(target_arch = "wasm32")]
pub(crate) mod editor;
#[cfg(target_arch = "wasm32")]
mod editor_scope;
#[cfg(target_arch = "wasm32")]
mod editor_sections;
#[cfg(target_arch = "wasm32")]
pub(crate) mod policy_review;
#[cfg(target_arch = "wasm32")]
pub(crate) mod reviewer;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;

//! Assignment policies: the policy editor of an access package's page, with its pure parts
//! (tested natively in `tests.rs`).

mod draft;

pub use draft::*;

#[cfg(target_arch = "wasm32")]
pub(crate) mod editor;
#[cfg(target_arch = "wasm32")]
mod editor_extensions;
#[cfg(target_arch = "wasm32")]
mod editor_sections;
#[cfg(target_arch = "wasm32")]
pub(crate) mod extensions_view;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;

//! Assignment policies: the policy editor of an access package's page.

#[cfg(target_arch = "wasm32")]
pub(crate) mod editor;
#[cfg(target_arch = "wasm32")]
mod editor_sections;
#[cfg(target_arch = "wasm32")]
mod form;

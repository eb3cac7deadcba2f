//! The directory import page, and the file it sends (tested natively).

mod file;
pub use file::*;

#[cfg(target_arch = "wasm32")]
pub(crate) mod page;

//! "My Access", for everyone: the overview, access packages, the request panel of one package,
//! request history and approvals, with their pure parts (tested natively).

mod approval_list;
mod logic;
pub use approval_list::*;
pub use logic::*;

#[cfg(target_arch = "wasm32")]
pub(crate) mod access_packages;
#[cfg(target_arch = "wasm32")]
pub(crate) mod approvals;
#[cfg(target_arch = "wasm32")]
pub(crate) mod overview;
#[cfg(target_arch = "wasm32")]
pub(crate) mod questions;
#[cfg(target_arch = "wasm32")]
pub(crate) mod request_panel;
#[cfg(target_arch = "wasm32")]
pub(crate) mod requests;

//! A typed client for Tessera's API (`/api/v1`), one function per endpoint, speaking the
//! domain crate's wire types.
//!
//! The session lives in an `HttpOnly` cookie that this code never sees. Unsafe requests
//! (everything but `GET`), except the sign-in itself, carry the `X-CSRF-Token` header copied from
//! the readable `tessera_csrf` cookie. Error answers become [`ApiError::Problem`]; a `401`
//! is not handled here but by whoever shows the error (see `components::alert`), which ends the
//! session in the UI and sends the person to the sign-in page.

pub mod csrf;
mod error;

pub use error::ApiError;

#[cfg(target_arch = "wasm32")]
pub mod access;
#[cfg(target_arch = "wasm32")]
pub mod assignments;
#[cfg(target_arch = "wasm32")]
pub mod audit;
#[cfg(target_arch = "wasm32")]
pub mod catalogs;
#[cfg(target_arch = "wasm32")]
mod client;
#[cfg(target_arch = "wasm32")]
pub mod connectors;
#[cfg(target_arch = "wasm32")]
pub mod directory;
#[cfg(target_arch = "wasm32")]
pub mod imports;
#[cfg(target_arch = "wasm32")]
pub mod notifications;
#[cfg(target_arch = "wasm32")]
pub mod packages;
#[cfg(target_arch = "wasm32")]
pub mod people;
#[cfg(target_arch = "wasm32")]
pub mod requests;
#[cfg(target_arch = "wasm32")]
pub mod reviews;
#[cfg(target_arch = "wasm32")]
pub mod session;
#[cfg(target_arch = "wasm32")]
pub mod tokens;
#[cfg(target_arch = "wasm32")]
pub mod users;
#[cfg(target_arch = "wasm32")]
pub mod webhooks;

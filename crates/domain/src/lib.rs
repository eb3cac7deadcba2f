//! Tessera's domain: identifiers, validated values and the wire types that the API and the web
//! client share. Nothing here performs I/O, so the crate builds for `wasm32-unknown-unknown`.
//!
//! Server-only derives (OpenAPI schemas) sit behind the `server` feature.
#![forbid(unsafe_code)]

pub mod ids;
pub mod page;
pub mod problem;
pub mod roles;
pub mod token;
pub mod user;
pub mod values;

pub use ids::{TokenId, UserId};
pub use values::{DisplayName, Email, Password, Username, ValueError};

//! Authentication (who is calling) and authorization (what they may do).
//!
//! Both ways in, the browser session cookie and `Authorization: Bearer` API tokens, end in one
//! [`Actor`] extractor. Privileged services take a proof such as [`AdminProof`], which only the
//! functions in [`authz`] construct.

pub mod actor;
pub mod api_token;
pub mod authz;
pub mod limiter;
pub mod oidc;
pub mod password;
pub mod review_authz;
pub mod session_token;

pub use actor::Actor;
pub use authz::AdminProof;

/// The HttpOnly cookie holding the session token.
pub const SESSION_COOKIE: &str = "tessera_session";
/// The script-readable cookie whose value unsafe requests echo in [`CSRF_HEADER`].
pub const CSRF_COOKIE: &str = "tessera_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

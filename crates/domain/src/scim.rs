//! SCIM 2.0 (RFC 7643, RFC 7644) as pure functions over `serde_json` values: filters, PATCH,
//! normalisation of request bodies, `attributes`/`excludedAttributes` projection and the
//! discovery documents. The API crate renders its users and groups as SCIM JSON and uses these
//! functions on that JSON; nothing here knows HTTP or storage.
//!
//! The attribute tables in [`schema`] are the one source for names and characteristics. Real
//! clients bend the RFC, and this module accepts what Microsoft Entra ID and Okta are
//! documented to send: capitalised `op`s and `Operations`, boolean strings (`"False"`), path-less
//! replace with a value object, URN-qualified keys, the enterprise manager as a bare id, group
//! member removal by value, and an unchanged readOnly `id` echoed in a replace.

mod documents;
mod error;
mod eval;
mod filter;
mod json;
mod normalise;
mod patch;
mod path;
mod project;
pub mod schema;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;

pub use documents::{resource_type_documents, schema_documents};
pub use error::{ScimError, ScimType};
pub use filter::{CompareOp, Filter, parse_filter};
pub use normalise::normalise;
pub use patch::{PatchOpKind, PatchOperation, apply_patch, parse_patch};
pub use path::{AttrPath, PatchPath, parse_attr_list, parse_attr_path, parse_patch_path};
pub use project::project;

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE_USER_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// Which resource a body or filter is about; picks the schema (User = core + enterprise).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResourceKind {
    User,
    Group,
}

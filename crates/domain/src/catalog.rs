//! Catalogs: containers of resources (groups, applications) and access packages, each with
//! its own delegated roles, as in the reference product's entitlement management.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{CatalogId, UserId, ValueError};

/// A catalog's (or an access package's) name: 1 to 100 characters, normalised to NFC, without
/// control characters or invisible formatting characters (Unicode Cf); unique regardless of
/// case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "server", schema(value_type = String))]
#[serde(try_from = "String", into = "String")]
pub struct CatalogName(String);

impl CatalogName {
    pub const MAX_LEN: usize = 100;

    pub fn parse(raw: impl Into<String>) -> Result<Self, ValueError> {
        let raw = raw.into();
        if raw.chars().count() > Self::MAX_LEN {
            return Err(ValueError(format!(
                "must be at most {} characters",
                Self::MAX_LEN
            )));
        }
        let value = crate::values::clean_name(&raw)?;
        if value.is_empty() {
            return Err(ValueError("must not be empty".into()));
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form uniqueness is checked on.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl TryFrom<String> for CatalogName {
    type Error = ValueError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<CatalogName> for String {
    fn from(value: CatalogName) -> String {
        value.0
    }
}

impl fmt::Display for CatalogName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Free text shown to people: at most 1000 characters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "server", schema(value_type = String))]
#[serde(try_from = "String", into = "String")]
pub struct Description(String);

impl Description {
    pub const MAX_LEN: usize = 1000;

    pub fn parse(raw: impl Into<String>) -> Result<Self, ValueError> {
        let raw = raw.into();
        if raw.chars().count() > Self::MAX_LEN {
            return Err(ValueError(format!(
                "must be at most {} characters",
                Self::MAX_LEN
            )));
        }
        if raw
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(ValueError("must not contain control characters".into()));
        }
        Ok(Self(raw.trim().to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Description {
    type Error = ValueError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<Description> for String {
    fn from(value: Description) -> String {
        value.0
    }
}

/// The roles delegated within one catalog.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum CatalogRole {
    /// Edits and deletes the catalog, adds resources, delegates every catalog role.
    Owner,
    /// Sees the catalog, its resources, packages and roles.
    Reader,
    /// Creates and changes the catalog's access packages and their policies.
    AccessPackageManager,
    /// Assigns and removes people directly, and sees assignments and requests.
    AccessPackageAssignmentManager,
}

impl CatalogRole {
    pub const ALL: [CatalogRole; 4] = crate::variants::all();

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(raw: &str) -> Option<CatalogRole> {
        raw.parse().ok()
    }
}

/// What a caller may do in a catalog, from the roles they hold there. Global administrators
/// may do everything everywhere; that is decided by the caller, not here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CatalogPermission {
    /// See the catalog and everything in it.
    Read,
    /// Edit or delete the catalog, add or remove resources, delegate roles.
    ManageCatalog,
    /// Create, change and delete access packages and their policies.
    ManagePackages,
    /// Assign and remove people, see assignments and requests.
    ManageAssignments,
}

impl CatalogPermission {
    /// Whether holding `roles` grants this permission (the reference product's task matrix).
    pub fn granted_by(self, roles: &[CatalogRole]) -> bool {
        roles.iter().any(|role| match self {
            CatalogPermission::Read => true,
            CatalogPermission::ManageCatalog => *role == CatalogRole::Owner,
            CatalogPermission::ManagePackages => {
                matches!(role, CatalogRole::Owner | CatalogRole::AccessPackageManager)
            }
            CatalogPermission::ManageAssignments => matches!(
                role,
                CatalogRole::Owner
                    | CatalogRole::AccessPackageManager
                    | CatalogRole::AccessPackageAssignmentManager
            ),
        })
    }
}

/// A catalog as listed and read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CatalogView {
    pub id: CatalogId,
    pub name: CatalogName,
    pub description: Description,
    /// Whether the catalog's packages can be requested.
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The roles the caller holds in this catalog (empty for an administrator without one).
    pub my_roles: Vec<CatalogRole>,
}

/// Input of `POST /api/v1/catalogs`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewCatalog {
    pub name: CatalogName,
    #[serde(default)]
    pub description: Description,
    /// Defaults to true: packages are requestable as soon as they exist.
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// Input of `PATCH /api/v1/catalogs/{id}`; absent fields stay as they are.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CatalogChanges {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<CatalogName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Description>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

impl CatalogChanges {
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.description.is_none() && self.enabled.is_none()
    }
}

/// Someone holding a role in a catalog.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CatalogRoleHolder {
    pub user_id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: CatalogRole,
    pub granted_at: DateTime<Utc>,
}

/// The kinds of resource a catalog holds.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ResourceKind {
    Group,
    Application,
}

impl ResourceKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(raw: &str) -> Option<ResourceKind> {
        raw.parse().ok()
    }
}

/// A resource in a catalog.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CatalogResource {
    pub kind: ResourceKind,
    /// The group's or application's id.
    #[cfg_attr(feature = "server", schema(value_type = String, format = Uuid))]
    pub id: uuid::Uuid,
    pub name: String,
    pub added_at: DateTime<Utc>,
}

/// Input of `POST /api/v1/catalogs/{id}/resources`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewCatalogResource {
    pub kind: ResourceKind,
    #[cfg_attr(feature = "server", schema(value_type = String, format = Uuid))]
    pub id: uuid::Uuid,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_names_are_trimmed_bounded_and_compared_without_case() {
        let name = CatalogName::parse("  Finance  ").map_err(|e| e.0);
        assert_eq!(name.as_ref().map(|n| n.as_str()), Ok("Finance"));
        assert_eq!(name.map(|n| n.key()), Ok("finance".to_string()));
        assert!(CatalogName::parse("   ").is_err());
        assert!(CatalogName::parse("x".repeat(101)).is_err());
        assert!(CatalogName::parse("tab\u{1}").is_err());
    }

    #[test]
    fn role_names_round_trip() {
        for role in CatalogRole::ALL {
            assert_eq!(CatalogRole::parse(role.as_str()), Some(role));
        }
        assert_eq!(CatalogRole::parse("admin"), None);
    }

    #[test]
    fn the_task_matrix_grants_what_the_reference_grants() {
        use CatalogPermission::*;
        use CatalogRole::*;
        let table = [
            (Owner, [true, true, true, true]),
            (Reader, [true, false, false, false]),
            (AccessPackageManager, [true, false, true, true]),
            (AccessPackageAssignmentManager, [true, false, false, true]),
        ];
        for (role, expected) in table {
            let got = [Read, ManageCatalog, ManagePackages, ManageAssignments]
                .map(|permission| permission.granted_by(&[role]));
            assert_eq!(got, expected, "{role:?}");
        }
        assert!(!Read.granted_by(&[]));
    }
}

/// The query of `GET /api/v1/catalogs`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "server", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct CatalogQuery {
    /// Items per page, 1 to 200 (default 50).
    #[cfg_attr(feature = "server", param(minimum = 1, maximum = 200))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page.
    #[cfg_attr(feature = "server", param(max_length = 512))]
    pub cursor: Option<String>,
    /// Only catalogs whose name contains this text, ignoring case.
    #[cfg_attr(feature = "server", param(max_length = 100))]
    pub q: Option<String>,
}

impl CatalogQuery {
    pub fn page(&self) -> crate::page::PageQuery {
        crate::page::PageQuery {
            limit: self.limit,
            cursor: self.cursor.clone(),
        }
    }
}

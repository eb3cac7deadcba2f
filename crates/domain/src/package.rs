//! Access packages: bundles of resource roles (group membership or ownership, application
//! roles) that people request, each living in one catalog.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::catalog::{CatalogName, Description};
use crate::{AccessPackageId, AppRoleId, ApplicationId, CatalogId, GroupId};

/// A package's name follows the rules of a catalog's: 1 to 100 characters, unique within its
/// catalog regardless of case.
pub type PackageName = CatalogName;

/// What one resource role of a package grants.
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
pub enum ResourceRoleKind {
    /// Membership of a group.
    GroupMember,
    /// Ownership of a group.
    GroupOwner,
    /// One role of an application.
    AppRole,
}

impl ResourceRoleKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(raw: &str) -> Option<ResourceRoleKind> {
        raw.parse().ok()
    }
}

/// Input of `POST /api/v1/access-packages/{id}/resource-roles`. The group or application must
/// be in the package's catalog.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum NewResourceRole {
    GroupMember { group_id: GroupId },
    GroupOwner { group_id: GroupId },
    AppRole { app_role_id: AppRoleId },
}

impl NewResourceRole {
    pub fn kind(&self) -> ResourceRoleKind {
        match self {
            NewResourceRole::GroupMember { .. } => ResourceRoleKind::GroupMember,
            NewResourceRole::GroupOwner { .. } => ResourceRoleKind::GroupOwner,
            NewResourceRole::AppRole { .. } => ResourceRoleKind::AppRole,
        }
    }
}

/// One resource role of a package, with the names people recognise.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ResourceRoleView {
    #[cfg_attr(feature = "server", schema(value_type = String, format = Uuid))]
    pub id: uuid::Uuid,
    pub kind: ResourceRoleKind,
    /// The group, for `group_member` and `group_owner`.
    pub group_id: Option<GroupId>,
    /// The application, for `app_role`.
    pub application_id: Option<ApplicationId>,
    pub app_role_id: Option<AppRoleId>,
    /// The group's or application's name.
    pub resource_name: String,
    /// "Member", "Owner", or the application role's name.
    pub role_name: String,
}

/// An access package as administrators see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AccessPackageView {
    pub id: AccessPackageId,
    pub catalog_id: CatalogId,
    pub name: PackageName,
    pub description: Description,
    /// Hidden packages are not listed to requesters; they open by direct link.
    pub hidden: bool,
    pub resource_roles: Vec<ResourceRoleView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Input of `POST /api/v1/catalogs/{id}/access-packages`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewAccessPackage {
    pub name: PackageName,
    #[serde(default)]
    pub description: Description,
    #[serde(default)]
    pub hidden: bool,
}

/// Input of `PATCH /api/v1/access-packages/{id}`; absent fields stay as they are.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AccessPackageChanges {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<PackageName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Description>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hidden: Option<bool>,
}

impl AccessPackageChanges {
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.description.is_none() && self.hidden.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_roles_are_tagged_by_kind_and_refuse_the_wrong_id() {
        let group: Result<NewResourceRole, _> = serde_json::from_str(
            r#"{"kind":"group_owner","group_id":"01939b7e-0000-7000-8000-000000000001"}"#,
        );
        assert_eq!(
            group.map(|r| r.kind()).ok(),
            Some(ResourceRoleKind::GroupOwner)
        );
        let mixed: Result<NewResourceRole, _> = serde_json::from_str(
            r#"{"kind":"app_role","group_id":"01939b7e-0000-7000-8000-000000000001"}"#,
        );
        assert!(mixed.is_err());
    }

    #[test]
    fn kinds_round_trip() {
        for kind in [
            ResourceRoleKind::GroupMember,
            ResourceRoleKind::GroupOwner,
            ResourceRoleKind::AppRole,
        ] {
            assert_eq!(ResourceRoleKind::parse(kind.as_str()), Some(kind));
        }
    }
}

/// An assignment policy of a package, as stored: its normalised definition and identity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PolicyView {
    pub id: crate::PolicyId,
    pub access_package_id: AccessPackageId,
    pub definition: crate::policy::PolicyDefinition,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The secret that signs the policy's custom extension calls (`whsec_…`), in the answer
    /// that created or changed the policy when that gave it its first secret; never again
    /// (`POST …/extension-secret` makes a new one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_secret: Option<String>,
}

/// The query of `GET /api/v1/access-packages`: packages across the catalogs the caller may
/// see, by name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "server", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct AccessPackageQuery {
    /// Items per page, 1 to 200 (default 50).
    #[cfg_attr(feature = "server", param(minimum = 1, maximum = 200))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page.
    #[cfg_attr(feature = "server", param(max_length = 512))]
    pub cursor: Option<String>,
    /// Only packages whose name or description contains this, ignoring case.
    #[cfg_attr(feature = "server", param(max_length = 100))]
    pub q: Option<String>,
    /// Only packages of this catalog.
    #[cfg_attr(feature = "server", param(value_type = Option<String>, format = Uuid))]
    pub catalog_id: Option<CatalogId>,
}

/// The query of `GET /api/v1/catalogs/{id}/access-packages`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "server", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct CatalogPackageQuery {
    /// Items per page, 1 to 200 (default 50).
    #[cfg_attr(feature = "server", param(minimum = 1, maximum = 200))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page.
    #[cfg_attr(feature = "server", param(max_length = 512))]
    pub cursor: Option<String>,
    /// Only packages whose name or description contains this, ignoring case.
    #[cfg_attr(feature = "server", param(max_length = 100))]
    pub q: Option<String>,
}

/// Input of `POST /api/v1/access-packages/{id}/move`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MoveAccessPackage {
    /// The catalog the package moves to. Every group and application its resource roles name
    /// must be in it already.
    pub catalog_id: CatalogId,
}

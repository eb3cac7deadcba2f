//! Who may do what. For now there are two levels: every signed-in user, and global
//! administrators. Catalog-scoped roles arrive with administration.

use serde::{Deserialize, Serialize};

/// A role held across the whole of Tessera.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum GlobalRole {
    /// Any enabled, signed-in person or service account.
    User,
    /// May create catalogs, becoming their first owner.
    CatalogCreator,
    /// May configure everything and act on anyone's behalf.
    GlobalAdmin,
    /// May provision people and groups through SCIM at `/scim/v2`, with an API token. Not
    /// implied by administrator, and granting nothing else.
    Provisioner,
}

/// The global roles that are granted to people one by one (administrator is a flag on the
/// user; every user holds `User`), as stored in `global_role_assignments.role`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum GrantableRole {
    CatalogCreator,
    Provisioner,
}

impl GrantableRole {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            GrantableRole::CatalogCreator => "catalog_creator",
            GrantableRole::Provisioner => "provisioner",
        }
    }

    pub fn global_role(self) -> GlobalRole {
        match self {
            GrantableRole::CatalogCreator => GlobalRole::CatalogCreator,
            GrantableRole::Provisioner => GlobalRole::Provisioner,
        }
    }
}

impl GlobalRole {
    /// The roles a user holds given the flags stored on them.
    pub fn held(is_admin: bool, granted: &[GrantableRole]) -> Vec<GlobalRole> {
        let mut roles = vec![GlobalRole::User];
        if granted.contains(&GrantableRole::CatalogCreator) {
            roles.push(GlobalRole::CatalogCreator);
        }
        if is_admin {
            roles.push(GlobalRole::GlobalAdmin);
        }
        if granted.contains(&GrantableRole::Provisioner) {
            roles.push(GlobalRole::Provisioner);
        }
        roles
    }
}

/// Someone holding a global role other than administrator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct GlobalRoleHolder {
    pub user_id: crate::UserId,
    pub username: String,
    pub display_name: String,
    pub role: GlobalRole,
    pub granted_at: chrono::DateTime<chrono::Utc>,
}

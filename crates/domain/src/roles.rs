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
}

impl GlobalRole {
    /// The roles a user holds given the flags stored on them.
    pub fn held(is_admin: bool, is_catalog_creator: bool) -> Vec<GlobalRole> {
        let mut roles = vec![GlobalRole::User];
        if is_catalog_creator {
            roles.push(GlobalRole::CatalogCreator);
        }
        if is_admin {
            roles.push(GlobalRole::GlobalAdmin);
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

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
    /// May configure everything and act on anyone's behalf.
    GlobalAdmin,
}

impl GlobalRole {
    /// The roles a user holds given the administrator flag stored on them.
    pub fn held(is_admin: bool) -> Vec<GlobalRole> {
        if is_admin {
            vec![GlobalRole::User, GlobalRole::GlobalAdmin]
        } else {
            vec![GlobalRole::User]
        }
    }
}

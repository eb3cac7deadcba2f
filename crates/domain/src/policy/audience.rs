//! Who may request access through a policy.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::Errors;
use crate::{GroupId, UserId};

/// The most users and groups one policy may name, together: the reference product's limit
/// (`entra-governance.md` §1.0, "500 per policy"). Larger audiences belong in a group.
pub const MAX_SPECIFIC_REQUESTERS: usize = 500;

/// Who may request, as an administrator writes it.
// Variants without data are written `{}` rather than as unit variants: serde ignores unknown
// fields on unit variants of an internally tagged enum, and would accept `users` sent with
// `all_members`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum WhoCanRequest {
    /// The listed users and the members of the listed groups: at least one, at most 500 in
    /// total.
    SpecificUsersAndGroups {
        #[serde(default)]
        users: Vec<UserId>,
        #[serde(default)]
        groups: Vec<GroupId>,
    },
    /// Every member of the directory, guests excluded.
    AllMembers {},
    /// Every user of the directory, guests included.
    AllUsers {},
    /// Nobody requests: administrators assign directly.
    Nobody {},
}

/// Who may request, once validated: no duplicates, within the limits. Lists keep the order
/// they were written in, so positions match the paths of the definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Audience {
    SpecificUsersAndGroups {
        users: Vec<UserId>,
        groups: Vec<GroupId>,
    },
    AllMembers,
    AllUsers,
    Nobody,
}

impl Audience {
    /// Whether anyone may request for themselves (or for a report) through this policy.
    pub fn accepts_requests(&self) -> bool {
        match self {
            Audience::SpecificUsersAndGroups { .. } | Audience::AllMembers | Audience::AllUsers => {
                true
            }
            Audience::Nobody => false,
        }
    }

    pub(crate) fn to_definition(&self) -> WhoCanRequest {
        match self {
            Audience::SpecificUsersAndGroups { users, groups } => {
                WhoCanRequest::SpecificUsersAndGroups {
                    users: users.clone(),
                    groups: groups.clone(),
                }
            }
            Audience::AllMembers => WhoCanRequest::AllMembers {},
            Audience::AllUsers => WhoCanRequest::AllUsers {},
            Audience::Nobody => WhoCanRequest::Nobody {},
        }
    }
}

pub(crate) fn validate(errors: &mut Errors, who: &WhoCanRequest) -> Option<Audience> {
    let before = errors.len();
    let audience = match who {
        WhoCanRequest::SpecificUsersAndGroups { users, groups } => {
            let total = users.len() + groups.len();
            if total == 0 {
                errors.add(
                    "who_can_request",
                    "name at least one user or group, or choose another kind of requester",
                );
            } else if total > MAX_SPECIFIC_REQUESTERS {
                errors.add(
                    "who_can_request",
                    format!(
                        "may name at most {MAX_SPECIFIC_REQUESTERS} users and groups in total \
                         ({total} named); put the people in a group instead"
                    ),
                );
            }
            let users = distinct(errors, "who_can_request.users", users, "user");
            let groups = distinct(errors, "who_can_request.groups", groups, "group");
            Audience::SpecificUsersAndGroups { users, groups }
        }
        WhoCanRequest::AllMembers {} => Audience::AllMembers,
        WhoCanRequest::AllUsers {} => Audience::AllUsers,
        WhoCanRequest::Nobody {} => Audience::Nobody,
    };
    (errors.len() == before).then_some(audience)
}

fn distinct<T: Ord + Copy>(errors: &mut Errors, at: &str, items: &[T], what: &str) -> Vec<T> {
    let mut seen = BTreeSet::new();
    for (index, item) in items.iter().enumerate() {
        if !seen.insert(*item) {
            errors.add(
                format!("{at}[{index}]"),
                format!("this {what} is already listed"),
            );
        }
    }
    items.to_vec()
}

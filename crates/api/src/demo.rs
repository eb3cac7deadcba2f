//! A small demo organisation, seeded on the first start of `tessera demo`: an administrator,
//! a manager and two people who report to her, and a service account.

use tessera_domain::user::{NewUser, UserKind};
use tessera_domain::{DisplayName, Email, Password, UserId, Username};

use crate::error::{ApiError, ApiResult};
use crate::service;
use crate::state::AppState;
use crate::store;

pub const DEMO_PASSWORD: &str = "tessera-demo";

pub const SIGN_IN_HELP: &str = "Demo sign-in names (password: tessera-demo):\n  \
    admin  Ada Admin, global administrator\n  \
    maria  Maria Manager, manager of alice and bob\n  \
    alice  Alice Analyst\n  \
    bob    Bob Builder";

struct DemoUser {
    username: &'static str,
    display_name: &'static str,
    manager: Option<&'static str>,
    is_admin: bool,
    kind: UserKind,
}

const PEOPLE: [DemoUser; 5] = [
    DemoUser {
        username: "admin",
        display_name: "Ada Admin",
        manager: None,
        is_admin: true,
        kind: UserKind::Person,
    },
    DemoUser {
        username: "maria",
        display_name: "Maria Manager",
        manager: None,
        is_admin: false,
        kind: UserKind::Person,
    },
    DemoUser {
        username: "alice",
        display_name: "Alice Analyst",
        manager: Some("maria"),
        is_admin: false,
        kind: UserKind::Person,
    },
    DemoUser {
        username: "bob",
        display_name: "Bob Builder",
        manager: Some("maria"),
        is_admin: false,
        kind: UserKind::Person,
    },
    DemoUser {
        username: "hr-sync",
        display_name: "HR sync (service account)",
        manager: None,
        is_admin: false,
        kind: UserKind::ServiceAccount,
    },
];

/// Seeds the demo users when the directory is empty; does nothing otherwise, so restarting
/// keeps whatever was changed.
pub async fn seed(state: &AppState) -> ApiResult<bool> {
    if store::users::count_users(&state.db).await? > 0 {
        return Ok(false);
    }
    let mut created: Vec<(&str, UserId)> = Vec::new();
    for person in &PEOPLE {
        let manager_id = person.manager.and_then(|m| {
            created
                .iter()
                .find(|(name, _)| *name == m)
                .map(|(_, id)| *id)
        });
        let invalid = |_| ApiError::Internal;
        let input = NewUser {
            username: Username::parse(person.username).map_err(invalid)?,
            display_name: DisplayName::parse(person.display_name).map_err(invalid)?,
            email: Email::parse(format!("{}@demo.tessera.test", person.username))
                .map_err(invalid)?,
            kind: person.kind,
            manager_id,
            department: None,
            attributes: Default::default(),
            sponsors: Default::default(),
            password: match person.kind {
                UserKind::Person => Some(Password::parse(DEMO_PASSWORD).map_err(invalid)?),
                UserKind::ServiceAccount => None,
            },
            is_admin: person.is_admin,
        };
        let user = service::users::create_user(state, None, input).await?;
        created.push((person.username, user.id));
    }
    tracing::info!(users = created.len(), "demo organisation seeded");
    Ok(true)
}

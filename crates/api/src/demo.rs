//! A small demo organisation, seeded on the first start of `tessera demo`: an administrator,
//! a manager and two people who report to her, a guest she sponsors, and a service account;
//! groups and an
//! application; a catalog with three access packages (one anyone gets at once, one the
//! requester's manager approves, one only administrators assign), a request from Alice
//! waiting for Maria's approval, and a quarterly review of the wiki group's guests by Maria.
//!
//! Everything after the users is made through the same services (and authorization checks)
//! the API uses, acting as the demo administrator.

use serde_json::json;
use tessera_domain::directory::GroupRole;
use tessera_domain::user::{NewUser, Sponsors, UserKind, UserType};
use tessera_domain::{DisplayName, Email, Password, UserId, Username};

use crate::auth::Actor;
use crate::auth::actor::Via;
use crate::auth::authz::catalog_permission::{ManageCatalog, ManagePackages};
use crate::auth::authz::{authorize_catalog, require_admin, require_catalog_creator};
use crate::error::{ApiError, ApiResult};
use crate::service;
use crate::state::AppState;
use crate::store;

pub const DEMO_PASSWORD: &str = "tessera-demo";

pub const SIGN_IN_HELP: &str = "Demo sign-in names (password: tessera-demo):\n  \
    admin  Ada Admin, global administrator\n  \
    maria  Maria Manager, manager of alice and bob; Alice's ledger request and a review of\n         \
    the wiki's guests wait for her\n  \
    alice  Alice Analyst\n  \
    bob    Bob Builder, in Sales\n  \
    gina   Gina Guest, a contractor (guest) in the Engineering wiki group, sponsored by maria";

struct DemoUser {
    username: &'static str,
    display_name: &'static str,
    manager: Option<&'static str>,
    is_admin: bool,
    kind: UserKind,
    user_type: UserType,
    /// Who vouches for a guest.
    sponsor: Option<&'static str>,
}

const PEOPLE: [DemoUser; 6] = [
    DemoUser {
        username: "admin",
        display_name: "Ada Admin",
        manager: None,
        is_admin: true,
        kind: UserKind::Person,
        user_type: UserType::Member,
        sponsor: None,
    },
    DemoUser {
        username: "maria",
        display_name: "Maria Manager",
        manager: None,
        is_admin: false,
        kind: UserKind::Person,
        user_type: UserType::Member,
        sponsor: None,
    },
    DemoUser {
        username: "alice",
        display_name: "Alice Analyst",
        manager: Some("maria"),
        is_admin: false,
        kind: UserKind::Person,
        user_type: UserType::Member,
        sponsor: None,
    },
    DemoUser {
        username: "bob",
        display_name: "Bob Builder",
        manager: Some("maria"),
        is_admin: false,
        kind: UserKind::Person,
        user_type: UserType::Member,
        sponsor: None,
    },
    DemoUser {
        username: "hr-sync",
        display_name: "HR sync (service account)",
        manager: None,
        is_admin: false,
        kind: UserKind::ServiceAccount,
        user_type: UserType::Member,
        sponsor: None,
    },
    DemoUser {
        username: "gina",
        display_name: "Gina Guest",
        manager: None,
        is_admin: false,
        kind: UserKind::Person,
        user_type: UserType::Guest,
        sponsor: Some("maria"),
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
        let earlier = |wanted: Option<&str>| {
            wanted.and_then(|w| {
                created
                    .iter()
                    .find(|(name, _)| *name == w)
                    .map(|(_, id)| *id)
            })
        };
        let manager_id = earlier(person.manager);
        let sponsors = Sponsors::parse(earlier(person.sponsor).into_iter().collect())
            .map_err(|_| ApiError::Internal)?;
        let invalid = |_| ApiError::Internal;
        let input = NewUser {
            username: Username::parse(person.username).map_err(invalid)?,
            display_name: DisplayName::parse(person.display_name).map_err(invalid)?,
            email: Email::parse(format!("{}@demo.tessera.test", person.username))
                .map_err(invalid)?,
            kind: person.kind,
            user_type: person.user_type,
            manager_id,
            department: None,
            attributes: Default::default(),
            external_id: None,
            given_name: None,
            family_name: None,
            formatted_name: None,
            sponsors,
            password: match person.kind {
                UserKind::Person => Some(Password::parse(DEMO_PASSWORD).map_err(invalid)?),
                UserKind::ServiceAccount => None,
            },
            is_admin: person.is_admin,
        };
        let user = service::users::create_user(state, None, input).await?;
        created.push((person.username, user.id));
    }
    let id_of = |name: &str| {
        created
            .iter()
            .find(|(username, _)| *username == name)
            .map(|(_, id)| *id)
            .ok_or(ApiError::Internal)
    };
    seed_access(
        state,
        id_of("admin")?,
        id_of("maria")?,
        id_of("alice")?,
        id_of("bob")?,
        id_of("gina")?,
    )
    .await?;
    tracing::info!(users = created.len(), "demo organisation seeded");
    Ok(true)
}

/// The signed-in person `id`, as the services see a caller.
async fn acting_as(state: &AppState, id: UserId) -> ApiResult<Actor> {
    let user = store::users::find_user(&state.db, *id.as_uuid())
        .await?
        .ok_or(ApiError::Internal)?;
    Ok(Actor {
        id,
        username: user.username.clone(),
        is_admin: user.is_admin,
        kind: UserKind::Person,
        via: Via::Session {
            session_id: uuid::Uuid::nil(),
        },
        user,
    })
}

fn input<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> ApiResult<T> {
    serde_json::from_value(value).map_err(|err| {
        tracing::error!(error = %err, "demo input does not parse");
        ApiError::Internal
    })
}

async fn seed_access(
    state: &AppState,
    admin: UserId,
    maria: UserId,
    alice: UserId,
    bob: UserId,
    gina: UserId,
) -> ApiResult<()> {
    let actor = acting_as(state, admin).await?;
    let proof = require_admin(&actor)?;
    let mut groups = Vec::new();
    for (name, description) in [
        ("Engineering wiki", "Editors of the engineering wiki"),
        ("Finance", "The finance team's shared drive and mailbox"),
        ("Sales", "The sales team"),
    ] {
        let group = service::groups::create_group_as_admin(
            &proof,
            state,
            &actor,
            input(json!({"name": name, "description": description}))?,
        )
        .await?;
        groups.push(group.id);
    }
    let (wiki, finance, sales) = (groups[0], groups[1], groups[2]);
    service::groups::add_group_user_as_admin(
        &proof,
        state,
        &actor,
        finance,
        GroupRole::Owner,
        maria,
    )
    .await?;
    service::groups::add_group_user_as_admin(&proof, state, &actor, sales, GroupRole::Member, bob)
        .await?;
    service::groups::add_group_user_as_admin(&proof, state, &actor, wiki, GroupRole::Member, gina)
        .await?;
    let ledger = service::applications::create_application_as_admin(
        &proof,
        state,
        &actor,
        input(json!({"name": "Ledger", "description": "Accounting"}))?,
    )
    .await?;
    let clerk = service::applications::create_app_role_as_admin(
        &proof,
        state,
        &actor,
        ledger.id,
        input(json!({"name": "Clerk"}))?,
    )
    .await?;

    let creator = require_catalog_creator(state, &actor).await?;
    let catalog = service::catalogs::create_catalog(
        &creator,
        state,
        &actor,
        input(json!({"name": "General", "description": "Access most people need"}))?,
    )
    .await?;
    let manage = authorize_catalog::<ManageCatalog>(state, &actor, catalog.id).await?;
    for (kind, id) in [
        ("group", *wiki.as_uuid()),
        ("group", *finance.as_uuid()),
        ("application", *ledger.id.as_uuid()),
    ] {
        service::catalogs::add_resource(
            &manage,
            state,
            &actor,
            input(json!({"kind": kind, "id": id}))?,
        )
        .await?;
    }
    let packages = authorize_catalog::<ManagePackages>(state, &actor, catalog.id).await?;
    let offers = [
        (
            "Wiki editors",
            "Edit the engineering wiki.",
            vec![json!({"kind": "group_member", "group_id": wiki})],
            json!({
                "name": "Anyone in the company",
                "who_can_request": {"type": "all_members"},
                "approval": {"type": "none"},
                "lifecycle": {
                    "expiry": {"type": "after_days", "days": 90},
                    "extension": {"type": "allowed", "approval_required": false},
                    "self_removal_allowed": true,
                },
            }),
        ),
        (
            "Finance ledger",
            "Clerk access to the Ledger and the finance share.",
            vec![
                json!({"kind": "group_member", "group_id": finance}),
                json!({"kind": "app_role", "app_role_id": clerk.id}),
            ],
            json!({
                "name": "Employees, approved by their manager",
                "who_can_request": {"type": "all_members"},
                "approval": {"type": "required", "stages": [{
                    "primary_approvers": [{"type": "manager"}],
                    "fallback_approvers": [{"type": "user", "user_id": admin}],
                    "timeout_days": 14,
                    "approver_justification_required": true,
                }]},
                "requester": {
                    "justification_required": true,
                    "questions": [{"type": "short_text", "id": "cost_center",
                        "text": "Which cost center?", "required": true}],
                },
                "lifecycle": {
                    "expiry": {"type": "after_days", "days": 180},
                    "extension": {"type": "allowed", "approval_required": true},
                    "self_removal_allowed": true,
                },
            }),
        ),
        (
            "Finance administration",
            "Owners of the finance share; assigned by administrators.",
            vec![json!({"kind": "group_owner", "group_id": finance})],
            json!({
                "name": "Administrators assign",
                "who_can_request": {"type": "nobody"},
                "approval": {"type": "none"},
                "lifecycle": {"expiry": {"type": "never"}},
            }),
        ),
    ];
    let mut made = Vec::new();
    for (name, description, roles, policy) in offers {
        let package = service::packages::create_package(
            &packages,
            state,
            &actor,
            input(json!({"name": name, "description": description}))?,
        )
        .await?;
        for role in roles {
            service::packages::add_resource_role(
                &packages,
                state,
                &actor,
                package.id,
                input(role)?,
            )
            .await?;
        }
        service::policies::create_policy(&packages, state, &actor, package.id, input(policy)?)
            .await?;
        made.push(package.id);
    }
    // Separation of duties: salespeople may not get the finance ledger.
    service::incompatibilities::add_incompatible_group(&packages, state, &actor, made[1], sales)
        .await?;

    // Alice asks for the ledger; Maria, her manager, has it waiting on her overview.
    let alice = acting_as(state, alice).await?;
    let options = service::access::request_options(state, &alice, made[1], None).await?;
    let policy = options
        .policies
        .first()
        .map(|p| p.id)
        .ok_or(ApiError::Internal)?;
    service::requests::submit(
        state,
        &alice,
        input(json!({
            "access_package_id": made[1],
            "policy_id": policy,
            "ask": "add",
            "justification": "Month-end close",
            "answers": [{"question_id": "cost_center", "value": "CC-4100"}],
        }))?,
        None,
    )
    .await?;

    // Every quarter Maria, who sponsors the guests, confirms the guests in the wiki group still
    // need it; the first review starts at once, so Gina's access waits on Maria's overview.
    let review = input(json!({
        "name": "Guests in the engineering wiki",
        "description_for_reviewers": "Keep a guest only while their contract runs.",
        "scope": {
            "resources": {"type": "groups", "group_ids": [wiki]},
            "filter": {"type": "guests_only"},
        },
        "stages": [{
            "reviewers": [{"type": "user", "user_id": maria}],
            "duration_days": 14,
        }],
        "schedule": {
            "type": "recurring",
            "starts_at": chrono::Utc::now(),
            "frequency": "quarterly",
        },
    }))?;
    let author = crate::auth::review_authz::may_write_review(state, &actor, &review).await?;
    service::reviews::create_definition(state, &author, review).await?;
    Ok(())
}

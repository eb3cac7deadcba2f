//! Who may call each catalog endpoint, for every kind of caller: the exact answer, and no
//! change when the answer is a refusal.

use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use super::catalogs::{create_catalog, insert_app_role, insert_application, insert_group};
use super::packages::create_package;
use crate::helpers::*;
use crate::on_both_backends;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Caller {
    Anonymous,
    User,
    Reader,
    PackageManager,
    AssignmentManager,
    OwnerOfAnother,
    Owner,
    Admin,
}

const CALLERS: [Caller; 8] = [
    Caller::Anonymous,
    Caller::User,
    Caller::Reader,
    Caller::PackageManager,
    Caller::AssignmentManager,
    Caller::OwnerOfAnother,
    Caller::Owner,
    Caller::Admin,
];

/// One operation, and the status each caller gets, in the order of `CALLERS`.
struct Case {
    name: &'static str,
    expected: [u16; 8],
}

//                         anon user  read  pkg   asg   other owner admin
const READ: [u16; 8] = [401, 404, 200, 200, 200, 404, 200, 200];
const MANAGE: [u16; 8] = [401, 404, 403, 403, 403, 404, 204, 204];
/// Reading and changing assignments: every catalog role but reader.
const ASSIGNMENTS: [u16; 8] = [401, 404, 403, 200, 200, 404, 200, 200];
const CASES: &[Case] = &[
    Case {
        name: "list_catalogs",
        expected: [401, 200, 200, 200, 200, 200, 200, 200],
    },
    Case {
        name: "create_catalog",
        expected: [401, 403, 403, 403, 403, 403, 403, 201],
    },
    Case {
        name: "get_catalog",
        expected: READ,
    },
    Case {
        name: "update_catalog",
        expected: [401, 404, 403, 403, 403, 404, 200, 200],
    },
    Case {
        name: "delete_catalog",
        expected: MANAGE,
    },
    Case {
        name: "list_catalog_roles",
        expected: READ,
    },
    Case {
        name: "grant_catalog_role",
        expected: MANAGE,
    },
    Case {
        name: "revoke_catalog_role",
        expected: MANAGE,
    },
    Case {
        name: "list_catalog_resources",
        expected: READ,
    },
    Case {
        name: "add_catalog_resource",
        expected: [401, 404, 403, 403, 403, 404, 201, 201],
    },
    Case {
        name: "remove_catalog_resource",
        expected: MANAGE,
    },
    Case {
        name: "list_addable_groups",
        expected: [401, 404, 403, 403, 403, 404, 200, 200],
    },
    Case {
        name: "list_catalog_creators",
        expected: [401, 403, 403, 403, 403, 403, 403, 200],
    },
    Case {
        name: "grant_catalog_creator",
        expected: [401, 403, 403, 403, 403, 403, 403, 204],
    },
    Case {
        name: "revoke_catalog_creator",
        expected: [401, 403, 403, 403, 403, 403, 403, 204],
    },
    Case {
        name: "list_catalog_access_packages",
        expected: READ,
    },
    Case {
        name: "create_access_package",
        expected: [401, 404, 403, 201, 403, 404, 201, 201],
    },
    Case {
        name: "get_access_package",
        expected: READ,
    },
    Case {
        name: "update_access_package",
        expected: [401, 404, 403, 200, 403, 404, 200, 200],
    },
    Case {
        name: "delete_access_package",
        expected: [401, 404, 403, 204, 403, 404, 204, 204],
    },
    Case {
        name: "add_access_package_resource_role",
        expected: [401, 404, 403, 201, 403, 404, 201, 201],
    },
    Case {
        name: "remove_access_package_resource_role",
        expected: [401, 404, 403, 204, 403, 404, 204, 204],
    },
    Case {
        name: "get_access_package_incompatibilities",
        expected: READ,
    },
    Case {
        name: "add_incompatible_access_package",
        expected: [401, 404, 403, 204, 403, 404, 204, 204],
    },
    Case {
        name: "remove_incompatible_access_package",
        expected: [401, 404, 403, 204, 403, 404, 204, 204],
    },
    Case {
        name: "add_incompatible_group",
        expected: [401, 404, 403, 204, 403, 404, 204, 204],
    },
    Case {
        name: "remove_incompatible_group",
        expected: [401, 404, 403, 204, 403, 404, 204, 204],
    },
    Case {
        name: "list_policies",
        expected: READ,
    },
    Case {
        name: "create_policy",
        expected: [401, 404, 403, 201, 403, 404, 201, 201],
    },
    Case {
        name: "get_policy",
        expected: READ,
    },
    Case {
        name: "replace_policy",
        expected: [401, 404, 403, 200, 403, 404, 200, 200],
    },
    Case {
        name: "delete_policy",
        expected: [401, 404, 403, 204, 403, 404, 204, 204],
    },
    Case {
        name: "create_assignment",
        expected: [401, 404, 403, 201, 201, 404, 201, 201],
    },
    Case {
        name: "list_assignments",
        expected: ASSIGNMENTS,
    },
    Case {
        name: "export_assignments",
        expected: ASSIGNMENTS,
    },
    Case {
        name: "get_assignment",
        expected: ASSIGNMENTS,
    },
    Case {
        name: "remove_assignment",
        expected: ASSIGNMENTS,
    },
    Case {
        name: "reprocess_assignment",
        expected: ASSIGNMENTS,
    },
    Case {
        name: "reprocess_access_package",
        expected: ASSIGNMENTS,
    },
    Case {
        name: "list_access_package_conflicts",
        expected: ASSIGNMENTS,
    },
    Case {
        name: "export_access_package_conflicts",
        expected: ASSIGNMENTS,
    },
    Case {
        name: "get_policy_access_review",
        expected: READ,
    },
    Case {
        name: "put_policy_access_review",
        expected: [401, 404, 403, 200, 403, 404, 200, 200],
    },
    Case {
        name: "delete_policy_access_review",
        expected: [401, 404, 403, 204, 403, 404, 204, 204],
    },
];

/// The review a policy may carry: the policy's reviewers decide once, a week from now.
fn policy_review(reviewer: &str) -> Value {
    json!({
        "stages": [{"reviewers": [{"type": "user", "user_id": reviewer}], "duration_days": 7}],
        "schedule": {"type": "one_time", "starts_at": (chrono::Utc::now() + chrono::Duration::days(7)).to_rfc3339()},
    })
}

/// A policy anyone may request, with no approval.
fn open_policy(name: &str) -> Value {
    json!({
        "name": name,
        "who_can_request": {"type": "all_members"},
        "approval": {"type": "none"},
        "lifecycle": {"expiry": {"type": "never"}},
    })
}

/// The operation ids this matrix covers, for the document-coverage test in `authz.rs`.
pub fn covered_operations() -> Vec<&'static str> {
    CASES.iter().map(|case| case.name).collect()
}

struct People {
    plain: Session,
    reader: Session,
    package_manager: Session,
    assignment_manager: Session,
    owner_of_another: Session,
    owner: Session,
    target: String,
}

/// A fresh catalog for one call, with every role handed out; an application with two roles
/// and a group in it; a package granting the first application role (unless the call deletes
/// the catalog); and a group the catalog's owner owns but has not added yet. Separation-of-duties
/// calls also get a second package in the catalog, which the first lists as incompatible when
/// the call removes it (and the catalog's group likewise).
struct Fixture {
    catalog: String,
    group_in_catalog: Uuid,
    group: Uuid,
    package: Option<String>,
    package_role: Option<String>,
    policy: Option<String>,
    free_app_role: Uuid,
    other_package: Option<String>,
    /// The target's assignment of the package, for calls on one assignment.
    assignment: Option<String>,
}

async fn fixture(app: &TestApp, people: &People, n: usize, case: &str) -> Fixture {
    let catalog = create_catalog(&app.admin, &format!("Catalog {n}")).await;
    let catalog = catalog["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/catalogs/{catalog}");
    for (role, who) in [
        ("reader", &people.reader),
        ("access_package_manager", &people.package_manager),
        (
            "access_package_assignment_manager",
            &people.assignment_manager,
        ),
        ("owner", &people.owner),
    ] {
        let response = app
            .admin
            .send(
                Method::PUT,
                &format!("{path}/roles/{role}/{}", who.id()),
                None,
            )
            .await;
        assert_eq!(response.status(), 204);
    }
    let another = create_catalog(&app.admin, &format!("Another {n}")).await;
    app.admin
        .send(
            Method::PUT,
            &format!(
                "/api/v1/catalogs/{}/roles/owner/{}",
                another["id"].as_str().unwrap(),
                people.owner_of_another.id()
            ),
            None,
        )
        .await;
    let application = insert_application(app, &format!("App {n}")).await;
    let added = app
        .admin
        .post(
            &format!("{path}/resources"),
            &json!({"kind": "application", "id": application}),
        )
        .await;
    assert_eq!(added.status(), 201);
    // Granted to the target once, so revoking has something to revoke.
    app.admin
        .send(
            Method::PUT,
            &format!("{path}/roles/reader/{}", people.target),
            None,
        )
        .await;
    let group = insert_group(app, &format!("Group {n}"), Some(people.owner.id().as_str())).await;
    let group_in_catalog = insert_group(app, &format!("Catalog group {n}"), None).await;
    let added = app
        .admin
        .post(
            &format!("{path}/resources"),
            &json!({"kind": "group", "id": group_in_catalog}),
        )
        .await;
    assert_eq!(added.status(), 201);
    let used_app_role = insert_app_role(app, application, "Reader").await;
    let free_app_role = insert_app_role(app, application, "Writer").await;
    let (package, package_role, policy) = if case == "delete_catalog" {
        (None, None, None)
    } else {
        let package = create_package(&app.admin, &catalog, &format!("Package {n}")).await;
        let package = package["id"].as_str().unwrap().to_string();
        let role: Value = app
            .admin
            .post(
                &format!("/api/v1/access-packages/{package}/resource-roles"),
                &json!({"kind": "app_role", "app_role_id": used_app_role}),
            )
            .await
            .json()
            .await
            .unwrap();
        let policy: Value = app
            .admin
            .post(
                &format!("/api/v1/access-packages/{package}/policies"),
                &open_policy("Open"),
            )
            .await
            .json()
            .await
            .unwrap();
        let policy = policy["id"].as_str().unwrap().to_string();
        (
            Some(package),
            Some(role["id"].as_str().unwrap().to_string()),
            Some(policy),
        )
    };
    let other_package = match (&package, case.contains("incompatib")) {
        (Some(package), true) => {
            let other = create_package(&app.admin, &catalog, &format!("Other {n}")).await;
            let other = other["id"].as_str().unwrap().to_string();
            let p = format!("/api/v1/access-packages/{package}");
            let link = match case {
                "remove_incompatible_access_package" => {
                    Some(format!("{p}/incompatible-packages/{other}"))
                }
                "remove_incompatible_group" => {
                    Some(format!("{p}/incompatible-groups/{group_in_catalog}"))
                }
                _ => None,
            };
            if let Some(link) = link {
                assert_eq!(app.admin.put(&link).await.status(), 204);
            }
            Some(other)
        }
        _ => None,
    };
    if let (Some(package), Some(policy), true) = (
        &package,
        &policy,
        matches!(
            case,
            "get_policy_access_review" | "delete_policy_access_review"
        ),
    ) {
        let put = app
            .admin
            .send(
                Method::PUT,
                &format!("/api/v1/access-packages/{package}/policies/{policy}/access-review"),
                Some(&policy_review(&people.target)),
            )
            .await;
        assert_eq!(put.status(), 200);
    }
    let assignment = match (&package, &policy, case.ends_with("_assignment")) {
        (Some(package), Some(policy), true) if case != "create_assignment" => {
            let created = app
                .admin
                .post(
                    &format!("/api/v1/access-packages/{package}/assignments"),
                    &json!({"policy_id": policy, "user_id": people.target}),
                )
                .await;
            assert_eq!(created.status(), 201);
            let created: Value = created.json().await.unwrap();
            Some(created["id"].as_str().unwrap().to_string())
        }
        _ => None,
    };
    Fixture {
        catalog,
        group_in_catalog,
        group,
        package,
        package_role,
        policy,
        free_app_role,
        other_package,
        assignment,
    }
}

fn request(
    case: &str,
    fixture: &Fixture,
    people: &People,
    n: usize,
) -> (Method, String, Option<Value>) {
    let c = format!("/api/v1/catalogs/{}", fixture.catalog);
    let package = format!(
        "/api/v1/access-packages/{}",
        fixture.package.as_deref().unwrap_or_default()
    );
    let policy = format!(
        "{package}/policies/{}",
        fixture.policy.as_deref().unwrap_or_default()
    );
    match case {
        "list_catalogs" => (Method::GET, "/api/v1/catalogs".into(), None),
        "create_catalog" => (
            Method::POST,
            "/api/v1/catalogs".into(),
            Some(json!({"name": format!("New {n}")})),
        ),
        "get_catalog" => (Method::GET, c, None),
        "update_catalog" => (Method::PATCH, c, Some(json!({"description": "changed"}))),
        "delete_catalog" => (Method::DELETE, c, None),
        "list_catalog_roles" => (Method::GET, format!("{c}/roles"), None),
        "grant_catalog_role" => (
            Method::PUT,
            format!("{c}/roles/owner/{}", people.target),
            None,
        ),
        "revoke_catalog_role" => (
            Method::DELETE,
            format!("{c}/roles/reader/{}", people.target),
            None,
        ),
        "list_catalog_resources" => (Method::GET, format!("{c}/resources"), None),
        "add_catalog_resource" => (
            Method::POST,
            format!("{c}/resources"),
            Some(json!({"kind": "group", "id": fixture.group})),
        ),
        "remove_catalog_resource" => (
            Method::DELETE,
            format!("{c}/resources/group/{}", fixture.group_in_catalog),
            None,
        ),
        "list_addable_groups" => (Method::GET, format!("{c}/addable-groups"), None),
        "list_catalog_creators" => (Method::GET, "/api/v1/catalog-creators".into(), None),
        "grant_catalog_creator" => (
            Method::PUT,
            format!("/api/v1/catalog-creators/{}", people.target),
            None,
        ),
        "revoke_catalog_creator" => (
            Method::DELETE,
            format!("/api/v1/catalog-creators/{}", people.target),
            None,
        ),
        "list_catalog_access_packages" => (Method::GET, format!("{c}/access-packages"), None),
        "create_access_package" => (
            Method::POST,
            format!("{c}/access-packages"),
            Some(json!({"name": format!("Created {n}")})),
        ),
        "get_access_package" => (Method::GET, package, None),
        "update_access_package" => (Method::PATCH, package, Some(json!({"hidden": true}))),
        "delete_access_package" => (Method::DELETE, package, None),
        "add_access_package_resource_role" => (
            Method::POST,
            format!("{package}/resource-roles"),
            Some(json!({"kind": "app_role", "app_role_id": fixture.free_app_role})),
        ),
        "remove_access_package_resource_role" => (
            Method::DELETE,
            format!(
                "{package}/resource-roles/{}",
                fixture.package_role.as_deref().unwrap_or_default()
            ),
            None,
        ),
        "list_policies" => (Method::GET, format!("{package}/policies"), None),
        "create_policy" => (
            Method::POST,
            format!("{package}/policies"),
            Some(open_policy("New")),
        ),
        "get_policy" => (Method::GET, policy, None),
        "replace_policy" => (Method::PUT, policy, Some(open_policy("Renamed"))),
        "delete_policy" => (Method::DELETE, policy, None),
        "get_access_package_incompatibilities" => {
            (Method::GET, format!("{package}/incompatibilities"), None)
        }
        "add_incompatible_access_package" => (
            Method::PUT,
            format!(
                "{package}/incompatible-packages/{}",
                fixture.other_package.as_deref().unwrap_or_default()
            ),
            None,
        ),
        "remove_incompatible_access_package" => (
            Method::DELETE,
            format!(
                "{package}/incompatible-packages/{}",
                fixture.other_package.as_deref().unwrap_or_default()
            ),
            None,
        ),
        "add_incompatible_group" => (
            Method::PUT,
            format!("{package}/incompatible-groups/{}", fixture.group),
            None,
        ),
        "remove_incompatible_group" => (
            Method::DELETE,
            format!("{package}/incompatible-groups/{}", fixture.group_in_catalog),
            None,
        ),
        "create_assignment" => (
            Method::POST,
            format!("{package}/assignments"),
            Some(json!({"policy_id": fixture.policy, "user_id": people.target})),
        ),
        "list_assignments" => (
            Method::GET,
            format!(
                "/api/v1/assignments?access_package_id={}",
                fixture.package.as_deref().unwrap_or_default()
            ),
            None,
        ),
        "export_assignments" => (
            Method::GET,
            format!(
                "/api/v1/assignments.csv?access_package_id={}",
                fixture.package.as_deref().unwrap_or_default()
            ),
            None,
        ),
        "get_assignment" => (
            Method::GET,
            format!(
                "/api/v1/assignments/{}",
                fixture.assignment.as_deref().unwrap_or_default()
            ),
            None,
        ),
        "remove_assignment" => (
            Method::POST,
            format!(
                "/api/v1/assignments/{}/remove",
                fixture.assignment.as_deref().unwrap_or_default()
            ),
            Some(json!({"justification": "left the team"})),
        ),
        "reprocess_assignment" => (
            Method::POST,
            format!(
                "/api/v1/assignments/{}/reprocess",
                fixture.assignment.as_deref().unwrap_or_default()
            ),
            None,
        ),
        "reprocess_access_package" => (Method::POST, format!("{package}/reprocess"), None),
        "list_access_package_conflicts" => (Method::GET, format!("{package}/conflicts"), None),
        "export_access_package_conflicts" => {
            (Method::GET, format!("{package}/conflicts.csv"), None)
        }
        "get_policy_access_review" => (Method::GET, format!("{policy}/access-review"), None),
        "put_policy_access_review" => (
            Method::PUT,
            format!("{policy}/access-review"),
            Some(policy_review(&people.target)),
        ),
        "delete_policy_access_review" => (Method::DELETE, format!("{policy}/access-review"), None),
        other => panic!("no request for {other}"),
    }
}

/// Everything a refused call could have changed, as the administrator sees it.
async fn snapshot(app: &TestApp, fixture: &Fixture) -> Value {
    let c = format!("/api/v1/catalogs/{}", fixture.catalog);
    let mut parts = Vec::new();
    for path in [
        c.clone(),
        format!("{c}/roles"),
        format!("{c}/resources"),
        "/api/v1/catalogs?limit=200".to_string(),
        "/api/v1/catalog-creators".to_string(),
        format!("{c}/access-packages"),
    ]
    .into_iter()
    .chain(
        fixture
            .package
            .as_deref()
            .map(|package| format!("/api/v1/access-packages/{package}/policies")),
    ) {
        parts.push(app.admin.get(&path).await.json::<Value>().await.unwrap());
    }
    if let Some(package) = &fixture.package {
        let path = format!("/api/v1/access-packages/{package}/incompatibilities");
        parts.push(app.admin.get(&path).await.json::<Value>().await.unwrap());
        let path = format!("/api/v1/assignments?access_package_id={package}");
        parts.push(app.admin.get(&path).await.json::<Value>().await.unwrap());
        if let Some(policy) = &fixture.policy {
            let path = format!("/api/v1/access-packages/{package}/policies/{policy}/access-review");
            let review = app.admin.get(&path).await.json::<Value>().await.unwrap();
            // The problem of a missing review carries a fresh request id: compare its code.
            parts.push(review.get("code").cloned().unwrap_or(review));
        }
    }
    Value::Array(parts)
}

on_both_backends! {
    async fn every_caller_gets_exactly_the_allowed_answer_from_catalog_endpoints(app: TestApp) {
        let people = People {
            plain: app.person("plain").await,
            reader: app.person("reader").await,
            package_manager: app.person("pkgmanager").await,
            assignment_manager: app.person("asgmanager").await,
            owner_of_another: app.person("otherowner").await,
            owner: app.person("owner").await,
            target: app.person("target").await.id(),
        };
        let mut n = 0;
        let mut failures = Vec::new();
        for case in CASES {
            for (index, caller) in CALLERS.iter().enumerate() {
                n += 1;
                let fixture = fixture(&app, &people, n, case.name).await;
                let before = snapshot(&app, &fixture).await;
                let (method, path, body) = request(case.name, &fixture, &people, n);
                let session = match caller {
                    Caller::Anonymous => None,
                    Caller::User => Some(&people.plain),
                    Caller::Reader => Some(&people.reader),
                    Caller::PackageManager => Some(&people.package_manager),
                    Caller::AssignmentManager => Some(&people.assignment_manager),
                    Caller::OwnerOfAnother => Some(&people.owner_of_another),
                    Caller::Owner => Some(&people.owner),
                    Caller::Admin => Some(&app.admin),
                };
                let status = match session {
                    Some(session) => session.send(method.clone(), &path, body.as_ref()).await.status().as_u16(),
                    None => {
                        let mut anonymous = app.anonymous().request(method.clone(), app.url(&path));
                        if let Some(body) = &body {
                            anonymous = anonymous.json(body);
                        }
                        anonymous.send().await.unwrap().status().as_u16()
                    }
                };
                let expected = case.expected[index];
                if status != expected {
                    failures.push(format!("{} as {caller:?}: got {status}, expected {expected}", case.name));
                }
                if status >= 400 && snapshot(&app, &fixture).await != before {
                    failures.push(format!("{} as {caller:?}: refused ({status}) but changed something", case.name));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}

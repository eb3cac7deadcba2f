//! One rule for taking away a group, application or app role that access packages grant or
//! policies name: refused with `resource_in_use` naming them, unless the caller cascades; and
//! the groups a catalog owner may add.

use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use super::catalogs::{create_catalog, insert_app_role, insert_application, insert_group};
use super::packages::create_package;
use crate::helpers::*;
use crate::on_both_backends;

struct Setup {
    catalog: String,
    package: String,
    policy: String,
    group: Uuid,
    /// A group only the policy names (its members approve).
    approvers: Uuid,
}

/// A catalog with a group; a package granting its membership, whose policy's approvers are
/// the members of another group; `holder` holds the package.
async fn setup(app: &TestApp, holder: &Session) -> Setup {
    let catalog = create_catalog(&app.admin, "Finance").await;
    let catalog = catalog["id"].as_str().unwrap().to_string();
    let group = insert_group(app, "Ledger", None).await;
    let approvers = insert_group(app, "Approvers", None).await;
    let added = app
        .admin
        .post(
            &format!("/api/v1/catalogs/{catalog}/resources"),
            &json!({"kind": "group", "id": group}),
        )
        .await;
    assert_eq!(added.status(), 201);
    let package = create_package(&app.admin, &catalog, "Ledger access").await;
    let package = package["id"].as_str().unwrap().to_string();
    let role = app
        .admin
        .post(
            &format!("/api/v1/access-packages/{package}/resource-roles"),
            &json!({"kind": "group_member", "group_id": group}),
        )
        .await;
    assert_eq!(role.status(), 201);
    let admin_policy = app
        .admin
        .post(
            &format!("/api/v1/access-packages/{package}/policies"),
            &json!({
                "name": "Direct",
                "who_can_request": {"type": "nobody"},
                "approval": {"type": "none"},
                "lifecycle": {"expiry": {"type": "never"}},
            }),
        )
        .await;
    assert_eq!(admin_policy.status(), 201);
    let admin_policy: Value = admin_policy.json().await.unwrap();
    let policy = app
        .admin
        .post(
            &format!("/api/v1/access-packages/{package}/policies"),
            &json!({
                "name": "Approved",
                "who_can_request": {"type": "all_members"},
                "approval": {"type": "required", "stages": [
                    {"primary_approvers": [{"type": "group_members", "group_id": approvers}], "timeout_days": 14},
                ]},
                "lifecycle": {"expiry": {"type": "never"}},
            }),
        )
        .await;
    assert_eq!(policy.status(), 201);
    let policy: Value = policy.json().await.unwrap();
    let assigned = app
        .admin
        .post(
            &format!("/api/v1/access-packages/{package}/assignments"),
            &json!({"policy_id": admin_policy["id"], "user_id": holder.id()}),
        )
        .await;
    assert_eq!(assigned.status(), 201);
    Setup {
        catalog,
        package,
        policy: policy["id"].as_str().unwrap().to_string(),
        group,
        approvers,
    }
}

async fn package_roles(app: &TestApp, package: &str) -> usize {
    let package: Value = app
        .admin
        .get(&format!("/api/v1/access-packages/{package}"))
        .await
        .json()
        .await
        .unwrap();
    package["resource_roles"].as_array().unwrap().len()
}

async fn policy_enabled(app: &TestApp, setup: &Setup) -> bool {
    let policy: Value = app
        .admin
        .get(&format!(
            "/api/v1/access-packages/{}/policies/{}",
            setup.package, setup.policy
        ))
        .await
        .json()
        .await
        .unwrap();
    policy["definition"]["enabled"].as_bool().unwrap()
}

async fn members(app: &TestApp, group: Uuid) -> Vec<String> {
    let page: Value = app
        .admin
        .get(&format!("/api/v1/groups/{group}/members"))
        .await
        .json()
        .await
        .unwrap();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["username"].as_str().unwrap().to_string())
        .collect()
}

on_both_backends! {
    async fn a_group_a_package_grants_or_a_policy_names_is_not_deleted_without_cascade(app: TestApp) {
        let holder = app.person("holder").await;
        let setup = setup(&app, &holder).await;

        let refused = app.admin.delete(&format!("/api/v1/groups/{}", setup.group)).await;
        let problem = assert_problem(refused, 409, "resource_in_use").await;
        assert_eq!(problem["used_by"]["access_packages"][0]["id"], setup.package.as_str());
        assert_eq!(problem["used_by"]["access_packages"][0]["name"], "Ledger access");
        assert_eq!(problem["used_by"]["policies"], json!([]));
        assert!(problem["detail"].as_str().unwrap().contains("Ledger access"));
        assert_eq!(package_roles(&app, &setup.package).await, 1, "nothing was stripped");
        assert_eq!(app.admin.get(&format!("/api/v1/groups/{}", setup.group)).await.status(), 200);

        let refused = app.admin.delete(&format!("/api/v1/groups/{}", setup.approvers)).await;
        let problem = assert_problem(refused, 409, "resource_in_use").await;
        assert_eq!(problem["used_by"]["access_packages"], json!([]));
        assert_eq!(problem["used_by"]["policies"][0]["id"], setup.policy.as_str());
        assert_eq!(problem["used_by"]["policies"][0]["name"], "Approved");
        assert_eq!(problem["used_by"]["policies"][0]["access_package_id"], setup.package.as_str());
        assert!(policy_enabled(&app, &setup).await);

        // Cascading: the package stops granting the group, the policy naming the other is
        // disabled, and the audit trail says what the cascade touched.
        let deleted = app.admin.delete(&format!("/api/v1/groups/{}?cascade=true", setup.group)).await;
        assert_eq!(deleted.status(), 204);
        assert_eq!(package_roles(&app, &setup.package).await, 0);
        let deleted = app.admin.delete(&format!("/api/v1/groups/{}?cascade=true", setup.approvers)).await;
        assert_eq!(deleted.status(), 204);
        assert!(!policy_enabled(&app, &setup).await);
        let events: Value = app
            .admin
            .get(&format!("/api/v1/audit-events?action=group.delete&target_id={}", setup.approvers))
            .await
            .json()
            .await
            .unwrap();
        let before = &events["items"][0]["before"];
        assert_eq!(before["name"], "Approvers");
        assert_eq!(before["cascaded"]["policies"][0]["id"], setup.policy.as_str());

        // An unused group goes without asking.
        let unused = insert_group(&app, "Unused", None).await;
        assert_eq!(app.admin.delete(&format!("/api/v1/groups/{unused}")).await.status(), 204);
        // Only administrators delete groups, cascade or not.
        let other = insert_group(&app, "Other", None).await;
        assert_problem(holder.delete(&format!("/api/v1/groups/{other}?cascade=true")).await, 403, "forbidden").await;
    }
}

on_both_backends! {
    async fn removing_a_group_from_a_catalog_follows_the_same_rule(app: TestApp) {
        let holder = app.person("holder").await;
        let setup = setup(&app, &holder).await;
        assert_eq!(members(&app, setup.group).await, vec!["holder"]);
        let path = format!("/api/v1/catalogs/{}/resources/group/{}", setup.catalog, setup.group);

        let problem = assert_problem(app.admin.delete(&path).await, 409, "resource_in_use").await;
        assert_eq!(problem["used_by"]["access_packages"][0]["id"], setup.package.as_str());
        assert_eq!(package_roles(&app, &setup.package).await, 1);

        // A catalog owner who is not an administrator cascades too.
        let owner = app.person("owner").await;
        app.admin
            .send(Method::PUT, &format!("/api/v1/catalogs/{}/roles/owner/{}", setup.catalog, owner.id()), None)
            .await;
        let reader = app.person("reader").await;
        app.admin
            .send(Method::PUT, &format!("/api/v1/catalogs/{}/roles/reader/{}", setup.catalog, reader.id()), None)
            .await;
        assert_problem(reader.delete(&format!("{path}?cascade=true")).await, 403, "forbidden").await;
        assert_eq!(owner.delete(&format!("{path}?cascade=true")).await.status(), 204);
        assert_eq!(package_roles(&app, &setup.package).await, 0);
        assert!(members(&app, setup.group).await.is_empty(), "the holder lost what only the package granted");
        let resources: Value = app.admin.get(&format!("/api/v1/catalogs/{}/resources", setup.catalog)).await.json().await.unwrap();
        assert_eq!(resources, json!([]));
        let events: Value = app
            .admin
            .get(&format!("/api/v1/audit-events?action=catalog.resource.remove&target_id={}", setup.catalog))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(events["items"][0]["before"]["cascaded"]["access_packages"][0]["id"], setup.package.as_str());
        assert_eq!(app.admin.get(&format!("/api/v1/groups/{}", setup.group)).await.status(), 200, "the group stays");
    }
}

on_both_backends! {
    async fn app_roles_and_applications_a_package_grants_are_not_deleted_without_cascade(app: TestApp) {
        let catalog = create_catalog(&app.admin, "Apps").await;
        let catalog = catalog["id"].as_str().unwrap().to_string();
        let application = insert_application(&app, "SAP").await;
        let used = insert_app_role(&app, application, "Clerk").await;
        let free = insert_app_role(&app, application, "Auditor").await;
        app.admin
            .post(&format!("/api/v1/catalogs/{catalog}/resources"), &json!({"kind": "application", "id": application}))
            .await;
        let package = create_package(&app.admin, &catalog, "Clerks").await;
        let package = package["id"].as_str().unwrap().to_string();
        let role = app
            .admin
            .post(
                &format!("/api/v1/access-packages/{package}/resource-roles"),
                &json!({"kind": "app_role", "app_role_id": used}),
            )
            .await;
        assert_eq!(role.status(), 201);

        let role_path = format!("/api/v1/applications/{application}/roles/{used}");
        let problem = assert_problem(app.admin.delete(&role_path).await, 409, "resource_in_use").await;
        assert_eq!(problem["used_by"]["access_packages"][0]["name"], "Clerks");
        let problem = assert_problem(
            app.admin.delete(&format!("/api/v1/applications/{application}")).await,
            409,
            "resource_in_use",
        )
        .await;
        assert_eq!(problem["used_by"]["access_packages"][0]["name"], "Clerks");
        assert_eq!(
            app.admin.delete(&format!("/api/v1/applications/{application}/roles/{free}")).await.status(),
            204,
            "a role no package grants goes without asking"
        );
        assert_eq!(app.admin.delete(&format!("{role_path}?cascade=true")).await.status(), 204);
        assert_eq!(package_roles(&app, &package).await, 0);
        assert_eq!(app.admin.delete(&format!("/api/v1/applications/{application}")).await.status(), 204);
        let bad = app.admin.delete(&format!("/api/v1/groups/{}?cascade=maybe", Uuid::now_v7())).await;
        assert_eq!(bad.status(), 400);
    }
}

on_both_backends! {
    async fn catalog_owners_list_the_groups_they_may_add(app: TestApp) {
        let owner = app.person("owner").await;
        let catalog = create_catalog(&app.admin, "Finance").await;
        let catalog = catalog["id"].as_str().unwrap().to_string();
        app.admin
            .send(Method::PUT, &format!("/api/v1/catalogs/{catalog}/roles/owner/{}", owner.id()), None)
            .await;
        let owned = insert_group(&app, "Payroll team", Some(owner.id().as_str())).await;
        insert_group(&app, "Ledger team", Some(owner.id().as_str())).await;
        insert_group(&app, "Not theirs", None).await;
        let path = format!("/api/v1/catalogs/{catalog}/addable-groups");
        let names = |page: Value| -> Vec<String> {
            page["items"].as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap().to_string()).collect()
        };
        let listed = owner.get(&path).await;
        assert_eq!(listed.status(), 200);
        assert_eq!(names(listed.json().await.unwrap()), vec!["Ledger team", "Payroll team"]);
        let searched: Value = owner.get(&format!("{path}?q=PAY")).await.json().await.unwrap();
        assert_eq!(names(searched), vec!["Payroll team"]);

        let added = owner
            .post(&format!("/api/v1/catalogs/{catalog}/resources"), &json!({"kind": "group", "id": owned}))
            .await;
        assert_eq!(added.status(), 201);
        let listed: Value = owner.get(&path).await.json().await.unwrap();
        assert_eq!(names(listed), vec!["Ledger team"], "what is in the catalog is not listed");
        let listed: Value = app.admin.get(&path).await.json().await.unwrap();
        assert_eq!(names(listed), vec!["Ledger team", "Not theirs"], "administrators may add any group");

        let reader = app.person("reader").await;
        app.admin
            .send(Method::PUT, &format!("/api/v1/catalogs/{catalog}/roles/reader/{}", reader.id()), None)
            .await;
        assert_problem(reader.get(&path).await, 403, "forbidden").await;
        let plain = app.person("plain").await;
        assert_problem(plain.get(&path).await, 404, "not_found").await;
    }
}

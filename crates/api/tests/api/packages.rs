use serde_json::{Value, json};

use super::catalogs::{create_catalog, insert_app_role, insert_application, insert_group};
use crate::helpers::*;
use crate::on_both_backends;

pub async fn create_package(session: &Session, catalog: &str, name: &str) -> Value {
    let response = session
        .post(
            &format!("/api/v1/catalogs/{catalog}/access-packages"),
            &json!({"name": name}),
        )
        .await;
    assert_eq!(response.status(), 201, "creating package {name}");
    response.json().await.unwrap()
}

on_both_backends! {
    async fn a_package_manager_builds_a_package_from_catalog_resources(app: TestApp) {
        let catalog = create_catalog(&app.admin, "Finance").await;
        let c = catalog["id"].as_str().unwrap();
        let mia = app.person("mia").await;
        app.admin.send(reqwest::Method::PUT, &format!("/api/v1/catalogs/{c}/roles/access_package_manager/{}", mia.id()), None).await;
        let group = insert_group(&app, "Ledger readers", None).await;
        let outside = insert_group(&app, "Elsewhere", None).await;
        let application = insert_application(&app, "SAP").await;
        let approver_role = insert_app_role(&app, application, "Approver").await;
        for (kind, id) in [("group", group), ("application", application)] {
            let added = app.admin.post(&format!("/api/v1/catalogs/{c}/resources"), &json!({"kind": kind, "id": id})).await;
            assert_eq!(added.status(), 201);
        }

        let package = create_package(&mia, c, "Month-end close").await;
        assert_eq!(package["hidden"], false);
        assert_eq!(package["resource_roles"], json!([]));
        let p = format!("/api/v1/access-packages/{}", package["id"].as_str().unwrap());

        for body in [
            json!({"kind": "group_member", "group_id": group}),
            json!({"kind": "group_owner", "group_id": group}),
            json!({"kind": "app_role", "app_role_id": approver_role}),
        ] {
            let added = mia.post(&format!("{p}/resource-roles"), &body).await;
            assert_eq!(added.status(), 201, "{body}");
        }
        let twice = mia.post(&format!("{p}/resource-roles"), &json!({"kind": "group_member", "group_id": group})).await;
        assert_problem(twice, 409, "resource_role_exists").await;
        let not_in_catalog = mia.post(&format!("{p}/resource-roles"), &json!({"kind": "group_member", "group_id": outside})).await;
        let problem = assert_problem(not_in_catalog, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), vec!["group_id"]);
        let wrong_shape = mia.post(&format!("{p}/resource-roles"), &json!({"kind": "app_role", "group_id": group})).await;
        assert_eq!(wrong_shape.status(), 422);

        let read: Value = mia.get(&p).await.json().await.unwrap();
        let roles: Vec<(String, String)> = read["resource_roles"].as_array().unwrap().iter()
            .map(|r| (r["resource_name"].as_str().unwrap().to_string(), r["role_name"].as_str().unwrap().to_string()))
            .collect();
        assert_eq!(roles, [
            ("Ledger readers".to_string(), "Member".to_string()),
            ("Ledger readers".to_string(), "Owner".to_string()),
            ("SAP".to_string(), "Approver".to_string()),
        ]);
        assert_eq!(read["resource_roles"][2]["application_id"], json!(application));

        // A resource a package uses cannot leave the catalog.
        let in_use = app.admin.delete(&format!("/api/v1/catalogs/{c}/resources/group/{group}")).await;
        assert_problem(in_use, 409, "resource_in_use").await;
        let in_use = app.admin.delete(&format!("/api/v1/catalogs/{c}/resources/application/{application}")).await;
        assert_problem(in_use, 409, "resource_in_use").await;

        let member_role = read["resource_roles"][0]["id"].as_str().unwrap();
        assert_eq!(mia.delete(&format!("{p}/resource-roles/{member_role}")).await.status(), 204);
        assert_problem(mia.delete(&format!("{p}/resource-roles/{member_role}")).await, 404, "not_found").await;

        let state = app.state().await;
        let events = tessera_api::store::audit::list_events_for_target(&state.db, "access_package", package["id"].as_str().unwrap()).await.unwrap();
        let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, [
            "access_package.create",
            "access_package.resource_role.add",
            "access_package.resource_role.add",
            "access_package.resource_role.add",
            "access_package.resource_role.remove",
        ]);
    }
}

on_both_backends! {
    async fn packages_are_renamed_hidden_listed_and_deleted(app: TestApp) {
        let catalog = create_catalog(&app.admin, "IT").await;
        let c = catalog["id"].as_str().unwrap();
        for name in ["Laptops", "VPN", "email"] {
            create_package(&app.admin, c, name).await;
        }
        let dup = app.admin.post(&format!("/api/v1/catalogs/{c}/access-packages"), &json!({"name": "vpn"})).await;
        let problem = assert_problem(dup, 409, "package_name_taken").await;
        assert_eq!(problem_fields(&problem), vec!["name"]);
        // The same name in another catalog is fine.
        let other = create_catalog(&app.admin, "Sales").await;
        create_package(&app.admin, other["id"].as_str().unwrap(), "VPN").await;

        let first: Value = app.admin.get(&format!("/api/v1/catalogs/{c}/access-packages?limit=2")).await.json().await.unwrap();
        let names: Vec<&str> = first["items"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["email", "Laptops"]);
        let cursor = first["next_cursor"].as_str().unwrap();
        let second: Value = app.admin.get(&format!("/api/v1/catalogs/{c}/access-packages?limit=2&cursor={cursor}")).await.json().await.unwrap();
        assert_eq!(second["items"][0]["name"], "VPN");
        assert_eq!(second["next_cursor"], Value::Null);

        let vpn = format!("/api/v1/access-packages/{}", second["items"][0]["id"].as_str().unwrap());
        let hidden: Value = app.admin.patch(&vpn, &json!({"hidden": true, "name": "VPN access"})).await.json().await.unwrap();
        assert_eq!((hidden["hidden"].clone(), hidden["name"].clone()), (json!(true), json!("VPN access")));
        assert_problem(app.admin.patch(&vpn, &json!({"name": "laptops"})).await, 409, "package_name_taken").await;
        assert_problem(app.admin.patch(&vpn, &json!({"catalog_id": c})).await, 422, "validation_failed").await;

        // The catalog now holds packages and cannot go.
        assert_problem(app.admin.delete(&format!("/api/v1/catalogs/{c}")).await, 409, "catalog_has_packages").await;
        assert_eq!(app.admin.delete(&vpn).await.status(), 204);
        assert_problem(app.admin.get(&vpn).await, 404, "not_found").await;
    }
}

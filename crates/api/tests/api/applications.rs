use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::groups::audit_of;
use crate::helpers::*;
use crate::on_both_backends;

/// Creates an application through the API as the administrator; returns it.
pub async fn create_application(app: &TestApp, name: &str) -> Value {
    let response = app
        .admin
        .post("/api/v1/applications", &json!({"name": name}))
        .await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "creating application {name}"
    );
    response.json().await.unwrap()
}

/// Adds a role to an application through the API as the administrator; returns it.
pub async fn create_role(app: &TestApp, application: &Value, name: &str) -> Value {
    let path = format!(
        "/api/v1/applications/{}/roles",
        application["id"].as_str().unwrap()
    );
    let response = app
        .admin
        .post(
            &path,
            &json!({"name": name, "description": format!("{name} access")}),
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "creating role {name}"
    );
    response.json().await.unwrap()
}

on_both_backends! {
    async fn an_administrator_registers_reads_changes_and_deletes_an_application(app: TestApp) {
        let response = app.admin.post("/api/v1/applications", &json!({"name": "Payroll", "description": "Pays people"})).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let location = response.headers()["location"].to_str().unwrap().to_string();
        let created: Value = response.json().await.unwrap();
        assert_eq!(created["name"], "Payroll");
        let fetched: Value = app.admin.get(&location).await.json().await.unwrap();
        assert_eq!(fetched, created);
        let changed: Value = app.admin.patch(&location, &json!({"description": "Pays everyone"})).await.json().await.unwrap();
        assert_eq!(changed["description"], "Pays everyone");
        assert_eq!(changed["name"], "Payroll");
        let page: Value = app.admin.get("/api/v1/applications?q=ROLL").await.json().await.unwrap();
        assert_eq!(page["items"].as_array().unwrap().len(), 1);
        assert_eq!(app.admin.delete(&location).await.status(), StatusCode::NO_CONTENT);
        assert_problem(app.admin.get(&location).await, 404, "not_found").await;
        assert_problem(app.admin.delete(&location).await, 404, "not_found").await;
    }
}

on_both_backends! {
    async fn application_and_role_names_are_unique_regardless_of_case(app: TestApp) {
        let crm = create_application(&app, "CRM").await;
        let problem = assert_problem(app.admin.post("/api/v1/applications", &json!({"name": "crm"})).await, 409, "name_taken").await;
        assert_eq!(problem_fields(&problem), vec!["name"]);
        create_role(&app, &crm, "Reader").await;
        let roles = format!("/api/v1/applications/{}/roles", crm["id"].as_str().unwrap());
        let problem = assert_problem(app.admin.post(&roles, &json!({"name": "READER"})).await, 409, "name_taken").await;
        assert_eq!(problem_fields(&problem), vec!["name"]);
        // Another application may have a role of the same name.
        let erp = create_application(&app, "ERP").await;
        create_role(&app, &erp, "Reader").await;
        let problem = assert_problem(
            app.admin.patch(&format!("/api/v1/applications/{}", erp["id"].as_str().unwrap()), &json!({"name": "Crm"})).await,
            409,
            "name_taken",
        )
        .await;
        assert_eq!(problem_fields(&problem), vec!["name"]);
    }
}

on_both_backends! {
    async fn invalid_application_and_role_fields_are_each_named(app: TestApp) {
        for (body, field) in [
            (json!({"name": " "}), "name"),
            (json!({"name": "A", "description": 5}), "description"),
            (json!({"name": "A", "roles": []}), "roles"),
        ] {
            let problem = assert_problem(app.admin.post("/api/v1/applications", &body).await, 422, "validation_failed").await;
            assert_eq!(problem_fields(&problem), vec![field.to_string()], "{body}");
        }
        let crm = create_application(&app, "CRM").await;
        let roles = format!("/api/v1/applications/{}/roles", crm["id"].as_str().unwrap());
        for (body, field) in [
            (json!({"name": ""}), "name"),
            (json!({"name": "R", "description": "d".repeat(1001)}), "description"),
            (json!({"name": "R", "application_id": crm["id"]}), "application_id"),
        ] {
            let problem = assert_problem(app.admin.post(&roles, &body).await, 422, "validation_failed").await;
            assert_eq!(problem_fields(&problem), vec![field.to_string()], "{body}");
        }
        let nobody = uuid::Uuid::new_v4();
        assert_problem(app.admin.post(&format!("/api/v1/applications/{nobody}/roles"), &json!({"name": "R"})).await, 404, "not_found").await;
        assert_problem(app.admin.get(&format!("/api/v1/applications/{nobody}/roles")).await, 404, "not_found").await;
    }
}

on_both_backends! {
    async fn roles_are_listed_by_name_and_deleted_with_their_assignments(app: TestApp) {
        let crm = create_application(&app, "CRM").await;
        let cid = crm["id"].as_str().unwrap();
        for name in ["Writer", "admin", "Reader"] {
            create_role(&app, &crm, name).await;
        }
        let first: Value = app.admin.get(&format!("/api/v1/applications/{cid}/roles?limit=2")).await.json().await.unwrap();
        let names: Vec<&str> = first["items"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["admin", "Reader"]);
        assert_eq!(first["items"][0]["application_id"], cid);
        let cursor = first["next_cursor"].as_str().unwrap();
        let second: Value = app.admin.get(&format!("/api/v1/applications/{cid}/roles?limit=2&cursor={cursor}")).await.json().await.unwrap();
        assert_eq!(second["items"][0]["name"], "Writer");
        assert_eq!(second["next_cursor"], Value::Null);

        let writer = second["items"][0]["id"].as_str().unwrap().to_string();
        let user = app.person("wes").await;
        app.admin.put(&format!("/api/v1/applications/{cid}/roles/{writer}/assignees/{}", user.id())).await;
        assert_eq!(app.admin.delete(&format!("/api/v1/applications/{cid}/roles/{writer}")).await.status(), StatusCode::NO_CONTENT);
        assert_problem(app.admin.delete(&format!("/api/v1/applications/{cid}/roles/{writer}")).await, 404, "not_found").await;
        assert_problem(app.admin.get(&format!("/api/v1/applications/{cid}/roles/{writer}/assignees")).await, 404, "not_found").await;
        let state = app.state().await;
        let left = tessera_api::store::directory::list_links(
            &state.db,
            tessera_api::store::directory::Link::AppRoleAssignee,
            writer.parse().unwrap(),
            None,
            10,
        )
        .await
        .unwrap();
        assert!(left.is_empty());

        let events = audit_of(&app, "application", cid).await;
        let actions: Vec<&str> = events.iter().map(|(a, _, _)| a.as_str()).collect();
        assert_eq!(actions, [
            "application.create",
            "application.role.create",
            "application.role.create",
            "application.role.create",
            "application.role.assign",
            "application.role.delete",
        ]);
        assert_eq!(events[1].1, Value::Null);
        assert_eq!(events[1].2["name"], "Writer");
        assert_eq!(events[5].1["name"], "Writer");
        assert_eq!(events[5].2, Value::Null);
    }
}

on_both_backends! {
    async fn assigning_a_role_twice_keeps_one_assignment_and_one_audit_event(app: TestApp) {
        let crm = create_application(&app, "CRM").await;
        let cid = crm["id"].as_str().unwrap();
        let reader = create_role(&app, &crm, "Reader").await;
        let rid = reader["id"].as_str().unwrap();
        let user = app.person("rae").await;
        let assignee = format!("/api/v1/applications/{cid}/roles/{rid}/assignees/{}", user.id());
        assert_eq!(app.admin.put(&assignee).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(app.admin.put(&assignee).await.status(), StatusCode::NO_CONTENT);
        let page: Value = app.admin.get(&format!("/api/v1/applications/{cid}/roles/{rid}/assignees")).await.json().await.unwrap();
        assert_eq!(page["items"].as_array().unwrap().len(), 1);
        assert_eq!(page["items"][0]["username"], "rae");
        assert_eq!(app.admin.delete(&assignee).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(app.admin.delete(&assignee).await.status(), StatusCode::NO_CONTENT);

        let events = audit_of(&app, "application", cid).await;
        let actions: Vec<&str> = events.iter().map(|(a, _, _)| a.as_str()).collect();
        assert_eq!(actions, ["application.create", "application.role.create", "application.role.assign", "application.role.unassign"]);
        assert_eq!(events[2].1, Value::Null);
        assert_eq!(events[2].2["target_id"], rid);
        assert_eq!(events[2].2["relation"], "assignee");
        assert_eq!(events[2].2["user_id"], user.id());
        assert_eq!(events[3].1["user_id"], user.id());
        assert_eq!(events[3].2, Value::Null);
    }
}

on_both_backends! {
    async fn a_role_is_only_reached_through_its_own_application(app: TestApp) {
        let crm = create_application(&app, "CRM").await;
        let erp = create_application(&app, "ERP").await;
        let reader = create_role(&app, &crm, "Reader").await;
        let rid = reader["id"].as_str().unwrap();
        let eid = erp["id"].as_str().unwrap();
        let admin = app.admin.id();
        assert_problem(app.admin.put(&format!("/api/v1/applications/{eid}/roles/{rid}/assignees/{admin}")).await, 404, "not_found").await;
        assert_problem(app.admin.delete(&format!("/api/v1/applications/{eid}/roles/{rid}")).await, 404, "not_found").await;
        assert_problem(app.admin.get(&format!("/api/v1/applications/{eid}/roles/{rid}/assignees")).await, 404, "not_found").await;
        let nobody = uuid::Uuid::new_v4();
        let cid = crm["id"].as_str().unwrap();
        let problem = assert_problem(app.admin.put(&format!("/api/v1/applications/{cid}/roles/{rid}/assignees/{nobody}")).await, 404, "not_found").await;
        assert!(problem["detail"].as_str().unwrap().contains("user"));
    }
}

on_both_backends! {
    async fn application_changes_are_audited_with_before_and_after(app: TestApp) {
        let crm = create_application(&app, "CRM").await;
        let cid = crm["id"].as_str().unwrap();
        app.admin.patch(&format!("/api/v1/applications/{cid}"), &json!({"name": "Sales CRM"})).await;
        app.admin.delete(&format!("/api/v1/applications/{cid}")).await;
        let events = audit_of(&app, "application", cid).await;
        let actions: Vec<&str> = events.iter().map(|(a, _, _)| a.as_str()).collect();
        assert_eq!(actions, ["application.create", "application.update", "application.delete"]);
        assert_eq!(events[1].1["name"], "CRM");
        assert_eq!(events[1].2["name"], "Sales CRM");
        assert_eq!(events[2].1["name"], "Sales CRM");
        assert_eq!(events[2].2, Value::Null);
    }
}

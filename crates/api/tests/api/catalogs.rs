use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;
use crate::on_both_backends;

pub async fn create_catalog(session: &Session, name: &str) -> Value {
    let response = session
        .post(
            "/api/v1/catalogs",
            &json!({"name": name, "description": format!("{name} things")}),
        )
        .await;
    assert_eq!(response.status(), 201, "creating catalog {name}");
    response.json().await.unwrap()
}

/// Creates a group through the API, optionally owned by the user with id `owner`.
pub async fn insert_group(app: &TestApp, name: &str, owner: Option<&str>) -> Uuid {
    let response = app
        .admin
        .post("/api/v1/groups", &json!({"name": name}))
        .await;
    assert_eq!(response.status(), 201, "creating group {name}");
    let group: Value = response.json().await.unwrap();
    let id: Uuid = group["id"].as_str().unwrap().parse().unwrap();
    if let Some(owner) = owner {
        let added = app
            .admin
            .send(
                reqwest::Method::PUT,
                &format!("/api/v1/groups/{id}/owners/{owner}"),
                None,
            )
            .await;
        assert_eq!(added.status(), 204);
    }
    id
}

/// Creates an application through the API.
pub async fn insert_application(app: &TestApp, name: &str) -> Uuid {
    let response = app
        .admin
        .post("/api/v1/applications", &json!({"name": name}))
        .await;
    assert_eq!(response.status(), 201, "creating application {name}");
    let application: Value = response.json().await.unwrap();
    application["id"].as_str().unwrap().parse().unwrap()
}

/// Creates a role of an application through the API.
pub async fn insert_app_role(app: &TestApp, application: Uuid, name: &str) -> Uuid {
    let response = app
        .admin
        .post(
            &format!("/api/v1/applications/{application}/roles"),
            &json!({"name": name}),
        )
        .await;
    assert_eq!(response.status(), 201, "creating app role {name}");
    let role: Value = response.json().await.unwrap();
    role["id"].as_str().unwrap().parse().unwrap()
}

fn catalog_path(catalog: &Value) -> String {
    format!("/api/v1/catalogs/{}", catalog["id"].as_str().unwrap())
}

on_both_backends! {
    async fn an_administrator_creates_reads_updates_and_deletes_a_catalog(app: TestApp) {
        let created = create_catalog(&app.admin, "  Finance ").await;
        assert_eq!(created["name"], "Finance");
        assert_eq!(created["enabled"], true);
        assert_eq!(created["my_roles"], json!([]), "administrators are not made owners");
        let path = catalog_path(&created);
        let read: Value = app.admin.get(&path).await.json().await.unwrap();
        assert_eq!(read, created);

        let changed: Value = app
            .admin
            .patch(&path, &json!({"enabled": false, "description": "Money"}))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!((changed["enabled"].clone(), changed["description"].clone()), (json!(false), json!("Money")));
        assert_eq!(changed["name"], "Finance");

        assert_eq!(app.admin.delete(&path).await.status(), 204);
        assert_problem(app.admin.get(&path).await, 404, "not_found").await;

        let state = app.state().await;
        let id = created["id"].as_str().unwrap();
        let events = tessera_api::store::audit::list_events_for_target(&state.db, "catalog", id).await.unwrap();
        let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["catalog.create", "catalog.update", "catalog.delete"]);
        assert!(events[2].after.is_none() && events[2].before.is_some());
    }
}

on_both_backends! {
    async fn catalog_names_are_unique_regardless_of_case_and_validated(app: TestApp) {
        create_catalog(&app.admin, "Sales").await;
        let again = app.admin.post("/api/v1/catalogs", &json!({"name": "SALES"})).await;
        let problem = assert_problem(again, 409, "catalog_name_taken").await;
        assert_eq!(problem_fields(&problem), vec!["name"]);
        for (body, field) in [
            (json!({"name": ""}), "name"),
            (json!({"name": "x".repeat(101)}), "name"),
            (json!({"name": "ok", "description": "d".repeat(1001)}), "description"),
            (json!({"name": "ok", "owner": "me"}), "owner"),
            (json!({"description": "no name"}), "name"),
        ] {
            let response = app.admin.post("/api/v1/catalogs", &body).await;
            let problem = assert_problem(response, 422, "validation_failed").await;
            assert_eq!(problem_fields(&problem), vec![field.to_string()], "{body}");
        }
        let other = create_catalog(&app.admin, "Other").await;
        let rename = app.admin.patch(&catalog_path(&other), &json!({"name": "sales"})).await;
        assert_problem(rename, 409, "catalog_name_taken").await;
        assert_problem(app.admin.patch(&catalog_path(&other), &json!({})).await, 422, "validation_failed").await;
    }
}

on_both_backends! {
    async fn a_catalog_with_packages_cannot_be_deleted(app: TestApp) {
        let catalog = create_catalog(&app.admin, "Engineering").await;
        crate::packages::create_package(&app.admin, catalog["id"].as_str().unwrap(), "Build servers").await;
        let refused = app.admin.delete(&catalog_path(&catalog)).await;
        let problem = assert_problem(refused, 409, "catalog_has_packages").await;
        assert!(problem["detail"].as_str().unwrap().contains("1 access package"));
        assert_eq!(app.admin.get(&catalog_path(&catalog)).await.status(), 200);
    }
}

on_both_backends! {
    async fn a_catalog_creator_owns_what_they_create_and_sees_only_their_catalogs(app: TestApp) {
        let carla = app.person("carla").await;
        let refused = carla.post("/api/v1/catalogs", &json!({"name": "Carla's"})).await;
        assert_problem(refused, 403, "forbidden").await;

        let grant = app.admin.send(reqwest::Method::PUT, &format!("/api/v1/catalog-creators/{}", carla.id()), None).await;
        assert_eq!(grant.status(), 204);
        let me: Value = carla.get("/api/v1/me").await.json().await.unwrap();
        assert_eq!(me["roles"], json!(["user", "catalog_creator"]));
        let creators: Value = app.admin.get("/api/v1/catalog-creators").await.json().await.unwrap();
        assert_eq!(creators[0]["username"], "carla");

        let hers = create_catalog(&carla, "Marketing").await;
        assert_eq!(hers["my_roles"], json!(["owner"]));
        create_catalog(&app.admin, "Legal").await;

        let listed: Value = carla.get("/api/v1/catalogs").await.json().await.unwrap();
        let names: Vec<&str> = listed["items"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Marketing"]);
        let all: Value = app.admin.get("/api/v1/catalogs").await.json().await.unwrap();
        assert_eq!(all["items"].as_array().unwrap().len(), 2);

        let revoke = app.admin.send(reqwest::Method::DELETE, &format!("/api/v1/catalog-creators/{}", carla.id()), None).await;
        assert_eq!(revoke.status(), 204);
        assert_problem(carla.post("/api/v1/catalogs", &json!({"name": "More"})).await, 403, "forbidden").await;
        // Her ownership of what she created stays.
        assert_eq!(carla.get(&catalog_path(&hers)).await.status(), 200);
    }
}

on_both_backends! {
    async fn catalogs_are_paged_by_name_and_searchable(app: TestApp) {
        for name in ["beta", "Alpha", "delta", "Gamma", "epsilon"] {
            create_catalog(&app.admin, name).await;
        }
        let mut names = Vec::new();
        let mut path = "/api/v1/catalogs?limit=2".to_string();
        loop {
            let page: Value = app.admin.get(&path).await.json().await.unwrap();
            names.extend(page["items"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_string()));
            match page["next_cursor"].as_str() {
                Some(cursor) => path = format!("/api/v1/catalogs?limit=2&cursor={cursor}"),
                None => break,
            }
        }
        assert_eq!(names, ["Alpha", "beta", "delta", "epsilon", "Gamma"]);
        let found: Value = app.admin.get("/api/v1/catalogs?q=ELT").await.json().await.unwrap();
        assert_eq!(found["items"][0]["name"], "delta");
        assert_eq!(found["items"].as_array().unwrap().len(), 1);
        let literal: Value = app.admin.get("/api/v1/catalogs?q=%25").await.json().await.unwrap();
        assert_eq!(literal["items"], json!([]), "a % in the search is literal");
    }
}

on_both_backends! {
    async fn catalog_roles_are_granted_listed_and_revoked(app: TestApp) {
        let catalog = create_catalog(&app.admin, "HR").await;
        let path = catalog_path(&catalog);
        let pia = app.person("pia").await;
        let grant = format!("{path}/roles/access_package_manager/{}", pia.id());
        assert_eq!(app.admin.send(reqwest::Method::PUT, &grant, None).await.status(), 204);
        assert_eq!(app.admin.send(reqwest::Method::PUT, &grant, None).await.status(), 204, "idempotent");
        let roles: Value = app.admin.get(&format!("{path}/roles")).await.json().await.unwrap();
        assert_eq!(roles.as_array().unwrap().len(), 1);
        assert_eq!(roles[0]["role"], "access_package_manager");
        assert_eq!(roles[0]["username"], "pia");
        let seen: Value = pia.get(&path).await.json().await.unwrap();
        assert_eq!(seen["my_roles"], json!(["access_package_manager"]));

        let bad_role = app.admin.send(reqwest::Method::PUT, &format!("{path}/roles/emperor/{}", pia.id()), None).await;
        assert_eq!(bad_role.status(), 400);
        let nobody = app.admin.send(reqwest::Method::PUT, &format!("{path}/roles/reader/{}", Uuid::new_v4()), None).await;
        assert_problem(nobody, 404, "not_found").await;

        assert_eq!(app.admin.delete(&grant).await.status(), 204);
        assert_eq!(app.admin.delete(&grant).await.status(), 204, "idempotent");
        assert_problem(pia.get(&path).await, 404, "not_found").await;
        let state = app.state().await;
        let events = tessera_api::store::audit::list_events_for_target(&state.db, "catalog", catalog["id"].as_str().unwrap()).await.unwrap();
        let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["catalog.create", "catalog.role.grant", "catalog.role.revoke"], "repeats write nothing");
    }
}

on_both_backends! {
    async fn resources_join_a_catalog_only_with_rights_on_them(app: TestApp) {
        let olga = app.person("olga").await;
        let catalog = create_catalog(&app.admin, "Ops").await;
        let path = catalog_path(&catalog);
        app.admin.send(reqwest::Method::PUT, &format!("{path}/roles/owner/{}", olga.id()), None).await;
        let hers = insert_group(&app, "Ops admins", Some(olga.id().as_str())).await;
        let not_hers = insert_group(&app, "Payroll", None).await;
        let application = insert_application(&app, "Grafana").await;

        let added = olga.post(&format!("{path}/resources"), &json!({"kind": "group", "id": hers})).await;
        assert_eq!(added.status(), 201);
        let refused = olga.post(&format!("{path}/resources"), &json!({"kind": "group", "id": not_hers})).await;
        assert_problem(refused, 403, "forbidden").await;
        let refused = olga.post(&format!("{path}/resources"), &json!({"kind": "application", "id": application})).await;
        assert_problem(refused, 403, "forbidden").await;
        let by_admin = app.admin.post(&format!("{path}/resources"), &json!({"kind": "application", "id": application})).await;
        assert_eq!(by_admin.status(), 201);
        let twice = app.admin.post(&format!("{path}/resources"), &json!({"kind": "group", "id": hers})).await;
        assert_problem(twice, 409, "resource_in_catalog").await;
        let missing = app.admin.post(&format!("{path}/resources"), &json!({"kind": "group", "id": Uuid::new_v4()})).await;
        let problem = assert_problem(missing, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), vec!["id"]);

        let listed: Value = olga.get(&format!("{path}/resources")).await.json().await.unwrap();
        let kinds: Vec<(&str, &str)> = listed.as_array().unwrap().iter().map(|r| (r["kind"].as_str().unwrap(), r["name"].as_str().unwrap())).collect();
        assert_eq!(kinds, [("group", "Ops admins"), ("application", "Grafana")]);

        let remove = format!("{path}/resources/group/{hers}");
        assert_eq!(olga.delete(&remove).await.status(), 204);
        assert_problem(olga.delete(&remove).await, 404, "not_found").await;
    }
}

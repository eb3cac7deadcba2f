//! Separation of duties: the packages and groups a package is incompatible with, one way, and
//! the packages that list it.

use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use super::catalogs::create_catalog;
use super::packages::create_package;
use crate::helpers::*;
use crate::on_both_backends;

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_string()
}

async fn create_group(app: &TestApp, name: &str) -> String {
    let response = app
        .admin
        .post("/api/v1/groups", &json!({"name": name}))
        .await;
    assert_eq!(response.status(), 201, "creating group {name}");
    id(&response.json().await.unwrap())
}

async fn incompatibilities(session: &Session, package: &str) -> Value {
    let response = session
        .get(&format!(
            "/api/v1/access-packages/{package}/incompatibilities"
        ))
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|item| item["name"].as_str().unwrap().to_string())
        .collect()
}

async fn actions_on(app: &TestApp, package: &str) -> Vec<String> {
    let state = app.state().await;
    tessera_api::store::audit::list_events_for_target(&state.db, "access_package", package)
        .await
        .unwrap()
        .into_iter()
        .map(|event| event.action)
        .filter(|action| action.contains("incompatible"))
        .collect()
}

on_both_backends! {
    async fn incompatibilities_are_one_directional_and_seen_from_both_sides(app: TestApp) {
        let finance = id(&create_catalog(&app.admin, "Finance").await);
        let sales = id(&create_catalog(&app.admin, "Sales").await);
        let payments = id(&create_package(&app.admin, &finance, "Payments").await);
        let approvals = id(&create_package(&app.admin, &finance, "Approvals").await);
        let deals = id(&create_package(&app.admin, &sales, "Deals").await);
        let traders = create_group(&app, "Traders").await;
        let auditors = create_group(&app, "Auditors").await;
        let p = format!("/api/v1/access-packages/{payments}");

        for path in [
            format!("{p}/incompatible-packages/{approvals}"),
            format!("{p}/incompatible-packages/{deals}"),
            format!("{p}/incompatible-groups/{traders}"),
            format!("{p}/incompatible-groups/{auditors}"),
            format!("/api/v1/access-packages/{deals}/incompatible-packages/{payments}"),
        ] {
            assert_eq!(app.admin.put(&path).await.status(), 204, "{path}");
        }

        let view = incompatibilities(&app.admin, &payments).await;
        assert_eq!(view["packages"], json!([
            {"id": approvals, "name": "Approvals", "catalog_id": finance},
            {"id": deals, "name": "Deals", "catalog_id": sales},
        ]));
        assert_eq!(view["groups"], json!([
            {"id": auditors, "name": "Auditors"},
            {"id": traders, "name": "Traders"},
        ]));
        assert_eq!(view["incompatible_with"], json!([{"id": deals, "name": "Deals", "catalog_id": sales}]));

        // Approvals is listed by Payments, and lists nothing itself.
        let view = incompatibilities(&app.admin, &approvals).await;
        assert_eq!(view["packages"], json!([]));
        assert_eq!(view["groups"], json!([]));
        assert_eq!(names(&view["incompatible_with"]), ["Payments"]);
        // Deals and Payments exclude each other.
        let view = incompatibilities(&app.admin, &deals).await;
        assert_eq!(names(&view["packages"]), ["Payments"]);
        assert_eq!(names(&view["incompatible_with"]), ["Payments"]);

        // A reader of the catalog sees the whole configuration.
        let rita = app.person("rita").await;
        app.admin.send(Method::PUT, &format!("/api/v1/catalogs/{finance}/roles/reader/{}", rita.id()), None).await;
        assert_eq!(incompatibilities(&rita, &payments).await, incompatibilities(&app.admin, &payments).await);
    }
}

on_both_backends! {
    async fn adding_twice_or_removing_what_is_not_there_changes_nothing(app: TestApp) {
        let finance = id(&create_catalog(&app.admin, "Finance").await);
        let payments = id(&create_package(&app.admin, &finance, "Payments").await);
        let approvals = id(&create_package(&app.admin, &finance, "Approvals").await);
        let traders = create_group(&app, "Traders").await;
        let package_link = format!("/api/v1/access-packages/{payments}/incompatible-packages/{approvals}");
        let group_link = format!("/api/v1/access-packages/{payments}/incompatible-groups/{traders}");

        for path in [&package_link, &group_link] {
            assert_eq!(app.admin.put(path).await.status(), 204);
            assert_eq!(app.admin.put(path).await.status(), 204);
        }
        let view = incompatibilities(&app.admin, &payments).await;
        assert_eq!((names(&view["packages"]), names(&view["groups"])), (vec!["Approvals".to_string()], vec!["Traders".to_string()]));
        for path in [&package_link, &group_link] {
            assert_eq!(app.admin.delete(path).await.status(), 204);
            assert_eq!(app.admin.delete(path).await.status(), 204);
        }
        let view = incompatibilities(&app.admin, &payments).await;
        assert_eq!(view, json!({"packages": [], "groups": [], "incompatible_with": []}));

        // One event per real change, on the package, naming the other side.
        assert_eq!(actions_on(&app, &payments).await, [
            "access_package.incompatible_package.add",
            "access_package.incompatible_group.add",
            "access_package.incompatible_package.remove",
            "access_package.incompatible_group.remove",
        ]);
        let trail: Value = app.admin
            .get(&format!("/api/v1/audit-events?target_id={payments}&action=access_package.incompatible_package.*"))
            .await.json().await.unwrap();
        let items = trail["items"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0]["before"], json!({"id": approvals, "name": "Approvals", "catalog_id": finance}));
        assert_eq!(items[0]["after"], Value::Null);
        assert_eq!(items[1]["after"]["id"], approvals.as_str());
        assert_eq!(items[1]["actor_name"], "admin");
        assert_eq!(incompatibilities(&app.admin, &approvals).await["incompatible_with"], json!([]));
    }
}

on_both_backends! {
    async fn a_package_cannot_be_incompatible_with_itself(app: TestApp) {
        let finance = id(&create_catalog(&app.admin, "Finance").await);
        let payments = id(&create_package(&app.admin, &finance, "Payments").await);
        let itself = format!("/api/v1/access-packages/{payments}/incompatible-packages/{payments}");
        let problem = assert_problem(app.admin.put(&itself).await, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), vec!["other_id"]);
        assert_problem(app.admin.delete(&itself).await, 422, "validation_failed").await;
        assert_eq!(actions_on(&app, &payments).await, Vec::<String>::new());
    }
}

on_both_backends! {
    async fn the_other_package_and_the_group_must_exist(app: TestApp) {
        let finance = id(&create_catalog(&app.admin, "Finance").await);
        let payments = id(&create_package(&app.admin, &finance, "Payments").await);
        let nothing = Uuid::now_v7();
        let p = format!("/api/v1/access-packages/{payments}");
        for method in [Method::PUT, Method::DELETE] {
            let response = app.admin.send(method.clone(), &format!("{p}/incompatible-packages/{nothing}"), None).await;
            let problem = assert_problem(response, 404, "not_found").await;
            assert_eq!(problem["detail"], "No such incompatible access package.");
            let response = app.admin.send(method.clone(), &format!("{p}/incompatible-groups/{nothing}"), None).await;
            let problem = assert_problem(response, 404, "not_found").await;
            assert_eq!(problem["detail"], "No such group.");
            let response = app.admin.send(method.clone(), &format!("/api/v1/access-packages/{nothing}/incompatible-packages/{payments}"), None).await;
            let problem = assert_problem(response, 404, "not_found").await;
            assert_eq!(problem["detail"], "No such access package.");
        }
        let response = app.admin.get(&format!("/api/v1/access-packages/{nothing}/incompatibilities")).await;
        assert_problem(response, 404, "not_found").await;
        assert_problem(app.admin.put(&format!("{p}/incompatible-packages/not-a-uuid")).await, 400, "bad_request").await;
        assert_eq!(actions_on(&app, &payments).await, Vec::<String>::new());
    }
}

on_both_backends! {
    async fn a_package_manager_may_only_name_packages_they_can_see(app: TestApp) {
        let finance = id(&create_catalog(&app.admin, "Finance").await);
        let sales = id(&create_catalog(&app.admin, "Sales").await);
        let payments = id(&create_package(&app.admin, &finance, "Payments").await);
        let deals = id(&create_package(&app.admin, &sales, "Deals").await);
        let mia = app.person("mia").await;
        app.admin.send(Method::PUT, &format!("/api/v1/catalogs/{finance}/roles/access_package_manager/{}", mia.id()), None).await;
        let link = format!("/api/v1/access-packages/{payments}/incompatible-packages/{deals}");

        // A package in a catalog Mia has no role in looks like no package at all.
        let hidden = assert_problem(mia.put(&link).await, 404, "not_found").await;
        let missing = assert_problem(
            mia.put(&format!("/api/v1/access-packages/{payments}/incompatible-packages/{}", Uuid::now_v7())).await,
            404, "not_found").await;
        assert_eq!(hidden["detail"], missing["detail"]);
        assert_eq!(incompatibilities(&mia, &payments).await["packages"], json!([]));

        // Any role in the other catalog is enough to name its packages.
        let grant = format!("/api/v1/catalogs/{sales}/roles/reader/{}", mia.id());
        app.admin.send(Method::PUT, &grant, None).await;
        assert_eq!(mia.put(&link).await.status(), 204);
        assert_eq!(names(&incompatibilities(&mia, &payments).await["packages"]), ["Deals"]);
        // Reading Sales is not managing it: Mia may not configure Deals.
        let back = format!("/api/v1/access-packages/{deals}/incompatible-packages/{payments}");
        assert_problem(mia.put(&back).await, 403, "forbidden").await;
        assert_eq!(names(&incompatibilities(&mia, &deals).await["incompatible_with"]), ["Payments"]);

        // A group can be named by its id.
        let traders = create_group(&app, "Traders").await;
        assert_eq!(mia.put(&format!("/api/v1/access-packages/{payments}/incompatible-groups/{traders}")).await.status(), 204);

        app.admin.delete(&grant).await;
        assert_problem(mia.delete(&link).await, 404, "not_found").await;
        assert_eq!(actions_on(&app, &payments).await, [
            "access_package.incompatible_package.add",
            "access_package.incompatible_group.add",
        ]);
    }
}

on_both_backends! {
    async fn deleting_a_package_or_a_group_drops_its_relations(app: TestApp) {
        let finance = id(&create_catalog(&app.admin, "Finance").await);
        let payments = id(&create_package(&app.admin, &finance, "Payments").await);
        let approvals = id(&create_package(&app.admin, &finance, "Approvals").await);
        let refunds = id(&create_package(&app.admin, &finance, "Refunds").await);
        let traders = create_group(&app, "Traders").await;
        let p = format!("/api/v1/access-packages/{payments}");
        for path in [
            format!("{p}/incompatible-packages/{approvals}"),
            format!("{p}/incompatible-packages/{refunds}"),
            format!("{p}/incompatible-groups/{traders}"),
            format!("/api/v1/access-packages/{refunds}/incompatible-packages/{payments}"),
        ] {
            assert_eq!(app.admin.put(&path).await.status(), 204);
        }
        assert_eq!(app.admin.delete(&format!("/api/v1/access-packages/{approvals}")).await.status(), 204);
        assert_eq!(app.admin.delete(&format!("/api/v1/groups/{traders}")).await.status(), 204);
        let view = incompatibilities(&app.admin, &payments).await;
        assert_eq!(names(&view["packages"]), ["Refunds"]);
        assert_eq!(view["groups"], json!([]));
        assert_eq!(names(&view["incompatible_with"]), ["Refunds"]);
        assert_eq!(app.admin.delete(&p).await.status(), 204);
        assert_eq!(incompatibilities(&app.admin, &refunds).await, json!({"packages": [], "groups": [], "incompatible_with": []}));
    }
}

fn at_once(_: Uuid) -> Value {
    json!({
        "name": "Anyone, at once",
        "who_can_request": {"type": "all_members"},
        "approval": {"type": "none"},
        "lifecycle": {"expiry": {"type": "never"}},
    })
}

async fn ask(session: &Session, offer: &super::requests::Offer) -> reqwest::Response {
    session
        .post(
            "/api/v1/requests",
            &json!({"access_package_id": offer.package, "policy_id": offer.policy, "ask": "add"}),
        )
        .await
}

async fn request_options(session: &Session, offer: &super::requests::Offer) -> Value {
    session
        .get(&format!(
            "/api/v1/access-packages/{}/request-options",
            offer.package
        ))
        .await
        .json()
        .await
        .unwrap()
}

on_both_backends! {
    async fn a_package_refuses_holders_of_what_it_lists_but_not_the_other_way_round(app: TestApp) {
        use crate::requests::offer;
        let payments = offer(&app, "Payments", at_once).await;
        let approvals = offer(&app, "Approvals", at_once).await;
        let traders = offer(&app, "Traders", at_once).await;
        // Payments lists the package Approvals and the group Traders' package grants.
        let p = format!("/api/v1/access-packages/{}", payments.package);
        assert_eq!(app.admin.put(&format!("{p}/incompatible-packages/{}", approvals.package)).await.status(), 204);
        assert_eq!(app.admin.put(&format!("{p}/incompatible-groups/{}", traders.group)).await.status(), 204);

        // Holding what Payments lists, one may not get Payments.
        let alice = app.person("alice").await;
        assert_eq!(ask(&alice, &approvals).await.status(), 201);
        let problem = assert_problem(ask(&alice, &payments).await, 409, "separation_of_duties").await;
        assert!(problem["detail"].as_str().unwrap().contains("Approvals"), "{problem}");
        assert_eq!(request_options(&alice, &payments).await["can_request"], false);
        let carol = app.person("carol").await;
        assert_eq!(ask(&carol, &traders).await.status(), 201);
        let problem = assert_problem(ask(&carol, &payments).await, 409, "separation_of_duties").await;
        assert!(problem["detail"].as_str().unwrap().contains("Traders group"), "{problem}");

        // Holding Payments, one may get what it lists: the rule is one way.
        let bob = app.person("bob").await;
        assert_eq!(ask(&bob, &payments).await.status(), 201);
        assert_eq!(request_options(&bob, &approvals).await["can_request"], true);
        for listed in [&approvals, &traders] {
            let allowed = ask(&bob, listed).await;
            assert_eq!(allowed.status(), 201);
            assert_eq!(allowed.json::<Value>().await.unwrap()["state"], "delivered");
        }
    }
}

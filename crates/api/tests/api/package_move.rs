//! Moving an access package to another catalog, and the assignment list narrowed by policy and
//! by end date.

use chrono::{Duration, Utc};
use reqwest::Method;
use serde_json::{Value, json};

use super::catalogs::{create_catalog, insert_group};
use super::packages::create_package;
use crate::helpers::*;
use crate::on_both_backends;

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_string()
}

async fn grant(app: &TestApp, catalog: &str, role: &str, who: &Session) {
    let granted = app
        .admin
        .send(
            Method::PUT,
            &format!("/api/v1/catalogs/{catalog}/roles/{role}/{}", who.id()),
            None,
        )
        .await;
    assert_eq!(granted.status(), 204);
}

on_both_backends! {
    async fn a_package_moves_only_where_its_resources_are(app: TestApp) {
        let from = id(&create_catalog(&app.admin, "From").await);
        let to = id(&create_catalog(&app.admin, "To").await);
        let group = insert_group(&app, "Ledger", None).await;
        let added = app.admin.post(&format!("/api/v1/catalogs/{from}/resources"), &json!({"kind": "group", "id": group})).await;
        assert_eq!(added.status(), 201);
        let package = id(&create_package(&app.admin, &from, "Ledger access").await);
        let role = app
            .admin
            .post(&format!("/api/v1/access-packages/{package}/resource-roles"), &json!({"kind": "group_member", "group_id": group}))
            .await;
        assert_eq!(role.status(), 201);
        let path = format!("/api/v1/access-packages/{package}/move");

        // Someone managing packages in one catalog only may not move it.
        let mover = app.person("mover").await;
        grant(&app, &from, "access_package_manager", &mover).await;
        assert_problem(mover.post(&path, &json!({"catalog_id": to})).await, 404, "not_found").await;
        grant(&app, &to, "reader", &mover).await;
        assert_problem(mover.post(&path, &json!({"catalog_id": to})).await, 403, "forbidden").await;
        let stranger = app.person("stranger").await;
        assert_problem(stranger.post(&path, &json!({"catalog_id": to})).await, 404, "not_found").await;
        grant(&app, &to, "owner", &mover).await;

        let refused = mover.post(&path, &json!({"catalog_id": to})).await;
        let problem = assert_problem(refused, 409, "resources_not_in_catalog").await;
        assert!(problem["detail"].as_str().unwrap().contains("Ledger"), "{problem}");
        assert!(problem["detail"].as_str().unwrap().contains(&group.to_string()));
        assert_eq!(problem_fields(&problem), ["catalog_id"]);
        let still: Value = app.admin.get(&format!("/api/v1/access-packages/{package}")).await.json().await.unwrap();
        assert_eq!(still["catalog_id"], from.as_str());

        let added = app.admin.post(&format!("/api/v1/catalogs/{to}/resources"), &json!({"kind": "group", "id": group})).await;
        assert_eq!(added.status(), 201);
        let moved = mover.post(&path, &json!({"catalog_id": to})).await;
        assert_eq!(moved.status(), 200);
        let moved: Value = moved.json().await.unwrap();
        assert_eq!(moved["catalog_id"], to.as_str());
        assert_eq!(moved["resource_roles"].as_array().unwrap().len(), 1);
        let listed: Value = app.admin.get(&format!("/api/v1/catalogs/{to}/access-packages")).await.json().await.unwrap();
        assert_eq!(listed["items"][0]["id"], package.as_str());
        let events: Value = app
            .admin
            .get(&format!("/api/v1/audit-events?action=access_package.move&target_id={package}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(events["items"][0]["after"]["catalog_id"], to.as_str());

        // A name the target holds already is refused.
        let back = id(&create_package(&app.admin, &from, "Ledger access").await);
        let refused = app.admin.post(&format!("/api/v1/access-packages/{back}/move"), &json!({"catalog_id": to})).await;
        assert_problem(refused, 409, "package_name_taken").await;
        let refused = app.admin.post(&path, &json!({"catalog_id": uuid::Uuid::now_v7()})).await;
        assert_problem(refused, 404, "not_found").await;
        let refused = app.admin.post(&path, &json!({"catalog": to})).await;
        assert_eq!(refused.status(), 422);
    }
}

on_both_backends! {
    async fn assignments_are_listed_by_policy_and_end_date(app: TestApp) {
        let catalog = id(&create_catalog(&app.admin, "Finance").await);
        let package = id(&create_package(&app.admin, &catalog, "Payroll").await);
        let mut policies = Vec::new();
        for name in ["Short", "Long"] {
            let created = app
                .admin
                .post(
                    &format!("/api/v1/access-packages/{package}/policies"),
                    &json!({
                        "name": name,
                        "who_can_request": {"type": "nobody"},
                        "approval": {"type": "none"},
                        "lifecycle": {"expiry": {"type": "after_days", "days": 365}},
                    }),
                )
                .await;
            let status = created.status();
            let created: Value = created.json().await.unwrap();
            assert_eq!(status, 201, "{created}");
            policies.push(id(&created));
        }
        let ann = app.person("ann").await;
        let ben = app.person("ben").await;
        let cid = app.person("cid").await;
        let in_days = |days: i64| (Utc::now() + Duration::days(days)).to_rfc3339();
        let mut assigned = Vec::new();
        for (person, policy, days) in [(&ann, &policies[0], 10), (&ben, &policies[0], 100), (&cid, &policies[1], 200)] {
            let response = app
                .admin
                .post(
                    &format!("/api/v1/access-packages/{package}/assignments"),
                    &json!({"policy_id": policy, "user_id": person.id(), "ends_at": in_days(days)}),
                )
                .await;
            let status = response.status();
            let body: Value = response.json().await.unwrap();
            assert_eq!(status, 201, "{body}");
            assigned.push(id(&body));
        }
        let list = |query: String| {
            let admin = &app.admin;
            async move {
                let response = admin.get(&format!("/api/v1/assignments?{query}")).await;
                assert_eq!(response.status(), 200, "{query}");
                let page: Value = response.json().await.unwrap();
                page["items"].as_array().unwrap().iter().map(id).collect::<Vec<_>>()
            }
        };
        let encode = |at: String| at.replace('+', "%2B");
        assert_eq!(list(format!("policy_id={}", policies[0])).await, vec![assigned[1].clone(), assigned[0].clone()]);
        assert_eq!(list(format!("policy_id={}", policies[1])).await, vec![assigned[2].clone()]);
        assert_eq!(list(format!("ends_before={}", encode(in_days(50)))).await, vec![assigned[0].clone()]);
        assert_eq!(
            list(format!("ends_after={}&ends_before={}", encode(in_days(50)), encode(in_days(150)))).await,
            vec![assigned[1].clone()]
        );
        assert_eq!(
            list(format!("ends_after={}&policy_id={}", encode(in_days(50)), policies[0])).await,
            vec![assigned[1].clone()]
        );
        let csv = app
            .admin
            .get(&format!("/api/v1/assignments.csv?ends_after={}", encode(in_days(150))))
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(csv.lines().count(), 2, "{csv}");
        assert!(csv.contains("cid"));
        assert_eq!(app.admin.get("/api/v1/assignments?ends_after=soon").await.status(), 400);
        // Managers of another catalog still learn nothing, filters or not.
        let other = app.person("other").await;
        let elsewhere = id(&create_catalog(&app.admin, "Elsewhere").await);
        grant(&app, &elsewhere, "owner", &other).await;
        let refused = other.get(&format!("/api/v1/assignments?catalog_id={catalog}&policy_id={}", policies[0])).await;
        assert_problem(refused, 404, "not_found").await;
        assert_problem(other.get(&format!("/api/v1/assignments?policy_id={}", policies[0])).await, 403, "forbidden").await;
    }
}

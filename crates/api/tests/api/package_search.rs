//! Finding access packages across catalogs, and searching a catalog's packages.

use reqwest::Method;
use serde_json::{Value, json};

use super::catalogs::create_catalog;
use super::packages::create_package;
use crate::helpers::*;
use crate::on_both_backends;

async fn names(session: &Session, path: &str) -> Vec<String> {
    let response = session.get(path).await;
    assert_eq!(response.status(), 200, "{path}");
    let page: Value = response.json().await.unwrap();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["name"].as_str().unwrap().to_string())
        .collect()
}

on_both_backends! {
    async fn packages_are_found_across_the_catalogs_the_caller_may_see(app: TestApp) {
        let finance = create_catalog(&app.admin, "Finance").await;
        let finance = finance["id"].as_str().unwrap().to_string();
        let sales = create_catalog(&app.admin, "Sales").await;
        let sales = sales["id"].as_str().unwrap().to_string();
        for (catalog, name) in [(&finance, "Payroll"), (&finance, "Ledger"), (&sales, "Leads"), (&sales, "Payroll")] {
            create_package(&app.admin, catalog, name).await;
        }

        assert_eq!(
            names(&app.admin, "/api/v1/access-packages").await,
            vec!["Leads", "Ledger", "Payroll", "Payroll"]
        );
        assert_eq!(names(&app.admin, "/api/v1/access-packages?q=PAY").await, vec!["Payroll", "Payroll"]);
        assert_eq!(
            names(&app.admin, &format!("/api/v1/access-packages?q=l&catalog_id={finance}")).await,
            vec!["Ledger", "Payroll"]
        );
        assert!(names(&app.admin, "/api/v1/access-packages?q=%25").await.is_empty(), "% is literal");

        // Pages across equal names: nothing lost, nothing twice.
        let mut seen = Vec::new();
        let mut path = "/api/v1/access-packages?limit=1".to_string();
        loop {
            let page: Value = app.admin.get(&path).await.json().await.unwrap();
            seen.extend(page["items"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_string()));
            match page["next_cursor"].as_str() {
                Some(cursor) => path = format!("/api/v1/access-packages?limit=1&cursor={cursor}"),
                None => break,
            }
        }
        assert_eq!(seen.len(), 4);
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 4);

        // A reader of Finance sees Finance's packages only; someone with no role sees none.
        let reader = app.person("reader").await;
        app.admin
            .send(Method::PUT, &format!("/api/v1/catalogs/{finance}/roles/reader/{}", reader.id()), None)
            .await;
        assert_eq!(names(&reader, "/api/v1/access-packages").await, vec!["Ledger", "Payroll"]);
        assert_eq!(names(&reader, "/api/v1/access-packages?q=pay").await, vec!["Payroll"]);
        let refused = reader.get(&format!("/api/v1/access-packages?catalog_id={sales}")).await;
        assert_problem(refused, 404, "not_found").await;
        let plain = app.person("plain").await;
        assert!(names(&plain, "/api/v1/access-packages").await.is_empty());
        let refused = plain.get(&format!("/api/v1/access-packages?catalog_id={finance}")).await;
        assert_problem(refused, 404, "not_found").await;

        let long = "x".repeat(101);
        let refused = app.admin.get(&format!("/api/v1/access-packages?q={long}")).await;
        assert_eq!(refused.status(), 400);
        let refused = app.admin.get("/api/v1/access-packages?cursor=bm9wZQ").await;
        assert_eq!(refused.status(), 400);
    }
}

on_both_backends! {
    async fn a_catalogs_package_list_searches_names_and_descriptions(app: TestApp) {
        let catalog = create_catalog(&app.admin, "Finance").await;
        let c = catalog["id"].as_str().unwrap().to_string();
        create_package(&app.admin, &c, "Payroll").await;
        create_package(&app.admin, &c, "Ledger").await;
        let response = app
            .admin
            .post(
                &format!("/api/v1/catalogs/{c}/access-packages"),
                &json!({"name": "Travel", "description": "Expense claims for trips"}),
            )
            .await;
        assert_eq!(response.status(), 201);
        let path = format!("/api/v1/catalogs/{c}/access-packages");
        assert_eq!(names(&app.admin, &path).await, vec!["Ledger", "Payroll", "Travel"]);
        assert_eq!(names(&app.admin, &format!("{path}?q=roll")).await, vec!["Payroll"]);
        assert_eq!(names(&app.admin, &format!("{path}?q=EXPENSE")).await, vec!["Travel"]);
        assert!(names(&app.admin, &format!("{path}?q=nothing")).await.is_empty());
        let plain = app.person("plain").await;
        assert_problem(plain.get(&format!("{path}?q=roll")).await, 404, "not_found").await;
    }
}

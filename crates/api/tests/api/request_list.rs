//! Everyone's requests: administrators list all of them, assignment managers those of their
//! catalogs, with filters, pages and a CSV export.

use chrono::{Duration, Utc};
use reqwest::Method;
use serde_json::{Value, json};

use super::requests::{Offer, asked, offer, one_stage};
use crate::helpers::*;
use crate::on_both_backends;

fn open(_: uuid::Uuid) -> Value {
    json!({
        "name": "Anyone",
        "who_can_request": {"type": "all_members"},
        "approval": {"type": "none"},
        "lifecycle": {"expiry": {"type": "never"}},
    })
}

async fn catalog_of(app: &TestApp, offer: &Offer) -> String {
    let package: Value = app
        .admin
        .get(&format!("/api/v1/access-packages/{}", offer.package))
        .await
        .json()
        .await
        .unwrap();
    package["catalog_id"].as_str().unwrap().to_string()
}

async fn ids(session: &Session, path: &str) -> Vec<String> {
    let response = session.get(path).await;
    assert_eq!(response.status(), 200, "{path}");
    let page: Value = response.json().await.unwrap();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_string())
        .collect()
}

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_string()
}

on_both_backends! {
    async fn administrators_filter_everyones_requests_and_page_through_them(app: TestApp) {
        let ann = app.person("ann").await;
        let ben = app.person("ben").await;
        let approver = app.person("approver").await;
        let pending = offer(&app, "Payroll", |_| one_stage(&[approver.id().as_str()])).await;
        let open_offer = offer(&app, "Wiki", open).await;
        let ann_pending = asked(&ann, &pending, json!({})).await;
        let ben_pending = asked(&ben, &pending, json!({})).await;
        let ann_open = asked(&ann, &open_offer, json!({})).await;

        let all = ids(&app.admin, "/api/v1/requests").await;
        assert_eq!(all, vec![id(&ann_open), id(&ben_pending), id(&ann_pending)], "newest first");

        let by_state = ids(&app.admin, "/api/v1/requests?state=pending_approval").await;
        assert_eq!(by_state, vec![id(&ben_pending), id(&ann_pending)]);
        let by_package =
            ids(&app.admin, &format!("/api/v1/requests?access_package_id={}", open_offer.package)).await;
        assert_eq!(by_package, vec![id(&ann_open)]);
        let catalog = catalog_of(&app, &pending).await;
        let by_catalog = ids(&app.admin, &format!("/api/v1/requests?catalog_id={catalog}")).await;
        assert_eq!(by_catalog, vec![id(&ben_pending), id(&ann_pending)]);
        let by_requester = ids(&app.admin, &format!("/api/v1/requests?requester_id={}", ben.id())).await;
        assert_eq!(by_requester, vec![id(&ben_pending)]);
        let by_target = ids(&app.admin, &format!("/api/v1/requests?target_id={}", ann.id())).await;
        assert_eq!(by_target, vec![id(&ann_open), id(&ann_pending)]);

        let encode = |at: chrono::DateTime<Utc>| at.to_rfc3339().replace('+', "%2B");
        let later = encode(Utc::now() + Duration::hours(1));
        let earlier = encode(Utc::now() - Duration::hours(1));
        assert!(ids(&app.admin, &format!("/api/v1/requests?created_after={later}")).await.is_empty());
        assert_eq!(ids(&app.admin, &format!("/api/v1/requests?created_after={earlier}")).await.len(), 3);
        assert!(ids(&app.admin, &format!("/api/v1/requests?created_before={earlier}")).await.is_empty());

        let first: Value = app.admin.get("/api/v1/requests?limit=2").await.json().await.unwrap();
        assert_eq!(first["items"].as_array().unwrap().len(), 2);
        let cursor = first["next_cursor"].as_str().unwrap();
        let rest = ids(&app.admin, &format!("/api/v1/requests?limit=2&cursor={cursor}")).await;
        assert_eq!(rest, vec![id(&ann_pending)]);

        let bad = app.admin.get("/api/v1/requests?state=stuck").await;
        assert_eq!(bad.status(), 400);
        let bad = app.admin.get("/api/v1/requests?created_after=yesterday").await;
        assert_eq!(bad.status(), 400);
    }
}

on_both_backends! {
    async fn assignment_managers_see_only_their_catalogs_requests(app: TestApp) {
        let ann = app.person("ann").await;
        let manager = app.person("manager").await;
        let plain = app.person("plain").await;
        let mine = offer(&app, "Mine", open).await;
        let theirs = offer(&app, "Theirs", open).await;
        let catalog = catalog_of(&app, &mine).await;
        let other_catalog = catalog_of(&app, &theirs).await;
        let granted = app
            .admin
            .send(
                Method::PUT,
                &format!("/api/v1/catalogs/{catalog}/roles/access_package_assignment_manager/{}", manager.id()),
                None,
            )
            .await;
        assert_eq!(granted.status(), 204);
        let in_mine = asked(&ann, &mine, json!({})).await;
        asked(&ann, &theirs, json!({})).await;

        assert_eq!(ids(&manager, "/api/v1/requests").await, vec![id(&in_mine)]);
        assert_eq!(
            ids(&manager, &format!("/api/v1/requests?catalog_id={catalog}")).await,
            vec![id(&in_mine)]
        );
        assert_eq!(
            ids(&manager, &format!("/api/v1/requests?access_package_id={}", mine.package)).await,
            vec![id(&in_mine)]
        );
        // A catalog or package of someone else's is not theirs to list.
        let refused = manager.get(&format!("/api/v1/requests?catalog_id={other_catalog}")).await;
        assert_problem(refused, 404, "not_found").await;
        let refused = manager
            .get(&format!("/api/v1/requests?access_package_id={}", theirs.package))
            .await;
        assert_problem(refused, 404, "not_found").await;
        let refused = manager
            .get(&format!("/api/v1/requests.csv?catalog_id={other_catalog}"))
            .await;
        assert_problem(refused, 404, "not_found").await;
        // Someone with no catalog role lists nothing, not even their own requests here.
        assert_problem(plain.get("/api/v1/requests").await, 403, "forbidden").await;
        assert_problem(plain.get("/api/v1/requests.csv").await, 403, "forbidden").await;
        assert_problem(ann.get("/api/v1/requests").await, 403, "forbidden").await;
        // A reader of the catalog does not manage its assignments.
        app.admin
            .send(Method::PUT, &format!("/api/v1/catalogs/{catalog}/roles/reader/{}", plain.id()), None)
            .await;
        let refused = plain.get(&format!("/api/v1/requests?catalog_id={catalog}")).await;
        assert_problem(refused, 403, "forbidden").await;
        assert_problem(plain.get("/api/v1/requests").await, 403, "forbidden").await;
    }
}

on_both_backends! {
    async fn the_request_csv_holds_what_the_filters_match(app: TestApp) {
        let ann = app.person("ann").await;
        let manager = app.person("manager").await;
        let mine = offer(&app, "Mine", open).await;
        let theirs = offer(&app, "Theirs", open).await;
        let catalog = catalog_of(&app, &mine).await;
        app.admin
            .send(
                Method::PUT,
                &format!("/api/v1/catalogs/{catalog}/roles/owner/{}", manager.id()),
                None,
            )
            .await;
        let in_mine = asked(&ann, &mine, json!({"justification": "month end, \"urgent\""})).await;
        asked(&ann, &theirs, json!({})).await;

        let response = manager.get("/api/v1/requests.csv").await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "text/csv; charset=utf-8"
        );
        let csv = response.text().await.unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 2, "{csv}");
        assert!(lines[0].starts_with("request_id,access_package_id,access_package,catalog_id,"));
        assert!(lines[1].starts_with(&id(&in_mine)));
        assert!(lines[1].contains(",Mine,"));
        assert!(lines[1].contains(",ann,"));
        assert!(lines[1].contains("\"month end, \"\"urgent\"\"\""));

        let everything = app.admin.get("/api/v1/requests.csv?state=delivered").await.text().await.unwrap();
        assert_eq!(everything.lines().count(), 3, "{everything}");
        let none = app.admin.get("/api/v1/requests.csv?state=denied").await.text().await.unwrap();
        assert_eq!(none.lines().count(), 1);
    }
}

//! What administrators see of requests and people: a package's open requests (and closing one
//! with a reason), the audit events about one person, and the access review items about them.

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use tessera_api::service::reviews::run_due_reviews;

use super::catalogs::insert_group;
use super::requests::{asked, offer, one_stage};
use crate::helpers::*;
use crate::on_both_backends;

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_string()
}

async fn page(session: &Session, path: &str) -> Vec<Value> {
    let response = session.get(path).await;
    assert_eq!(response.status(), 200, "{path}");
    let page: Value = response.json().await.unwrap();
    page["items"].as_array().unwrap().clone()
}

fn ids(items: &[Value]) -> Vec<String> {
    items.iter().map(id).collect()
}

fn no_approval(_: uuid::Uuid) -> Value {
    json!({
        "name": "Anyone",
        "who_can_request": {"type": "all_members"},
        "approval": {"type": "none"},
        "lifecycle": {"expiry": {"type": "never"}},
    })
}

on_both_backends! {
    async fn open_filters_requests_not_yet_over_and_an_administrator_cancels_one_with_a_reason(app: TestApp) {
        let ann = app.person("ann").await;
        let ben = app.person("ben").await;
        let approver = app.person("approver").await;
        let payroll = offer(&app, "Payroll", |_| one_stage(&[approver.id().as_str()])).await;
        let ann_pending = asked(&ann, &payroll, json!({})).await;
        let ben_pending = asked(&ben, &payroll, json!({})).await;
        // Ben's second request is over: he withdrew it.
        let wiki = offer(&app, "Wiki", no_approval).await;
        let delivered = asked(&ann, &wiki, json!({})).await;

        let open = page(&app.admin, &format!("/api/v1/requests?access_package_id={}&open=true", payroll.package)).await;
        assert_eq!(ids(&open), [id(&ben_pending), id(&ann_pending)]);
        assert_eq!(open[0]["stages"][0]["approvers"][0]["username"], "approver");
        let open_anywhere = page(&app.admin, "/api/v1/requests?open=true").await;
        assert!(!ids(&open_anywhere).contains(&id(&delivered)), "a delivered request is over");
        let over = page(&app.admin, "/api/v1/requests?open=false").await;
        assert_eq!(ids(&over), [id(&delivered)]);
        let bad = app.admin.get("/api/v1/requests?open=maybe").await;
        assert_eq!(bad.status(), 400);

        let canceled = app
            .admin
            .post(&format!("/api/v1/requests/{}/cancel", id(&ben_pending)), &json!({"justification": "Ben moved to sales"}))
            .await;
        assert_eq!(canceled.status(), 200);
        let canceled: Value = canceled.json().await.unwrap();
        assert_eq!(canceled["state"], "canceled");
        let open = page(&app.admin, &format!("/api/v1/requests?access_package_id={}&open=true", payroll.package)).await;
        assert_eq!(ids(&open), [id(&ann_pending)]);

        let events = page(&app.admin, &format!("/api/v1/audit-events?action=request.cancel&target_id={}", id(&ben_pending))).await;
        assert_eq!(events.len(), 1, "the cancellation is audited");
        assert_eq!(events[0]["actor_id"], app.admin.id());
        assert!(events[0]["after"].to_string().contains("Ben moved to sales"), "{}", events[0]);

        // Someone else's request is not theirs to list or to cancel.
        let refused = ann.get(&format!("/api/v1/requests?access_package_id={}&open=true", payroll.package)).await;
        assert!(matches!(refused.status().as_u16(), 403 | 404), "{}", refused.status());
        let refused = ann.post(&format!("/api/v1/requests/{}/cancel", id(&ben_pending)), &json!({})).await;
        assert!(matches!(refused.status().as_u16(), 403 | 404), "{}", refused.status());
    }
}

on_both_backends! {
    async fn about_lists_the_events_about_one_person_their_user_assignments_and_requests(app: TestApp) {
        let alice = app.person("alice").await;
        let bob = app.person("bob").await;
        let approver = app.person("approver").await;
        let renamed = app.admin.patch(&format!("/api/v1/users/{}", alice.id()), &json!({"department": "Finance"})).await;
        assert_eq!(renamed.status(), 200);
        let ledger = offer(&app, "Ledger", |_| one_stage(&[approver.id().as_str()])).await;
        let request = asked(&alice, &ledger, json!({})).await;
        let wiki = offer(&app, "Wiki", no_approval).await;
        let delivered = asked(&alice, &wiki, json!({})).await;
        let assignment = delivered["assignment_id"].as_str().unwrap().to_string();
        // Bob's own events are not about Alice.
        asked(&bob, &ledger, json!({})).await;
        let bob_changed = app.admin.patch(&format!("/api/v1/users/{}", bob.id()), &json!({"department": "Sales"})).await;
        assert_eq!(bob_changed.status(), 200);

        let about = page(&app.admin, &format!("/api/v1/audit-events?about={}&limit=200", alice.id())).await;
        assert!(!about.is_empty());
        let targets: Vec<&str> = about.iter().map(|event| event["target_id"].as_str().unwrap()).collect();
        let alice_id = alice.id();
        let request_id = id(&request);
        for event in &about {
            let target = event["target_id"].as_str().unwrap();
            assert!(
                [alice_id.as_str(), request_id.as_str(), assignment.as_str(), id(&delivered).as_str()].contains(&target),
                "not about alice: {event}"
            );
        }
        assert!(about.iter().any(|e| e["action"] == "user.update" && e["target_id"] == alice_id.as_str()));
        assert!(targets.contains(&request_id.as_str()), "her pending request");
        assert!(targets.contains(&assignment.as_str()), "her assignment");
        assert!(!targets.contains(&bob.id().as_str()));

        // Combined with other filters, and in the export.
        let updates = page(&app.admin, &format!("/api/v1/audit-events?about={}&action=user.update", alice.id())).await;
        assert_eq!(updates.len(), 1);
        let export = app.admin.get(&format!("/api/v1/audit-events.csv?about={}&action=user.update", alice.id())).await;
        assert_eq!(export.status(), 200);
        let csv = export.text().await.unwrap();
        assert_eq!(csv.lines().count(), 2, "a header and one event: {csv}");
        // Someone with no events has none; a bad id is refused naming it; not for others.
        let nobody = page(&app.admin, &format!("/api/v1/audit-events?about={}", uuid::Uuid::now_v7())).await;
        assert!(nobody.is_empty());
        let bad = app.admin.get("/api/v1/audit-events?about=alice").await;
        assert_problem(bad, 400, "bad_request").await;
        let refused = alice.get(&format!("/api/v1/audit-events?about={}", alice.id())).await;
        assert_problem(refused, 403, "forbidden").await;
    }
}

on_both_backends! {
    async fn administrators_read_the_review_items_about_a_person_and_nobody_else_does(app: TestApp) {
        let alice = app.person("alice").await;
        let bob = app.person("bob").await;
        let group = insert_group(&app, "Finance", None).await;
        for person in [&alice, &bob] {
            assert_eq!(app.admin.put(&format!("/api/v1/groups/{group}/members/{}", person.id())).await.status(), 204);
        }
        let body = json!({
            "name": "Finance check",
            "scope": {"resources": {"type": "groups", "group_ids": [group]}},
            "stages": [{"reviewers": [{"type": "user", "user_id": app.admin.id()}], "duration_days": 7}],
            "schedule": {"type": "one_time", "starts_at": (Utc::now() + Duration::seconds(5)).to_rfc3339()},
            "settings": {},
        });
        let created = app.admin.post("/api/v1/access-reviews", &body).await;
        assert_eq!(created.status(), 201);
        let state = app.state().await;
        assert_eq!(run_due_reviews(&state, Utc::now() + Duration::minutes(1)).await.unwrap(), 2, "planned and started");

        let items = page(&app.admin, &format!("/api/v1/users/{}/access-review-items", alice.id())).await;
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0]["review_name"], "Finance check");
        assert_eq!(items[0]["instance_state"], "in_progress");
        assert_eq!(items[0]["item"]["person"]["username"], "alice");
        assert_eq!(items[0]["item"]["access_name"], "Finance");
        assert_eq!(items[0]["item"]["decision"], Value::Null);

        let item = id(&items[0]["item"]);
        let decided = app.admin.post(&format!("/api/v1/access-review-items/{item}/decision"), &json!({"verdict": "approve"})).await;
        assert_eq!(decided.status(), 200);
        let items = page(&app.admin, &format!("/api/v1/users/{}/access-review-items", alice.id())).await;
        assert_eq!(items[0]["item"]["decision"]["verdict"], "approve");

        let nobody = app.admin.get(&format!("/api/v1/users/{}/access-review-items", uuid::Uuid::now_v7())).await;
        assert_problem(nobody, 404, "not_found").await;
        let refused = alice.get(&format!("/api/v1/users/{}/access-review-items", alice.id())).await;
        assert_problem(refused, 403, "forbidden").await;
        let refused = bob.get(&format!("/api/v1/users/{}/access-review-items", alice.id())).await;
        assert_problem(refused, 403, "forbidden").await;
    }
}

/// Writes `count` ended assignments of `user` to `package` straight into the database, as a
/// long-serving account accumulates them.
async fn insert_ended_assignments(app: &TestApp, package: &str, user: &str, count: u32) {
    let package = uuid::Uuid::parse_str(package).unwrap();
    let user = uuid::Uuid::parse_str(user).unwrap();
    let state = app.state().await;
    match &state.db {
        tessera_api::store::Db::Sqlite(pools) => {
            sqlx::query(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
                 INSERT INTO assignments (id, package_id, policy_name, user_id, state, starts_at, \
                 created_at, updated_at, ended_at) SELECT randomblob(16), $2, 'Old', $3, 'removed', \
                 '2020-01-01T00:00:00+00:00', '2020-01-01T00:00:00+00:00', \
                 '2020-01-02T00:00:00+00:00', '2020-01-02T00:00:00+00:00' FROM n",
            )
            .bind(i64::from(count))
            .bind(package)
            .bind(user)
            .execute(pools.writer())
            .await
            .unwrap();
        }
        tessera_api::store::Db::Postgres(pool) => {
            sqlx::query(
                "INSERT INTO assignments (id, package_id, policy_name, user_id, state, starts_at, \
                 created_at, updated_at, ended_at) SELECT gen_random_uuid(), $2, 'Old', $3, \
                 'removed', now() - interval '2 days', now(), now(), now() - interval '1 day' \
                 FROM generate_series(1, $1)",
            )
            .bind(i64::from(count))
            .bind(package)
            .bind(user)
            .execute(pool)
            .await
            .unwrap();
        }
    }
}

on_both_backends! {
    async fn events_about_a_person_with_more_assignments_than_a_statement_may_bind_are_listed(app: TestApp) {
        let alice = app.person("alice").await;
        let wiki = offer(&app, "Wiki", no_approval).await;
        let delivered = asked(&alice, &wiki, json!({})).await;
        let assignment = delivered["assignment_id"].as_str().unwrap().to_string();
        // More than either database binds in one statement (SQLite 32,766; PostgreSQL 65,535).
        insert_ended_assignments(&app, &wiki.package, &alice.id(), 70_000).await;

        let about = page(&app.admin, &format!("/api/v1/audit-events?about={}&limit=200", alice.id())).await;
        let targets: Vec<&str> = about.iter().map(|event| event["target_id"].as_str().unwrap()).collect();
        assert!(targets.contains(&assignment.as_str()), "her assignment: {targets:?}");
        assert!(targets.contains(&id(&delivered).as_str()), "her request: {targets:?}");
        let export = app.admin.get(&format!("/api/v1/audit-events.csv?about={}", alice.id())).await;
        assert_eq!(export.status(), 200);
        assert!(export.text().await.unwrap().contains(&assignment));
    }
}

on_both_backends! {
    async fn the_review_items_about_a_person_say_which_of_their_packages_give_each_access(app: TestApp) {
        let alice = app.person("alice").await;
        let bob = app.person("bob").await;
        let wiki = offer(&app, "Wiki", no_approval).await;
        let ledger = offer(&app, "Ledger", no_approval).await;
        asked(&alice, &wiki, json!({})).await;
        asked(&bob, &wiki, json!({})).await;
        asked(&bob, &ledger, json!({})).await;
        // Alice is in Ledger's group directly, without its package.
        assert_eq!(app.admin.put(&format!("/api/v1/groups/{}/members/{}", ledger.group, alice.id())).await.status(), 204);
        let starts = (Utc::now() + Duration::seconds(5)).to_rfc3339();
        let reviewers = json!([{"type": "user", "user_id": app.admin.id()}]);
        for (name, scope) in [
            ("Wiki group", json!({"type": "groups", "group_ids": [wiki.group]})),
            ("Wiki package", json!({"type": "access_package", "access_package_id": wiki.package})),
            ("Ledger group", json!({"type": "groups", "group_ids": [ledger.group]})),
        ] {
            let body = json!({
                "name": name,
                "scope": {"resources": scope},
                "stages": [{"reviewers": reviewers, "duration_days": 7}],
                "schedule": {"type": "one_time", "starts_at": starts},
                "settings": {},
            });
            let created = app.admin.post("/api/v1/access-reviews", &body).await;
            assert_eq!(created.status(), 201, "{name}");
        }
        let state = app.state().await;
        run_due_reviews(&state, Utc::now() + Duration::minutes(1)).await.unwrap();

        let items = page(&app.admin, &format!("/api/v1/users/{}/access-review-items", alice.id())).await;
        let mut reviews: Vec<&str> = items.iter().map(|item| item["review_name"].as_str().unwrap()).collect();
        reviews.sort_unstable();
        assert_eq!(reviews, ["Ledger group", "Wiki group", "Wiki package"]);
        for item in &items {
            assert_eq!(item["item"]["person"]["username"], "alice", "{item}");
            let grants = item["item"]["granted_by"].as_array().unwrap();
            if item["review_name"] == "Ledger group" {
                assert!(grants.is_empty(), "given directly, and Bob's Ledger is not hers: {item}");
            } else {
                assert_eq!(grants.len(), 1, "{item}");
                assert_eq!(grants[0]["access_package_id"], wiki.package.as_str());
                assert_eq!(grants[0]["access_package_name"], "Wiki");
                assert_eq!(grants[0]["policy_name"], "Anyone");
            }
        }
        // Paged, newest first, with the same answers page by page.
        let first = page(&app.admin, &format!("/api/v1/users/{}/access-review-items?limit=2", alice.id())).await;
        let item_ids = |items: &[Value]| items.iter().map(|item| id(&item["item"])).collect::<Vec<_>>();
        assert_eq!(item_ids(&first), item_ids(&items[..2]));
    }
}

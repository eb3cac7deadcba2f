//! Reprocessing an assignment or a package: directory rows changed by hand are put back to
//! what the delivered assignments say, rows an ended assignment left behind are taken away,
//! and the difference is answered and audited. A dry run only reports.

use chrono::Utc;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use super::requests::{Offer, asked, offer};
use crate::helpers::*;
use crate::on_both_backends;

fn policy(_: Uuid) -> Value {
    json!({
        "name": "Anyone",
        "who_can_request": {"type": "all_members"},
        "approval": {"type": "none"},
        "lifecycle": {"expiry": {"type": "never"}},
    })
}

async fn members(app: &TestApp, group: Uuid) -> Vec<String> {
    let listed: Value = app
        .admin
        .get(&format!("/api/v1/groups/{group}/members"))
        .await
        .json()
        .await
        .unwrap();
    listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["username"].as_str().unwrap().to_string())
        .collect()
}

/// Takes `user` out of `group` by hand, as an administrator editing the directory would.
async fn take_out(app: &TestApp, group: Uuid, user: &str) {
    let removed = app
        .admin
        .delete(&format!("/api/v1/groups/{group}/members/{user}"))
        .await;
    assert_eq!(removed.status(), 204);
}

async fn reprocess(session: &Session, path: &str) -> Value {
    let response = session.post(path, &json!({})).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    body
}

fn usernames(changes: &Value) -> Vec<&str> {
    changes
        .as_array()
        .unwrap()
        .iter()
        .map(|change| change["user"]["username"].as_str().unwrap())
        .collect()
}

async fn audited(app: &TestApp, action: &str, target: &str) -> Vec<Value> {
    let listed: Value = app
        .admin
        .get(&format!(
            "/api/v1/audit-events?action={action}&target_id={target}"
        ))
        .await
        .json()
        .await
        .unwrap();
    listed["items"].as_array().unwrap().clone()
}

async fn holds(session: &Session, wiki: &Offer) -> String {
    let request = asked(session, wiki, json!({})).await;
    assert_eq!(request["state"], "delivered");
    request["assignment_id"].as_str().unwrap().to_string()
}

on_both_backends! {
    async fn reprocessing_puts_back_a_membership_removed_by_hand_and_reports_it(app: TestApp) {
        let wiki = offer(&app, "Wiki", policy).await;
        let alice = app.person("alice").await;
        let bob = app.person("bob").await;
        let assignment = holds(&alice, &wiki).await;
        holds(&bob, &wiki).await;
        take_out(&app, wiki.group, &alice.id()).await;
        assert_eq!(members(&app, wiki.group).await, ["bob"]);
        let package = format!("/api/v1/access-packages/{}/reprocess", wiki.package);

        // A dry run reports and changes nothing.
        let report = reprocess(&app.admin, &format!("{package}?dry_run=true")).await;
        assert_eq!(report["dry_run"], true);
        assert_eq!(usernames(&report["added"]), ["alice"]);
        assert_eq!(usernames(&report["removed"]), Vec::<&str>::new());
        let added = &report["added"][0];
        assert_eq!(added["kind"], "group_member");
        assert_eq!(added["group_id"], wiki.group.to_string());
        assert_eq!(added["resource_name"], "Wiki group");
        assert_eq!(members(&app, wiki.group).await, ["bob"]);
        assert!(audited(&app, "package.reprocess", &wiki.package).await.is_empty());

        // Reprocessing puts it back, and says so in the audit trail.
        let report = reprocess(&app.admin, &package).await;
        assert_eq!(report["dry_run"], false);
        assert_eq!(usernames(&report["added"]), ["alice"]);
        assert_eq!(members(&app, wiki.group).await, ["alice", "bob"]);
        let events = audited(&app, "package.reprocess", &wiki.package).await;
        assert_eq!(events.len(), 1);
        assert_eq!(events[0]["after"]["added"][0]["user"]["username"], "alice");
        // Nothing is left to put right.
        let report = reprocess(&app.admin, &package).await;
        assert_eq!((usernames(&report["added"]), usernames(&report["removed"])), (vec![], vec![]));

        // One assignment at a time: only its person's rows.
        take_out(&app, wiki.group, &alice.id()).await;
        take_out(&app, wiki.group, &bob.id()).await;
        let report = reprocess(&app.admin, &format!("/api/v1/assignments/{assignment}/reprocess")).await;
        assert_eq!(usernames(&report["added"]), ["alice"]);
        assert_eq!(members(&app, wiki.group).await, ["alice"]);
        assert_eq!(audited(&app, "assignment.reprocess", &assignment).await.len(), 1);
    }
}

on_both_backends! {
    async fn reprocessing_takes_away_only_what_an_ended_assignment_granted(app: TestApp) {
        let state = app.state().await;
        let wiki = offer(&app, "Wiki", policy).await;
        let bob = app.person("bob").await;
        let carol = app.person("carol").await;
        for person in [&bob, &carol] {
            let assignment = holds(person, &wiki).await;
            let removed = app.admin.post(&format!("/api/v1/assignments/{assignment}/remove"), &json!({})).await;
            assert_eq!(removed.status(), 200);
        }
        assert!(members(&app, wiki.group).await.is_empty());
        // Bob's row comes back marked as an assignment's (as if its removal had been undone
        // by hand in the database); carol is added by an administrator, which is hers to keep.
        let bob_id: Uuid = bob.id().parse().unwrap();
        let sql = "INSERT INTO group_members (group_id, user_id, added_at, granted_by_assignment) \
                   VALUES ($1, $2, $3, TRUE)";
        match &state.db {
            tessera_api::store::Db::Sqlite(pools) => {
                sqlx::query(sql).bind(wiki.group).bind(bob_id).bind(Utc::now()).execute(pools.writer()).await.unwrap();
            }
            tessera_api::store::Db::Postgres(pool) => {
                sqlx::query(sql).bind(wiki.group).bind(bob_id).bind(Utc::now()).execute(pool).await.unwrap();
            }
        }
        assert_eq!(app.admin.put(&format!("/api/v1/groups/{}/members/{}", wiki.group, carol.id())).await.status(), 204);

        let package = format!("/api/v1/access-packages/{}/reprocess", wiki.package);
        let report = reprocess(&app.admin, &format!("{package}?dry_run=true")).await;
        assert_eq!(usernames(&report["removed"]), ["bob"]);
        assert_eq!(members(&app, wiki.group).await, ["bob", "carol"]);
        let report = reprocess(&app.admin, &package).await;
        assert_eq!(usernames(&report["removed"]), ["bob"]);
        assert_eq!(usernames(&report["added"]), Vec::<&str>::new());
        assert_eq!(members(&app, wiki.group).await, ["carol"]);
    }
}

on_both_backends! {
    async fn only_the_package_catalogs_assignment_managers_and_administrators_may_reprocess(app: TestApp) {
        let wiki = offer(&app, "Wiki", policy).await;
        let alice = app.person("alice").await;
        let assignment = holds(&alice, &wiki).await;
        take_out(&app, wiki.group, &alice.id()).await;
        let package: Value = app.admin.get(&format!("/api/v1/access-packages/{}", wiki.package)).await.json().await.unwrap();
        let catalog = package["catalog_id"].as_str().unwrap();

        let plain = app.person("plain").await;
        let reader = app.person("reader").await;
        let manager = app.person("manager").await;
        let other_manager = app.person("othermanager").await;
        let other = offer(&app, "Other", policy).await;
        let other: Value = app.admin.get(&format!("/api/v1/access-packages/{}", other.package)).await.json().await.unwrap();
        for (catalog, role, who) in [
            (catalog, "reader", &reader),
            (catalog, "access_package_assignment_manager", &manager),
            (other["catalog_id"].as_str().unwrap(), "access_package_assignment_manager", &other_manager),
        ] {
            let granted = app.admin.send(Method::PUT, &format!("/api/v1/catalogs/{catalog}/roles/{role}/{}", who.id()), None).await;
            assert_eq!(granted.status(), 204);
        }
        let paths = [
            format!("/api/v1/access-packages/{}/reprocess", wiki.package),
            format!("/api/v1/assignments/{assignment}/reprocess"),
        ];
        for path in &paths {
            assert_problem(plain.post(path, &json!({})).await, 404, "not_found").await;
            assert_problem(other_manager.post(path, &json!({})).await, 404, "not_found").await;
            assert_problem(reader.post(path, &json!({})).await, 403, "forbidden").await;
            let anonymous = app.anonymous().post(app.url(path)).send().await.unwrap();
            assert_eq!(anonymous.status(), 401);
            let bad = app.admin.post(&format!("{path}?dry_run=perhaps"), &json!({})).await;
            assert_eq!(bad.status(), 400, "{path}");
        }
        assert!(members(&app, wiki.group).await.is_empty(), "refused calls change nothing");
        assert!(audited(&app, "package.reprocess", &wiki.package).await.is_empty());

        let report = reprocess(&manager, &paths[0]).await;
        assert_eq!(usernames(&report["added"]), ["alice"]);
        assert_eq!(members(&app, wiki.group).await, ["alice"]);
    }
}

//! What the catalog tells a person about themselves: the packages they hold or asked for are
//! marked in the "Available" list, the catalogs are counted, and packages people like them
//! hold (or they held before) are suggested, never ones they may not request.

use serde_json::{Value, json};
use uuid::Uuid;

use super::requests::{asked, offer, one_stage};
use crate::helpers::*;
use crate::on_both_backends;

fn open(_: Uuid) -> Value {
    json!({
        "name": "Anyone",
        "who_can_request": {"type": "all_members"},
        "approval": {"type": "none"},
        "lifecycle": {
            "expiry": {"type": "after_days", "days": 30},
            "self_removal_allowed": true,
        },
    })
}

async fn body(response: reqwest::Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    body
}

fn by_name<'a>(page: &'a Value, name: &str) -> &'a Value {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["name"] == name)
        .unwrap_or_else(|| panic!("{name} is not in {page}"))
}

async fn set(app: &TestApp, person: &Session, changes: Value) {
    let response = app
        .admin
        .patch(&format!("/api/v1/users/{}", person.id()), &changes)
        .await;
    assert_eq!(response.status(), 200, "{:?}", response.text().await);
}

on_both_backends! {
    async fn available_packages_say_what_one_holds_or_awaits_and_are_counted_by_catalog(app: TestApp) {
        let alice = app.person("alice").await;
        let approver = app.person("approver").await;
        let wiki = offer(&app, "Wiki", open).await;
        let ledger = offer(&app, "Ledger", |_| one_stage(&[&approver.id()])).await;
        let handbook = offer(&app, "Handbook", open).await;
        let hidden = offer(&app, "Secret", open).await;
        assert_eq!(app.admin.patch(&format!("/api/v1/access-packages/{}", hidden.package), &json!({"hidden": true})).await.status(), 200);

        let held = asked(&alice, &wiki, json!({})).await;
        assert_eq!(held["state"], "delivered");
        let pending = asked(&alice, &ledger, json!({})).await;
        assert_eq!(pending["state"], "pending_approval");

        let page = body(alice.get("/api/v1/me/available-packages").await).await;
        let mark = &by_name(&page, "Wiki")["holding"];
        assert_eq!(mark["state"], "held");
        assert_eq!(mark["assignment_id"], held["assignment_id"]);
        let ends: chrono::DateTime<chrono::Utc> = mark["ends_at"].as_str().unwrap().parse().unwrap();
        assert_eq!((ends - chrono::Utc::now()).num_days(), 29, "30 days from now, less the seconds gone");
        assert_eq!(by_name(&page, "Ledger")["holding"], json!({"state": "pending", "request_id": pending["id"]}));
        assert_eq!(by_name(&page, "Handbook")["holding"], Value::Null);
        // The approver has none of them.
        let theirs = body(approver.get("/api/v1/me/available-packages").await).await;
        assert!(theirs["items"].as_array().unwrap().iter().all(|item| item["holding"].is_null()), "{theirs}");

        // A direct link says the same.
        let options = body(alice.get(&format!("/api/v1/access-packages/{}/request-options", wiki.package)).await).await;
        assert_eq!(options["package"]["holding"]["state"], "held");
        let options = body(alice.get(&format!("/api/v1/access-packages/{}/request-options", ledger.package)).await).await;
        assert_eq!(options["package"]["holding"]["state"], "pending");

        // One catalog at a time, and each catalog counted (the hidden package's is not).
        let catalogs = body(alice.get("/api/v1/me/available-catalogs").await).await;
        let named: Vec<(&str, u64)> = catalogs["items"].as_array().unwrap().iter()
            .map(|c| (c["catalog_name"].as_str().unwrap(), c["count"].as_u64().unwrap())).collect();
        assert_eq!(named, [("Handbook catalog", 1), ("Ledger catalog", 1), ("Wiki catalog", 1)]);
        let handbook_catalog = catalogs["items"][0]["catalog_id"].as_str().unwrap();
        let one = body(alice.get(&format!("/api/v1/me/available-packages?catalog_id={handbook_catalog}")).await).await;
        assert_eq!(one["items"].as_array().unwrap().len(), 1);
        assert_eq!(one["items"][0]["id"], handbook.package.as_str());
        let searched = body(alice.get("/api/v1/me/available-catalogs?q=ledg").await).await;
        assert_eq!(searched["items"].as_array().unwrap().len(), 1);
        assert_eq!(searched["items"][0]["catalog_name"], "Ledger catalog");
        let refused = alice.get("/api/v1/me/available-packages?catalog_id=nope").await;
        let problem = assert_problem(refused, 400, "bad_request").await;
        assert_eq!(problem_fields(&problem), ["catalog_id"]);
    }
}

on_both_backends! {
    async fn suggestions_come_from_colleagues_and_past_access_but_never_what_one_may_not_request(app: TestApp) {
        let alice = app.person("alice").await;
        let bob = app.person("bob").await;
        let carol = app.person("carol").await;
        let dave = app.person("dave").await;
        let boss = app.person("boss").await;
        for (person, department) in [(&alice, "Finance"), (&bob, "Finance"), (&carol, "Sales"), (&dave, "Sales")] {
            set(&app, person, json!({"department": department})).await;
        }
        set(&app, &alice, json!({"manager_id": boss.id()})).await;
        set(&app, &carol, json!({"manager_id": boss.id()})).await;

        let ledger = offer(&app, "Ledger", open).await;
        let payroll = offer(&app, "Payroll", open).await;
        let wiki = offer(&app, "Wiki", open).await;
        let travel = offer(&app, "Travel", open).await;
        let owned = offer(&app, "Owned", open).await;
        let hidden = offer(&app, "Hidden", open).await;
        assert_eq!(app.admin.patch(&format!("/api/v1/access-packages/{}", hidden.package), &json!({"hidden": true})).await.status(), 200);
        let bob_only = offer(&app, "Bob only", |_| json!({
            "name": "Bob",
            "who_can_request": {"type": "specific_users_and_groups", "users": [bob.id()]},
            "approval": {"type": "none"},
            "lifecycle": {"expiry": {"type": "never"}},
        })).await;
        let asked_for = offer(&app, "Asked for", |_| one_stage(&[&boss.id()])).await;

        for (person, offers) in [
            (&bob, vec![&ledger, &owned, &hidden, &bob_only]),
            (&carol, vec![&ledger, &payroll]),
            (&dave, vec![&travel]),
            (&alice, vec![&owned, &wiki]),
        ] {
            for offer in offers {
                assert_eq!(asked(person, offer, json!({})).await["state"], "delivered");
            }
        }
        let bobs = asked(&bob, &asked_for, json!({})).await;
        let approved = boss.post(&format!("/api/v1/requests/{}/decision", bobs["id"].as_str().unwrap()), &json!({"stage": 1, "verdict": "approve"})).await;
        assert_eq!(approved.status(), 200, "{:?}", approved.text().await);
        assert_eq!(asked(&alice, &asked_for, json!({})).await["state"], "pending_approval");
        let removed = alice.post("/api/v1/requests", &json!({"access_package_id": wiki.package, "ask": "remove"})).await;
        assert_eq!(removed.status(), 201);

        let suggested = body(alice.get("/api/v1/me/suggested-packages").await).await;
        let names: Vec<&str> = suggested["items"].as_array().unwrap().iter()
            .map(|s| s["package"]["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Ledger", "Payroll", "Wiki"], "{suggested}");
        assert_eq!(suggested["items"][0]["reasons"], json!([
            {"reason": "same_department", "department": "Finance", "count": 1},
            {"reason": "same_manager", "count": 1},
        ]));
        assert_eq!(suggested["items"][1]["reasons"], json!([{"reason": "same_manager", "count": 1}]));
        let past = &suggested["items"][2]["reasons"];
        assert_eq!(past[0]["reason"], "held_before", "{past}");
        assert!(past[0]["until"].as_str().is_some(), "{past}");
        assert_eq!(past[0]["count"], 1, "{past}");
        assert_eq!(suggested["items"][0]["package"]["resources"], json!(["Member of Ledger group"]));

        // Bob holds "Bob only", which Alice may not request, and the hidden package: neither
        // is suggested to her (above). Dave has no manager: his department alone speaks.
        let for_dave = body(dave.get("/api/v1/me/suggested-packages").await).await;
        let dave_names: Vec<&str> = for_dave["items"].as_array().unwrap().iter()
            .map(|s| s["package"]["name"].as_str().unwrap()).collect();
        assert_eq!(dave_names, ["Ledger", "Payroll"], "Carol is in Sales too: {for_dave}");
        // The boss is suggested what his direct reports (Alice and Carol) hold.
        let for_boss = body(boss.get("/api/v1/me/suggested-packages").await).await;
        let boss_names: Vec<&str> = for_boss["items"].as_array().unwrap().iter()
            .map(|s| s["package"]["name"].as_str().unwrap()).collect();
        assert_eq!(boss_names, ["Ledger", "Owned", "Payroll"], "{for_boss}");
        assert_eq!(for_boss["items"][0]["reasons"], json!([{"reason": "direct_reports", "count": 1}]));
    }
}

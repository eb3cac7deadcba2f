//! The packages suggested to a person: what the enabled people related to them (of their
//! department, with their manager, reporting to them) hold and what they held themselves,
//! counted per relation, strongest first; never what they may not request, hold or await.

use serde_json::{Value, json};
use uuid::Uuid;

use super::requests::{Offer, asked, offer, one_stage};
use crate::helpers::*;
use crate::on_both_backends;

fn open(_: Uuid) -> Value {
    json!({
        "name": "Anyone",
        "who_can_request": {"type": "all_members"},
        "approval": {"type": "none"},
        "lifecycle": {"expiry": {"type": "never"}, "self_removal_allowed": true},
    })
}

async fn ok(response: reqwest::Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    body
}

async fn set(app: &TestApp, person: &Session, changes: Value) {
    let response = app
        .admin
        .patch(&format!("/api/v1/users/{}", person.id()), &changes)
        .await;
    assert_eq!(response.status(), 200, "{:?}", response.text().await);
}

async fn holds(person: &Session, offers: &[&Offer]) {
    for offer in offers {
        assert_eq!(asked(person, offer, json!({})).await["state"], "delivered");
    }
}

/// `person` gives `offer` up: their assignment ends, removed.
async fn gives_up(person: &Session, offer: &Offer) {
    let removed = person
        .post(
            "/api/v1/requests",
            &json!({"access_package_id": offer.package, "ask": "remove"}),
        )
        .await;
    assert_eq!(removed.status(), 201, "{:?}", removed.text().await);
}

fn names(suggested: &Value) -> Vec<&str> {
    suggested["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["package"]["name"].as_str().unwrap())
        .collect()
}

fn reasons_of<'a>(suggested: &'a Value, name: &str) -> &'a Value {
    &suggested["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["package"]["name"] == name)
        .unwrap_or_else(|| panic!("{name} is not suggested: {suggested}"))["reasons"]
}

on_both_backends! {
    async fn peers_department_reports_and_history_each_speak_and_the_strongest_come_first(app: TestApp) {
        let alice = app.person("alice").await;
        let boss = app.person("boss").await;
        let pat = app.person("pat").await;
        let dan = app.person("dan").await;
        let rita = app.person("rita").await;
        let gus = app.person("gus").await;
        for (person, department) in [(&alice, "Finance"), (&dan, "Finance"), (&gus, "Finance"), (&pat, "Ops")] {
            set(&app, person, json!({"department": department})).await;
        }
        set(&app, &alice, json!({"manager_id": boss.id()})).await;
        set(&app, &pat, json!({"manager_id": boss.id()})).await;
        set(&app, &rita, json!({"manager_id": alice.id()})).await;

        let ledger = offer(&app, "Ledger", open).await;
        let payroll = offer(&app, "Payroll", open).await;
        let travel = offer(&app, "Travel", open).await;
        let wiki = offer(&app, "Wiki", open).await;
        holds(&pat, &[&ledger]).await;
        holds(&dan, &[&ledger, &payroll]).await;
        holds(&rita, &[&payroll, &travel]).await;
        holds(&gus, &[&travel, &wiki]).await;
        // A disabled person is not counted, whatever still stands of their access.
        set(&app, &gus, json!({"enabled": false})).await;
        // Alice held Payroll once, and Wiki twice.
        holds(&alice, &[&payroll, &wiki]).await;
        gives_up(&alice, &payroll).await;
        gives_up(&alice, &wiki).await;
        holds(&alice, &[&wiki]).await;
        gives_up(&alice, &wiki).await;

        let suggested = ok(alice.get("/api/v1/me/suggested-packages").await).await;
        // Payroll and Ledger are held by two related people each (Alice herself is never
        // counted); Payroll she also held before. Then Travel (one report), then Wiki (her past).
        assert_eq!(names(&suggested), ["Payroll", "Ledger", "Travel", "Wiki"], "{suggested}");
        assert_eq!(*reasons_of(&suggested, "Ledger"), json!([
            {"reason": "same_department", "department": "Finance", "count": 1},
            {"reason": "same_manager", "count": 1},
        ]));
        let payroll_reasons = reasons_of(&suggested, "Payroll");
        assert_eq!(payroll_reasons[0], json!({"reason": "same_department", "department": "Finance", "count": 1}));
        assert_eq!(payroll_reasons[1], json!({"reason": "direct_reports", "count": 1}));
        assert_eq!(payroll_reasons[2]["reason"], "held_before");
        assert_eq!(payroll_reasons[2]["count"], 1);
        assert_eq!(payroll_reasons.as_array().unwrap().len(), 3, "{payroll_reasons}");
        assert_eq!(*reasons_of(&suggested, "Travel"), json!([{"reason": "direct_reports", "count": 1}]));
        let wiki_reasons = reasons_of(&suggested, "Wiki").as_array().unwrap();
        assert_eq!(wiki_reasons.len(), 1, "{wiki_reasons:?}");
        assert_eq!(wiki_reasons[0]["reason"], "held_before");
        assert_eq!(wiki_reasons[0]["count"], 2);
        let until: chrono::DateTime<chrono::Utc> = wiki_reasons[0]["until"].as_str().unwrap().parse().unwrap();
        let payroll_until: chrono::DateTime<chrono::Utc> = payroll_reasons[2]["until"].as_str().unwrap().parse().unwrap();
        assert!(until >= payroll_until, "the last of the two ends: {until} {payroll_until}");
        assert!((chrono::Utc::now() - until).num_minutes() < 5, "{until}");

        // The strongest first, as many as asked for.
        let two = ok(alice.get("/api/v1/me/suggested-packages?limit=2").await).await;
        assert_eq!(names(&two), ["Payroll", "Ledger"]);
        for bad in ["0", "51", "many"] {
            let refused = alice.get(&format!("/api/v1/me/suggested-packages?limit={bad}")).await;
            let problem = assert_problem(refused, 400, "bad_request").await;
            assert_eq!(problem_fields(&problem), ["limit"], "{bad}");
        }

        // Rita's only relation is her manager, Alice, who is neither her peer nor her report
        // and holds nothing now; Alice's past access is not Rita's.
        let for_rita = ok(rita.get("/api/v1/me/suggested-packages").await).await;
        assert_eq!(for_rita["items"], json!([]), "{for_rita}");
        // Pat shares Alice's manager, and Alice's past access is not his either.
        let for_pat = ok(pat.get("/api/v1/me/suggested-packages").await).await;
        assert_eq!(for_pat["items"], json!([]), "{for_pat}");
    }
}

on_both_backends! {
    async fn what_one_holds_awaits_may_not_request_or_cannot_see_is_never_suggested(app: TestApp) {
        let alice = app.person("alice").await;
        let dan = app.person("dan").await;
        let approver = app.person("approver").await;
        for person in [&alice, &dan] {
            set(&app, person, json!({"department": "Finance"})).await;
        }
        let shown = offer(&app, "Shown", open).await;
        let owned = offer(&app, "Owned", open).await;
        let awaited = offer(&app, "Awaited", |_| one_stage(&[&approver.id()])).await;
        let hidden = offer(&app, "Hidden", open).await;
        let dans_only = offer(&app, "Dan only", |_| json!({
            "name": "Dan",
            "who_can_request": {"type": "specific_users_and_groups", "users": [dan.id()]},
            "approval": {"type": "none"},
            "lifecycle": {"expiry": {"type": "never"}},
        })).await;
        let closed = offer(&app, "Closed catalog", open).await;
        holds(&dan, &[&shown, &owned, &hidden, &dans_only, &closed]).await;
        let approved = asked(&dan, &awaited, json!({})).await;
        let decided = approver.post(&format!("/api/v1/requests/{}/decision", approved["id"].as_str().unwrap()), &json!({"stage": 1, "verdict": "approve"})).await;
        assert_eq!(decided.status(), 200, "{:?}", decided.text().await);

        holds(&alice, &[&owned]).await;
        assert_eq!(asked(&alice, &awaited, json!({})).await["state"], "pending_approval");
        let hid = app.admin.patch(&format!("/api/v1/access-packages/{}", hidden.package), &json!({"hidden": true})).await;
        assert_eq!(hid.status(), 200);
        let catalog = ok(app.admin.get(&format!("/api/v1/access-packages/{}", closed.package)).await).await;
        let disabled = app.admin.patch(&format!("/api/v1/catalogs/{}", catalog["catalog_id"].as_str().unwrap()), &json!({"enabled": false})).await;
        assert_eq!(disabled.status(), 200, "{:?}", disabled.text().await);

        let suggested = ok(alice.get("/api/v1/me/suggested-packages").await).await;
        assert_eq!(names(&suggested), ["Shown"], "{suggested}");
        assert_eq!(*reasons_of(&suggested, "Shown"), json!([
            {"reason": "same_department", "department": "Finance", "count": 1},
        ]));
        // The suggestions are a part of what she may request.
        let available = ok(alice.get("/api/v1/me/available-packages").await).await;
        let available: Vec<&str> = available["items"].as_array().unwrap().iter()
            .map(|p| p["name"].as_str().unwrap()).collect();
        assert!(available.contains(&"Shown"), "{available:?}");
        assert!(!available.contains(&"Dan only") && !available.contains(&"Hidden"), "{available:?}");

        let anonymous = app.anonymous().get(app.url("/api/v1/me/suggested-packages")).send().await.unwrap();
        assert_problem(anonymous, 401, "unauthenticated").await;
    }
}

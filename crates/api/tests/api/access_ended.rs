//! Every way access ends tells the person, and says why: expiry, removal by an administrator,
//! giving it up, an access review (a reviewer's denial, or its no-response rule), the package
//! being deleted, and the account being disabled.

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use tessera_api::jobs::assignments::run_due_work;
use tessera_api::service::reviews::run_due_reviews;
use uuid::Uuid;

use super::catalogs::insert_group;
use super::requests::{Offer, asked, offer};
use crate::helpers::*;
use crate::on_both_backends;

fn policy(expiry: Value) -> impl FnOnce(Uuid) -> Value {
    move |_| {
        json!({
            "name": "Anyone",
            "who_can_request": {"type": "all_members"},
            "approval": {"type": "none"},
            "lifecycle": {"expiry": expiry, "self_removal_allowed": true},
        })
    }
}

/// `person`'s notifications about access ending: (kind, subject, text), newest first.
async fn endings(app: &TestApp, person: &str) -> Vec<(String, String, String)> {
    let state = app.state().await;
    let person: Uuid = person.parse().unwrap();
    tessera_api::store::notifications::list_for_recipient(&state.db, person, false, None, 50)
        .await
        .unwrap()
        .into_iter()
        .filter(|note| matches!(note.kind.as_str(), "access_removed" | "access_expired"))
        .map(|note| (note.kind.as_str().to_owned(), note.subject, note.body_text))
        .collect()
}

/// Asserts that `person` was told once, with `kind` and `subject`, that the text says `why`.
async fn told(app: &TestApp, person: &str, kind: &str, subject: &str, why: &str) {
    let notes = endings(app, person).await;
    assert_eq!(notes.len(), 1, "{notes:?}");
    let (found_kind, found_subject, text) = &notes[0];
    assert_eq!(
        (found_kind.as_str(), found_subject.as_str()),
        (kind, subject)
    );
    assert!(text.contains(why), "{text}");
}

async fn holds(session: &Session, offer: &Offer) -> String {
    let request = asked(session, offer, json!({})).await;
    assert_eq!(request["state"], "delivered");
    request["assignment_id"].as_str().unwrap().to_string()
}

fn review(name: &str, resources: Value, reviewer: &str, if_no_response: &str) -> Value {
    json!({
        "name": name,
        "scope": {"resources": resources},
        "stages": [{
            "reviewers": [{"type": "user", "user_id": reviewer}],
            "duration_days": 7,
        }],
        "schedule": {"type": "one_time", "starts_at": (Utc::now() + Duration::seconds(5)).to_rfc3339()},
        "settings": {"auto_apply": true, "if_no_response": if_no_response},
    })
}

on_both_backends! {
    async fn every_way_access_ends_tells_the_person_why(app: TestApp) {
        let state = app.state().await;
        let expiring = offer(&app, "Expiring", policy(json!({"type": "after_days", "days": 30}))).await;
        let wiki = offer(&app, "Wiki", policy(json!({"type": "never"}))).await;
        let doomed = offer(&app, "Doomed", policy(json!({"type": "never"}))).await;
        let reviewed = offer(&app, "Reviewed", policy(json!({"type": "never"}))).await;
        let lab = insert_group(&app, "Lab", None).await;

        // Expiry.
        let alice = app.person("alice").await;
        holds(&alice, &expiring).await;
        run_due_work(&state, Utc::now() + Duration::days(31)).await.unwrap();
        told(&app, &alice.id(), "access_expired", "Your access to Expiring has ended", "reached its planned end").await;

        // An administrator removes it.
        let bob = app.person("bob").await;
        let assignment = holds(&bob, &wiki).await;
        let removed = app.admin.post(&format!("/api/v1/assignments/{assignment}/remove"), &json!({})).await;
        assert_eq!(removed.status(), 200);
        told(&app, &bob.id(), "access_removed", "Your access to Wiki was removed", "An administrator removed").await;

        // The person gives it up.
        let carol = app.person("carol").await;
        holds(&carol, &wiki).await;
        let given_up = carol.post("/api/v1/requests", &json!({"access_package_id": wiki.package, "ask": "remove"})).await;
        assert_eq!(given_up.status(), 201);
        told(&app, &carol.id(), "access_removed", "Your access to Wiki was removed", "You gave up this access").await;

        // The package is deleted.
        let frank = app.person("frank").await;
        holds(&frank, &doomed).await;
        assert_eq!(app.admin.delete(&format!("/api/v1/access-packages/{}", doomed.package)).await.status(), 204);
        told(&app, &frank.id(), "access_removed", "Your access to Doomed was removed", "package that granted this access was deleted").await;

        // The account is disabled.
        let gina = app.person("gina").await;
        holds(&gina, &wiki).await;
        let disabled = app.admin.patch(&format!("/api/v1/users/{}", gina.id()), &json!({"enabled": false})).await;
        assert_eq!(disabled.status(), 200);
        told(&app, &gina.id(), "access_removed", "Your access to Wiki was removed", "Your account was disabled").await;

        // Access reviews: a reviewer denies dave's membership of Lab; nobody reviews erin's
        // package, and that review removes what nobody reviewed.
        let dave = app.person("dave").await;
        assert_eq!(app.admin.put(&format!("/api/v1/groups/{lab}/members/{}", dave.id())).await.status(), 204);
        let erin = app.person("erin").await;
        holds(&erin, &reviewed).await;
        let admin = app.admin.id();
        for body in [
            review("Lab check", json!({"type": "groups", "group_ids": [lab]}), &admin, "no_change"),
            review("Reviewed check", json!({"type": "access_package", "access_package_id": reviewed.package}), &admin, "deny"),
        ] {
            assert_eq!(app.admin.post("/api/v1/access-reviews", &body).await.status(), 201);
        }
        let start = Utc::now() + Duration::minutes(1);
        run_due_reviews(&state, start).await.unwrap();
        let mine: Value = app.admin.get("/api/v1/me/access-reviews").await.json().await.unwrap();
        let lab_review = mine["items"].as_array().unwrap().iter()
            .find(|instance| instance["resource_name"] == "Lab").unwrap()["id"].as_str().unwrap().to_string();
        let items: Value = app.admin.get(&format!("/api/v1/access-review-instances/{lab_review}/items?mine=true")).await.json().await.unwrap();
        let item = items["items"][0]["id"].as_str().unwrap().to_string();
        let denied = app.admin.post(&format!("/api/v1/access-review-items/{item}/decision"), &json!({"verdict": "deny"})).await;
        assert_eq!(denied.status(), 200);
        let end = start + Duration::days(8);
        run_due_reviews(&state, end).await.unwrap();
        run_due_reviews(&state, end).await.unwrap();
        told(&app, &dave.id(), "access_removed", "Your access to Lab was removed", "The access review Lab check removed this access: a reviewer denied it.").await;
        told(&app, &erin.id(), "access_removed", "Your access to Reviewed was removed", "nobody reviewed it in time").await;
        let members: Value = app.admin.get(&format!("/api/v1/groups/{lab}/members")).await.json().await.unwrap();
        assert_eq!(members["items"], json!([]));
        // What the review results say agrees: a decision for dave, the no-response rule for erin.
        let results: Value = app.admin.get(&format!("/api/v1/access-review-instances/{lab_review}/items")).await.json().await.unwrap();
        assert_eq!(results["items"][0]["final_outcome"]["basis"]["type"], "decision");
        assert_eq!(results["items"][0]["applied"], "removed");
    }
}

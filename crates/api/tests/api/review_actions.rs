//! What those who manage a review do to it while it runs: stop every current instance of a
//! definition, remind the reviewers now, reset the current stage's decisions.

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use tessera_api::service::reviews::run_due_reviews;

use super::catalogs::insert_group;
use crate::helpers::*;
use crate::on_both_backends;

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_string()
}

struct Running {
    definition: String,
    instance: String,
}

/// A review of a group's two members by `reviewer`, without the halfway reminder, started.
async fn running(app: &TestApp, reviewer: &Session) -> Running {
    let alice = app.person("alice").await;
    let bob = app.person("bob").await;
    let group = insert_group(app, "Reviewed", None).await;
    for person in [&alice, &bob] {
        let added = app
            .admin
            .put(&format!("/api/v1/groups/{group}/members/{}", person.id()))
            .await;
        assert_eq!(added.status(), 204);
    }
    let created = app
        .admin
        .post(
            "/api/v1/access-reviews",
            &json!({
                "name": "Check",
                "scope": {"resources": {"type": "groups", "group_ids": [group]}},
                "stages": [{
                    "reviewers": [{"type": "user", "user_id": reviewer.id()}],
                    "duration_days": 7,
                }],
                "schedule": {"type": "one_time", "starts_at": (Utc::now() + Duration::seconds(5)).to_rfc3339()},
                "settings": {"reminders": false},
            }),
        )
        .await;
    let definition: Value = created.json().await.unwrap();
    let state = app.state().await;
    run_due_reviews(&state, Utc::now() + Duration::minutes(1))
        .await
        .unwrap();
    let instances: Value = app
        .admin
        .get(&format!(
            "/api/v1/access-reviews/{}/instances",
            id(&definition)
        ))
        .await
        .json()
        .await
        .unwrap();
    Running {
        definition: id(&definition),
        instance: id(&instances["items"][0]),
    }
}

async fn items(session: &Session, instance: &str) -> Vec<Value> {
    let page: Value = session
        .get(&format!("/api/v1/access-review-instances/{instance}/items"))
        .await
        .json()
        .await
        .unwrap();
    page["items"].as_array().unwrap().clone()
}

async fn notification_kinds(session: &Session) -> Vec<String> {
    let page: Value = session
        .get("/api/v1/me/notifications")
        .await
        .json()
        .await
        .unwrap();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_string())
        .collect()
}

on_both_backends! {
    async fn a_reminder_goes_now_to_the_reviewers_still_waiting(app: TestApp) {
        let reviewer = app.person("reviewer").await;
        let plain = app.person("plain").await;
        let review = running(&app, &reviewer).await;
        let path = format!("/api/v1/access-review-instances/{}/remind", review.instance);
        assert!(!notification_kinds(&reviewer).await.contains(&"review_reminder".to_string()));

        assert_problem(plain.post(&path, &json!({})).await, 404, "not_found").await;
        assert_problem(reviewer.post(&path, &json!({})).await, 403, "forbidden").await;

        let sent = app.admin.post(&path, &json!({})).await;
        assert_eq!(sent.status(), 200);
        let sent: Value = sent.json().await.unwrap();
        assert_eq!(sent, json!({"stage": 1, "reviewers": [reviewer.id()]}), "stages are numbered from 1");
        assert!(notification_kinds(&reviewer).await.contains(&"review_reminder".to_string()));

        // Once everything is decided, nobody is waiting.
        for item in items(&reviewer, &review.instance).await {
            let decided = reviewer
                .post(&format!("/api/v1/access-review-items/{}/decision", id(&item)), &json!({"verdict": "approve"}))
                .await;
            assert_eq!(decided.status(), 200);
        }
        let sent: Value = app.admin.post(&path, &json!({})).await.json().await.unwrap();
        assert_eq!(sent["reviewers"], json!([]));
        let events: Value = app
            .admin
            .get(&format!("/api/v1/audit-events?action=access_review.remind_now&target_id={}", review.instance))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(events["items"].as_array().unwrap().len(), 2);
    }
}

on_both_backends! {
    async fn resetting_clears_the_current_stages_decisions(app: TestApp) {
        let reviewer = app.person("reviewer").await;
        let plain = app.person("plain").await;
        let review = running(&app, &reviewer).await;
        let path = format!("/api/v1/access-review-instances/{}/reset", review.instance);
        let first = items(&reviewer, &review.instance).await[0].clone();
        let decided = reviewer
            .post(&format!("/api/v1/access-review-items/{}/decision", id(&first)), &json!({"verdict": "deny"}))
            .await;
        assert_eq!(decided.status(), 200);

        assert_problem(plain.post(&path, &json!({})).await, 404, "not_found").await;
        assert_problem(reviewer.post(&path, &json!({})).await, 403, "forbidden").await;
        let decisions: Vec<Value> = items(&reviewer, &review.instance).await.iter().map(|i| i["decision"].clone()).collect();
        assert_eq!(decisions.iter().filter(|d| !d.is_null()).count(), 1, "the refusals changed nothing");

        let reset = app.admin.post(&path, &json!({})).await;
        assert_eq!(reset.status(), 200);
        let view: Value = reset.json().await.unwrap();
        assert_eq!(view["state"], "in_progress");
        assert!(items(&reviewer, &review.instance).await.iter().all(|i| i["decision"].is_null()));
        let again = reviewer
            .post(&format!("/api/v1/access-review-items/{}/decision", id(&first)), &json!({"verdict": "approve"}))
            .await;
        assert_eq!(again.status(), 200, "the reviewer decides anew");
    }
}

on_both_backends! {
    async fn stopping_a_definition_stops_its_running_instances(app: TestApp) {
        let reviewer = app.person("reviewer").await;
        let review = running(&app, &reviewer).await;
        let path = format!("/api/v1/access-reviews/{}/stop", review.definition);
        assert_problem(reviewer.post(&path, &json!({})).await, 404, "not_found").await;

        let stopped = app.admin.post(&path, &json!({})).await;
        assert_eq!(stopped.status(), 200);
        let stopped: Value = stopped.json().await.unwrap();
        assert_eq!(stopped.as_array().unwrap().len(), 1);
        assert_eq!(stopped[0]["id"], review.instance.as_str());
        assert_eq!(stopped[0]["state"], "completed");
        assert_eq!(stopped[0]["stopped"]["by"], app.admin.id().as_str());

        let again: Value = app.admin.post(&path, &json!({})).await.json().await.unwrap();
        assert_eq!(again, json!([]), "nothing runs any more");
        let remind = app
            .admin
            .post(&format!("/api/v1/access-review-instances/{}/remind", review.instance), &json!({}))
            .await;
        assert_problem(remind, 409, "review_not_open").await;
        let reset = app
            .admin
            .post(&format!("/api/v1/access-review-instances/{}/reset", review.instance), &json!({}))
            .await;
        assert_problem(reset, 409, "review_not_open").await;
    }
}

//! An approver's pending list sorted by when each request must be decided, across pages, and
//! requests that were already waiting when the decide-by column arrived.

use serde_json::{Value, json};

use super::requests::{asked, offer};
use crate::helpers::*;
use crate::on_both_backends;

/// One stage decided by `approver`, which must decide within `days`.
fn decided_within(approver: String, days: u32) -> impl FnOnce(uuid::Uuid) -> Value {
    move |_| {
        json!({
            "name": format!("Decided within {days} days"),
            "who_can_request": {"type": "all_members"},
            "approval": {"type": "required", "stages": [
                {"primary_approvers": [{"type": "user", "user_id": approver}], "timeout_days": days},
            ]},
            "lifecycle": {"expiry": {"type": "never"}},
        })
    }
}

async fn approvals(session: &Session, query: &str) -> Value {
    let response = session.get(&format!("/api/v1/me/approvals?{query}")).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

fn package_names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|request| request["access_package_name"].as_str().unwrap().to_string())
        .collect()
}

/// Asks for three packages whose approver must decide within 13, 3 and 9 days, in that
/// order.
async fn three_waiting_requests(app: &TestApp, approver: &Session) {
    let alice = app.person("alice").await;
    for (name, days) in [("Thirteen", 13), ("Three", 3), ("Nine", 9)] {
        let offer = offer(app, name, decided_within(approver.id(), days)).await;
        let request = asked(&alice, &offer, json!({})).await;
        assert_eq!(request["state"], "pending_approval");
    }
}

on_both_backends! {
    async fn an_approver_pages_through_pending_requests_soonest_deadline_first(app: TestApp) {
        let dora = app.person("dora").await;
        three_waiting_requests(&app, &dora).await;

        let newest = approvals(&dora, "list=pending").await;
        assert_eq!(package_names(&newest), ["Nine", "Three", "Thirteen"]);

        let first = approvals(&dora, "list=pending&sort=decide_by&limit=2").await;
        assert_eq!(package_names(&first), ["Three", "Nine"]);
        let cursor = first["next_cursor"].as_str().expect("a second page follows");
        let second = approvals(&dora, &format!("list=pending&sort=decide_by&limit=2&cursor={cursor}")).await;
        assert_eq!(package_names(&second), ["Thirteen"]);
        assert!(second["next_cursor"].is_null());

        // Someone else's list is not theirs to sort.
        let erin = app.person("erin").await;
        assert!(package_names(&approvals(&erin, "sort=decide_by").await).is_empty());
    }
}

on_both_backends! {
    async fn sorting_by_decide_by_is_refused_where_it_means_nothing(app: TestApp) {
        let dora = app.person("dora").await;
        three_waiting_requests(&app, &dora).await;
        let history = dora.get("/api/v1/me/approvals?list=history&sort=decide_by").await;
        let problem = assert_problem(history, 400, "bad_request").await;
        assert_eq!(problem_fields(&problem), ["sort"]);

        // A cursor of the newest-first order does not page the deadline order.
        let newest = approvals(&dora, "list=pending&limit=1").await;
        let cursor = newest["next_cursor"].as_str().unwrap();
        let crossed = dora
            .get(&format!("/api/v1/me/approvals?sort=decide_by&cursor={cursor}"))
            .await;
        let problem = assert_problem(crossed, 400, "bad_request").await;
        assert_eq!(problem_fields(&problem), ["cursor"]);

        let unknown = dora.get("/api/v1/me/approvals?sort=oldest").await;
        assert_eq!(unknown.status(), 400);
    }
}

on_both_backends! {
    async fn requests_waiting_before_the_decide_by_column_get_one_at_start(app: TestApp) {
        let dora = app.person("dora").await;
        three_waiting_requests(&app, &dora).await;
        // As the migration leaves requests that were waiting already.
        let state = app.state().await;
        let sql = "UPDATE requests SET decide_by = NULL";
        match &state.db {
            tessera_api::store::Db::Sqlite(pools) => {
                sqlx::query(sql).execute(pools.writer()).await.unwrap();
            }
            tessera_api::store::Db::Postgres(pool) => {
                sqlx::query(sql).execute(pool).await.unwrap();
            }
        }
        assert!(package_names(&approvals(&dora, "sort=decide_by").await).is_empty());

        // Opening the database, as a starting server does, fills them in.
        let _ = app.state().await;
        let sorted = approvals(&dora, "sort=decide_by").await;
        assert_eq!(package_names(&sorted), ["Three", "Nine", "Thirteen"]);
    }
}

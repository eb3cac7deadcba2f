//! The audit trail API: newest first, paged, filtered, and exported as CSV that a spreadsheet
//! cannot be tricked into running.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use super::catalogs::create_catalog;
use crate::helpers::*;
use crate::on_both_backends;

/// Every event the list answers for `query`, following `next_cursor` with pages of `limit`.
async fn all_pages(session: &Session, query: &str, limit: u32) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/v1/audit-events?limit={limit}{query}");
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={cursor}"));
        }
        let response = session.get(&path).await;
        assert_eq!(response.status(), 200, "{path}");
        let page: Value = response.json().await.unwrap();
        let got = page["items"].as_array().unwrap();
        assert!(got.len() <= limit as usize);
        items.extend(got.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return items,
        }
    }
}

fn actions(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

/// An RFC 3339 instant written for a query string.
fn instant(value: &Value) -> String {
    value.as_str().unwrap().replace('+', "%2B")
}

/// Writes an event straight into the trail, as a change made elsewhere would.
async fn insert_event(app: &TestApp, action: &str, actor_name: &str, target_id: &str, after: &str) {
    let state = app.state().await;
    let sql = "INSERT INTO audit_events (id, occurred_at, actor_id, actor_name, action, \
               target_type, target_id, before, after, request_id) \
               VALUES ($1, $2, NULL, $3, $4, 'test', $5, NULL, $6, $7)";
    let now = chrono::Utc::now();
    match &state.db {
        tessera_api::store::Db::Sqlite(pools) => {
            sqlx::query(sql)
                .bind(Uuid::now_v7())
                .bind(now)
                .bind(actor_name)
                .bind(action)
                .bind(target_id)
                .bind(after)
                .bind("=request")
                .execute(pools.writer())
                .await
                .unwrap();
        }
        tessera_api::store::Db::Postgres(pool) => {
            sqlx::query(sql)
                .bind(Uuid::now_v7())
                .bind(now)
                .bind(actor_name)
                .bind(action)
                .bind(target_id)
                .bind(after)
                .bind("=request")
                .execute(pool)
                .await
                .unwrap();
        }
    }
}

on_both_backends! {
    async fn the_trail_lists_every_change_newest_first_in_pages(app: TestApp) {
        let mia = app.person("mia").await;
        let catalog = create_catalog(&app.admin, "Finance").await;
        let c = catalog["id"].as_str().unwrap();
        app.admin.patch(&format!("/api/v1/catalogs/{c}"), &json!({"description": "Money"})).await;
        app.admin.send(Method::PUT, &format!("/api/v1/catalogs/{c}/roles/owner/{}", mia.id()), None).await;
        mia.post(&format!("/api/v1/catalogs/{c}/access-packages"), &json!({"name": "Ledger"})).await;

        let everything = all_pages(&app.admin, "", 200).await;
        assert_eq!(actions(&everything)[..5], [
            "access_package.create",
            "catalog.role.grant",
            "catalog.update",
            "catalog.create",
            "user.create",
        ]);
        let ids: Vec<&str> = everything.iter().map(|e| e["id"].as_str().unwrap()).collect();
        let mut descending = ids.clone();
        descending.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(ids, descending, "newest first");

        // Pages of two give the same events, each once.
        let paged = all_pages(&app.admin, "", 2).await;
        assert_eq!(paged, everything);
        let unique: BTreeSet<&str> = paged.iter().map(|e| e["id"].as_str().unwrap()).collect();
        assert_eq!(unique.len(), paged.len());

        // One event in full: who, what, on what, before and after as JSON, the request.
        let update = &everything[2];
        assert_eq!(update["actor_id"], app.admin.id().as_str());
        assert_eq!(update["actor_name"], "admin");
        assert_eq!((update["target_type"].as_str(), update["target_id"].as_str()), (Some("catalog"), Some(c)));
        assert_eq!(update["before"]["description"], "Finance things");
        assert_eq!(update["after"]["description"], "Money");
        assert!(update["request_id"].as_str().is_some_and(|r| !r.is_empty()), "{update}");
        // The first administrator was made outside any request, by no one.
        let first = everything.last().unwrap();
        assert_eq!((first["action"].as_str(), first["actor_id"].clone()), (Some("user.create"), Value::Null));
    }
}

on_both_backends! {
    async fn filters_narrow_the_trail_by_actor_target_action_and_time(app: TestApp) {
        let mia = app.person("mia").await;
        let finance = create_catalog(&app.admin, "Finance").await;
        let f = finance["id"].as_str().unwrap();
        app.admin.send(Method::PUT, &format!("/api/v1/catalogs/{f}/roles/owner/{}", mia.id()), None).await;
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let package = mia.post(&format!("/api/v1/catalogs/{f}/access-packages"), &json!({"name": "Ledger"})).await;
        let package: Value = package.json().await.unwrap();
        let p = package["id"].as_str().unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        mia.patch(&format!("/api/v1/catalogs/{f}"), &json!({"description": "Money"})).await;
        let sales = create_catalog(&app.admin, "Sales").await;
        let s = sales["id"].as_str().unwrap();

        let by_mia = all_pages(&app.admin, &format!("&actor_id={}", mia.id()), 50).await;
        assert_eq!(actions(&by_mia), ["catalog.update", "access_package.create"]);

        let on_finance = all_pages(&app.admin, &format!("&target_type=catalog&target_id={f}"), 50).await;
        assert_eq!(actions(&on_finance), ["catalog.update", "catalog.role.grant", "catalog.create"]);
        // The target id is a UUID, matched whatever its case.
        let upper = all_pages(&app.admin, &format!("&target_id={}", f.to_uppercase()), 50).await;
        assert_eq!(upper, on_finance);

        let created = all_pages(&app.admin, "&action=catalog.create", 50).await;
        let targets: Vec<&str> = created.iter().map(|e| e["target_id"].as_str().unwrap()).collect();
        assert_eq!(targets, [s, f]);

        let catalog_events = all_pages(&app.admin, "&action=catalog.*", 1).await;
        assert_eq!(actions(&catalog_events), ["catalog.create", "catalog.update", "catalog.role.grant", "catalog.create"]);
        let roles = all_pages(&app.admin, "&action=catalog.role.*", 50).await;
        assert_eq!(actions(&roles), ["catalog.role.grant"]);
        // A prefix is a whole word: `catalog.*` is not `catalog*`, and `_` is no wildcard.
        insert_event(&app, "catalogue.create", "x", "y", "{}").await;
        insert_event(&app, "accessxpackage.create", "x", "y", "{}").await;
        let catalog_events_again = all_pages(&app.admin, "&action=catalog.*", 50).await;
        assert_eq!(catalog_events_again, catalog_events);
        let packages = all_pages(&app.admin, "&action=access_package.*", 50).await;
        assert_eq!(actions(&packages), ["access_package.create"]);
        assert_eq!(all_pages(&app.admin, "&action=catalog", 50).await, Vec::<Value>::new());

        // `since` includes its instant, `until` excludes it.
        let created_package = &by_mia[1];
        assert_eq!(created_package["target_id"], p);
        let at = instant(&created_package["occurred_at"]);
        let since = all_pages(&app.admin, &format!("&since={at}&actor_id={}", mia.id()), 50).await;
        assert_eq!(actions(&since), ["catalog.update", "access_package.create"]);
        let until = all_pages(&app.admin, &format!("&until={at}&target_id={f}"), 50).await;
        assert_eq!(actions(&until), ["catalog.role.grant", "catalog.create"]);
        let window = all_pages(&app.admin, &format!("&since={}&until={}",
            instant(&on_finance[1]["occurred_at"]), instant(&on_finance[0]["occurred_at"])), 50).await;
        assert_eq!(actions(&window), ["access_package.create", "catalog.role.grant"]);
        // An offset other than Z names the same instant.
        let offset = all_pages(&app.admin, "&since=2000-01-01T02:00:00%2B02:00&until=2000-01-01T01:00:00Z", 50).await;
        assert_eq!(offset, Vec::<Value>::new());

        // Filters combine.
        let combined = all_pages(&app.admin, &format!("&actor_id={}&action=catalog.*", mia.id()), 50).await;
        assert_eq!(actions(&combined), ["catalog.update"]);
    }
}

on_both_backends! {
    async fn bad_filters_are_refused_naming_the_parameter(app: TestApp) {
        let cursor_of_no_event = base64_url("not-an-id");
        let cases = [
            ("actor_id=nobody", "actor_id"),
            ("target_id=42", "target_id"),
            ("target_type=Catalog", "target_type"),
            ("target_type=a.b", "target_type"),
            ("action=Catalog.create", "action"),
            ("action=catalog*", "action"),
            ("action=catalog.", "action"),
            ("action=%25", "action"),
            ("since=yesterday", "since"),
            ("until=2026-13-01T00:00:00Z", "until"),
            ("since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z", "until"),
            ("since=2026-01-01T00:00:00Z&until=2026-01-01T00:00:00Z", "until"),
            ("limit=0", "limit"),
            ("limit=201", "limit"),
            ("limit=many", "limit"),
            ("cursor=%25%25", "cursor"),
            ("colour=red", "colour"),
        ];
        for (query, field) in cases {
            let response = app.admin.get(&format!("/api/v1/audit-events?{query}")).await;
            let problem = assert_problem(response, 400, "bad_request").await;
            assert_eq!(problem_fields(&problem), vec![field], "{query}");
        }
        let forged = app.admin.get(&format!("/api/v1/audit-events?cursor={cursor_of_no_event}")).await;
        let problem = assert_problem(forged, 400, "bad_request").await;
        assert_eq!(problem_fields(&problem), vec!["cursor"]);
        // The export checks the same filters, and has no paging.
        for (query, field) in [
            ("actor_id=nobody", "actor_id"),
            ("action=catalog*", "action"),
            ("since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z", "until"),
            ("limit=10", "limit"),
        ] {
            let response = app.admin.get(&format!("/api/v1/audit-events.csv?{query}")).await;
            let problem = assert_problem(response, 400, "bad_request").await;
            assert_eq!(problem_fields(&problem), vec![field], "{query}");
        }
    }
}

fn base64_url(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

on_both_backends! {
    async fn ordinary_users_may_not_read_the_trail(app: TestApp) {
        let mia = app.person("mia").await;
        assert_problem(mia.get("/api/v1/audit-events").await, 403, "forbidden").await;
        assert_problem(mia.get("/api/v1/audit-events.csv").await, 403, "forbidden").await;
        let anonymous = app.anonymous().get(app.url("/api/v1/audit-events.csv")).send().await.unwrap();
        assert_problem(anonymous, 401, "unauthenticated").await;
    }
}

async fn export(session: &Session, query: &str) -> (reqwest::header::HeaderMap, String) {
    let response = session
        .get(&format!("/api/v1/audit-events.csv{query}"))
        .await;
    assert_eq!(response.status(), 200, "{query}");
    let headers = response.headers().clone();
    (headers, response.text().await.unwrap())
}

fn parse_csv(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|record| record.unwrap().iter().map(str::to_string).collect())
        .collect()
}

on_both_backends! {
    async fn the_export_is_rfc_4180_csv_of_the_filtered_events(app: TestApp) {
        let catalog = create_catalog(&app.admin, "Finance, \"EMEA\"").await;
        let c = catalog["id"].as_str().unwrap();
        app.admin.patch(&format!("/api/v1/catalogs/{c}"), &json!({"description": "line one\nline two"})).await;
        create_catalog(&app.admin, "Sales").await;

        let (headers, text) = export(&app.admin, &format!("?target_id={c}")).await;
        assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
        assert!(headers["content-disposition"].to_str().unwrap().contains("audit-events.csv"));
        assert!(headers.get("tessera-truncated").is_none());
        assert!(text.starts_with("id,occurred_at,actor_id,actor_name,action,target_type,target_id,request_id,before,after\r\n"), "{text}");
        assert!(text.ends_with("\r\n"));
        // Quotes are doubled inside a quoted field; a line break stays inside its field.
        assert!(text.contains(r#""Finance, \""EMEA\"""#), "{text}");
        let rows = parse_csv(&text);
        assert_eq!(rows.len(), 3, "a header and two events");
        assert_eq!(rows[0][4], "action");
        let listed = all_pages(&app.admin, &format!("&target_id={c}"), 50).await;
        for (row, event) in rows[1..].iter().zip(&listed) {
            assert_eq!(row[0], event["id"].as_str().unwrap());
            assert_eq!(row[2], app.admin.id());
            assert_eq!(row[3], "admin");
            assert_eq!(row[4], event["action"].as_str().unwrap());
            assert_eq!((row[5].as_str(), row[6].as_str()), ("catalog", c));
            assert_eq!(row[7], event["request_id"].as_str().unwrap());
            let after: Value = serde_json::from_str(&row[9]).unwrap();
            assert_eq!(after, event["after"]);
        }
        assert_eq!(rows[1][4], "catalog.update");
        let before: Value = serde_json::from_str(&rows[1][8]).unwrap();
        assert_eq!(before["name"], "Finance, \"EMEA\"");
        let after: Value = serde_json::from_str(&rows[1][9]).unwrap();
        assert_eq!(after["description"], "line one\nline two");

        // Same filters as the list.
        let (_, text) = export(&app.admin, "?action=catalog.create").await;
        let rows = parse_csv(&text);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1][8], "", "a creation has no before");
    }
}

on_both_backends! {
    async fn cells_a_spreadsheet_would_run_are_exported_as_text(app: TestApp) {
        insert_event(&app, "test.injection", "=HYPERLINK(\"http://evil\")", "-2+3", "@SUM(A1)").await;
        insert_event(&app, "test.injection", "+cmd|' /C calc'!A0", "\t=1", "{\"safe\":true}").await;
        let (_, text) = export(&app.admin, "?action=test.injection").await;
        let rows = parse_csv(&text);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1][3], "'+cmd|' /C calc'!A0");
        assert_eq!(rows[1][6], "'\t=1");
        assert_eq!(rows[1][9], "{\"safe\":true}");
        assert_eq!(rows[2][3], "'=HYPERLINK(\"http://evil\")");
        assert_eq!(rows[2][6], "'-2+3");
        assert_eq!(rows[2][7], "'=request");
        assert_eq!(rows[2][9], "'@SUM(A1)");
        for row in &rows[1..] {
            for cell in row {
                assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "{cell:?}");
            }
        }
        // The JSON list shows the stored text as it is; a snapshot that is not JSON is a string.
        let listed = all_pages(&app.admin, "&action=test.injection", 50).await;
        assert_eq!(listed[1]["actor_name"], "=HYPERLINK(\"http://evil\")");
        assert_eq!(listed[1]["after"], "@SUM(A1)");
        assert_eq!(listed[0]["after"], json!({"safe": true}));
    }
}

on_both_backends! {
    async fn the_export_stops_at_ten_thousand_rows_and_says_so(app: TestApp) {
        let state = app.state().await;
        match &state.db {
            tessera_api::store::Db::Sqlite(pools) => {
                sqlx::query(
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10001) \
                     INSERT INTO audit_events (id, occurred_at, action, target_type, target_id) \
                     SELECT randomblob(16), '2020-01-01T00:00:00+00:00', 'test.bulk', 'test', i FROM n",
                )
                .execute(pools.writer()).await.unwrap();
            }
            tessera_api::store::Db::Postgres(pool) => {
                sqlx::query(
                    "INSERT INTO audit_events (id, occurred_at, action, target_type, target_id) \
                     SELECT gen_random_uuid(), now(), 'test.bulk', 'test', i::text \
                     FROM generate_series(1, 10001) AS i",
                )
                .execute(pool).await.unwrap();
            }
        }
        let (headers, text) = export(&app.admin, "?action=test.bulk").await;
        assert_eq!(headers["tessera-truncated"], "true");
        assert_eq!(parse_csv(&text).len(), 10_001, "a header and ten thousand events");
        let (headers, text) = export(&app.admin, "?action=test.*&target_type=test").await;
        assert_eq!(headers["tessera-truncated"], "true");
        assert_eq!(parse_csv(&text).len(), 10_001);
        let (headers, text) = export(&app.admin, "?action=user.create").await;
        assert!(headers.get("tessera-truncated").is_none());
        assert_eq!(parse_csv(&text).len(), 2);
    }
}

on_both_backends! {
    async fn events_name_their_actor_target_and_the_person_a_request_is_for(app: TestApp) {
        let alice = app.person("alice").await;
        let maria = app.person("maria").await;
        let named = app.admin.patch(&format!("/api/v1/users/{}", maria.id()), &json!({"display_name": "Maria Manager"})).await;
        assert_eq!(named.status(), 200);
        let ledger = crate::requests::offer(&app, "Ledger", |_| crate::requests::one_stage(&[&maria.id()])).await;
        let request = crate::requests::asked(&alice, &ledger, json!({})).await;
        let id = request["id"].as_str().unwrap();
        let approved = maria.post(&format!("/api/v1/requests/{id}/decision"), &json!({"stage": 1, "verdict": "approve"})).await;
        assert_eq!(approved.status(), 200);

        let page: Value = app.admin.get("/api/v1/audit-events?action=request.approve").await.json().await.unwrap();
        let event = &page["items"][0];
        assert_eq!(event["actor_display_name"], "Maria Manager");
        assert_eq!(event["target_name"], "Ledger");
        assert_eq!(event["target_person_name"], "alice Example");

        let page: Value = app.admin.get(&format!("/api/v1/audit-events?target_type=access_package&target_id={}", ledger.package)).await.json().await.unwrap();
        let created = page["items"].as_array().unwrap().iter().find(|e| e["action"] == "access_package.create").unwrap();
        assert_eq!(created["target_name"], "Ledger");
        assert_eq!(created["target_person_name"], Value::Null);

        // A deleted object has no name now; the system has no display name.
        let group = crate::catalogs::insert_group(&app, "Gone", None).await;
        assert_eq!(app.admin.delete(&format!("/api/v1/groups/{group}")).await.status(), 204);
        let page: Value = app.admin.get(&format!("/api/v1/audit-events?target_type=group&target_id={group}")).await.json().await.unwrap();
        assert!(page["items"].as_array().unwrap().iter().all(|e| e["target_name"].is_null()), "{page}");
        insert_event(&app, "user.update", "cli", &alice.id(), "{}").await;
        let page: Value = app.admin.get(&format!("/api/v1/audit-events?target_id={}&action=user.update", alice.id())).await.json().await.unwrap();
        let by_cli = page["items"].as_array().unwrap().iter().find(|e| e["actor_name"] == "cli").unwrap();
        assert_eq!(by_cli["actor_display_name"], Value::Null);
        let page: Value = app.admin.get(&format!("/api/v1/audit-events?target_type=user&target_id={}", alice.id())).await.json().await.unwrap();
        assert_eq!(page["items"][0]["target_name"], "alice Example");
    }
}

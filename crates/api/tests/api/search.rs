//! Searching as people type, from the text indexes (FTS5 trigrams on SQLite, pg_trgm on
//! PostgreSQL): any part of a word, ignoring case, punctuation and LIKE's wildcards taken
//! literally, letters beyond ASCII, and the indexes kept in step with every change.

use serde_json::{Value, json};

use super::catalogs::insert_group;
use super::requests::offer;
use crate::helpers::*;
use crate::on_both_backends;

fn everyone(_: uuid::Uuid) -> Value {
    json!({
        "name": "Anyone",
        "who_can_request": {"type": "all_members"},
        "approval": {"type": "none"},
        "lifecycle": {"expiry": {"type": "never"}},
    })
}

/// The names of the items of the page at `path`, in order.
async fn found(session: &Session, path: &str, field: &str) -> Vec<String> {
    let response = session.get(path).await;
    assert_eq!(response.status(), 200, "{path}");
    let page: Value = response.json().await.unwrap();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item[field].as_str().unwrap().to_string())
        .collect()
}

/// `text` as a query parameter value.
fn q(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

on_both_backends! {
    async fn available_packages_are_found_by_any_part_of_a_name_description_or_resource(app: TestApp) {
        let alice = app.person("alice").await;
        offer(&app, "Payroll", everyone).await;
        let strasse = offer(&app, "Straße & Co (50% off)", everyone).await;
        offer(&app, "Öffentliche Mappe", everyone).await;
        offer(&app, "under_score", everyone).await;
        let wiki = offer(&app, "Wiki", everyone).await;
        let described = app
            .admin
            .patch(
                &format!("/api/v1/access-packages/{}", wiki.package),
                &json!({"description": "Team notes: \"quoted\" AND NOT for Ärzte"}),
            )
            .await;
        assert_eq!(described.status(), 200);

        let available = |text: &str| format!("/api/v1/me/available-packages?q={}", q(text));
        for (text, expected) in [
            ("roll", vec!["Payroll"]),
            ("PAY", vec!["Payroll"]),
            ("pa", vec!["Payroll"]),
            ("yroll gro", vec!["Payroll"]),
            ("50%", vec!["Straße & Co (50% off)"]),
            ("%", vec!["Straße & Co (50% off)"]),
            ("(50", vec!["Straße & Co (50% off)"]),
            ("& co", vec!["Straße & Co (50% off)"]),
            ("STRAßE", vec!["Straße & Co (50% off)"]),
            ("_", vec!["under_score"]),
            ("r_s", vec!["under_score"]),
            ("ÖFF", vec!["Öffentliche Mappe"]),
            ("\"quoted\"", vec!["Wiki"]),
            ("\"", vec!["Wiki"]),
            ("and not", vec!["Wiki"]),
            ("ärzte", vec!["Wiki"]),
            ("*", vec![]),
            ("r%s", vec![]),
            ("nothing here", vec![]),
        ] {
            assert_eq!(found(&alice, &available(text), "name").await, expected, "{text:?}");
        }

        // The indexes follow every change: a new description, and a deleted package.
        let described = app
            .admin
            .patch(&format!("/api/v1/access-packages/{}", wiki.package), &json!({"description": "Handbook"}))
            .await;
        assert_eq!(described.status(), 200);
        assert!(found(&alice, &available("notes"), "name").await.is_empty());
        assert_eq!(found(&alice, &available("HANDB"), "name").await, ["Wiki"]);
        let deleted = app.admin.delete(&format!("/api/v1/access-packages/{}", strasse.package)).await;
        assert!(deleted.status().is_success(), "{}", deleted.status());
        assert!(found(&alice, &available("straße"), "name").await.is_empty());

        // Administrators search the same way across catalogs; resources do not count there.
        let across = |text: &str| format!("/api/v1/access-packages?q={}", q(text));
        assert_eq!(found(&app.admin, &across("r_s"), "name").await, ["under_score"]);
        assert_eq!(found(&app.admin, &across("yroll"), "name").await, ["Payroll"]);
        assert!(found(&app.admin, &across("yroll gro"), "name").await.is_empty());
        assert_eq!(found(&app.admin, &across("Öffentl"), "name").await, ["Öffentliche Mappe"]);
    }
}

on_both_backends! {
    async fn people_are_found_by_any_part_of_a_username_display_name_or_email(app: TestApp) {
        let finder = app.person("finder").await;
        let zoe = app
            .create_user(json!({
                "username": "zoe", "display_name": "Zoë Ångström", "email": "z.angstrom@example.org",
            }))
            .await;
        let ann = app
            .create_user(json!({
                "username": "ann", "display_name": "Ann O'Neil-Smith", "email": "ann.oneil@example.org",
            }))
            .await;
        let people = |text: &str| format!("/api/v1/people?q={}", q(text));
        for (text, expected) in [
            ("ÅNGS", vec!["zoe"]),
            ("zoë", vec!["zoe"]),
            ("z.ang", vec!["zoe"]),
            ("zo", vec!["zoe"]),
            ("o'neil", vec!["ann"]),
            ("EIL-SM", vec!["ann"]),
            ("oneil@", vec!["ann"]),
            ("example.org", vec!["admin", "ann", "finder", "zoe"]),
            ("%", vec![]),
            ("a_n", vec![]),
        ] {
            assert_eq!(found(&finder, &people(text), "username").await, expected, "{text:?}");
        }

        let renamed = app
            .admin
            .patch(&format!("/api/v1/users/{}", ann["id"].as_str().unwrap()), &json!({"display_name": "Ann Jones"}))
            .await;
        assert_eq!(renamed.status(), 200);
        assert!(found(&finder, &people("neil-"), "username").await.is_empty());
        assert_eq!(found(&finder, &people("JONES"), "username").await, ["ann"]);

        // Administrators' user list searches the same columns.
        let users = |text: &str| format!("/api/v1/users?q={}", q(text));
        assert_eq!(found(&app.admin, &users("ångs"), "username").await, ["zoe"]);
        assert_eq!(found(&app.admin, &users("ann jo"), "username").await, ["ann"]);
        let disabled = app
            .admin
            .patch(&format!("/api/v1/users/{}", zoe["id"].as_str().unwrap()), &json!({"enabled": false}))
            .await;
        assert_eq!(disabled.status(), 200);
        assert!(found(&finder, &people("ångs"), "username").await.is_empty(), "disabled people are not offered");
    }
}

on_both_backends! {
    async fn groups_and_applications_are_found_by_any_part_of_their_name(app: TestApp) {
        let group = insert_group(&app, "R&D Überblick", None).await;
        insert_group(&app, "100%_Sales", None).await;
        let created = app.admin.post("/api/v1/applications", &json!({"name": "Ledger (EU)"})).await;
        assert_eq!(created.status(), 201);

        let groups = |text: &str| format!("/api/v1/groups?q={}", q(text));
        for (text, expected) in [
            ("ÜBER", vec!["R&D Überblick"]),
            ("&d ü", vec!["R&D Überblick"]),
            ("0%_", vec!["100%_Sales"]),
            ("%", vec!["100%_Sales"]),
            ("r&", vec!["R&D Überblick"]),
            ("blick sales", vec![]),
        ] {
            assert_eq!(found(&app.admin, &groups(text), "name").await, expected, "{text:?}");
        }
        let renamed = app.admin.patch(&format!("/api/v1/groups/{group}"), &json!({"name": "Research"})).await;
        assert_eq!(renamed.status(), 200);
        assert!(found(&app.admin, &groups("überb"), "name").await.is_empty());
        assert_eq!(found(&app.admin, &groups("SEARCH"), "name").await, ["Research"]);

        let applications = |text: &str| format!("/api/v1/applications?q={}", q(text));
        assert_eq!(found(&app.admin, &applications("(eu)"), "name").await, ["Ledger (EU)"]);
        assert_eq!(found(&app.admin, &applications("dger"), "name").await, ["Ledger (EU)"]);
        assert!(found(&app.admin, &applications("dgers"), "name").await.is_empty());
    }
}

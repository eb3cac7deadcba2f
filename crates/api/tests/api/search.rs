//! Searching as people type, from the text indexes (FTS5 trigrams on SQLite, pg_trgm on
//! PostgreSQL): any part of a word, ignoring case, punctuation and LIKE's wildcards taken
//! literally, letters beyond ASCII, and the indexes kept in step with every change.

use serde_json::{Value, json};

use super::catalogs::insert_group;
use super::requests::{asked, offer, one_stage};
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

/// A policy for `audience` (`who_can_request`), without approval, enabled or not.
fn policy(audience: Value, enabled: bool) -> impl FnOnce(uuid::Uuid) -> Value {
    move |_| {
        json!({
            "name": "Policy",
            "enabled": enabled,
            "who_can_request": audience,
            "approval": {"type": "none"},
            "lifecycle": {"expiry": {"type": "never"}},
        })
    }
}

/// Every page of `path` (which has a `q`), `limit` at a time, through the cursors.
async fn all_pages(session: &Session, path: &str, limit: u32) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{path}&limit={limit}");
        if let Some(cursor) = &cursor {
            url.push_str(&format!("&cursor={}", q(cursor)));
        }
        let response = session.get(&url).await;
        assert_eq!(response.status(), 200, "{url}");
        let page: Value = response.json().await.unwrap();
        let these = page["items"].as_array().unwrap();
        assert!(these.len() <= limit as usize, "{page}");
        items.extend(these.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return items,
        }
    }
}

fn names(items: &[Value]) -> Vec<&str> {
    items
        .iter()
        .map(|item| item["name"].as_str().unwrap())
        .collect()
}

on_both_backends! {
    async fn a_search_offers_only_what_one_may_request_in_name_order_marked_and_paged(app: TestApp) {
        let alice = app.person("alice").await;
        let bob = app.person("bob").await;
        let approver = app.person("approver").await;
        let staff = insert_group(&app, "Staff", None).await;
        assert_eq!(app.admin.put(&format!("/api/v1/groups/{staff}/members/{}", alice.id())).await.status(), 204);
        let members = json!({"type": "all_members"});
        let held = offer(&app, "Atlas held", policy(members.clone(), true)).await;
        let pending = offer(&app, "Atlas pending", |_| one_stage(&[&approver.id()])).await;
        offer(&app, "Atlas staff", policy(json!({"type": "specific_users_and_groups", "groups": [staff]}), true)).await;
        offer(&app, "Atlas for alice", policy(json!({"type": "specific_users_and_groups", "users": [alice.id()]}), true)).await;
        let hidden = offer(&app, "Atlas hidden", policy(members.clone(), true)).await;
        assert_eq!(app.admin.patch(&format!("/api/v1/access-packages/{}", hidden.package), &json!({"hidden": true})).await.status(), 200);
        let closed = offer(&app, "Atlas closed catalog", policy(members.clone(), true)).await;
        let package: Value = app.admin.get(&format!("/api/v1/access-packages/{}", closed.package)).await.json().await.unwrap();
        let disabled = app.admin.patch(&format!("/api/v1/catalogs/{}", package["catalog_id"].as_str().unwrap()), &json!({"enabled": false})).await;
        assert_eq!(disabled.status(), 200);
        offer(&app, "Atlas policy off", policy(members.clone(), false)).await;
        offer(&app, "Atlas nobody", policy(json!({"type": "nobody"}), true)).await;
        // Found by its resource only: a second group role, named so.
        let maps = offer(&app, "Maps", policy(members.clone(), true)).await;
        let package: Value = app.admin.get(&format!("/api/v1/access-packages/{}", maps.package)).await.json().await.unwrap();
        let group = insert_group(&app, "Atlas readers", None).await;
        let added = app.admin.post(&format!("/api/v1/catalogs/{}/resources", package["catalog_id"].as_str().unwrap()), &json!({"kind": "group", "id": group})).await;
        assert_eq!(added.status(), 201);
        let role = app.admin.post(&format!("/api/v1/access-packages/{}/resource-roles", maps.package), &json!({"kind": "group_member", "group_id": group})).await;
        assert_eq!(role.status(), 201);
        offer(&app, "Unrelated", policy(members, true)).await;

        let assignment = asked(&alice, &held, json!({})).await;
        assert_eq!(assignment["state"], "delivered");
        let request = asked(&alice, &pending, json!({})).await;
        assert_eq!(request["state"], "pending_approval");

        let search = |text: &str| format!("/api/v1/me/available-packages?q={}", q(text));
        let expected = ["Atlas for alice", "Atlas held", "Atlas pending", "Atlas staff", "Maps"];
        // Every page size gives the same packages in the same order, with the three-letter
        // search (the text indexes) and the two-letter one (a scan) alike.
        for limit in [1, 2, 5, 50] {
            for text in ["ATLAS", "tla", "tl"] {
                let items = all_pages(&alice, &search(text), limit).await;
                assert_eq!(names(&items), expected, "{text:?} by {limit}");
            }
        }
        let items = all_pages(&alice, &search("atlas"), 2).await;
        let marks: Vec<&Value> = items.iter().map(|item| &item["holding"]).collect();
        assert_eq!(marks[0], &Value::Null);
        assert_eq!(marks[1]["state"], "held");
        assert_eq!(marks[1]["assignment_id"], assignment["assignment_id"]);
        assert_eq!(marks[2], &json!({"state": "pending", "request_id": request["id"]}));
        assert_eq!(marks[3..], [&Value::Null, &Value::Null]);
        assert_eq!(items[4]["resources"], json!(["Member of Atlas readers", "Member of Maps group"]));

        // Bob is in neither the group nor the list, and holds nothing.
        let theirs = all_pages(&bob, &search("atlas"), 2).await;
        assert_eq!(names(&theirs), ["Atlas held", "Atlas pending", "Maps"]);
        assert!(theirs.iter().all(|item| item["holding"].is_null()));

        // One catalog at a time, and the catalogs counted for the same search.
        let catalogs: Value = alice.get("/api/v1/me/available-catalogs?q=atlas").await.json().await.unwrap();
        let counted: Vec<(&str, u64)> = catalogs["items"].as_array().unwrap().iter()
            .map(|c| (c["catalog_name"].as_str().unwrap(), c["count"].as_u64().unwrap())).collect();
        assert_eq!(counted, [
            ("Atlas for alice catalog", 1), ("Atlas held catalog", 1), ("Atlas pending catalog", 1),
            ("Atlas staff catalog", 1), ("Maps catalog", 1),
        ]);
        let maps_catalog = catalogs["items"][4]["catalog_id"].as_str().unwrap();
        let one = all_pages(&alice, &format!("{}&catalog_id={maps_catalog}", search("atl")), 1).await;
        assert_eq!(names(&one), ["Maps"]);
        let none = all_pages(&alice, &format!("{}&catalog_id={maps_catalog}", search("held")), 1).await;
        assert!(none.is_empty());
    }
}

on_both_backends! {
    async fn people_searches_keep_username_order_through_the_pages(app: TestApp) {
        let finder = app.person("finder").await;
        for (username, display_name) in [
            ("dora", "Dora Smithers"), ("carl", "Carl Smith"), ("bea", "Bea Smalley"),
            ("abe", "Abe Smith"), ("eve", "Eve Jones"),
        ] {
            app.create_user(json!({"username": username, "display_name": display_name, "email": format!("{username}@example.org")})).await;
        }
        let disabled = app.create_user(json!({"username": "fay", "display_name": "Fay Smith", "email": "fay@example.org"})).await;
        let off = app.admin.patch(&format!("/api/v1/users/{}", disabled["id"].as_str().unwrap()), &json!({"enabled": false})).await;
        assert_eq!(off.status(), 200);
        for (text, expected) in [
            ("smith", vec!["abe", "carl", "dora"]),
            ("sm", vec!["abe", "bea", "carl", "dora"]),
            ("a sm", vec!["bea", "dora"]),
        ] {
            for limit in [1, 2, 50] {
                let items = all_pages(&finder, &format!("/api/v1/people?q={}", q(text)), limit).await;
                let usernames: Vec<&str> = items.iter().map(|item| item["username"].as_str().unwrap()).collect();
                assert_eq!(usernames, expected, "{text:?} by {limit}");
            }
        }
    }
}

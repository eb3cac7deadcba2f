use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both_backends;

/// Creates a group through the API as the administrator; returns it.
pub async fn create_group(app: &TestApp, name: &str) -> Value {
    let response = app
        .admin
        .post(
            "/api/v1/groups",
            &json!({"name": name, "description": format!("About {name}")}),
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "creating group {name}"
    );
    response.json().await.unwrap()
}

/// The audit events about one target, as (action, before, after).
pub async fn audit_of(app: &TestApp, target_type: &str, id: &str) -> Vec<(String, Value, Value)> {
    let state = app.state().await;
    let events = tessera_api::store::audit::list_events_for_target(&state.db, target_type, id)
        .await
        .unwrap();
    events
        .into_iter()
        .map(|e| {
            assert!(
                e.request_id.is_some() || e.actor_id.is_none(),
                "no request id: {}",
                e.action
            );
            let parse =
                |s: Option<String>| s.map_or(Value::Null, |s| serde_json::from_str(&s).unwrap());
            (e.action, parse(e.before), parse(e.after))
        })
        .collect()
}

on_both_backends! {
    async fn an_administrator_creates_reads_renames_and_deletes_a_group(app: TestApp) {
        let response = app.admin.post("/api/v1/groups", &json!({"name": "  Finance ", "description": "Money people"})).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let location = response.headers()["location"].to_str().unwrap().to_string();
        let created: Value = response.json().await.unwrap();
        assert_eq!(created["name"], "Finance", "names are trimmed");
        assert_eq!(created["description"], "Money people");
        assert_eq!(location, format!("/api/v1/groups/{}", created["id"].as_str().unwrap()));
        let fetched: Value = app.admin.get(&location).await.json().await.unwrap();
        assert_eq!(fetched, created);

        let renamed: Value = app.admin.patch(&location, &json!({"name": "Finance Team"})).await.json().await.unwrap();
        assert_eq!(renamed["name"], "Finance Team");
        assert_eq!(renamed["description"], "Money people", "absent fields stay");

        assert_eq!(app.admin.delete(&location).await.status(), StatusCode::NO_CONTENT);
        assert_problem(app.admin.get(&location).await, 404, "not_found").await;
        assert_problem(app.admin.delete(&location).await, 404, "not_found").await;
        assert_problem(app.admin.patch(&location, &json!({"name": "X"})).await, 404, "not_found").await;
    }
}

on_both_backends! {
    async fn group_names_are_unique_regardless_of_case(app: TestApp) {
        create_group(&app, "Engineering").await;
        let again = app.admin.post("/api/v1/groups", &json!({"name": "ENGINEERING"})).await;
        let problem = assert_problem(again, 409, "name_taken").await;
        assert_eq!(problem_fields(&problem), vec!["name"]);

        let other = create_group(&app, "Sales").await;
        let rename = app
            .admin
            .patch(&format!("/api/v1/groups/{}", other["id"].as_str().unwrap()), &json!({"name": "engineering"}))
            .await;
        let problem = assert_problem(rename, 409, "name_taken").await;
        assert_eq!(problem_fields(&problem), vec!["name"]);
        // Changing only the case of its own name is allowed.
        let recased = app
            .admin
            .patch(&format!("/api/v1/groups/{}", other["id"].as_str().unwrap()), &json!({"name": "SALES"}))
            .await;
        assert_eq!(recased.status(), StatusCode::OK);
    }
}

on_both_backends! {
    async fn invalid_group_fields_are_each_named(app: TestApp) {
        let cases = [
            (json!({"name": ""}), "name"),
            (json!({"name": "x".repeat(129)}), "name"),
            (json!({"name": "bell\u{7}"}), "name"),
            (json!({"name": "Ok", "description": "d".repeat(1001)}), "description"),
            (json!({"name": "Ok", "owner": "me"}), "owner"),
            (json!({"description": "no name"}), "name"),
        ];
        for (body, field) in cases {
            let problem = assert_problem(app.admin.post("/api/v1/groups", &body).await, 422, "validation_failed").await;
            assert_eq!(problem_fields(&problem), vec![field.to_string()], "{body}");
        }
        let group = create_group(&app, "Valid").await;
        let path = format!("/api/v1/groups/{}", group["id"].as_str().unwrap());
        let problem = assert_problem(app.admin.patch(&path, &json!({})).await, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), vec!["body"]);
        let page: Value = app.admin.get("/api/v1/groups").await.json().await.unwrap();
        assert_eq!(page["items"].as_array().unwrap().len(), 1, "no refused input left a group");
        let bad_id = app.admin.get("/api/v1/groups/not-a-uuid").await;
        assert_problem(bad_id, 400, "bad_request").await;
    }
}

on_both_backends! {
    async fn groups_are_listed_by_name_one_page_at_a_time_and_searched_without_case(app: TestApp) {
        for name in ["delta", "Alpha", "charlie", "Bravo", "echo", "100%_real"] {
            create_group(&app, name).await;
        }
        let mut seen = Vec::new();
        let mut path = "/api/v1/groups?limit=2".to_string();
        loop {
            let page: Value = app.admin.get(&path).await.json().await.unwrap();
            let items = page["items"].as_array().unwrap();
            assert!(items.len() <= 2);
            seen.extend(items.iter().map(|g| g["name"].as_str().unwrap().to_string()));
            match page["next_cursor"].as_str() {
                Some(cursor) => path = format!("/api/v1/groups?limit=2&cursor={cursor}"),
                None => break,
            }
        }
        assert_eq!(seen, ["100%_real", "Alpha", "Bravo", "charlie", "delta", "echo"]);

        let names = |page: Value| -> Vec<String> {
            page["items"].as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap().to_string()).collect()
        };
        let found: Value = app.admin.get("/api/v1/groups?q=A").await.json().await.unwrap();
        assert_eq!(names(found), ["100%_real", "Alpha", "Bravo", "charlie", "delta"]);
        let found: Value = app.admin.get("/api/v1/groups?q=HA&limit=1").await.json().await.unwrap();
        assert_eq!(names(found.clone()), ["Alpha"]);
        let next = found["next_cursor"].as_str().unwrap();
        let found: Value = app.admin.get(&format!("/api/v1/groups?q=HA&limit=1&cursor={next}")).await.json().await.unwrap();
        assert_eq!(names(found), ["charlie"]);
        // `%` and `_` are searched for literally.
        let found: Value = app.admin.get("/api/v1/groups?q=%25_").await.json().await.unwrap();
        assert_eq!(names(found), ["100%_real"]);
        let found: Value = app.admin.get("/api/v1/groups?q=_").await.json().await.unwrap();
        assert_eq!(names(found), ["100%_real"]);

        for query in ["limit=0", "cursor=%25%25", "q=", "sort=name"] {
            let response = app.admin.get(&format!("/api/v1/groups?{query}")).await;
            if query == "q=" {
                assert_eq!(response.status(), 200, "an empty search lists everything");
                continue;
            }
            let problem = assert_problem(response, 400, "bad_request").await;
            assert_eq!(problem_fields(&problem), vec![query.split('=').next().unwrap().to_string()]);
        }
        let long = "q".repeat(129);
        let problem = assert_problem(app.admin.get(&format!("/api/v1/groups?q={long}")).await, 400, "bad_request").await;
        assert_eq!(problem_fields(&problem), vec!["q"]);
    }
}

on_both_backends! {
    async fn adding_a_member_twice_keeps_one_membership_and_one_audit_event(app: TestApp) {
        let group = create_group(&app, "Ops").await;
        let gid = group["id"].as_str().unwrap();
        let user = app.create_user(json!({"username": "mia", "display_name": "Mia", "email": "mia@example.org"})).await;
        let uid = user["id"].as_str().unwrap();
        let member = format!("/api/v1/groups/{gid}/members/{uid}");
        assert_eq!(app.admin.put(&member).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(app.admin.put(&member).await.status(), StatusCode::NO_CONTENT);
        let page: Value = app.admin.get(&format!("/api/v1/groups/{gid}/members")).await.json().await.unwrap();
        let items = page["items"].as_array().unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["user_id"], uid);
        assert_eq!(items[0]["username"], "mia");
        assert_eq!(items[0]["display_name"], "Mia");
        assert!(items[0]["since"].is_string());
        assert_eq!(items[0]["guest"], false);
        // Members are not owners.
        let owners: Value = app.admin.get(&format!("/api/v1/groups/{gid}/owners")).await.json().await.unwrap();
        assert_eq!(owners["items"], json!([]));

        assert_eq!(app.admin.delete(&member).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(app.admin.delete(&member).await.status(), StatusCode::NO_CONTENT, "removing a non-member is fine");
        let page: Value = app.admin.get(&format!("/api/v1/groups/{gid}/members")).await.json().await.unwrap();
        assert_eq!(page["items"], json!([]));

        let events = audit_of(&app, "group", gid).await;
        let actions: Vec<&str> = events.iter().map(|(a, _, _)| a.as_str()).collect();
        assert_eq!(actions, ["group.create", "group.member.add", "group.member.remove"]);
        let (_, before, after) = &events[1];
        assert_eq!(before, &Value::Null);
        assert_eq!(after["user_id"], uid);
        assert_eq!(after["username"], "mia");
        assert_eq!(after["relation"], "member");
        let (_, before, after) = &events[2];
        assert_eq!(before["user_id"], uid);
        assert_eq!(after, &Value::Null);
    }
}

on_both_backends! {
    async fn owners_are_managed_like_members_and_listed_one_page_at_a_time(app: TestApp) {
        let group = create_group(&app, "Platform").await;
        let gid = group["id"].as_str().unwrap();
        let mut ids = Vec::new();
        for name in ["zoe", "abe", "kai"] {
            let user = app.create_user(json!({"username": name, "display_name": name, "email": format!("{name}@example.org")})).await;
            ids.push(user["id"].as_str().unwrap().to_string());
        }
        for id in &ids {
            assert_eq!(app.admin.put(&format!("/api/v1/groups/{gid}/owners/{id}")).await.status(), StatusCode::NO_CONTENT);
        }
        let first: Value = app.admin.get(&format!("/api/v1/groups/{gid}/owners?limit=2")).await.json().await.unwrap();
        let names: Vec<&str> = first["items"].as_array().unwrap().iter().map(|m| m["username"].as_str().unwrap()).collect();
        assert_eq!(names, ["abe", "kai"]);
        let cursor = first["next_cursor"].as_str().unwrap();
        let second: Value = app.admin.get(&format!("/api/v1/groups/{gid}/owners?limit=2&cursor={cursor}")).await.json().await.unwrap();
        assert_eq!(second["items"][0]["username"], "zoe");
        assert_eq!(second["next_cursor"], Value::Null);

        assert_eq!(app.admin.delete(&format!("/api/v1/groups/{gid}/owners/{}", ids[0])).await.status(), StatusCode::NO_CONTENT);
        let events = audit_of(&app, "group", gid).await;
        let actions: Vec<&str> = events.iter().map(|(a, _, _)| a.as_str()).collect();
        assert_eq!(actions, ["group.create", "group.owner.add", "group.owner.add", "group.owner.add", "group.owner.remove"]);
        assert_eq!(events[4].1["relation"], "owner");
    }
}

on_both_backends! {
    async fn memberships_of_unknown_groups_or_users_are_not_found(app: TestApp) {
        let group = create_group(&app, "Known").await;
        let gid = group["id"].as_str().unwrap();
        let nobody = uuid::Uuid::new_v4();
        let admin = app.admin.id();
        for path in [
            format!("/api/v1/groups/{nobody}/members/{admin}"),
            format!("/api/v1/groups/{nobody}/owners/{admin}"),
        ] {
            let problem = assert_problem(app.admin.put(&path).await, 404, "not_found").await;
            assert!(problem["detail"].as_str().unwrap().contains("group"), "{problem}");
            assert_problem(app.admin.delete(&path).await, 404, "not_found").await;
        }
        assert_problem(app.admin.get(&format!("/api/v1/groups/{nobody}/members")).await, 404, "not_found").await;
        let problem = assert_problem(app.admin.put(&format!("/api/v1/groups/{gid}/members/{nobody}")).await, 404, "not_found").await;
        assert!(problem["detail"].as_str().unwrap().contains("user"), "{problem}");
        let events = audit_of(&app, "group", gid).await;
        assert_eq!(events.len(), 1, "only the creation was recorded");
    }
}

on_both_backends! {
    async fn group_changes_are_audited_with_before_and_after(app: TestApp) {
        let group = create_group(&app, "Audit").await;
        let gid = group["id"].as_str().unwrap();
        let path = format!("/api/v1/groups/{gid}");
        app.admin.patch(&path, &json!({"description": "Checked"})).await;
        let member = app.person("ned").await;
        app.admin.put(&format!("{path}/members/{}", member.id())).await;
        app.admin.delete(&path).await;
        let events = audit_of(&app, "group", gid).await;
        let actions: Vec<&str> = events.iter().map(|(a, _, _)| a.as_str()).collect();
        assert_eq!(actions, ["group.create", "group.update", "group.member.add", "group.delete"]);
        assert_eq!(events[0].1, Value::Null);
        assert_eq!(events[0].2["name"], "Audit");
        assert_eq!(events[1].1["description"], "About Audit");
        assert_eq!(events[1].2["description"], "Checked");
        assert_eq!(events[3].1["description"], "Checked");
        assert_eq!(events[3].2, Value::Null);
        // Deleting the group took its memberships along.
        let state = app.state().await;
        let left = tessera_api::store::directory::list_links(
            &state.db,
            tessera_api::store::directory::Link::GroupMember,
            gid.parse().unwrap(),
            None,
            10,
        )
        .await
        .unwrap();
        assert!(left.is_empty());
    }
}

on_both_backends! {
    async fn a_group_update_from_a_stale_read_is_refused_without_an_audit_event(app: TestApp) {
        use tessera_api::store::directory::{self, Named, NamedRecord};
        let group = create_group(&app, "Stale").await;
        let id: uuid::Uuid = group["id"].as_str().unwrap().parse().unwrap();
        let state = app.state().await;
        let row = directory::find_named(&state.db, Named::Group, id).await.unwrap().unwrap();
        let update = |name: &str| NamedRecord {
            name: name.into(),
            name_key: name.to_lowercase(),
            description: String::new(),
        };
        let audit = |r: &directory::NamedRow| {
            tessera_api::service::audit_event::<(), ()>(None, "group.update", "group", r.id.to_string(), None, None)
        };
        let first = directory::transition_named(&state.db, Named::Group, id, row.version, &update("First"), chrono::Utc::now(), audit).await;
        assert_eq!(first.unwrap().version, row.version + 1);
        let second = directory::transition_named(&state.db, Named::Group, id, row.version, &update("Second"), chrono::Utc::now(), audit).await;
        assert!(matches!(second, Err(tessera_api::store::StoreError::Conflict)));
        let events = audit_of(&app, "group", &id.to_string()).await;
        assert_eq!(events.len(), 2, "the refused update wrote no audit event");
        let fetched: Value = app.admin.get(&format!("/api/v1/groups/{id}")).await.json().await.unwrap();
        assert_eq!(fetched["name"], "First");
    }
}

on_both_backends! {
    async fn people_who_cannot_list_groups_still_read_their_names_by_id(app: TestApp) {
        let reader = app.person("reader").await;
        let finance = create_group(&app, "Finance").await;
        let audit = create_group(&app, "Audit").await;
        assert_eq!(reader.get("/api/v1/groups").await.status(), 403);
        let nobody = uuid::Uuid::now_v7();

        let path = format!("/api/v1/group-names?ids={},{nobody},{}", finance["id"].as_str().unwrap(), audit["id"].as_str().unwrap());
        let named: Value = reader.get(&path).await.json().await.unwrap();
        assert_eq!(
            named,
            json!([
                {"id": audit["id"], "name": "Audit"},
                {"id": finance["id"], "name": "Finance"},
            ]),
            "by name, the id and name only, the unknown left out"
        );

        let one = uuid::Uuid::now_v7();
        let too_many = vec![one.to_string(); 101].join(",");
        for query in ["", "ids=nope", "ids=", &format!("ids={too_many}"), &format!("ids={one}&q=fin")] {
            let response = reader.get(&format!("/api/v1/group-names?{query}")).await;
            let problem = assert_problem(response, 400, "bad_request").await;
            let field = if query.contains("q=") { "q" } else { "ids" };
            assert_eq!(problem_fields(&problem), vec![field], "{query}");
        }
        let anonymous = app.anonymous().get(app.url(&format!("/api/v1/group-names?ids={one}"))).send().await.unwrap();
        assert_problem(anonymous, 401, "unauthenticated").await;
    }
}

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both_backends;

fn new_user(username: &str) -> Value {
    json!({
        "username": username,
        "display_name": format!("{username} Example"),
        "email": format!("{username}@example.org"),
        "password": PASSWORD,
    })
}

on_both_backends! {
    async fn an_administrator_creates_a_user_who_can_then_sign_in(app: TestApp) {
        let response = app.admin.post("/api/v1/users", &new_user("Frank.Ocean")).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let location = response.headers()["location"].to_str().unwrap().to_string();
        let created: Value = response.json().await.unwrap();
        assert_eq!(created["username"], "frank.ocean", "usernames are lowercased");
        assert_eq!(created["enabled"], true);
        assert_eq!(created["is_admin"], false);
        assert!(created.get("password").is_none() && created.get("password_hash").is_none());
        let fetched: Value = app.admin.get(&location).await.json().await.unwrap();
        assert_eq!(fetched, created);
        let frank = Session::sign_in(&app.base, "FRANK.OCEAN", PASSWORD).await;
        assert_eq!(frank.me["username"], "frank.ocean");
        assert_eq!(frank.me["roles"], json!(["user"]));
    }
}

on_both_backends! {
    async fn a_taken_username_is_a_conflict(app: TestApp) {
        app.create_user(new_user("grace")).await;
        let again = app.admin.post("/api/v1/users", &new_user("GRACE")).await;
        let problem = assert_problem(again, 409, "username_taken").await;
        assert!(problem["detail"].as_str().unwrap().contains("grace"));
        assert_eq!(problem_fields(&problem), vec!["username"]);
    }
}

on_both_backends! {
    async fn invalid_fields_are_each_named(app: TestApp) {
        let cases = [
            (json!({"username": "a b", "display_name": "X", "email": "x@example.org"}), "username"),
            (json!({"username": "heidi", "display_name": "", "email": "x@example.org"}), "display_name"),
            (json!({"username": "heidi", "display_name": "H", "email": "not-an-email"}), "email"),
            (json!({"username": "heidi", "display_name": "H", "email": "h@example.org", "password": "short"}), "password"),
            (json!({"username": "heidi", "display_name": "H", "email": "h@example.org", "kind": "robot"}), "kind"),
            (json!({"username": "heidi", "display_name": "H", "email": "h@example.org", "manager_id": "nope"}), "manager_id"),
            (json!({"username": "heidi", "display_name": "H", "email": "h@example.org", "colour": "red"}), "colour"),
            (json!({"display_name": "H", "email": "h@example.org"}), "username"),
            (json!({"username": "heidi", "display_name": "H", "email": "h@example.org", "kind": "service_account", "password": PASSWORD}), "password"),
            (json!({"username": "heidi", "display_name": "H", "email": "h@example.org", "manager_id": uuid::Uuid::new_v4()}), "manager_id"),
        ];
        for (body, field) in cases {
            let response = app.admin.post("/api/v1/users", &body).await;
            let problem = assert_problem(response, 422, "validation_failed").await;
            assert_eq!(problem_fields(&problem), vec![field.to_string()], "{body}");
        }
        // None of the refused inputs left a user behind.
        let page: Value = app.admin.get("/api/v1/users").await.json().await.unwrap();
        assert_eq!(page["items"].as_array().unwrap().len(), 1);
    }
}

on_both_backends! {
    async fn users_are_listed_by_username_one_page_at_a_time(app: TestApp) {
        for name in ["uma", "bea", "zed", "kim", "lee"] {
            app.create_user(new_user(name)).await;
        }
        let mut seen = Vec::new();
        let mut path = "/api/v1/users?limit=2".to_string();
        loop {
            let page: Value = app.admin.get(&path).await.json().await.unwrap();
            let items = page["items"].as_array().unwrap();
            assert!(items.len() <= 2);
            seen.extend(items.iter().map(|u| u["username"].as_str().unwrap().to_string()));
            match page["next_cursor"].as_str() {
                Some(cursor) => path = format!("/api/v1/users?limit=2&cursor={cursor}"),
                None => break,
            }
        }
        assert_eq!(seen, ["admin", "bea", "kim", "lee", "uma", "zed"]);
    }
}

on_both_backends! {
    async fn page_size_and_cursor_are_checked(app: TestApp) {
        for query in ["limit=0", "limit=201", "limit=ten", "cursor=%25%25", "sort=name"] {
            let response = app.admin.get(&format!("/api/v1/users?{query}")).await;
            let problem = assert_problem(response, 400, "bad_request").await;
            let field = query.split('=').next().unwrap();
            assert_eq!(problem_fields(&problem), vec![field.to_string()], "{query}");
        }
    }
}

on_both_backends! {
    async fn managers_are_set_and_cleared_and_loops_are_refused(app: TestApp) {
        let boss = app.create_user(new_user("boss")).await;
        let mid = app.create_user(json!({
            "username": "mid", "display_name": "Mid", "email": "mid@example.org",
            "manager_id": boss["id"],
        }))
        .await;
        assert_eq!(mid["manager_id"], boss["id"]);
        let loop_attempt = app
            .admin
            .patch(&format!("/api/v1/users/{}", boss["id"].as_str().unwrap()), &json!({"manager_id": mid["id"]}))
            .await;
        let problem = assert_problem(loop_attempt, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), vec!["manager_id"]);
        let own = app
            .admin
            .patch(&format!("/api/v1/users/{}", mid["id"].as_str().unwrap()), &json!({"manager_id": mid["id"]}))
            .await;
        assert_problem(own, 422, "validation_failed").await;
        let cleared: Value = app
            .admin
            .patch(&format!("/api/v1/users/{}", mid["id"].as_str().unwrap()), &json!({"manager_id": null}))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(cleared["manager_id"], Value::Null);
    }
}

on_both_backends! {
    async fn administrators_cannot_lock_themselves_out(app: TestApp) {
        let me = format!("/api/v1/users/{}", app.admin.id());
        for change in [json!({"enabled": false}), json!({"is_admin": false})] {
            let response = app.admin.patch(&me, &change).await;
            assert_problem(response, 409, "self_lockout").await;
        }
        assert_problem(app.admin.patch(&me, &json!({})).await, 422, "validation_failed").await;
        assert_eq!(app.admin.get("/api/v1/me").await.status(), 200);
    }
}

on_both_backends! {
    async fn a_promoted_user_gains_the_administrator_role_at_once(app: TestApp) {
        let ivan = app.person("ivan").await;
        assert_problem(ivan.get("/api/v1/users").await, 403, "forbidden").await;
        app.admin
            .patch(&format!("/api/v1/users/{}", ivan.id()), &json!({"is_admin": true}))
            .await;
        assert_eq!(ivan.get("/api/v1/users").await.status(), 200);
    }
}

on_both_backends! {
    async fn user_changes_are_audited_with_before_and_after(app: TestApp) {
        let judy = app.create_user(new_user("judy")).await;
        let id = judy["id"].as_str().unwrap();
        app.admin
            .patch(&format!("/api/v1/users/{id}"), &json!({"display_name": "Judy Renamed"}))
            .await;
        let state = app.state().await;
        let events = tessera_api::store::audit::list_events_for_target(&state.db, "user", id)
            .await
            .unwrap();
        let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["user.create", "user.update"]);
        let update = &events[1];
        assert_eq!(update.actor_name.as_deref(), Some(ADMIN));
        assert!(update.request_id.is_some());
        let before: Value = serde_json::from_str(update.before.as_deref().unwrap()).unwrap();
        let after: Value = serde_json::from_str(update.after.as_deref().unwrap()).unwrap();
        assert_eq!(before["display_name"], "judy Example");
        assert_eq!(after["display_name"], "Judy Renamed");
    }
}

on_both_backends! {
    async fn department_attributes_and_sponsors_are_kept_and_replaced(app: TestApp) {
        let sam = app.create_user(new_user("sam")).await;
        let sue = app.create_user(new_user("sue")).await;
        let (sam_id, sue_id) = (sam["id"].as_str().unwrap(), sue["id"].as_str().unwrap());
        let mut ids = [sam_id.to_string(), sue_id.to_string()];
        ids.sort();
        assert_eq!(sam["department"], Value::Null);
        assert_eq!(sam["attributes"], json!({}));
        assert_eq!(sam["sponsors"], json!([]));

        let guest = app
            .create_user(json!({
                "username": "guest", "display_name": "Guest", "email": "guest@example.org",
                "department": " Research ", "attributes": {"cost_center": "1234", "site": "Paris"},
                "sponsors": [ids[1], ids[0]],
            }))
            .await;
        assert_eq!(guest["department"], "Research");
        assert_eq!(guest["attributes"], json!({"cost_center": "1234", "site": "Paris"}));
        assert_eq!(guest["sponsors"], json!(ids), "sponsors are listed by id");
        let path = format!("/api/v1/users/{}", guest["id"].as_str().unwrap());
        let fetched: Value = app.admin.get(&path).await.json().await.unwrap();
        assert_eq!(fetched, guest);
        let page: Value = app.admin.get("/api/v1/users").await.json().await.unwrap();
        let listed = page["items"].as_array().unwrap().iter().find(|u| u["username"] == "guest").unwrap();
        assert_eq!(listed, &guest);

        let changed: Value = app
            .admin
            .patch(&path, &json!({"attributes": {"site": "Lyon"}, "sponsors": [sue_id]}))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(changed["attributes"], json!({"site": "Lyon"}), "attributes are replaced");
        assert_eq!(changed["sponsors"], json!([sue_id]));
        assert_eq!(changed["department"], "Research", "absent fields stay");
        let cleared: Value = app
            .admin
            .patch(&path, &json!({"department": null, "sponsors": []}))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(cleared["department"], Value::Null);
        assert_eq!(cleared["sponsors"], json!([]));
        assert_eq!(cleared["attributes"], json!({"site": "Lyon"}));

        let events = tessera_api::store::audit::list_events_for_target(&app.state().await.db, "user", guest["id"].as_str().unwrap())
            .await
            .unwrap();
        let last = events.last().unwrap();
        let before: Value = serde_json::from_str(last.before.as_deref().unwrap()).unwrap();
        let after: Value = serde_json::from_str(last.after.as_deref().unwrap()).unwrap();
        assert_eq!(before["sponsors"], json!([sue_id]));
        assert_eq!(before["department"], "Research");
        assert_eq!(after["sponsors"], json!([]));
        assert_eq!(after["department"], Value::Null);
    }
}

on_both_backends! {
    async fn invalid_department_attributes_and_sponsors_are_named(app: TestApp) {
        let sam = app.create_user(new_user("sam")).await;
        let sam_id = sam["id"].as_str().unwrap();
        let many: serde_json::Map<String, Value> = (0..51).map(|i| (format!("k{i}"), json!("v"))).collect();
        let base = |extra: Value| {
            let mut body = json!({"username": "newbie", "display_name": "N", "email": "n@example.org"});
            body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            body
        };
        let cases = [
            (json!({"department": "d".repeat(101)}), "department"),
            (json!({"department": ""}), "department"),
            (json!({"attributes": {"Bad Key": "x"}}), "attributes"),
            (json!({"attributes": {"ok": "v".repeat(501)}}), "attributes"),
            (json!({"attributes": {"ok": 5}}), "attributes.ok"),
            (json!({"attributes": many}), "attributes"),
            (json!({"sponsors": [sam_id, sam_id]}), "sponsors"),
            (json!({"sponsors": [uuid::Uuid::new_v4()]}), "sponsors"),
            (json!({"sponsors": (0..21).map(|_| uuid::Uuid::new_v4()).collect::<Vec<_>>()}), "sponsors"),
            (json!({"sponsors": ["nope"]}), "sponsors[0]"),
        ];
        for (extra, field) in cases {
            let body = base(extra);
            let problem = assert_problem(app.admin.post("/api/v1/users", &body).await, 422, "validation_failed").await;
            assert_eq!(problem_fields(&problem), vec![field.to_string()], "{body}");
        }
        let path = format!("/api/v1/users/{sam_id}");
        let problem = assert_problem(app.admin.patch(&path, &json!({"sponsors": [sam_id]})).await, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), vec!["sponsors"]);
        let problem = assert_problem(app.admin.patch(&path, &json!({"sponsors": [uuid::Uuid::new_v4()]})).await, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), vec!["sponsors"]);
        let page: Value = app.admin.get("/api/v1/users").await.json().await.unwrap();
        assert_eq!(page["items"].as_array().unwrap().len(), 2, "no refused input left a user");
    }
}

on_both_backends! {
    async fn a_sponsored_person_signs_in_and_keeps_their_sponsors(app: TestApp) {
        let sponsor = app.create_user(new_user("sponsor")).await;
        let mut body = new_user("sponsored");
        body["sponsors"] = json!([sponsor["id"]]);
        body["department"] = json!("Guests");
        app.create_user(body).await;
        let session = Session::sign_in(&app.base, "sponsored", PASSWORD).await;
        let me = format!("/api/v1/users/{}", session.id());
        let fetched: Value = app.admin.get(&me).await.json().await.unwrap();
        assert_eq!(fetched["sponsors"], json!([sponsor["id"]]));
        assert!(fetched["last_sign_in_at"].is_string());
    }
}

on_both_backends! {
    async fn users_are_found_by_part_of_their_name_or_email(app: TestApp) {
        app.create_user(json!({"username": "nina", "display_name": "Nina Simone", "email": "nina@jazz.example"})).await;
        app.create_user(json!({"username": "otto", "display_name": "Otto Wagner", "email": "otto@vienna.example"})).await;
        app.create_user(json!({"username": "pct", "display_name": "100% sure", "email": "p@example.org"})).await;
        for (query, expected) in [
            ("q=SIMONE", vec!["nina"]),
            ("q=vienna", vec!["otto"]),
            ("q=IN", vec!["admin", "nina"]),
            ("q=%25", vec!["pct"]),
            ("q=", vec!["admin", "nina", "otto", "pct"]),
        ] {
            let page: Value = app.admin.get(&format!("/api/v1/users?{query}")).await.json().await.unwrap();
            let names: Vec<&str> = page["items"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
            assert_eq!(names, expected, "{query}");
        }
        let long = "x".repeat(101);
        let problem = assert_problem(app.admin.get(&format!("/api/v1/users?q={long}")).await, 400, "bad_request").await;
        assert_eq!(problem_fields(&problem), vec!["q"]);
    }
}

on_both_backends! {
    async fn anyone_signed_in_finds_enabled_people_by_name_and_sees_only_their_names(app: TestApp) {
        let finder = app.person("finder").await;
        let alice = app.person("alice").await;
        app.person("alicia").await;
        let gone = app.person("alison").await;
        let disabled = app.admin.patch(&format!("/api/v1/users/{}", gone.id()), &json!({"enabled": false})).await;
        assert_eq!(disabled.status(), 200);

        let found: Value = finder.get("/api/v1/people?q=ALI&limit=1").await.json().await.unwrap();
        assert_eq!(found["items"], json!([{"id": alice.id(), "username": "alice", "display_name": "alice Example", "guest": false}]));
        let cursor = found["next_cursor"].as_str().unwrap();
        let rest: Value = finder.get(&format!("/api/v1/people?q=ali&cursor={cursor}")).await.json().await.unwrap();
        let names: Vec<&str> = rest["items"].as_array().unwrap().iter().map(|p| p["username"].as_str().unwrap()).collect();
        assert_eq!(names, ["alicia"], "disabled people are not offered");
        assert_eq!(rest["next_cursor"], Value::Null);

        let response = finder.get(&format!("/api/v1/people?q={}", "x".repeat(101))).await;
        assert_problem(response, 400, "bad_request").await;
        assert_eq!(app.anonymous().get(app.url("/api/v1/people")).send().await.unwrap().status(), 401);
    }
}

on_both_backends! {
    async fn anyone_signed_in_names_people_by_id_disabled_and_guests_included(app: TestApp) {
        let finder = app.person("finder").await;
        let alice = app.person("alice").await;
        let gone = app.person("gone").await;
        app.admin.patch(&format!("/api/v1/users/{}", gone.id()), &json!({"enabled": false})).await;
        let gwen = app.create_user(json!({
            "username": "gwen", "display_name": "Gwen Guest", "email": "gwen@partner.example",
            "user_type": "guest",
        }))
        .await;
        let gwen = gwen["id"].as_str().unwrap();
        let nobody = uuid::Uuid::now_v7();

        let path = format!("/api/v1/people?ids={gwen},{nobody},{},{},{gwen}", gone.id(), alice.id());
        let named: Value = finder.get(&path).await.json().await.unwrap();
        assert_eq!(
            named,
            json!({
                "items": [
                    {"id": alice.id(), "username": "alice", "display_name": "alice Example", "guest": false},
                    {"id": gone.id(), "username": "gone", "display_name": "gone Example", "guest": false},
                    {"id": gwen, "username": "gwen", "display_name": "Gwen Guest", "guest": true},
                ],
                "next_cursor": null,
            }),
            "by username, the disabled included, the unknown left out, each once"
        );
        let searched: Value = finder.get("/api/v1/people?q=gwen").await.json().await.unwrap();
        assert_eq!(searched["items"][0]["guest"], true, "a search marks guests too");
    }
}

on_both_backends! {
    async fn naming_people_by_id_refuses_bad_ids_naming_the_field(app: TestApp) {
        let finder = app.person("finder").await;
        let one = uuid::Uuid::now_v7();
        let too_many = vec![one.to_string(); 101].join(",");
        for query in [
            "ids=nope".to_string(),
            format!("ids={one},nope"),
            format!("ids={one},"),
            "ids=".to_string(),
            format!("ids={too_many}"),
            format!("ids={one}&q=ali"),
            format!("ids={one}&limit=5"),
        ] {
            let response = finder.get(&format!("/api/v1/people?{query}")).await;
            let problem = assert_problem(response, 400, "bad_request").await;
            assert_eq!(problem_fields(&problem), vec!["ids"], "{query}");
        }
        let most = vec![one.to_string(); 100].join(",");
        assert_eq!(finder.get(&format!("/api/v1/people?ids={most}")).await.status(), 200);
        let anonymous = app.anonymous().get(app.url(&format!("/api/v1/people?ids={one}"))).send().await.unwrap();
        assert_problem(anonymous, 401, "unauthenticated").await;
    }
}

on_both_backends! {
    async fn a_manager_lists_only_their_enabled_direct_reports_and_others_see_none(app: TestApp) {
        let manager = app.person("mona").await;
        let report = |username: &str, manager_id: &str| {
            json!({
                "username": username,
                "display_name": format!("{username} Example"),
                "email": format!("{username}@example.org"),
                "manager_id": manager_id,
                "password": PASSWORD,
            })
        };
        let zed = app.create_user(report("zed", &manager.id())).await;
        let amy = app.create_user(report("amy", &manager.id())).await;
        let left = app.create_user(report("left", &manager.id())).await;
        let patched = app
            .admin
            .patch(&format!("/api/v1/users/{}", left["id"].as_str().unwrap()), &json!({"enabled": false}))
            .await;
        assert_eq!(patched.status(), StatusCode::OK);
        // Someone else's report is not listed.
        let other = app.person("otto").await;
        app.create_user(report("olga", &other.id())).await;

        let answer = manager.get("/api/v1/me/reports").await;
        assert_eq!(answer.status(), StatusCode::OK);
        let page: Value = answer.json().await.unwrap();
        let names: Vec<&str> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|person| person["username"].as_str().unwrap())
            .collect();
        assert_eq!(names, vec!["amy", "zed"], "by name, without the disabled one");
        assert_eq!(page["items"][0]["id"], amy["id"]);
        assert_eq!(page["items"][1]["id"], zed["id"]);
        assert_eq!(page["next_cursor"], Value::Null);

        // A person who manages nobody, and the administrator, have no reports.
        let zed_session = Session::sign_in(&app.base, "zed", PASSWORD).await;
        for session in [&zed_session, &app.admin] {
            let page: Value = session.get("/api/v1/me/reports").await.json().await.unwrap();
            assert_eq!(page["items"], json!([]));
        }
        let anonymous = app.anonymous().get(app.url("/api/v1/me/reports")).send().await.unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    }
}

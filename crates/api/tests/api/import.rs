use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::groups::audit_of;
use crate::helpers::*;
use crate::on_both_backends;

const IMPORTS: &str = "/api/v1/directory/imports";

fn directory_json() -> Value {
    json!({
        "users": [
            {"username": "maria", "display_name": "Maria Manager", "email": "maria@example.org", "department": "Sales"},
            {"username": "alice", "display_name": "Alice", "email": "alice@example.org", "manager": "maria",
             "attributes": {"cost_center": "42"}},
            {"username": "hr-sync", "display_name": "HR sync", "email": "hr@example.org", "kind": "service_account"},
        ],
        "groups": [
            {"name": "Sales", "description": "Sellers"},
            {"name": "Everyone"},
        ],
        "memberships": [
            {"group": "sales", "username": "alice"},
            {"group": "Sales", "username": "maria", "role": "owner"},
            {"group": "Everyone", "username": "maria"},
        ],
        "applications": [
            {"name": "CRM", "description": "Customers", "roles": ["Reader", "Writer"]},
        ],
    })
}

async fn import_json(app: &TestApp, body: &Value) -> Value {
    let response = app.admin.post(IMPORTS, body).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn import_csv(app: &TestApp, csv: &str) -> Value {
    let response = app
        .admin
        .post_raw(IMPORTS, "text/csv; charset=utf-8", csv)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn counts(users: u32, groups: u32, memberships: u32, applications: u32) -> Value {
    json!({"users": users, "groups": groups, "memberships": memberships, "applications": applications})
}

on_both_backends! {
    async fn importing_the_same_json_twice_creates_everything_once(app: TestApp) {
        let first = import_json(&app, &directory_json()).await;
        assert_eq!(first["created"], counts(3, 2, 3, 1), "{first}");
        assert_eq!(first["updated"], counts(0, 0, 0, 0));
        assert_eq!(first["rejected"], json!([]));
        let second = import_json(&app, &directory_json()).await;
        assert_eq!(second["created"], counts(0, 0, 0, 0), "{second}");
        assert_eq!(second["updated"], counts(0, 0, 0, 0));
        assert_eq!(second["unchanged"], counts(3, 2, 3, 1));
        assert_eq!(second["rejected"], json!([]));

        let users: Value = app.admin.get("/api/v1/users").await.json().await.unwrap();
        let find = |name: &str| users["items"].as_array().unwrap().iter().find(|u| u["username"] == name).unwrap().clone();
        let (maria, alice) = (find("maria"), find("alice"));
        assert_eq!(alice["manager_id"], maria["id"]);
        assert_eq!(alice["attributes"], json!({"cost_center": "42"}));
        assert_eq!(maria["department"], "Sales");
        assert_eq!(find("hr-sync")["kind"], "service_account");
        assert_eq!(users["items"].as_array().unwrap().len(), 4);

        let groups: Value = app.admin.get("/api/v1/groups?q=sales").await.json().await.unwrap();
        let sales = &groups["items"][0];
        assert_eq!(sales["description"], "Sellers");
        let sid = sales["id"].as_str().unwrap();
        let members: Value = app.admin.get(&format!("/api/v1/groups/{sid}/members")).await.json().await.unwrap();
        assert_eq!(members["items"][0]["username"], "alice");
        let owners: Value = app.admin.get(&format!("/api/v1/groups/{sid}/owners")).await.json().await.unwrap();
        assert_eq!(owners["items"][0]["username"], "maria");
        let apps: Value = app.admin.get("/api/v1/applications").await.json().await.unwrap();
        let crm = apps["items"][0]["id"].as_str().unwrap();
        let roles: Value = app.admin.get(&format!("/api/v1/applications/{crm}/roles")).await.json().await.unwrap();
        let names: Vec<&str> = roles["items"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Reader", "Writer"]);

        // Each change was recorded once, by the importing administrator, with the request id.
        let events = audit_of(&app, "group", sid).await;
        let actions: Vec<&str> = events.iter().map(|(a, _, _)| a.as_str()).collect();
        assert_eq!(actions, ["group.create", "group.member.add", "group.owner.add"]);
        let state = app.state().await;
        let user_events = tessera_api::store::audit::list_events_for_target(&state.db, "user", alice["id"].as_str().unwrap()).await.unwrap();
        assert_eq!(user_events.len(), 1);
        assert_eq!(user_events[0].action, "user.create");
        assert_eq!(user_events[0].actor_name.as_deref(), Some(ADMIN));
        assert!(user_events[0].request_id.is_some());
    }
}

on_both_backends! {
    async fn imported_users_have_no_password_and_cannot_sign_in(app: TestApp) {
        import_json(&app, &directory_json()).await;
        let response = app
            .anonymous()
            .post(app.url("/api/v1/session"))
            .json(&json!({"username": "alice", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_problem(response, 401, "sign_in_failed").await;
    }
}

on_both_backends! {
    async fn a_changed_row_updates_and_the_rest_stays(app: TestApp) {
        import_json(&app, &directory_json()).await;
        let mut changed = directory_json();
        changed["users"][1]["display_name"] = json!("Alice Renamed");
        changed["users"][1]["attributes"] = json!({"cost_center": "43"});
        changed["groups"][0]["description"] = json!("Sellers and more");
        changed["applications"][0]["roles"] = json!(["Reader", "Admin"]);
        let report = import_json(&app, &changed).await;
        assert_eq!(report["created"], counts(0, 0, 0, 0), "{report}");
        assert_eq!(report["updated"], counts(1, 1, 0, 1));
        assert_eq!(report["unchanged"], counts(2, 1, 3, 0));
        let users: Value = app.admin.get("/api/v1/users").await.json().await.unwrap();
        let alice = users["items"].as_array().unwrap().iter().find(|u| u["username"] == "alice").unwrap();
        assert_eq!(alice["display_name"], "Alice Renamed");
        assert_eq!(alice["attributes"], json!({"cost_center": "43"}));
        assert_eq!(alice["department"], Value::Null);
        let events = tessera_api::store::audit::list_events_for_target(&app.state().await.db, "user", alice["id"].as_str().unwrap()).await.unwrap();
        let update = events.last().unwrap();
        assert_eq!(update.action, "user.update");
        let before: Value = serde_json::from_str(update.before.as_deref().unwrap()).unwrap();
        let after: Value = serde_json::from_str(update.after.as_deref().unwrap()).unwrap();
        assert_eq!(before["display_name"], "Alice");
        assert_eq!(after["display_name"], "Alice Renamed");
    }
}

on_both_backends! {
    async fn refused_json_rows_are_reported_with_their_reason_and_the_others_applied(app: TestApp) {
        let body = json!({
            "users": [
                {"username": "good", "display_name": "Good", "email": "good@example.org"},
                {"username": "bad email", "display_name": "X", "email": "x@example.org"},
                {"username": "noemail", "display_name": "X", "email": "nope"},
                {"username": "orphan", "display_name": "X", "email": "o@example.org", "manager": "ghost"},
                {"username": "admin", "display_name": "X", "email": "a@example.org", "kind": "service_account"},
            ],
            "groups": [{"name": ""}, {"name": "Fine"}],
            "memberships": [
                {"group": "Nowhere", "username": "good"},
                {"group": "Fine", "username": "ghost"},
                {"group": "Fine", "username": "good"},
            ],
            "applications": [{"name": "App", "roles": ["Ok", ""]}],
        });
        let report = import_json(&app, &body).await;
        assert_eq!(report["created"], counts(1, 1, 1, 0), "{report}");
        let rejected: Vec<(String, u64, Option<String>)> = report["rejected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                assert!(!r["reason"].as_str().unwrap().is_empty(), "{r}");
                (r["section"].as_str().unwrap().to_string(), r["row"].as_u64().unwrap(), r["field"].as_str().map(str::to_string))
            })
            .collect();
        let expected: Vec<(String, u64, Option<String>)> = [
            ("users", 2, Some("username")),
            ("users", 3, Some("email")),
            ("users", 4, Some("manager")),
            ("users", 5, Some("kind")),
            ("groups", 1, Some("name")),
            ("memberships", 1, Some("group")),
            ("memberships", 2, Some("username")),
            ("applications", 1, Some("roles[1]")),
        ]
        .into_iter()
        .map(|(s, r, f)| (s.to_string(), r, f.map(str::to_string)))
        .collect();
        assert_eq!(rejected, expected, "{report}");
        let reason = report["rejected"][2]["reason"].as_str().unwrap();
        assert!(reason.contains("ghost"), "{reason}");
        // A manager loop is refused on the manager field of the row.
        let looped = import_json(&app, &json!({"users": [
            {"username": "good", "display_name": "Good", "email": "good@example.org", "manager": "good"},
        ]}))
        .await;
        assert_eq!(looped["rejected"][0]["field"], "manager", "{looped}");
        let users: Value = app.admin.get("/api/v1/users").await.json().await.unwrap();
        assert_eq!(users["items"].as_array().unwrap().len(), 2, "admin and good");
        assert_eq!(app.admin.get("/api/v1/applications").await.json::<Value>().await.unwrap()["items"], json!([]));
    }
}

on_both_backends! {
    async fn a_json_row_of_the_wrong_shape_refuses_the_whole_file(app: TestApp) {
        // Unknown fields, wrong JSON types and values outside an enumeration break the
        // documented schema: the file is refused, naming the row and field, and nothing applies.
        for (row, field) in [
            (json!({"username": "extra", "display_name": "X", "email": "e@example.org", "colour": "red"}), "users[1].colour"),
            (json!("not an object"), "users[1]"),
            (json!({"username": "typed", "display_name": 7, "email": "t@example.org"}), "users[1].display_name"),
            (json!({"username": "kinded", "display_name": "K", "email": "k@example.org", "kind": "robot"}), "users[1].kind"),
        ] {
            let body = json!({"users": [
                {"username": "fine", "display_name": "Fine", "email": "fine@example.org"},
                row,
            ]});
            let problem = assert_problem(app.admin.post(IMPORTS, &body).await, 422, "validation_failed").await;
            assert_eq!(problem_fields(&problem), vec![field.to_string()], "{body}");
        }
        for role in [json!("boss"), json!(null)] {
            let body = json!({"memberships": [{"group": "Fine", "username": "good", "role": role}]});
            let problem = assert_problem(app.admin.post(IMPORTS, &body).await, 422, "validation_failed").await;
            assert_eq!(problem_fields(&problem), vec!["memberships[0].role"], "{body}");
        }
        let users: Value = app.admin.get("/api/v1/users").await.json().await.unwrap();
        assert_eq!(users["items"].as_array().unwrap().len(), 1, "nothing was imported");
    }
}

on_both_backends! {
    async fn a_file_that_cannot_be_read_as_a_whole_is_refused(app: TestApp) {
        let problem = assert_problem(app.admin.post(IMPORTS, &json!({"people": []})).await, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), vec!["people"]);
        assert_problem(app.admin.post_raw(IMPORTS, "application/json", "{").await, 400, "bad_request").await;
        assert_problem(app.admin.post_raw(IMPORTS, "text/plain", "type\n").await, 415, "unsupported_media_type").await;
        let problem = assert_problem(app.admin.post_raw(IMPORTS, "text/csv", "type,username,shoe_size\n").await, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), vec!["shoe_size"]);
        let problem = assert_problem(app.admin.post_raw(IMPORTS, "text/csv", "username,email\n").await, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), vec!["type"]);
        let users: Value = app.admin.get("/api/v1/users").await.json().await.unwrap();
        assert_eq!(users["items"].as_array().unwrap().len(), 1);
    }
}

const DIRECTORY_CSV: &str = "\
type,username,display_name,email,kind,department,manager,attributes,name,description,group,role,roles
user,maria,Maria Manager,maria@example.org,,Sales,,,,,,,
user,alice,Alice,alice@example.org,,,maria,cost_center=42;site=Paris,,,,,
user,hr-sync,HR sync,hr@example.org,service_account,,,,,,,,
group,,,,,,,,Sales,\"Sellers, mostly\",,,
membership,alice,,,,,,,,,Sales,,
membership,maria,,,,,,,,,sales,owner,
application,,,,,,,,CRM,Customers,,,Reader;Writer
";

on_both_backends! {
    async fn importing_the_same_csv_twice_creates_everything_once(app: TestApp) {
        let first = import_csv(&app, DIRECTORY_CSV).await;
        assert_eq!(first["created"], counts(3, 1, 2, 1), "{first}");
        assert_eq!(first["rejected"], json!([]));
        let second = import_csv(&app, DIRECTORY_CSV).await;
        assert_eq!(second["created"], counts(0, 0, 0, 0), "{second}");
        assert_eq!(second["updated"], counts(0, 0, 0, 0));
        assert_eq!(second["unchanged"], counts(3, 1, 2, 1));
        let users: Value = app.admin.get("/api/v1/users").await.json().await.unwrap();
        let alice = users["items"].as_array().unwrap().iter().find(|u| u["username"] == "alice").unwrap();
        assert_eq!(alice["attributes"], json!({"cost_center": "42", "site": "Paris"}));
        let groups: Value = app.admin.get("/api/v1/groups").await.json().await.unwrap();
        assert_eq!(groups["items"][0]["description"], "Sellers, mostly");
        // The JSON form of the same directory changes nothing either.
        let json_report = import_json(&app, &json!({
            "users": [{"username": "maria", "display_name": "Maria Manager", "email": "maria@example.org"}],
            "memberships": [{"group": "SALES", "username": "alice", "role": "member"}],
        }))
        .await;
        assert_eq!(json_report["unchanged"], counts(1, 0, 1, 0), "{json_report}");
    }
}

on_both_backends! {
    async fn refused_csv_rows_are_reported_by_line_with_their_reason(app: TestApp) {
        let csv = "\
type,username,display_name,email,name,group,role,attributes
user,good,Good,good@example.org,,,,
user,bad,Bad,not-an-email,,,,
robot,x,,,,,,
,x,,,,,,
user,short,Short,short@example.org
group,,,,Team,,,
group,stray,,,Other,,,
membership,good,,,,Team,,
membership,good,,,,Team,boss,
user,attrs,Attrs,attrs@example.org,,,,no_equals_sign
";
        let report = import_csv(&app, csv).await;
        assert_eq!(report["created"], counts(1, 1, 1, 0), "{report}");
        let rejected: Vec<(String, u64, Option<String>)> = report["rejected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["section"].as_str().unwrap().to_string(), r["row"].as_u64().unwrap(), r["field"].as_str().map(str::to_string)))
            .collect();
        let expected: Vec<(String, u64, Option<String>)> = [
            ("users", 3, Some("email")),
            ("users", 4, Some("type")),
            ("users", 5, Some("type")),
            ("users", 6, None),
            ("users", 11, Some("attributes")),
            ("groups", 8, Some("username")),
            ("memberships", 10, Some("role")),
        ]
        .into_iter()
        .map(|(s, r, f)| (s.to_string(), r, f.map(str::to_string)))
        .collect();
        assert_eq!(rejected, expected, "{report}");
        let short = report["rejected"].as_array().unwrap().iter().find(|r| r["row"] == 6).unwrap();
        assert!(short["reason"].as_str().unwrap().contains("fields"), "{short}");
    }
}

on_both_backends! {
    async fn the_command_line_imports_a_file_idempotently(app: TestApp) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("directory.csv");
        std::fs::write(&file, DIRECTORY_CSV).unwrap();
        let run = || {
            std::process::Command::new(env!("CARGO_BIN_EXE_tessera"))
                .arg("--database-url")
                .arg(&app.settings.database_url)
                .arg("import")
                .arg(&file)
                .env_remove("TESSERA_CONFIG")
                .output()
                .unwrap()
        };
        let first = run();
        assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
        let report: Value = serde_json::from_slice(&first.stdout).unwrap();
        assert_eq!(report["created"], counts(3, 1, 2, 1));
        let second = run();
        let report: Value = serde_json::from_slice(&second.stdout).unwrap();
        assert_eq!(report["unchanged"], counts(3, 1, 2, 1));
        let users: Value = app.admin.get("/api/v1/users").await.json().await.unwrap();
        assert_eq!(users["items"].as_array().unwrap().len(), 4);
        // Changes made from the command line have no actor but are recorded.
        let maria = users["items"].as_array().unwrap().iter().find(|u| u["username"] == "maria").unwrap();
        let events = tessera_api::store::audit::list_events_for_target(&app.state().await.db, "user", maria["id"].as_str().unwrap()).await.unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].actor_id, None);

        std::fs::write(&file, "type,username\nuser,xavier\n").unwrap();
        let refused = run();
        assert!(!refused.status.success(), "a refused row fails the command");
        let report: Value = serde_json::from_slice(&refused.stdout).unwrap();
        assert_eq!(report["rejected"][0]["field"], "display_name");
    }
}

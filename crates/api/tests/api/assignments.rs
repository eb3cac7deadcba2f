//! Direct assignment: the policy's rules, delivery of resource roles into the directory,
//! removal (keeping what another assignment or an administrator granted), changes of a
//! package's resource roles reaching everyone assigned, scheduled starts and expiry,
//! separation of duties, and the assignment list with its CSV export.

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use tessera_api::jobs::assignments::{DueWork, run_due_work};
use uuid::Uuid;

use super::catalogs::{create_catalog, insert_app_role, insert_application, insert_group};
use super::packages::create_package;
use crate::helpers::*;
use crate::on_both_backends;

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_string()
}

/// A policy of administrator assignments only, no approval, with `expiry`.
fn admin_policy(expiry: Value) -> Value {
    json!({
        "name": "Administrators assign",
        "who_can_request": {"type": "nobody"},
        "approval": {"type": "none"},
        "lifecycle": {"expiry": expiry},
    })
}

struct Shop {
    catalog: String,
}

impl Shop {
    async fn open(app: &TestApp, name: &str) -> Shop {
        let catalog = id(&create_catalog(&app.admin, name).await);
        Shop { catalog }
    }

    async fn add_group(&self, app: &TestApp, group: Uuid) {
        let added = app
            .admin
            .post(
                &format!("/api/v1/catalogs/{}/resources", self.catalog),
                &json!({"kind": "group", "id": group}),
            )
            .await;
        assert_eq!(added.status(), 201);
    }

    /// A package granting `roles` (resource-role inputs) with one policy; (package, policy).
    async fn package(
        &self,
        app: &TestApp,
        name: &str,
        roles: &[Value],
        policy: Value,
    ) -> (String, String) {
        let package = id(&create_package(&app.admin, &self.catalog, name).await);
        for role in roles {
            let added = app
                .admin
                .post(
                    &format!("/api/v1/access-packages/{package}/resource-roles"),
                    role,
                )
                .await;
            assert_eq!(added.status(), 201, "{role}");
        }
        let created = app
            .admin
            .post(
                &format!("/api/v1/access-packages/{package}/policies"),
                &policy,
            )
            .await;
        assert_eq!(created.status(), 201);
        (package, id(&created.json().await.unwrap()))
    }
}

async fn assign(session: &Session, package: &str, body: Value) -> reqwest::Response {
    session
        .post(
            &format!("/api/v1/access-packages/{package}/assignments"),
            &body,
        )
        .await
}

async fn assigned(session: &Session, package: &str, policy: &str, user: &str) -> Value {
    let response = assign(
        session,
        package,
        json!({"policy_id": policy, "user_id": user}),
    )
    .await;
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

async fn remove(session: &Session, assignment: &str) -> reqwest::Response {
    session
        .post(
            &format!("/api/v1/assignments/{assignment}/remove"),
            &json!({}),
        )
        .await
}

async fn usernames(app: &TestApp, path: &str) -> Vec<String> {
    let listed: Value = app.admin.get(path).await.json().await.unwrap();
    let mut names: Vec<String> = listed["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{path}: {listed}"))
        .iter()
        .map(|member| member["username"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

async fn members(app: &TestApp, group: Uuid) -> Vec<String> {
    usernames(app, &format!("/api/v1/groups/{group}/members")).await
}

on_both_backends! {
    async fn a_direct_assignment_delivers_the_package_roles_and_removal_takes_them_back(app: TestApp) {
        let alice = app.person("alice").await;
        let shop = Shop::open(&app, "Operations").await;
        let group = insert_group(&app, "Operators", None).await;
        shop.add_group(&app, group).await;
        let application = insert_application(&app, "Ledger").await;
        let added = app.admin.post(&format!("/api/v1/catalogs/{}/resources", shop.catalog), &json!({"kind": "application", "id": application})).await;
        assert_eq!(added.status(), 201);
        let role = insert_app_role(&app, application, "Clerk").await;
        let (package, policy) = shop.package(&app, "Operations", &[
            json!({"kind": "group_member", "group_id": group}),
            json!({"kind": "group_owner", "group_id": group}),
            json!({"kind": "app_role", "app_role_id": role}),
        ], admin_policy(json!({"type": "never"}))).await;

        let response = assign(&app.admin, &package, json!({
            "policy_id": policy, "user_id": alice.id(), "justification": "  joins operations  ",
        })).await;
        assert_eq!(response.status(), 201);
        let location = response.headers()["location"].to_str().unwrap().to_string();
        let assignment: Value = response.json().await.unwrap();
        assert_eq!(location, format!("/api/v1/assignments/{}", id(&assignment)));
        assert_eq!(assignment["state"], "delivered");
        assert_eq!(assignment["user"]["username"], "alice");
        assert_eq!(assignment["access_package_name"], "Operations");
        assert_eq!(assignment["policy_name"], "Administrators assign");
        assert_eq!(assignment["justification"], "joins operations");
        assert_eq!(assignment["assigned_by"]["username"], "admin");
        assert_eq!(assignment["ends_at"], Value::Null);

        assert_eq!(members(&app, group).await, ["alice"]);
        assert_eq!(usernames(&app, &format!("/api/v1/groups/{group}/owners")).await, ["alice"]);
        assert_eq!(usernames(&app, &format!("/api/v1/applications/{application}/roles/{role}/assignees")).await, ["alice"]);
        let read: Value = app.admin.get(&location).await.json().await.unwrap();
        assert_eq!(read, assignment);

        let again = assign(&app.admin, &package, json!({"policy_id": policy, "user_id": alice.id()})).await;
        assert_problem(again, 409, "already_assigned").await;

        let removed = remove(&app.admin, &id(&assignment)).await;
        assert_eq!(removed.status(), 200);
        let removed: Value = removed.json().await.unwrap();
        assert_eq!(removed["state"], "removed");
        assert_eq!(removed["ended_by"]["username"], "admin");
        assert!(removed["ended_at"].is_string());
        assert!(members(&app, group).await.is_empty());
        assert!(usernames(&app, &format!("/api/v1/groups/{group}/owners")).await.is_empty());
        assert!(usernames(&app, &format!("/api/v1/applications/{application}/roles/{role}/assignees")).await.is_empty());
        assert_problem(remove(&app.admin, &id(&assignment)).await, 409, "assignment_ended").await;

        // Ended, the package can be given again.
        let renewed = assigned(&app.admin, &package, &policy, &alice.id()).await;
        assert_eq!(renewed["state"], "delivered");

        let state = app.state().await;
        let actions: Vec<String> = tessera_api::store::audit::list_events_for_target(&state.db, "assignment", &id(&assignment))
            .await
            .unwrap()
            .into_iter()
            .map(|event| event.action)
            .collect();
        assert_eq!(actions.len(), 2, "{actions:?}");
        assert!(actions.contains(&"assignment.create".to_string()));
        assert!(actions.contains(&"assignment.remove".to_string()));
    }
}

on_both_backends! {
    async fn a_role_another_assignment_or_an_administrator_granted_stays(app: TestApp) {
        let alice = app.person("alice").await;
        let bob = app.person("bob").await;
        let carol = app.person("carol").await;
        let shop = Shop::open(&app, "Shared").await;
        let group = insert_group(&app, "Shared group", None).await;
        shop.add_group(&app, group).await;
        let grants = [json!({"kind": "group_member", "group_id": group})];
        let policy = admin_policy(json!({"type": "never"}));
        let (first, first_policy) = shop.package(&app, "First", &grants, policy.clone()).await;
        let (second, second_policy) = shop.package(&app, "Second", &grants, policy).await;

        // Two assignments grant the same membership: it lasts until the last one ends.
        let a1 = assigned(&app.admin, &first, &first_policy, &alice.id()).await;
        let a2 = assigned(&app.admin, &second, &second_policy, &alice.id()).await;
        assert_eq!(remove(&app.admin, &id(&a1)).await.status(), 200);
        assert_eq!(members(&app, group).await, ["alice"]);
        assert_eq!(remove(&app.admin, &id(&a2)).await.status(), 200);
        assert!(members(&app, group).await.is_empty());

        // Membership bob held before his assignment stays after it.
        let put = app.admin.put(&format!("/api/v1/groups/{group}/members/{}", bob.id())).await;
        assert_eq!(put.status(), 204);
        let b = assigned(&app.admin, &first, &first_policy, &bob.id()).await;
        assert_eq!(remove(&app.admin, &id(&b)).await.status(), 200);
        assert_eq!(members(&app, group).await, ["bob"]);

        // Membership an administrator adds while an assignment grants it becomes theirs.
        let c = assigned(&app.admin, &first, &first_policy, &carol.id()).await;
        let put = app.admin.put(&format!("/api/v1/groups/{group}/members/{}", carol.id())).await;
        assert_eq!(put.status(), 204);
        assert_eq!(remove(&app.admin, &id(&c)).await.status(), 200);
        assert_eq!(members(&app, group).await, ["bob", "carol"]);
    }
}

on_both_backends! {
    async fn changing_a_package_resource_roles_reaches_everyone_assigned(app: TestApp) {
        let alice = app.person("alice").await;
        let bob = app.person("bob").await;
        let shop = Shop::open(&app, "Changing").await;
        let old_group = insert_group(&app, "Old group", None).await;
        let new_group = insert_group(&app, "New group", None).await;
        shop.add_group(&app, old_group).await;
        shop.add_group(&app, new_group).await;
        let policy = admin_policy(json!({"type": "never"}));
        let (package, policy_id) = shop.package(&app, "Changing", &[json!({"kind": "group_member", "group_id": old_group})], policy.clone()).await;
        let (other, other_policy) = shop.package(&app, "Other", &[json!({"kind": "group_member", "group_id": old_group})], policy).await;
        assigned(&app.admin, &package, &policy_id, &alice.id()).await;
        assigned(&app.admin, &package, &policy_id, &bob.id()).await;
        // Bob also holds the other package, which grants the old group too.
        assigned(&app.admin, &other, &other_policy, &bob.id()).await;

        let p = format!("/api/v1/access-packages/{package}");
        let added = app.admin.post(&format!("{p}/resource-roles"), &json!({"kind": "group_member", "group_id": new_group})).await;
        assert_eq!(added.status(), 201);
        assert_eq!(members(&app, new_group).await, ["alice", "bob"]);

        let view: Value = app.admin.get(&p).await.json().await.unwrap();
        let old_role = view["resource_roles"].as_array().unwrap().iter()
            .find(|role| role["group_id"] == json!(old_group)).unwrap()["id"].as_str().unwrap().to_string();
        assert_eq!(app.admin.delete(&format!("{p}/resource-roles/{old_role}")).await.status(), 204);
        assert_eq!(members(&app, old_group).await, ["bob"], "bob keeps it through the other package");
        assert_eq!(members(&app, new_group).await, ["alice", "bob"]);
    }
}

on_both_backends! {
    async fn a_direct_assignment_follows_its_policy(app: TestApp) {
        let alice = app.person("alice").await;
        let bob = app.person("bob").await;
        let shop = Shop::open(&app, "Rules").await;
        let staff = insert_group(&app, "Staff", None).await;
        let put = app.admin.put(&format!("/api/v1/groups/{staff}/members/{}", bob.id())).await;
        assert_eq!(put.status(), 204);
        let scoped = json!({
            "name": "Staff only",
            "who_can_request": {"type": "specific_users_and_groups", "groups": [staff]},
            "approval": {"type": "none"},
            "requester": {"questions": [
                {"type": "single_choice", "id": "site", "text": "Which site?", "required": true, "choices": ["Paris", "Oslo"]},
            ]},
            "lifecycle": {"expiry": {"type": "after_days", "days": 30}},
        });
        let (package, policy) = shop.package(&app, "Scoped", &[], scoped).await;

        // Out of scope, a missing answer and an end beyond the expiry: reported together.
        let later = (Utc::now() + Duration::days(60)).to_rfc3339();
        let refused = assign(&app.admin, &package, json!({"policy_id": policy, "user_id": alice.id(), "ends_at": later})).await;
        let problem = assert_problem(refused, 422, "validation_failed").await;
        let mut fields = problem_fields(&problem);
        fields.sort();
        assert_eq!(fields, ["answers", "ends_at", "user_id"], "{problem}");

        let wrong_choice = assign(&app.admin, &package, json!({
            "policy_id": policy, "user_id": bob.id(),
            "answers": [{"question_id": "site", "value": "Rome"}],
        })).await;
        let problem = assert_problem(wrong_choice, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), ["answers[0].value"], "{problem}");

        let soon = Utc::now() + Duration::days(10);
        let accepted = assign(&app.admin, &package, json!({
            "policy_id": policy, "user_id": bob.id(), "ends_at": soon.to_rfc3339(),
            "answers": [{"question_id": "site", "value": "Oslo"}],
        })).await;
        assert_eq!(accepted.status(), 201);
        let accepted: Value = accepted.json().await.unwrap();
        assert_eq!(accepted["answers"], json!([{"question_id": "site", "question": "Which site?", "answer": {"type": "choice", "value": "Oslo"}}]));
        let ends_at: chrono::DateTime<Utc> = accepted["ends_at"].as_str().unwrap().parse().unwrap();
        assert!((ends_at - soon).num_seconds().abs() < 1);

        for (body, status, code) in [
            (json!({"policy_id": Uuid::new_v4(), "user_id": alice.id()}), 422, "validation_failed"),
            (json!({"policy_id": policy, "user_id": Uuid::new_v4(), "answers": [{"question_id": "site", "value": "Oslo"}]}), 422, "validation_failed"),
            (json!({"policy_id": policy, "user_id": alice.id(), "justification": "x".repeat(2001)}), 422, "validation_failed"),
            (json!({"policy_id": policy, "user_id": alice.id(), "starts_at": "2001-01-01T00:00:00Z"}), 422, "validation_failed"),
            (json!({"policy_id": policy, "user_id": alice.id(), "colour": "red"}), 422, "validation_failed"),
        ] {
            let response = assign(&app.admin, &package, body.clone()).await;
            assert_problem(response, status, code).await;
        }

        // A disabled person cannot be given access.
        let carol = app.person("carol").await;
        let put = app.admin.put(&format!("/api/v1/groups/{staff}/members/{}", carol.id())).await;
        assert_eq!(put.status(), 204);
        let disabled = app.admin.patch(&format!("/api/v1/users/{}", carol.id()), &json!({"enabled": false})).await;
        assert_eq!(disabled.status(), 200);
        let refused = assign(&app.admin, &package, json!({"policy_id": policy, "user_id": carol.id(), "answers": [{"question_id": "site", "value": "Oslo"}]})).await;
        let problem = assert_problem(refused, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), ["user_id"]);

        // A policy with approval stages cannot be skipped; a disabled one takes nobody.
        let approval = json!({
            "name": "Approved",
            "who_can_request": {"type": "all_members"},
            "approval": {"type": "required", "stages": [{"primary_approvers": [{"type": "manager"}], "fallback_approvers": [{"type": "user", "user_id": bob.id()}], "timeout_days": 7}]},
            "lifecycle": {"expiry": {"type": "never"}},
        });
        let (gated, gated_policy) = shop.package(&app, "Gated", &[], approval).await;
        let waiting = assign(&app.admin, &gated, json!({"policy_id": gated_policy, "user_id": alice.id()})).await;
        assert_eq!(waiting.status(), 202, "the assignment waits for the approvers as a request");
        let waiting: Value = waiting.json().await.unwrap();
        assert_eq!(waiting["state"], "pending_approval");
        let mut disabled_policy = admin_policy(json!({"type": "never"}));
        disabled_policy["enabled"] = json!(false);
        let (off, off_policy) = shop.package(&app, "Off", &[], disabled_policy).await;
        let refused = assign(&app.admin, &off, json!({"policy_id": off_policy, "user_id": alice.id()})).await;
        assert_problem(refused, 409, "policy_disabled").await;
        // A policy of another package is not this package's.
        let refused = assign(&app.admin, &off, json!({"policy_id": policy, "user_id": alice.id()})).await;
        let problem = assert_problem(refused, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), ["policy_id"]);
    }
}

on_both_backends! {
    async fn assignments_start_and_expire_on_time_exactly_once(app: TestApp) {
        let alice = app.person("alice").await;
        let shop = Shop::open(&app, "Timed").await;
        let group = insert_group(&app, "Timed group", None).await;
        shop.add_group(&app, group).await;
        let (package, policy) = shop.package(&app, "Timed", &[json!({"kind": "group_member", "group_id": group})], admin_policy(json!({"type": "after_days", "days": 1}))).await;

        let start = Utc::now() + Duration::hours(1);
        let response = assign(&app.admin, &package, json!({"policy_id": policy, "user_id": alice.id(), "starts_at": start.to_rfc3339()})).await;
        assert_eq!(response.status(), 201);
        let assignment: Value = response.json().await.unwrap();
        assert_eq!(assignment["state"], "scheduled");
        assert!(members(&app, group).await.is_empty());

        let state = app.state().await;
        assert_eq!(run_due_work(&state, Utc::now()).await.unwrap(), DueWork::default());

        // Two replicas run the same round at once: the assignment starts once.
        let replica = app.state().await;
        let at = start + Duration::seconds(1);
        let (one, two) = tokio::join!(run_due_work(&state, at), run_due_work(&replica, at));
        assert_eq!(one.unwrap().started + two.unwrap().started, 1);
        let read: Value = app.admin.get(&format!("/api/v1/assignments/{}", id(&assignment))).await.json().await.unwrap();
        assert_eq!(read["state"], "delivered");
        assert_eq!(members(&app, group).await, ["alice"]);

        let after_end = start + Duration::days(1) + Duration::seconds(1);
        let (one, two) = tokio::join!(run_due_work(&state, after_end), run_due_work(&replica, after_end));
        assert_eq!(one.unwrap().ended + two.unwrap().ended, 1);
        let read: Value = app.admin.get(&format!("/api/v1/assignments/{}", id(&assignment))).await.json().await.unwrap();
        assert_eq!(read["state"], "expired");
        assert_eq!(read["ended_by"], Value::Null);
        assert!(members(&app, group).await.is_empty());
        assert_eq!(run_due_work(&state, after_end).await.unwrap(), DueWork::default());

        let actions: Vec<String> = tessera_api::store::audit::list_events_for_target(&state.db, "assignment", &id(&assignment))
            .await.unwrap().into_iter().map(|event| event.action).collect();
        assert_eq!(actions.len(), 3, "{actions:?}");
        for action in ["assignment.create", "assignment.start", "assignment.expire"] {
            assert!(actions.contains(&action.to_string()), "{actions:?}");
        }
    }
}

on_both_backends! {
    async fn separation_of_duties_refuses_conflicts_and_reports_those_held(app: TestApp) {
        let alice = app.person("alice").await;
        let bob = app.person("bob").await;
        let carol = app.person("carol").await;
        let dave = app.person("dave").await;
        let shop = Shop::open(&app, "Money").await;
        let traders = insert_group(&app, "Traders", None).await;
        let policy = admin_policy(json!({"type": "never"}));
        let (payments, payments_policy) = shop.package(&app, "Payments", &[], policy.clone()).await;
        let (approvals, approvals_policy) = shop.package(&app, "Approvals", &[], policy).await;

        // Dave holds both before the rule exists: the report finds him.
        let dave_payments = assigned(&app.admin, &payments, &payments_policy, &dave.id()).await;
        assigned(&app.admin, &approvals, &approvals_policy, &dave.id()).await;
        let p = format!("/api/v1/access-packages/{payments}");
        assert_eq!(app.admin.put(&format!("{p}/incompatible-packages/{approvals}")).await.status(), 204);
        assert_eq!(app.admin.put(&format!("{p}/incompatible-groups/{traders}")).await.status(), 204);

        // Holders of Approvals may not get Payments.
        assigned(&app.admin, &approvals, &approvals_policy, &alice.id()).await;
        let refused = assign(&app.admin, &payments, json!({"policy_id": payments_policy, "user_id": alice.id()})).await;
        let problem = assert_problem(refused, 409, "separation_of_duties").await;
        assert!(problem["detail"].as_str().unwrap().contains("Approvals"), "{problem}");
        // Nor may members of Traders.
        assert_eq!(app.admin.put(&format!("/api/v1/groups/{traders}/members/{}", bob.id())).await.status(), 204);
        let refused = assign(&app.admin, &payments, json!({"policy_id": payments_policy, "user_id": bob.id()})).await;
        let problem = assert_problem(refused, 409, "separation_of_duties").await;
        assert!(problem["detail"].as_str().unwrap().contains("Traders"), "{problem}");
        let alice_assignments: Value = app.admin.get(&format!("/api/v1/assignments?user_id={}", alice.id())).await.json().await.unwrap();
        assert_eq!(alice_assignments["items"].as_array().unwrap().len(), 1, "nothing written on refusal");
        // The rule is one way: holders of Payments may still get Approvals, which lists nothing.
        assigned(&app.admin, &payments, &payments_policy, &carol.id()).await;
        let allowed = assigned(&app.admin, &approvals, &approvals_policy, &carol.id()).await;
        assert_eq!(remove(&app.admin, &id(&allowed)).await.status(), 200);

        let report: Value = app.admin.get(&format!("{p}/conflicts")).await.json().await.unwrap();
        assert_eq!(report, json!([{
            "user": {"id": dave.id(), "username": "dave", "display_name": "dave Example", "guest": false},
            "assignment_id": id(&dave_payments),
            "conflicting": {"kind": "access_package", "access_package_id": approvals, "name": "Approvals",
                "assignment_id": report[0]["conflicting"]["assignment_id"]},
        }]));
        let csv = app.admin.get(&format!("{p}/conflicts.csv")).await;
        assert_eq!(csv.status(), 200);
        assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        let csv = csv.text().await.unwrap();
        let lines: Vec<&str> = csv.trim_end().split("\r\n").collect();
        assert_eq!(lines[0], "user_id,username,display_name,assignment_id,conflict_kind,conflict_id,conflict_name");
        assert_eq!(lines.len(), 2);
        assert!(lines[1].contains(",dave,") && lines[1].ends_with(&format!("access_package,{approvals},Approvals")), "{csv}");

        // Dave joins Traders outside Tessera: the report shows that conflict too.
        assert_eq!(app.admin.put(&format!("/api/v1/groups/{traders}/members/{}", dave.id())).await.status(), 204);
        let report: Value = app.admin.get(&format!("{p}/conflicts")).await.json().await.unwrap();
        assert_eq!(report.as_array().unwrap().len(), 2, "{report}");
    }
}

on_both_backends! {
    async fn assignments_are_listed_filtered_paged_and_exported(app: TestApp) {
        let alice = app.person("alice").await;
        let bob = app.person("bob").await;
        let manager = app.person("manager").await;
        let shop = Shop::open(&app, "Listed").await;
        let elsewhere = Shop::open(&app, "Elsewhere").await;
        let policy = admin_policy(json!({"type": "never"}));
        let (first, first_policy) = shop.package(&app, "First", &[], policy.clone()).await;
        let (second, second_policy) = shop.package(&app, "Second", &[], policy.clone()).await;
        let (outside, outside_policy) = elsewhere.package(&app, "Outside", &[], policy).await;
        let a = assigned(&app.admin, &first, &first_policy, &alice.id()).await;
        let b = assigned(&app.admin, &first, &first_policy, &bob.id()).await;
        let c = assigned(&app.admin, &second, &second_policy, &alice.id()).await;
        let d = assigned(&app.admin, &outside, &outside_policy, &bob.id()).await;
        assert_eq!(remove(&app.admin, &id(&b)).await.status(), 200);

        let ids = |page: &Value| -> Vec<String> {
            page["items"].as_array().unwrap().iter().map(id).collect()
        };
        let list = |query: String| {
            let admin = &app.admin;
            async move {
                let response = admin.get(&format!("/api/v1/assignments{query}")).await;
                assert_eq!(response.status(), 200, "{query}");
                response.json::<Value>().await.unwrap()
            }
        };
        assert_eq!(ids(&list(String::new()).await), [id(&d), id(&c), id(&b), id(&a)]);
        assert_eq!(ids(&list(format!("?access_package_id={first}")).await), [id(&b), id(&a)]);
        assert_eq!(ids(&list(format!("?user_id={}", alice.id())).await), [id(&c), id(&a)]);
        assert_eq!(ids(&list(format!("?catalog_id={}&state=active", shop.catalog)).await), [id(&c), id(&a)]);
        assert_eq!(ids(&list("?state=removed".into()).await), [id(&b)]);

        let page = list("?limit=3".into()).await;
        assert_eq!(ids(&page), [id(&d), id(&c), id(&b)]);
        let cursor = page["next_cursor"].as_str().unwrap().to_string();
        let rest = list(format!("?limit=3&cursor={cursor}")).await;
        assert_eq!(ids(&rest), [id(&a)]);
        assert_eq!(rest["next_cursor"], Value::Null);

        for bad in ["?state=gone", "?limit=0", "?cursor=zz", "?user_id=nope", "?colour=red"] {
            let response = app.admin.get(&format!("/api/v1/assignments{bad}")).await;
            assert_eq!(response.status(), 400, "{bad}");
        }

        let csv = app.admin.get(&format!("/api/v1/assignments.csv?access_package_id={first}")).await;
        assert_eq!(csv.status(), 200);
        let csv = csv.text().await.unwrap();
        let lines: Vec<&str> = csv.trim_end().split("\r\n").collect();
        assert_eq!(lines[0], "assignment_id,access_package_id,access_package,policy,user_id,username,display_name,state,starts_at,ends_at,assigned_by,created_at,ended_at,justification");
        assert_eq!(lines.len(), 3);
        assert!(lines[1].starts_with(&format!("{},{first},First,", id(&b))) && lines[1].contains(",removed,"), "{csv}");

        // An assignment manager of the catalog lists it, but not everything, nor elsewhere.
        let granted = app.admin.put(&format!("/api/v1/catalogs/{}/roles/access_package_assignment_manager/{}", shop.catalog, manager.id())).await;
        assert_eq!(granted.status(), 204);
        let theirs: Value = manager.get(&format!("/api/v1/assignments?catalog_id={}", shop.catalog)).await.json().await.unwrap();
        assert_eq!(ids(&theirs), [id(&c), id(&b), id(&a)]);
        assert_problem(manager.get("/api/v1/assignments").await, 403, "forbidden").await;
        assert_problem(manager.get(&format!("/api/v1/assignments?catalog_id={}", elsewhere.catalog)).await, 404, "not_found").await;
        assert_problem(manager.get(&format!("/api/v1/assignments/{}", id(&d))).await, 404, "not_found").await;
        assert_problem(remove(&manager, &id(&d)).await, 404, "not_found").await;
        assert_eq!(remove(&manager, &id(&c)).await.status(), 200);
    }
}

on_both_backends! {
    async fn a_policy_people_hold_stays_and_a_deleted_package_takes_its_access_along(app: TestApp) {
        let alice = app.person("alice").await;
        let bob = app.person("bob").await;
        let shop = Shop::open(&app, "Held").await;
        let group = insert_group(&app, "Held group", None).await;
        shop.add_group(&app, group).await;
        let grants = [json!({"kind": "group_member", "group_id": group})];
        let policy_body = admin_policy(json!({"type": "never"}));
        let (package, policy) = shop.package(&app, "Held", &grants, policy_body.clone()).await;
        let (other, other_policy) = shop.package(&app, "Also held", &grants, policy_body).await;
        let assignment = assigned(&app.admin, &package, &policy, &alice.id()).await;
        assigned(&app.admin, &package, &policy, &bob.id()).await;
        assigned(&app.admin, &other, &other_policy, &bob.id()).await;
        let p = format!("/api/v1/access-packages/{package}");
        assert_problem(app.admin.delete(&format!("{p}/policies/{policy}")).await, 409, "policy_has_assignments").await;

        assert_eq!(remove(&app.admin, &id(&assignment)).await.status(), 200);
        let again = assigned(&app.admin, &package, &policy, &alice.id()).await;
        assert_eq!(again["state"], "delivered");
        assert_eq!(members(&app, group).await, ["alice", "bob"]);

        // Deleting the package ends its assignments: alice loses the membership, bob keeps it
        // through the other package.
        assert_eq!(app.admin.delete(&p).await.status(), 204);
        assert_eq!(members(&app, group).await, ["bob"]);
        let left: Value = app.admin.get(&format!("/api/v1/assignments?user_id={}", alice.id())).await.json().await.unwrap();
        assert_eq!(left["items"], json!([]));
        let state = app.state().await;
        let events = tessera_api::store::audit::list_events_for_target(&state.db, "access_package", &package).await.unwrap();
        let deleted = events.iter().find(|event| event.action == "access_package.delete").unwrap();
        assert_eq!(deleted.after.as_deref(), Some(r#"{"ended_assignments":2}"#));

        // A policy whose assignments ended can go.
        let other_assignments: Value = app.admin.get(&format!("/api/v1/assignments?access_package_id={other}")).await.json().await.unwrap();
        let bobs = id(&other_assignments["items"][0]);
        assert_eq!(remove(&app.admin, &bobs).await.status(), 200);
        assert_eq!(app.admin.delete(&format!("/api/v1/access-packages/{other}/policies/{other_policy}")).await.status(), 204);
        let ended: Value = app.admin.get(&format!("/api/v1/assignments/{bobs}")).await.json().await.unwrap();
        assert_eq!(ended["policy_id"], Value::Null);
        assert_eq!(ended["policy_name"], "Administrators assign");
    }
}

on_both_backends! {
    async fn people_are_reminded_before_their_access_ends_and_told_when_it_has(app: TestApp) {
        let alice = app.person("alice").await;
        let shop = Shop::open(&app, "Reminded").await;
        let (package, policy) = shop.package(&app, "Reminded", &[], admin_policy(json!({"type": "after_days", "days": 30}))).await;
        assigned(&app.admin, &package, &policy, &alice.id()).await;
        let kinds = || async {
            let page: Value = alice.get("/api/v1/me/notifications").await.json().await.unwrap();
            page["items"].as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap().to_string()).collect::<Vec<_>>()
        };
        let state = app.state().await;
        let now = Utc::now();
        assert_eq!(run_due_work(&state, now + Duration::days(10)).await.unwrap().reminded, 0);
        assert_eq!(run_due_work(&state, now + Duration::days(17)).await.unwrap().reminded, 1);
        assert_eq!(run_due_work(&state, now + Duration::days(18)).await.unwrap().reminded, 0, "once");
        assert_eq!(run_due_work(&state, now + Duration::days(29) + Duration::hours(12)).await.unwrap().reminded, 1);
        let work = run_due_work(&state, now + Duration::days(31)).await.unwrap();
        assert_eq!((work.ended, work.reminded), (1, 0));
        assert_eq!(kinds().await, ["access_expired", "expiry_reminder", "expiry_reminder"]);
        let page: Value = alice.get("/api/v1/me/notifications").await.json().await.unwrap();
        assert_eq!(page["items"][2]["subject"], "Your access to Reminded ends soon");
    }
}

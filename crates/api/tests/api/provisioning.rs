//! Provisioning to a real OpenLDAP (`slapd`, started by [`super::slapd`]): connectors and
//! bindings through the API, the outbox written with each grant and removal, the worker's
//! rounds (run by the test with `deliver_due`, or by a server's own worker), retries while
//! the directory is down, restarts, racing workers, and the administrators' retry and skip.
//! What the directory holds is read back with `ldapsearch`, not with the connector.

use std::time::Duration;

use serde_json::{Value, json};
use tessera_api::service::provisioning::deliver_due;
use tessera_api::startup::Application;
use tessera_api::state::AppState;
use uuid::Uuid;

use super::catalogs::{create_catalog, insert_group};
use super::packages::create_package;
use super::slapd::{PEOPLE, ROOT_DN, ROOT_PASSWORD, Slapd, unique};
use crate::helpers::*;
use crate::on_both_backends;

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_string()
}

/// A catalog with one group, a package granting its membership, and a policy without
/// approval.
struct Bound {
    catalog: String,
    package: String,
    policy: String,
    group: Uuid,
}

async fn package_with_group(app: &TestApp, name: &str) -> Bound {
    let catalog = id(&create_catalog(&app.admin, &format!("{name} catalog")).await);
    let group = insert_group(app, &format!("{name} group"), None).await;
    let added = app
        .admin
        .post(
            &format!("/api/v1/catalogs/{catalog}/resources"),
            &json!({"kind": "group", "id": group}),
        )
        .await;
    assert_eq!(added.status(), 201);
    let package = id(&create_package(&app.admin, &catalog, name).await);
    let role = app
        .admin
        .post(
            &format!("/api/v1/access-packages/{package}/resource-roles"),
            &json!({"kind": "group_member", "group_id": group}),
        )
        .await;
    assert_eq!(role.status(), 201);
    let policy = app
        .admin
        .post(
            &format!("/api/v1/access-packages/{package}/policies"),
            &json!({
                "name": "Direct",
                "who_can_request": {"type": "all_members"},
                "approval": {"type": "none"},
                "lifecycle": {"expiry": {"type": "never"}},
            }),
        )
        .await;
    assert_eq!(policy.status(), 201);
    Bound {
        catalog,
        package,
        policy: id(&policy.json().await.unwrap()),
        group,
    }
}

/// Adds a new group to `bound`'s catalog and makes its membership a role of the package;
/// returns the group and the resource role's id.
async fn add_group_role(app: &TestApp, bound: &Bound, name: &str) -> (Uuid, String) {
    let group = insert_group(app, name, None).await;
    let added = app
        .admin
        .post(
            &format!("/api/v1/catalogs/{}/resources", bound.catalog),
            &json!({"kind": "group", "id": group}),
        )
        .await;
    assert_eq!(added.status(), 201);
    (group, group_role(app, bound, group).await)
}

/// Makes membership of `group` a role of `bound`'s package; returns the resource role's id.
async fn group_role(app: &TestApp, bound: &Bound, group: Uuid) -> String {
    let role = app
        .admin
        .post(
            &format!("/api/v1/access-packages/{}/resource-roles", bound.package),
            &json!({"kind": "group_member", "group_id": group}),
        )
        .await;
    let status = role.status();
    let body: Value = role.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    id(&body)
}

fn ldap_settings(slapd: &Slapd, membership: &str) -> Value {
    json!({
        "kind": "ldap",
        "url": slapd.url(),
        "bind_dn": ROOT_DN,
        "users_base_dn": PEOPLE,
        "match_attribute": "uid",
        "match_by": "username",
        "membership": membership,
    })
}

/// Creates an LDAP connector; returns its id.
async fn connector(app: &TestApp, slapd: &Slapd, membership: &str) -> String {
    let response = app
        .admin
        .post(
            "/api/v1/connectors",
            &json!({
                "name": unique("Directory "),
                "settings": ldap_settings(slapd, membership),
                "secret": ROOT_PASSWORD,
            }),
        )
        .await;
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, 201, "{text}");
    assert!(
        !text.contains(ROOT_PASSWORD),
        "the secret is never answered"
    );
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["has_secret"], true);
    id(&body)
}

async fn bind(app: &TestApp, connector: &str, group: Uuid, target: &str) -> Value {
    let response = app
        .admin
        .post(
            &format!("/api/v1/connectors/{connector}/bindings"),
            &json!({"group_id": group, "target": target}),
        )
        .await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    body
}

/// Creates a Tessera person and the LDAP entry with the same uid; returns the session.
async fn person(app: &TestApp, slapd: &Slapd) -> (Session, String) {
    let username = unique("p");
    slapd.add_person(&username);
    (app.person(&username).await, username)
}

async fn assign(app: &TestApp, bound: &Bound, user: &str) -> String {
    let response = app
        .admin
        .post(
            &format!("/api/v1/access-packages/{}/assignments", bound.package),
            &json!({"policy_id": bound.policy, "user_id": user}),
        )
        .await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    id(&body)
}

async fn remove(app: &TestApp, assignment: &str) {
    let response = app
        .admin
        .post(
            &format!("/api/v1/assignments/{assignment}/remove"),
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), 200);
}

async fn deliveries_as(session: &Session, assignment: &str) -> Vec<Value> {
    let response = session
        .get(&format!("/api/v1/assignments/{assignment}/deliveries"))
        .await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    body["items"].as_array().unwrap().clone()
}

/// A state whose worker retries after 1 s, at most `max_attempts` times.
async fn worker_state(app: &TestApp, max_attempts: u32) -> AppState {
    let mut settings = app.settings.clone();
    settings.provisioning.retry_delays_seconds = vec![1];
    settings.provisioning.max_attempts = max_attempts;
    settings.provisioning.timeout_seconds = 2;
    AppState::open(settings).await.unwrap()
}

/// Runs rounds until one pushes nothing.
async fn drain(state: &AppState) -> usize {
    let mut total = 0;
    loop {
        let pushed = deliver_due(state).await.unwrap();
        if pushed == 0 {
            return total;
        }
        total += pushed;
    }
}

fn member_dn(username: &str) -> String {
    format!("uid={username},{PEOPLE}").to_lowercase()
}

on_both_backends! {
    async fn reconciliation_finds_the_difference_and_applying_it_fixes_ldap(app: TestApp) {
        let slapd = Slapd::shared();
        let target = slapd.add_group_of_names(&unique("recon"));
        let bound = package_with_group(&app, "Recon").await;
        let connector = connector(&app, slapd, "member").await;
        let binding = id(&bind(&app, &connector, bound.group, &target).await);
        // Alice holds the group in Tessera, but her operation is never pushed.
        let (alice, alice_name) = person(&app, slapd).await;
        assign(&app, &bound, &alice.id()).await;
        // Bob is in the directory's group with no assignment behind him.
        let bob = unique("p");
        let bob_dn = slapd.add_person(&bob);
        slapd.modify(&format!(
            "dn: {target}\nchangetype: modify\nadd: member\nmember: {bob_dn}\n"
        ));
        let path = format!("/api/v1/connectors/{connector}/bindings/{binding}/reconciliation");

        let dry = app.admin.get(&path).await;
        assert_eq!(dry.status(), 200);
        let dry: Value = dry.json().await.unwrap();
        assert_eq!(dry["applied"], false);
        assert_eq!(dry["connector_id"], connector.as_str());
        let missing: Vec<&str> = dry["missing"]
            .as_array()
            .unwrap()
            .iter()
            .map(|member| member["username"].as_str().unwrap())
            .collect();
        assert_eq!(missing, [alice_name.as_str()], "{dry}");
        assert!(dry["unexpected"].as_array().unwrap().contains(&json!(bob)), "{dry}");
        let members = slapd.values(&target, "member");
        assert!(members.contains(&member_dn(&bob)), "a dry run changes nothing");
        assert!(!members.contains(&member_dn(&alice_name)));

        let csv = app.admin.get(&format!("{path}.csv")).await;
        assert_eq!(csv.status(), 200);
        let csv = csv.text().await.unwrap();
        assert!(csv.contains(&alice_name) && csv.contains(&bob), "{csv}");

        for refused in [alice.get(&path).await, alice.post(&path, &json!({})).await] {
            assert_eq!(refused.status(), 403);
        }
        assert!(!slapd.values(&target, "member").contains(&member_dn(&alice_name)));

        let applied = app.admin.post(&path, &json!({})).await;
        assert_eq!(applied.status(), 200);
        let applied: Value = applied.json().await.unwrap();
        assert_eq!(applied["applied"], true);
        let members = slapd.values(&target, "member");
        assert!(members.contains(&member_dn(&alice_name)), "{applied}");
        assert!(!members.contains(&member_dn(&bob)), "{applied}");

        let again: Value = app.admin.get(&path).await.json().await.unwrap();
        assert_eq!(again["missing"], json!([]), "{again}");
        assert!(!again["unexpected"].as_array().unwrap().contains(&json!(bob)), "{again}");

        let unknown = app
            .admin
            .get(&format!(
                "/api/v1/connectors/{connector}/bindings/{}/reconciliation",
                Uuid::now_v7()
            ))
            .await;
        assert_eq!(unknown.status(), 404);
    }
}

on_both_backends! {
    async fn granting_and_removing_a_bound_group_changes_the_ldap_group(app: TestApp) {
        let slapd = Slapd::shared();
        let target = slapd.add_group_of_names(&unique("staff"));
        let bound = package_with_group(&app, "Staff").await;
        let connector = connector(&app, slapd, "member").await;
        let binding = bind(&app, &connector, bound.group, &target).await;
        assert_eq!(binding["target"], target.as_str());
        let (alice, username) = person(&app, slapd).await;

        let assignment = assign(&app, &bound, &alice.id()).await;
        let pending = deliveries_as(&app.admin, &assignment).await;
        assert_eq!(pending.len(), 1, "one operation per binding: {pending:?}");
        assert_eq!(pending[0]["state"], "pending");
        assert_eq!(pending[0]["action"], "add");
        assert_eq!(pending[0]["target"], target.as_str());
        assert!(!slapd.values(&target, "member").contains(&member_dn(&username)));

        let state = worker_state(&app, 5).await;
        assert_eq!(drain(&state).await, 1);
        assert!(slapd.values(&target, "member").contains(&member_dn(&username)));
        let done = deliveries_as(&alice, &assignment).await;
        assert_eq!(done[0]["state"], "done", "the holder sees the delivery: {done:?}");
        assert_eq!(done[0]["attempts"], 1);
        assert!(done[0]["next_attempt_at"].is_null());

        remove(&app, &assignment).await;
        assert_eq!(drain(&state).await, 1);
        assert!(!slapd.values(&target, "member").contains(&member_dn(&username)));
        let both = deliveries_as(&app.admin, &assignment).await;
        let actions: Vec<(&str, &str)> = both
            .iter()
            .map(|d| (d["action"].as_str().unwrap(), d["state"].as_str().unwrap()))
            .collect();
        assert_eq!(actions, [("add", "done"), ("remove", "done")]);
        assert_eq!(drain(&state).await, 0, "nothing is pushed twice");
    }
}

on_both_backends! {
    async fn pushing_again_what_the_directory_holds_already_is_success(app: TestApp) {
        let slapd = Slapd::shared();
        let target = slapd.add_group_of_names(&unique("ops"));
        let bound = package_with_group(&app, "Ops").await;
        let connector = connector(&app, slapd, "member").await;
        bind(&app, &connector, bound.group, &target).await;
        let (bob, username) = person(&app, slapd).await;
        // Someone put bob in the group by hand already.
        slapd.modify(&format!(
            "dn: {target}\nchangetype: modify\nadd: member\nmember: uid={username},{PEOPLE}\n"
        ));

        let assignment = assign(&app, &bound, &bob.id()).await;
        let state = worker_state(&app, 5).await;
        assert_eq!(drain(&state).await, 1, "adding a member who is there is success");
        assert_eq!(
            slapd
                .values(&target, "member")
                .iter()
                .filter(|m| **m == member_dn(&username))
                .count(),
            1
        );
        // And taken out by hand before the removal is pushed.
        slapd.modify(&format!(
            "dn: {target}\nchangetype: modify\ndelete: member\nmember: uid={username},{PEOPLE}\n"
        ));
        remove(&app, &assignment).await;
        assert_eq!(drain(&state).await, 1, "removing a member who is not there is success");
        let states: Vec<Value> = deliveries_as(&app.admin, &assignment)
            .await
            .iter()
            .map(|d| d["state"].clone())
            .collect();
        assert_eq!(states, [json!("done"), json!("done")]);
    }
}

on_both_backends! {
    async fn a_posix_group_gets_and_loses_the_uid(app: TestApp) {
        let slapd = Slapd::shared();
        let target = slapd.add_posix_group(&unique("posix"));
        let bound = package_with_group(&app, "Posix").await;
        let connector = connector(&app, slapd, "member_uid").await;
        bind(&app, &connector, bound.group, &target).await;
        let (carol, username) = person(&app, slapd).await;

        let assignment = assign(&app, &bound, &carol.id()).await;
        let state = worker_state(&app, 5).await;
        assert_eq!(drain(&state).await, 1);
        assert_eq!(slapd.values(&target, "memberUid"), vec![username]);

        remove(&app, &assignment).await;
        assert_eq!(drain(&state).await, 1);
        assert!(slapd.values(&target, "memberUid").is_empty());
    }
}

on_both_backends! {
    async fn a_stopped_directory_is_retried_shown_failing_and_caught_up_when_back(app: TestApp) {
        let slapd = Slapd::start();
        let target = slapd.add_group_of_names(&unique("down"));
        let bound = package_with_group(&app, "Down").await;
        let connector = connector(&app, &slapd, "member").await;
        bind(&app, &connector, bound.group, &target).await;
        let (dave, username) = person(&app, &slapd).await;

        slapd.stop();
        let assignment = assign(&app, &bound, &dave.id()).await;
        let state = worker_state(&app, 100).await;
        assert_eq!(deliver_due(&state).await.unwrap(), 0);
        let failing = deliveries_as(&dave, &assignment).await;
        assert_eq!(failing[0]["state"], "pending", "{failing:?}");
        assert_eq!(failing[0]["attempts"], 1);
        assert!(
            failing[0]["last_error"].as_str().unwrap().contains("cannot connect"),
            "{failing:?}"
        );
        assert!(failing[0]["next_attempt_at"].is_string());
        assert_eq!(deliver_due(&state).await.unwrap(), 0, "not due again yet");

        slapd.run();
        tokio::time::sleep(Duration::from_millis(1200)).await;
        assert_eq!(drain(&state).await, 1, "converges once the directory is back");
        assert!(slapd.values(&target, "member").contains(&member_dn(&username)));
        let done = deliveries_as(&app.admin, &assignment).await;
        assert_eq!(done[0]["state"], "done");
        assert_eq!(done[0]["attempts"], 2);
        assert!(done[0]["last_error"].is_null());
        slapd.stop();
    }
}

on_both_backends! {
    async fn an_operation_committed_before_any_worker_ran_is_pushed_by_a_server_started_later(app: TestApp) {
        let slapd = Slapd::shared();
        let target = slapd.add_group_of_names(&unique("later"));
        let bound = package_with_group(&app, "Later").await;
        let connector = connector(&app, slapd, "member").await;
        bind(&app, &connector, bound.group, &target).await;
        let (erin, username) = person(&app, slapd).await;
        // The test server runs no worker: the operation is committed and waits.
        let assignment = assign(&app, &bound, &erin.id()).await;
        assert_eq!(deliveries_as(&app.admin, &assignment).await[0]["state"], "pending");

        // A server started later on the same database, with its workers running.
        let mut settings = app.settings.clone();
        settings.jobs.interval_seconds = 3600;
        settings.provisioning.poll_interval_ms = 100;
        let later = Application::build(settings).await.unwrap();
        tokio::spawn(later.run_until_stopped());

        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while !slapd.values(&target, "member").contains(&member_dn(&username)) {
            assert!(std::time::Instant::now() < deadline, "the later server never pushed it");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let done = deliveries_as(&app.admin, &assignment).await;
        assert_eq!(done[0]["state"], "done");
        assert_eq!(done[0]["attempts"], 1);
    }
}

on_both_backends! {
    async fn two_workers_racing_push_each_operation_exactly_once(app: TestApp) {
        let slapd = Slapd::shared();
        let target = slapd.add_group_of_names(&unique("race"));
        let bound = package_with_group(&app, "Race").await;
        let connector = connector(&app, slapd, "member").await;
        bind(&app, &connector, bound.group, &target).await;
        let mut people = Vec::new();
        let mut assignments = Vec::new();
        for _ in 0..6 {
            let (session, username) = person(&app, slapd).await;
            assignments.push(assign(&app, &bound, &session.id()).await);
            people.push(username);
        }
        let one = worker_state(&app, 5).await;
        let two = worker_state(&app, 5).await;
        let (a, b) = tokio::join!(deliver_due(&one), deliver_due(&two));
        let mut pushed = a.unwrap() + b.unwrap();
        pushed += drain(&one).await;
        assert_eq!(pushed, 6, "each operation is pushed by one worker only");
        let members = slapd.values(&target, "member");
        for username in &people {
            assert!(members.contains(&member_dn(username)));
        }
        for assignment in &assignments {
            let done = deliveries_as(&app.admin, assignment).await;
            assert_eq!(done.len(), 1);
            assert_eq!(done[0]["state"], "done");
            assert_eq!(done[0]["attempts"], 1, "one attempt, by one worker");
        }
    }
}

on_both_backends! {
    async fn administrators_retry_or_skip_a_failed_operation_and_nobody_else_may(app: TestApp) {
        let slapd = Slapd::shared();
        let missing = format!("cn={},ou=groups,dc=example,dc=org", unique("missing"));
        let bound = package_with_group(&app, "Missing").await;
        let connector = connector(&app, slapd, "member").await;
        bind(&app, &connector, bound.group, &missing).await;
        let (frank, username) = person(&app, slapd).await;
        let assignment = assign(&app, &bound, &frank.id()).await;

        let state = worker_state(&app, 5).await;
        assert_eq!(drain(&state).await, 0);
        let failed = deliveries_as(&app.admin, &assignment).await;
        assert_eq!(failed[0]["state"], "failed", "a missing group is not retried: {failed:?}");
        assert!(failed[0]["last_error"].as_str().unwrap().contains("does not exist"));
        let operation = id(&failed[0]);

        // Neither the holder nor another person may decide.
        for session in [&frank, &app.person(&unique("q")).await] {
            for action in ["retry", "skip"] {
                let refused = session
                    .post(&format!("/api/v1/provisioning-operations/{operation}/{action}"), &json!({}))
                    .await;
                assert_problem(refused, 403, "forbidden").await;
            }
        }

        // The group is created; the administrator retries.
        slapd.add(&format!(
            "dn: {missing}\nobjectClass: groupOfNames\ncn: {}\nmember: {ROOT_DN}\n",
            missing.split(',').next().unwrap().trim_start_matches("cn=")
        ));
        let retried = app
            .admin
            .post(&format!("/api/v1/provisioning-operations/{operation}/retry"), &json!({}))
            .await;
        assert_eq!(retried.status(), 200);
        let retried: Value = retried.json().await.unwrap();
        assert_eq!(retried["state"], "pending");
        let again = app
            .admin
            .post(&format!("/api/v1/provisioning-operations/{operation}/retry"), &json!({}))
            .await;
        assert_problem(again, 409, "changed").await;
        assert_eq!(drain(&state).await, 1);
        assert!(slapd.values(&missing, "member").contains(&member_dn(&username)));

        // A removal waiting behind a disabled connector is skipped.
        let response = app
            .admin
            .patch(
                &format!("/api/v1/connectors/{connector}"),
                &json!({"enabled": false}),
            )
            .await;
        assert_eq!(response.status(), 200);
        remove(&app, &assignment).await;
        let removal = deliveries_as(&app.admin, &assignment).await;
        let removal = id(&removal[1]);
        let skipped = app
            .admin
            .post(&format!("/api/v1/provisioning-operations/{removal}/skip"), &json!({}))
            .await;
        assert_eq!(skipped.status(), 200);
        let skipped: Value = skipped.json().await.unwrap();
        assert_eq!(skipped["state"], "skipped");
        let twice = app
            .admin
            .post(&format!("/api/v1/provisioning-operations/{removal}/skip"), &json!({}))
            .await;
        assert_problem(twice, 409, "changed").await;
        assert_eq!(drain(&state).await, 0, "a skipped operation is not pushed");

        let audit: Value = app
            .admin
            .get("/api/v1/audit-events?limit=100")
            .await
            .json()
            .await
            .unwrap();
        let actions: Vec<&str> = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["action"].as_str())
            .collect();
        assert!(actions.contains(&"provisioning_operation.retry"), "{actions:?}");
        assert!(actions.contains(&"provisioning_operation.skip"), "{actions:?}");
    }
}

on_both_backends! {
    async fn test_connection_answers_the_report_or_the_directorys_refusal(app: TestApp) {
        let slapd = Slapd::shared();
        let connector = connector(&app, slapd, "member").await;
        let tested = app
            .admin
            .post(&format!("/api/v1/connectors/{connector}/test"), &json!({}))
            .await;
        let status = tested.status();
        let report: Value = tested.json().await.unwrap();
        assert_eq!(status, 200, "{report}");
        assert!(report["summary"].as_str().unwrap().contains(ROOT_DN));

        let changed = app
            .admin
            .patch(
                &format!("/api/v1/connectors/{connector}"),
                &json!({"secret": "not-the-password"}),
            )
            .await;
        let text = changed.text().await.unwrap();
        assert!(!text.contains("not-the-password"), "{text}");
        let refused = app
            .admin
            .post(&format!("/api/v1/connectors/{connector}/test"), &json!({}))
            .await;
        let problem = assert_problem(refused, 502, "connector_failed").await;
        assert!(
            problem["detail"].as_str().unwrap().contains("refused the bind DN or password"),
            "{problem}"
        );
        assert!(!problem.to_string().contains("not-the-password"));

        for path in ["/api/v1/connectors".to_string(), format!("/api/v1/connectors/{connector}")] {
            let text = app.admin.get(&path).await.text().await.unwrap();
            assert!(!text.contains(ROOT_PASSWORD) && !text.contains("not-the-password"), "{text}");
        }
    }
}

on_both_backends! {
    async fn only_administrators_manage_connectors_and_strangers_see_no_deliveries(app: TestApp) {
        let slapd = Slapd::shared();
        let connector = connector(&app, slapd, "member").await;
        let target = slapd.add_group_of_names(&unique("auth"));
        let bound = package_with_group(&app, "Auth").await;
        bind(&app, &connector, bound.group, &target).await;
        let (holder, _) = person(&app, slapd).await;
        let assignment = assign(&app, &bound, &holder.id()).await;
        let stranger = app.person(&unique("s")).await;

        assert_problem(stranger.get("/api/v1/connectors").await, 403, "forbidden").await;
        assert_problem(
            stranger.get(&format!("/api/v1/connectors/{connector}")).await,
            403,
            "forbidden",
        )
        .await;
        let create = stranger
            .post(
                "/api/v1/connectors",
                &json!({"name": "Mine", "settings": ldap_settings(slapd, "member"), "secret": "x"}),
            )
            .await;
        assert_problem(create, 403, "forbidden").await;
        assert_problem(
            stranger.post(&format!("/api/v1/connectors/{connector}/test"), &json!({})).await,
            403,
            "forbidden",
        )
        .await;
        assert_problem(
            stranger.get(&format!("/api/v1/connectors/{connector}/bindings")).await,
            403,
            "forbidden",
        )
        .await;
        assert_problem(
            stranger.delete(&format!("/api/v1/connectors/{connector}")).await,
            403,
            "forbidden",
        )
        .await;
        let seen = stranger
            .get(&format!("/api/v1/assignments/{assignment}/deliveries"))
            .await;
        assert!(matches!(seen.status().as_u16(), 403 | 404), "{}", seen.status());
        assert_eq!(deliveries_as(&holder, &assignment).await.len(), 1);

        // Bad input names the field.
        let bad = app
            .admin
            .post(
                "/api/v1/connectors",
                &json!({"name": "Bad", "settings": {
                    "kind": "ldap", "url": "http://x", "bind_dn": "cn=a", "users_base_dn": "ou=p",
                    "match_attribute": "uid", "match_by": "username", "membership": "member",
                }, "secret": "x"}),
            )
            .await;
        let problem = assert_problem(bad, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), ["settings.url"]);
        let neither = app
            .admin
            .post(&format!("/api/v1/connectors/{connector}/bindings"), &json!({"target": "cn=x"}))
            .await;
        let problem = assert_problem(neither, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), ["group_id"]);
        let twice = app
            .admin
            .post(
                &format!("/api/v1/connectors/{connector}/bindings"),
                &json!({"group_id": bound.group, "target": "cn=other"}),
            )
            .await;
        assert_problem(twice, 409, "duplicate").await;

        let deleted = app.admin.delete(&format!("/api/v1/connectors/{connector}")).await;
        assert_eq!(deleted.status(), 204);
        assert!(deliveries_as(&holder, &assignment).await.is_empty());
    }
}

/// A connector that keeps its connection (as the worker's rounds do) goes on after the
/// directory dropped it: the next change is made on a fresh connection, once.
#[tokio::test]
async fn a_kept_ldap_connection_that_the_directory_dropped_is_replaced() {
    use tessera_api::connectors::{Connector, LdapConnector, Person};
    let slapd = Slapd::start();
    let group = slapd.add_group_of_names(&unique("kept"));
    let (first, second) = (unique("p"), unique("p"));
    slapd.add_person(&first);
    slapd.add_person(&second);
    let mut settings = ldap_settings(&slapd, "member");
    settings.as_object_mut().unwrap().remove("kind");
    let settings: tessera_domain::connector::LdapSettings =
        serde_json::from_value(settings).unwrap();
    let connector = LdapConnector::new(&settings, ROOT_PASSWORD)
        .unwrap()
        .with_timeout(Duration::from_secs(5))
        .keeping_connection();
    let person = |username: &str| Person {
        id: Uuid::new_v4(),
        username: username.to_string(),
        email: None,
        external_id: None,
        display_name: username.to_string(),
        given_name: None,
        family_name: None,
        active: true,
    };
    connector.add_member(&group, &person(&first)).await.unwrap();
    // The kept connection dies with the server.
    slapd.stop();
    slapd.run();
    connector
        .add_member(&group, &person(&second))
        .await
        .unwrap();
    connector
        .remove_member(&group, &person(&first))
        .await
        .unwrap();
    connector.close().await;
    let members = slapd.values(&group, "member");
    assert!(
        members.contains(&format!("uid={second},{PEOPLE}").to_lowercase()),
        "{members:?}"
    );
    assert!(
        !members.contains(&format!("uid={first},{PEOPLE}").to_lowercase()),
        "{members:?}"
    );
}

on_both_backends! {
    async fn a_role_added_to_a_held_package_reaches_ldap_and_taking_it_out_removes_the_member(app: TestApp) {
        let slapd = Slapd::shared();
        let first = slapd.add_group_of_names(&unique("first"));
        let second = slapd.add_group_of_names(&unique("second"));
        let bound = package_with_group(&app, "Growing").await;
        let connector = connector(&app, slapd, "member").await;
        bind(&app, &connector, bound.group, &first).await;
        let (alice, username) = person(&app, slapd).await;
        let assignment = assign(&app, &bound, &alice.id()).await;
        let state = worker_state(&app, 5).await;
        assert_eq!(drain(&state).await, 1);

        // The package gains a second group, bound to another LDAP group: its holder is added.
        let extra = insert_group(&app, &unique("Extra group"), None).await;
        let added = app
            .admin
            .post(
                &format!("/api/v1/catalogs/{}/resources", bound.catalog),
                &json!({"kind": "group", "id": extra}),
            )
            .await;
        assert_eq!(added.status(), 201);
        bind(&app, &connector, extra, &second).await;
        let role = group_role(&app, &bound, extra).await;
        assert!(!slapd.values(&second, "member").contains(&member_dn(&username)));
        assert_eq!(drain(&state).await, 1);
        assert!(slapd.values(&second, "member").contains(&member_dn(&username)));
        let deliveries = deliveries_as(&alice, &assignment).await;
        let second_add = deliveries
            .iter()
            .find(|d| d["target"] == second.as_str())
            .unwrap_or_else(|| panic!("the holder's deliveries show the new role: {deliveries:?}"));
        assert_eq!((&second_add["action"], &second_add["state"]), (&json!("add"), &json!("done")));

        // The role is taken out of the package: the member leaves that LDAP group only.
        let removed = app
            .admin
            .delete(&format!("/api/v1/access-packages/{}/resource-roles/{role}", bound.package))
            .await;
        assert_eq!(removed.status(), 204);
        assert_eq!(drain(&state).await, 1);
        assert!(!slapd.values(&second, "member").contains(&member_dn(&username)));
        assert!(slapd.values(&first, "member").contains(&member_dn(&username)));
        let actions: Vec<(String, String)> = deliveries_as(&app.admin, &assignment)
            .await
            .iter()
            .filter(|d| d["target"] == second.as_str())
            .map(|d| (d["action"].as_str().unwrap().into(), d["state"].as_str().unwrap().into()))
            .collect();
        assert_eq!(actions, [("add".into(), "done".into()), ("remove".into(), "done".into())]);

        // A role whose group is not bound queues nothing.
        let (_, unbound) = add_group_role(&app, &bound, &unique("Unbound group")).await;
        assert_eq!(drain(&state).await, 0);
        let removed = app
            .admin
            .delete(&format!("/api/v1/access-packages/{}/resource-roles/{unbound}", bound.package))
            .await;
        assert_eq!(removed.status(), 204);
        assert_eq!(drain(&state).await, 0);
    }
}

on_both_backends! {
    async fn a_review_denying_a_membership_removes_the_member_in_ldap(app: TestApp) {
        let slapd = Slapd::shared();
        let target = slapd.add_group_of_names(&unique("reviewed"));
        let group_name = unique("Reviewed group ");
        let group = insert_group(&app, &group_name, None).await;
        let connector = connector(&app, slapd, "member").await;
        bind(&app, &connector, group, &target).await;
        let (dave, username) = person(&app, slapd).await;
        // An administrator adds dave by hand: that reaches the directory too.
        let added = app.admin.put(&format!("/api/v1/groups/{group}/members/{}", dave.id())).await;
        assert_eq!(added.status(), 204);
        let state = worker_state(&app, 5).await;
        assert_eq!(drain(&state).await, 1);
        assert!(slapd.values(&target, "member").contains(&member_dn(&username)));

        let starts_at = chrono::Utc::now() + chrono::Duration::seconds(5);
        let review = app
            .admin
            .post(
                "/api/v1/access-reviews",
                &json!({
                    "name": unique("Membership check"),
                    "scope": {"resources": {"type": "groups", "group_ids": [group]}},
                    "stages": [{
                        "reviewers": [{"type": "user", "user_id": app.admin.id()}],
                        "duration_days": 7,
                    }],
                    "schedule": {"type": "one_time", "starts_at": starts_at.to_rfc3339()},
                    "settings": {"auto_apply": true, "if_no_response": "no_change"},
                }),
            )
            .await;
        assert_eq!(review.status(), 201);
        let start = chrono::Utc::now() + chrono::Duration::minutes(1);
        let app_state = app.state().await;
        tessera_api::service::reviews::run_due_reviews(&app_state, start).await.unwrap();
        let mine: Value = app.admin.get("/api/v1/me/access-reviews").await.json().await.unwrap();
        let instance = mine["items"].as_array().unwrap().iter()
            .find(|instance| instance["resource_name"] == group_name.as_str())
            .unwrap_or_else(|| panic!("{mine}"))["id"].as_str().unwrap().to_string();
        let items: Value = app.admin
            .get(&format!("/api/v1/access-review-instances/{instance}/items?mine=true"))
            .await
            .json()
            .await
            .unwrap();
        let item = items["items"][0]["id"].as_str().unwrap().to_string();
        let denied = app.admin
            .post(&format!("/api/v1/access-review-items/{item}/decision"), &json!({"verdict": "deny"}))
            .await;
        assert_eq!(denied.status(), 200);
        // Stopped now (on the real clock, which the worker's due times follow), the review
        // applies its results.
        let stopped = app.admin
            .post(&format!("/api/v1/access-review-instances/{instance}/stop"), &json!({}))
            .await;
        assert_eq!(stopped.status(), 200);
        let members: Value = app.admin.get(&format!("/api/v1/groups/{group}/members")).await.json().await.unwrap();
        assert_eq!(members["items"], json!([]), "the review removed the membership");

        assert!(slapd.values(&target, "member").contains(&member_dn(&username)));
        assert_eq!(drain(&state).await, 1, "the review's removal is pushed");
        assert!(!slapd.values(&target, "member").contains(&member_dn(&username)));
        let user: Uuid = dave.id().parse().unwrap();
        let operations = tessera_api::store::provisioning::list_operations_of_user(&state.db, user)
            .await
            .unwrap();
        let actions: Vec<(&str, &str)> = operations
            .iter()
            .map(|o| (o.action.as_str(), o.state.as_str()))
            .collect();
        assert_eq!(actions, [("add", "done"), ("remove", "done")]);
    }
}

on_both_backends! {
    async fn reprocessing_restores_a_lost_membership_in_ldap_and_removes_a_stale_one(app: TestApp) {
        let slapd = Slapd::shared();
        let target = slapd.add_group_of_names(&unique("reprocessed"));
        let bound = package_with_group(&app, "Reprocessed").await;
        let connector = connector(&app, slapd, "member").await;
        bind(&app, &connector, bound.group, &target).await;
        let (erin, erin_name) = person(&app, slapd).await;
        assign(&app, &bound, &erin.id()).await;
        let state = worker_state(&app, 5).await;
        assert_eq!(drain(&state).await, 1);

        // An administrator takes erin out of the group by hand; the directory follows.
        let taken = app
            .admin
            .delete(&format!("/api/v1/groups/{}/members/{}", bound.group, erin.id()))
            .await;
        assert_eq!(taken.status(), 204);
        assert_eq!(drain(&state).await, 1);
        assert!(!slapd.values(&target, "member").contains(&member_dn(&erin_name)));

        // Reprocessing puts the membership back, in Tessera and in the directory.
        let reprocess = format!("/api/v1/access-packages/{}/reprocess", bound.package);
        let dry = app.admin.post(&format!("{reprocess}?dry_run=true"), &json!({})).await;
        assert_eq!(dry.status(), 200);
        assert_eq!(drain(&state).await, 0, "a dry run queues nothing");
        let report = app.admin.post(&reprocess, &json!({})).await;
        let status = report.status();
        let report: Value = report.json().await.unwrap();
        assert_eq!(status, 200, "{report}");
        assert_eq!(report["added"].as_array().unwrap().len(), 1, "{report}");
        assert_eq!(drain(&state).await, 1);
        assert!(slapd.values(&target, "member").contains(&member_dn(&erin_name)));

        // A row an ended assignment granted, left behind (as if its removal had been undone
        // by hand in the database), is removed in both places.
        let (fred, fred_name) = person(&app, slapd).await;
        let assignment = assign(&app, &bound, &fred.id()).await;
        assert_eq!(drain(&state).await, 1);
        remove(&app, &assignment).await;
        assert_eq!(drain(&state).await, 1);
        let fred_id: Uuid = fred.id().parse().unwrap();
        let sql = "INSERT INTO group_members (group_id, user_id, added_at, granted_by_assignment) \
                   VALUES ($1, $2, $3, TRUE)";
        match &state.db {
            tessera_api::store::Db::Sqlite(pools) => {
                sqlx::query(sql).bind(bound.group).bind(fred_id).bind(chrono::Utc::now()).execute(pools.writer()).await.unwrap();
            }
            tessera_api::store::Db::Postgres(pool) => {
                sqlx::query(sql).bind(bound.group).bind(fred_id).bind(chrono::Utc::now()).execute(pool).await.unwrap();
            }
        }
        slapd.modify(&format!(
            "dn: {target}\nchangetype: modify\nadd: member\nmember: uid={fred_name},{PEOPLE}\n"
        ));
        let report: Value = app.admin.post(&reprocess, &json!({})).await.json().await.unwrap();
        assert_eq!(report["removed"].as_array().unwrap().len(), 1, "{report}");
        assert_eq!(drain(&state).await, 1);
        let members = slapd.values(&target, "member");
        assert!(!members.contains(&member_dn(&fred_name)), "{members:?}");
        assert!(members.contains(&member_dn(&erin_name)), "{members:?}");
        let removal = deliveries_as(&app.admin, &assignment).await;
        let actions: Vec<&str> = removal.iter().map(|d| d["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["add", "remove", "remove"], "the ended assignment shows the removal");
    }
}

on_both_backends! {
    async fn retrying_a_failed_add_is_refused_once_a_newer_operation_was_queued(app: TestApp) {
        let slapd = Slapd::shared();
        let missing = format!("cn={},ou=groups,dc=example,dc=org", unique("gone"));
        let bound = package_with_group(&app, "Superseded").await;
        let connector = connector(&app, slapd, "member").await;
        bind(&app, &connector, bound.group, &missing).await;
        let (gina, username) = person(&app, slapd).await;
        let assignment = assign(&app, &bound, &gina.id()).await;
        let state = worker_state(&app, 5).await;
        assert_eq!(drain(&state).await, 0);
        let failed = deliveries_as(&app.admin, &assignment).await;
        assert_eq!(failed[0]["state"], "failed", "{failed:?}");
        let add = id(&failed[0]);

        // The access ends; its removal is queued after the failed add, and goes out.
        remove(&app, &assignment).await;
        slapd.add(&format!(
            "dn: {missing}\nobjectClass: groupOfNames\ncn: {}\nmember: {ROOT_DN}\n",
            missing.split(',').next().unwrap().trim_start_matches("cn=")
        ));
        assert_eq!(drain(&state).await, 1);

        // Retrying the old add would give the access back: refused, and nothing changes.
        let refused = app
            .admin
            .post(&format!("/api/v1/provisioning-operations/{add}/retry"), &json!({}))
            .await;
        let problem = assert_problem(refused, 409, "superseded").await;
        assert!(problem["detail"].as_str().unwrap().contains("newer operation"), "{problem}");
        assert_eq!(drain(&state).await, 0);
        assert!(!slapd.values(&missing, "member").contains(&member_dn(&username)));
        let states: Vec<(String, String)> = deliveries_as(&app.admin, &assignment)
            .await
            .iter()
            .map(|d| (d["action"].as_str().unwrap().into(), d["state"].as_str().unwrap().into()))
            .collect();
        assert_eq!(states, [("add".into(), "failed".into()), ("remove".into(), "done".into())]);
        // Skipping it is still allowed: it only gives it up.
        let skipped = app
            .admin
            .post(&format!("/api/v1/provisioning-operations/{add}/skip"), &json!({}))
            .await;
        assert_eq!(skipped.status(), 200);
    }
}

on_both_backends! {
    async fn changing_where_the_secret_goes_needs_the_secret_again(app: TestApp) {
        let slapd = Slapd::shared();
        let connector = connector(&app, slapd, "member").await;
        let path = format!("/api/v1/connectors/{connector}");
        let mut elsewhere = ldap_settings(slapd, "member");
        elsewhere["url"] = json!("ldap://127.0.0.1:9");

        let refused = app.admin.patch(&path, &json!({"settings": elsewhere})).await;
        let problem = assert_problem(refused, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), ["secret"]);
        let mut other_dn = ldap_settings(slapd, "member");
        other_dn["bind_dn"] = json!("cn=someone,dc=example,dc=org");
        let refused = app.admin.patch(&path, &json!({"settings": other_dn})).await;
        let problem = assert_problem(refused, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), ["secret"]);
        let scim = json!({"kind": "scim", "base_url": "http://127.0.0.1:9/scim/v2", "match_by": "username"});
        let refused = app.admin.patch(&path, &json!({"settings": scim})).await;
        assert_problem(refused, 422, "validation_failed").await;
        let unchanged: Value = app.admin.get(&path).await.json().await.unwrap();
        assert_eq!(unchanged["settings"]["url"], slapd.url().as_str(), "nothing was written");

        // Other settings, the name and the state change without it.
        let mut other_attribute = ldap_settings(slapd, "member");
        other_attribute["users_base_dn"] = json!(PEOPLE);
        other_attribute["match_attribute"] = json!("cn");
        let changed = app
            .admin
            .patch(&path, &json!({"settings": other_attribute, "name": unique("Renamed "), "enabled": false}))
            .await;
        assert_eq!(changed.status(), 200);
        // With the secret, the endpoint may change.
        let moved = app
            .admin
            .patch(&path, &json!({"settings": elsewhere, "secret": "the-other-hosts-password"}))
            .await;
        let status = moved.status();
        let body: Value = moved.json().await.unwrap();
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["settings"]["url"], "ldap://127.0.0.1:9");
    }
}

on_both_backends! {
    async fn the_approver_who_approved_a_request_sees_its_delivery_and_a_stranger_does_not(app: TestApp) {
        let slapd = Slapd::shared();
        let connector = connector(&app, slapd, "member").await;
        let target = slapd.add_group_of_names(&unique("approved"));
        let bound = package_with_group(&app, "Approved delivery").await;
        bind(&app, &connector, bound.group, &target).await;
        let (holder, _) = person(&app, slapd).await;
        let approver = app.person(&unique("approver")).await;
        let stranger = app.person(&unique("stranger")).await;
        let policy = app
            .admin
            .post(
                &format!("/api/v1/access-packages/{}/policies", bound.package),
                &crate::requests::one_stage(&[approver.id().as_str()]),
            )
            .await;
        assert_eq!(policy.status(), 201);
        let policy: Value = policy.json().await.unwrap();
        let asked = holder
            .post(
                "/api/v1/requests",
                &json!({"access_package_id": bound.package, "policy_id": policy["id"], "ask": "add"}),
            )
            .await;
        assert_eq!(asked.status(), 201);
        let request: Value = asked.json().await.unwrap();
        let request = request["id"].as_str().unwrap().to_string();
        let decided = approver
            .post(
                &format!("/api/v1/requests/{request}/decision"),
                &json!({"stage": 1, "verdict": "approve", "justification": "needed"}),
            )
            .await;
        assert_eq!(decided.status(), 200);
        let read: Value = holder.get(&format!("/api/v1/requests/{request}")).await.json().await.unwrap();
        let assignment = read["assignment_id"].as_str().unwrap_or_else(|| panic!("{read}")).to_string();

        let seen = deliveries_as(&approver, &assignment).await;
        assert_eq!(seen.len(), 1, "{seen:?}");
        assert_eq!((&seen[0]["action"], &seen[0]["target"]), (&json!("add"), &json!(target)));
        let refused = stranger.get(&format!("/api/v1/assignments/{assignment}/deliveries")).await;
        assert!(matches!(refused.status().as_u16(), 403 | 404), "{}", refused.status());
    }
}

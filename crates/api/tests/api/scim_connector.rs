//! The SCIM 2.0 client connector and reconciliation, against a real SCIM server: PyPI's
//! `scim2-server` (pinned in e2e/requirements.txt), started once for this test binary on a free
//! loopback port and stopped when the binary exits. Each test works in groups and users of its
//! own, so the tests share the server without seeing each other. The fault test starts a server
//! of its own and stops it.
//!
//! The executable is `$SCIM2_SERVER` when set, else `scim2-server` on the `PATH` or in Python's
//! scripts folder; without it the tests fail and say how to install it.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use tessera_api::connectors::scim::ScimConnector;
use tessera_api::connectors::{Connector, Person};
use tessera_api::service::reconcile::{reconcile, report_csv};
use tessera_api::store::reconcile::{Membership, list_expected_people};
use tessera_domain::connector::{PersonKey, ScimSettings};
use tessera_domain::{AppRoleId, GroupId};
use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::applications::{create_application, create_role};
use crate::helpers::*;
use crate::on_both_backends;

const TOKEN: &str = "scim-test-token";

/// A running `scim2-server`; dropping it stops it.
struct ScimServer {
    child: Child,
    base_url: String,
}

impl Drop for ScimServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn executable() -> PathBuf {
    if let Some(path) = std::env::var_os("SCIM2_SERVER") {
        return PathBuf::from(path);
    }
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join("scim2-server"))
        .find(|candidate| candidate.is_file());
    if let Some(path) = on_path {
        return path;
    }
    // `pip install` puts console scripts in Python's scripts folder, not always on the PATH.
    let scripts = Command::new("python3")
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_path('scripts'))",
        ])
        .output()
        .ok()
        .map(|out| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()).join("scim2-server"))
        .filter(|candidate| candidate.is_file());
    scripts.unwrap_or_else(|| {
        panic!(
            "scim2-server not found: run scripts/install-tools.sh (it installs \
             e2e/requirements.txt), or set SCIM2_SERVER to the executable"
        )
    })
}

impl ScimServer {
    /// Starts a server on a free port and waits until it answers. With `watch`, the server also
    /// stops when this test process ends (a server kept in a static is never dropped).
    async fn start(watch: bool) -> ScimServer {
        let exe = executable();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let args = [
            "--hostname".to_string(),
            "127.0.0.1".into(),
            "--port".into(),
            port.to_string(),
            "--bearer-token".into(),
            TOKEN.into(),
        ];
        let mut command = if watch {
            // A shell that runs the server and stops it once the test process is gone.
            let mut command = Command::new("sh");
            command
                .arg("-c")
                .arg(
                    r#"exe="$1"; watched="$2"; shift 2; "$exe" "$@" & server=$!
                    trap 'kill $server' TERM
                    while kill -0 "$watched" 2>/dev/null && kill -0 $server 2>/dev/null; do sleep 1; done
                    kill $server 2>/dev/null"#,
                )
                .arg("sh")
                .arg(&exe)
                .arg(std::process::id().to_string())
                .args(args);
            command
        } else {
            let mut command = Command::new(&exe);
            command.args(args);
            command
        };
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {}: {err}", exe.display()));
        let server = ScimServer {
            child,
            base_url: format!("http://127.0.0.1:{port}/v2"),
        };
        let probe = Client::new();
        for _ in 0..200 {
            let answer = probe
                .get(format!("{}/ServiceProviderConfig", server.base_url))
                .bearer_auth(TOKEN)
                .send()
                .await;
            if answer.is_ok_and(|response| response.status().is_success()) {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("scim2-server did not answer on port {port} within 20 seconds");
    }
}

/// The server this test binary shares.
async fn shared() -> &'static ScimServer {
    static SERVER: OnceCell<ScimServer> = OnceCell::const_new();
    SERVER.get_or_init(|| ScimServer::start(true)).await
}

fn settings(base_url: &str, adjust: impl FnOnce(&mut ScimSettings)) -> ScimSettings {
    let mut settings = ScimSettings {
        base_url: base_url.into(),
        match_by: PersonKey::Username,
        create_users: true,
        deactivate_on_leave: false,
        timeout_seconds: 5,
    };
    adjust(&mut settings);
    settings
}

async fn connector(adjust: impl FnOnce(&mut ScimSettings)) -> ScimConnector {
    ScimConnector::new(&settings(&shared().await.base_url, adjust), TOKEN).unwrap()
}

/// A name no other test uses.
fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", &Uuid::new_v4().simple().to_string()[..10])
}

fn person(username: &str) -> Person {
    Person {
        id: Uuid::new_v4(),
        username: username.into(),
        email: Some(format!("{username}@example.org")),
        external_id: None,
        display_name: format!("{username} Example"),
        given_name: Some("Given".into()),
        family_name: Some("Family".into()),
        active: true,
    }
}

/// Talks to the SCIM server directly, as another client would, to set up and check.
struct Direct {
    base: String,
    http: Client,
}

impl Direct {
    async fn new() -> Direct {
        Direct {
            base: shared().await.base_url.clone(),
            http: Client::new(),
        }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(TOKEN);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/scim+json")
                .body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn create_group(&self, name: &str) -> String {
        let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": name});
        let (status, group) = self
            .send(reqwest::Method::POST, "/Groups", Some(body))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{group}");
        group["id"].as_str().unwrap().to_string()
    }

    async fn create_user(&self, user_name: &str) -> String {
        let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": user_name});
        let (status, user) = self.send(reqwest::Method::POST, "/Users", Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{user}");
        user["id"].as_str().unwrap().to_string()
    }

    async fn add_members(&self, group: &str, ids: &[&str]) {
        let members: Vec<Value> = ids.iter().map(|id| json!({"value": id})).collect();
        let body = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "add", "path": "members", "value": members}],
        });
        let (status, answer) = self
            .send(
                reqwest::Method::PATCH,
                &format!("/Groups/{group}"),
                Some(body),
            )
            .await;
        assert!(status.is_success(), "{status} {answer}");
    }

    /// The user named `user_name`, if any.
    async fn user(&self, user_name: &str) -> Option<Value> {
        let filter = format!(
            "userName eq \"{}\"",
            user_name.replace('\\', "\\\\").replace('"', "\\\"")
        );
        let url =
            reqwest::Url::parse_with_params(&format!("{}/Users", self.base), [("filter", filter)])
                .unwrap();
        let response = self.http.get(url).bearer_auth(TOKEN).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let list: Value = response.json().await.unwrap();
        list["Resources"].as_array().unwrap().first().cloned()
    }

    /// The ids of the group's members.
    async fn member_ids(&self, group: &str) -> Vec<String> {
        let (status, group) = self
            .send(reqwest::Method::GET, &format!("/Groups/{group}"), None)
            .await;
        assert_eq!(status, StatusCode::OK);
        let mut ids: Vec<String> = group["members"]
            .as_array()
            .map(|members| {
                members
                    .iter()
                    .map(|m| m["value"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default();
        ids.sort();
        ids
    }
}

#[tokio::test]
async fn test_connection_accepts_the_right_token_and_refuses_a_wrong_one_for_good() {
    let server = shared().await;
    let report = connector(|_| {}).await.test_connection().await.unwrap();
    assert!(
        report.summary.contains(&server.base_url),
        "{}",
        report.summary
    );

    let wrong = ScimConnector::new(&settings(&server.base_url, |_| {}), "not-the-token").unwrap();
    let err = wrong.test_connection().await.unwrap_err();
    assert!(!err.retry, "a refused token is not retried: {err:?}");
    assert!(err.message.contains("401"), "{}", err.message);
    assert!(
        err.message.contains("Authorization failure"),
        "the server's detail: {}",
        err.message
    );
    assert!(
        !err.message.contains("not-the-token"),
        "the token is never shown"
    );
}

#[tokio::test]
async fn adding_a_member_creates_the_missing_user_and_adds_them() {
    let direct = Direct::new().await;
    let group = direct.create_group(&unique("g")).await;
    let name = unique("Alice");
    let alice = person(&name);
    connector(|_| {})
        .await
        .add_member(&group, &alice)
        .await
        .unwrap();

    let user = direct.user(&name).await.expect("the user was created");
    assert_eq!(
        user["userName"],
        name.as_str(),
        "created as Tessera spells it"
    );
    assert_eq!(user["displayName"], format!("{name} Example"));
    assert_eq!(user["name"]["givenName"], "Given");
    assert_eq!(user["name"]["familyName"], "Family");
    assert_eq!(user["emails"][0]["value"], format!("{name}@example.org"));
    assert_eq!(user["externalId"], alice.id.to_string());
    assert_eq!(user["active"], true);
    assert_eq!(
        direct.member_ids(&group).await,
        [user["id"].as_str().unwrap()]
    );
}

#[tokio::test]
async fn an_existing_user_is_found_by_user_name_whatever_its_case_and_not_created_again() {
    let direct = Direct::new().await;
    let group = direct.create_group(&unique("g")).await;
    let name = unique("bob");
    let id = direct.create_user(&name.to_uppercase()).await;
    connector(|_| {})
        .await
        .add_member(&group, &person(&name))
        .await
        .unwrap();
    assert_eq!(direct.member_ids(&group).await, [id]);
}

#[tokio::test]
async fn quotes_in_a_key_are_escaped_in_the_filter() {
    let direct = Direct::new().await;
    let group = direct.create_group(&unique("g")).await;
    let name = format!("o\"brien\\{}", unique("x"));
    let scim = connector(|_| {}).await;
    scim.add_member(&group, &person(&name)).await.unwrap();
    scim.add_member(&group, &person(&name)).await.unwrap();
    let user = direct
        .user(&name)
        .await
        .expect("created under the exact name");
    assert_eq!(
        direct.member_ids(&group).await,
        [user["id"].as_str().unwrap()]
    );
}

#[tokio::test]
async fn adding_and_removing_twice_is_the_same_as_once() {
    let direct = Direct::new().await;
    let group = direct.create_group(&unique("g")).await;
    let carol = person(&unique("carol"));
    let scim = connector(|_| {}).await;
    scim.add_member(&group, &carol).await.unwrap();
    scim.add_member(&group, &carol).await.unwrap();
    assert_eq!(direct.member_ids(&group).await.len(), 1);
    scim.remove_member(&group, &carol).await.unwrap();
    scim.remove_member(&group, &carol).await.unwrap();
    assert!(direct.member_ids(&group).await.is_empty());
}

#[tokio::test]
async fn removing_takes_out_only_that_member_and_an_unknown_person_is_success() {
    let direct = Direct::new().await;
    let group = direct.create_group(&unique("g")).await;
    let (dave, erin) = (person(&unique("dave")), person(&unique("erin")));
    let scim = connector(|_| {}).await;
    scim.add_member(&group, &dave).await.unwrap();
    scim.add_member(&group, &erin).await.unwrap();
    scim.remove_member(&group, &dave).await.unwrap();
    let erin_id = direct.user(&erin.username).await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(direct.member_ids(&group).await, [erin_id]);
    assert!(
        direct.user(&dave.username).await.is_some(),
        "removing a member keeps the user"
    );

    let nobody = person(&unique("nobody"));
    scim.remove_member(&group, &nobody).await.unwrap();
    assert!(
        direct.user(&nobody.username).await.is_none(),
        "removing creates nobody"
    );
}

#[tokio::test]
async fn without_create_users_a_missing_user_is_a_permanent_error_and_nothing_is_created() {
    let direct = Direct::new().await;
    let group = direct.create_group(&unique("g")).await;
    let frank = person(&unique("frank"));
    let scim = connector(|s| s.create_users = false).await;
    let err = scim.add_member(&group, &frank).await.unwrap_err();
    assert!(!err.retry);
    assert!(err.message.contains(&frank.username), "{}", err.message);
    assert!(direct.user(&frank.username).await.is_none());
}

#[tokio::test]
async fn an_unknown_group_is_a_permanent_error_naming_what_the_server_said() {
    let scim = connector(|_| {}).await;
    let err = scim
        .add_member("no-such-group", &person(&unique("gina")))
        .await
        .unwrap_err();
    assert!(!err.retry);
    assert!(
        err.message.contains("404") && err.message.contains("not found"),
        "{}",
        err.message
    );
    let err = scim.list_members("no-such-group").await.unwrap_err();
    assert!(!err.retry && err.message.contains("404"), "{}", err.message);
}

#[tokio::test]
async fn a_person_without_the_matched_value_is_refused_before_any_request() {
    let direct = Direct::new().await;
    let group = direct.create_group(&unique("g")).await;
    let scim = connector(|s| s.match_by = PersonKey::ExternalId).await;
    let hank = person(&unique("hank"));
    assert_eq!(scim.member_key(&hank), None);
    let err = scim.add_member(&group, &hank).await.unwrap_err();
    assert!(
        !err.retry && err.message.contains("external id"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn deactivating_sets_active_false_only_when_configured() {
    let direct = Direct::new().await;
    let group = direct.create_group(&unique("g")).await;
    let ivan = person(&unique("ivan"));
    connector(|_| {})
        .await
        .add_member(&group, &ivan)
        .await
        .unwrap();

    connector(|_| {}).await.deactivate(&ivan).await.unwrap();
    assert_eq!(
        direct.user(&ivan.username).await.unwrap()["active"],
        true,
        "not configured: left alone"
    );

    let scim = connector(|s| s.deactivate_on_leave = true).await;
    scim.deactivate(&ivan).await.unwrap();
    assert_eq!(direct.user(&ivan.username).await.unwrap()["active"], false);
    scim.deactivate(&ivan).await.unwrap();
    scim.deactivate(&person(&unique("absent"))).await.unwrap();

    // Given access again, they are active again.
    scim.add_member(&group, &ivan).await.unwrap();
    assert_eq!(direct.user(&ivan.username).await.unwrap()["active"], true);
}

#[tokio::test]
async fn list_members_answers_the_lowercased_user_names_of_the_users_in_the_group() {
    let direct = Direct::new().await;
    let group = direct.create_group(&unique("g")).await;
    let judy = unique("Judy");
    let karl = unique("KARL");
    let judy_id = direct.create_user(&judy).await;
    let karl_id = direct.create_user(&karl).await;
    let nested = direct.create_group(&unique("nested")).await;
    direct.add_members(&group, &[&judy_id, &karl_id]).await;
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "add", "path": "members", "value": [{"value": nested, "type": "Group"}]}],
    });
    let (status, _) = direct
        .send(
            reqwest::Method::PATCH,
            &format!("/Groups/{group}"),
            Some(body),
        )
        .await;
    assert!(status.is_success());

    let scim = connector(|_| {}).await;
    let mut expected = vec![judy.to_lowercase(), karl.to_lowercase()];
    expected.sort();
    assert_eq!(scim.list_members(&group).await.unwrap(), expected);
    assert_eq!(scim.member_key(&person(&judy)), Some(judy.to_lowercase()));
    assert!(scim.list_members(&nested).await.unwrap().is_empty());
}

#[tokio::test]
async fn list_members_reads_groups_larger_than_one_batch() {
    let direct = Direct::new().await;
    let group = direct.create_group(&unique("g")).await;
    let mut names = Vec::new();
    let mut ids = Vec::new();
    for i in 0..120 {
        let name = unique(&format!("m{i:03}"));
        ids.push(direct.create_user(&name).await);
        names.push(name);
    }
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    direct.add_members(&group, &refs).await;
    names.sort();
    assert_eq!(
        connector(|_| {}).await.list_members(&group).await.unwrap(),
        names
    );
}

#[tokio::test]
async fn a_stopped_server_is_an_error_worth_retrying() {
    let server = ScimServer::start(false).await;
    let scim = ScimConnector::new(&settings(&server.base_url, |_| {}), TOKEN).unwrap();
    scim.test_connection().await.unwrap();
    drop(server);
    let lisa = person(&unique("lisa"));
    for err in [
        scim.test_connection().await.unwrap_err(),
        scim.add_member("any", &lisa).await.unwrap_err(),
        scim.remove_member("any", &lisa).await.unwrap_err(),
        scim.list_members("any").await.unwrap_err(),
    ] {
        assert!(err.retry, "{err:?}");
        assert!(err.message.contains("could not connect"), "{}", err.message);
    }
}

#[tokio::test]
async fn a_server_that_does_not_answer_in_time_is_an_error_worth_retrying() {
    // Connections are accepted (by the kernel's backlog) and never answered.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/v2", silent.local_addr().unwrap());
    let scim = ScimConnector::new(&settings(&base, |s| s.timeout_seconds = 1), TOKEN).unwrap();
    let started = std::time::Instant::now();
    let err = scim.list_members("any").await.unwrap_err();
    assert!(err.retry, "{err:?}");
    assert!(err.message.contains("timed out"), "{}", err.message);
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// Creates a Tessera group through the API with `members` (user ids); returns its id.
async fn tessera_group(app: &TestApp, members: &[&str]) -> String {
    let response = app
        .admin
        .post("/api/v1/groups", &json!({"name": unique("Reconciled")}))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let group: Value = response.json().await.unwrap();
    let id = group["id"].as_str().unwrap().to_string();
    for member in members {
        let added = app
            .admin
            .put(&format!("/api/v1/groups/{id}/members/{member}"))
            .await;
        assert!(added.status().is_success(), "{}", added.status());
    }
    id
}

async fn create(app: &TestApp, username: &str) -> String {
    let user = app
        .create_user(json!({
            "username": username,
            "display_name": format!("{username} Example"),
            "email": format!("{username}@example.org"),
        }))
        .await;
    user["id"].as_str().unwrap().to_string()
}

on_both_backends! {
    async fn reconciliation_reports_the_difference_and_applying_it_brings_the_target_in_step(app: TestApp) {
        let direct = Direct::new().await;
        let target = direct.create_group(&unique("g")).await;
        let tag = unique("r");
        let (ann, ben, cid, dora) = (format!("ann-{tag}"), format!("ben-{tag}"), format!("cid-{tag}"), format!("dora-{tag}"));
        let ann_id = create(&app, &ann).await;
        let ben_id = create(&app, &ben).await;
        let dora_id = create(&app, &dora).await;
        let group = tessera_group(&app, &[&ann_id, &ben_id, &dora_id]).await;
        // Dora is disabled: she keeps the membership in Tessera but is not expected at the target.
        let disabled = app.admin.patch(&format!("/api/v1/users/{dora_id}"), &json!({"enabled": false})).await;
        assert_eq!(disabled.status(), StatusCode::OK);

        // The target holds Ben (as expected), Cid (whom Tessera does not put there) and Dora.
        let ben_scim = direct.create_user(&ben).await;
        let cid_scim = direct.create_user(&cid.to_uppercase()).await;
        let dora_scim = direct.create_user(&dora).await;
        direct.add_members(&target, &[&ben_scim, &cid_scim, &dora_scim]).await;
        let before = direct.member_ids(&target).await;

        let state = app.state().await;
        let gid = GroupId::from_uuid(group.parse().unwrap());
        let expected = list_expected_people(&state.db, Membership::Group(gid)).await.unwrap();
        let names: Vec<&str> = expected.iter().map(|p| p.username.as_str()).collect();
        assert_eq!(names, [ann.as_str(), ben.as_str()]);

        let scim = connector(|_| {}).await;
        let dry = reconcile(&scim, &target, &expected, false).await.unwrap();
        assert!(!dry.applied);
        assert_eq!(dry.target, target);
        assert_eq!((dry.expected_count, dry.actual_count), (2, 3));
        assert_eq!(dry.missing.len(), 1);
        assert_eq!(dry.missing[0].username, ann);
        assert_eq!(dry.missing[0].user_id.to_string(), ann_id);
        assert_eq!(dry.missing[0].key.as_deref(), Some(ann.as_str()));
        let mut unexpected = vec![cid.clone(), dora.clone()];
        unexpected.sort();
        assert_eq!(dry.unexpected, unexpected);
        assert!(dry.errors.is_empty());
        assert_eq!(direct.member_ids(&target).await, before, "a dry run changes nothing");
        assert!(direct.user(&ann).await.is_none(), "a dry run creates nobody");

        let csv = String::from_utf8(report_csv(&dry).unwrap()).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "change,key,user_id,username,display_name,error");
        assert_eq!(lines[1], format!("missing,{ann},{ann_id},{ann},{ann} Example,"));
        assert_eq!(lines.len(), 4);
        assert!(lines[2..].contains(&format!("unexpected,{cid},,,,").as_str()), "{csv}");

        let applied = reconcile(&scim, &target, &expected, true).await.unwrap();
        assert!(applied.applied);
        assert!(applied.errors.is_empty(), "{:?}", applied.errors);
        assert_eq!(applied.missing, dry.missing, "the report says what was found and changed");
        let ann_scim = direct.user(&ann).await.expect("Ann was created")["id"].as_str().unwrap().to_string();
        let mut now: Vec<String> = vec![ann_scim, ben_scim];
        now.sort();
        assert_eq!(direct.member_ids(&target).await, now);

        let again = reconcile(&scim, &target, &expected, false).await.unwrap();
        assert!(again.in_step(), "{again:?}");
        assert_eq!((again.expected_count, again.actual_count), (2, 2));
    }
}

on_both_backends! {
    async fn applying_records_the_changes_the_target_refused_and_goes_on(app: TestApp) {
        let direct = Direct::new().await;
        let target = direct.create_group(&unique("g")).await;
        let tag = unique("e");
        let (eva, fay) = (format!("eva-{tag}"), format!("fay-{tag}"));
        let eva_id = create(&app, &eva).await;
        let fay_id = create(&app, &fay).await;
        // Fay exists at the target; Eva does not, and this connector may not create her.
        direct.create_user(&fay).await;
        let group = tessera_group(&app, &[&eva_id, &fay_id]).await;
        let state = app.state().await;
        let gid = GroupId::from_uuid(group.parse().unwrap());
        let expected = list_expected_people(&state.db, Membership::Group(gid)).await.unwrap();

        let scim = connector(|s| s.create_users = false).await;
        let report = reconcile(&scim, &target, &expected, true).await.unwrap();
        assert!(report.applied);
        assert_eq!(report.missing.len(), 2);
        assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
        assert_eq!(report.errors[0].user_id.map(|id| id.to_string()), Some(eva_id));
        assert!(!report.errors[0].retry);
        let csv = String::from_utf8(report_csv(&report).unwrap()).unwrap();
        assert!(csv.contains("does not create users"), "{csv}");

        let again = reconcile(&scim, &target, &expected, false).await.unwrap();
        let missing: Vec<&str> = again.missing.iter().map(|m| m.username.as_str()).collect();
        assert_eq!(missing, [eva.as_str()], "Fay was added");

        let err = reconcile(&scim, "no-such-group", &expected, false).await.unwrap_err();
        assert!(!err.retry && err.message.contains("404"), "{}", err.message);
    }
}

on_both_backends! {
    async fn the_people_expected_for_an_app_role_are_its_enabled_assignees(app: TestApp) {
        let crm = create_application(&app, &unique("CRM")).await;
        let role = create_role(&app, &crm, "Reader").await;
        let path = format!("/api/v1/applications/{}/roles/{}/assignees", crm["id"].as_str().unwrap(), role["id"].as_str().unwrap());
        let tag = unique("a");
        let mut ids = Vec::new();
        for name in ["zed", "amy", "off"] {
            let id = create(&app, &format!("{name}-{tag}")).await;
            assert!(app.admin.put(&format!("{path}/{id}")).await.status().is_success());
            ids.push(id);
        }
        app.admin.patch(&format!("/api/v1/users/{}", ids[2]), &json!({"enabled": false})).await;
        let state = app.state().await;
        let rid = AppRoleId::from_uuid(role["id"].as_str().unwrap().parse().unwrap());
        let expected = list_expected_people(&state.db, Membership::AppRole(rid)).await.unwrap();
        let names: Vec<String> = expected.iter().map(|p| p.username.clone()).collect();
        assert_eq!(names, [format!("amy-{tag}"), format!("zed-{tag}")]);
        assert_eq!(expected[0].email.as_deref(), Some(format!("amy-{tag}@example.org").as_str()));
        assert_eq!(expected[0].display_name, format!("amy-{tag} Example"));
        assert!(expected.iter().all(|p| p.active));
    }
}

/// Creates a SCIM connector to the shared server through the API; returns its id.
async fn api_connector(app: &TestApp, deactivate_on_leave: bool) -> String {
    let response = app
        .admin
        .post(
            "/api/v1/connectors",
            &json!({
                "name": unique("Application"),
                "settings": {
                    "kind": "scim",
                    "base_url": shared().await.base_url,
                    "match_by": "username",
                    "deactivate_on_leave": deactivate_on_leave,
                    "timeout_seconds": 5,
                },
                "secret": TOKEN,
            }),
        )
        .await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_string()
}

async fn api_bind(app: &TestApp, connector: &str, group: &str, target: &str) {
    let response = app
        .admin
        .post(
            &format!("/api/v1/connectors/{connector}/bindings"),
            &json!({"group_id": group, "target": target}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

/// Runs worker rounds until one pushes nothing; returns how many operations went out.
async fn drain(app: &TestApp) -> usize {
    let mut settings = app.settings.clone();
    settings.provisioning.retry_delays_seconds = vec![1];
    let state = tessera_api::state::AppState::open(settings).await.unwrap();
    let mut total = 0;
    loop {
        let pushed = tessera_api::service::provisioning::deliver_due(&state)
            .await
            .unwrap();
        if pushed == 0 {
            return total;
        }
        total += pushed;
    }
}

on_both_backends! {
    async fn a_leaver_is_deactivated_once_at_each_scim_connector_that_deactivates_leavers(app: TestApp) {
        let direct = Direct::new().await;
        let name = unique("leaver");
        let person = create(&app, &name).await;
        direct.create_user(&name).await;
        let deactivating = api_connector(&app, true).await;
        let keeping = api_connector(&app, false).await;
        // Two bindings of the deactivating connector, one of the other: the person is in all.
        for connector in [&deactivating, &deactivating, &keeping] {
            let group = tessera_group(&app, &[&person]).await;
            api_bind(&app, connector, &group, &direct.create_group(&unique("g")).await).await;
        }
        drain(&app).await;
        assert_ne!(direct.user(&name).await.unwrap()["active"], json!(false));

        let disabled = app
            .admin
            .patch(&format!("/api/v1/users/{person}"), &json!({"enabled": false}))
            .await;
        assert_eq!(disabled.status(), StatusCode::OK);
        // Administrators see it in the connector's operations (no assignment shows it).
        let pending = |connector: &str| format!("/api/v1/connectors/{connector}/operations?state=pending");
        let listed: Value = app.admin.get(&pending(&deactivating)).await.json().await.unwrap();
        let items = listed["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "one per connector, not per binding: {listed}");
        assert_eq!(items[0]["action"], "deactivate");
        assert_eq!(items[0]["user_id"], person.as_str());
        assert_eq!(items[0]["username"], name.as_str());
        assert_eq!(items[0]["target"], "");
        assert!(items[0]["assignment_id"].is_null());
        let other: Value = app.admin.get(&pending(&keeping)).await.json().await.unwrap();
        assert_eq!(other["items"], json!([]), "the other connector does not deactivate: {other}");
        let stranger = app.person(&unique("s")).await;
        assert_eq!(stranger.get(&pending(&deactivating)).await.status(), StatusCode::FORBIDDEN);
        let bad = app
            .admin
            .get(&format!("/api/v1/connectors/{deactivating}/operations?state=lost"))
            .await;
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

        assert_eq!(drain(&app).await, 1);
        assert_eq!(direct.user(&name).await.unwrap()["active"], json!(false), "the SCIM user is deactivated");

        // Changing the disabled person again queues nothing more; deleting them does, harmlessly.
        let renamed = app
            .admin
            .patch(&format!("/api/v1/users/{person}"), &json!({"display_name": "Gone Away"}))
            .await;
        assert_eq!(renamed.status(), StatusCode::OK);
        assert_eq!(drain(&app).await, 0);
        let deleted = app.admin.delete(&format!("/api/v1/users/{person}")).await;
        assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
        assert_eq!(drain(&app).await, 1);
        assert_eq!(direct.user(&name).await.unwrap()["active"], json!(false));
    }
}

//! Signing in with OpenID Connect, against a real provider: panva's `oidc-provider`
//! (`e2e/oidc-provider`), started for each test on loopback and stopped when it ends. The
//! browser is a reqwest client with a cookie jar that follows no redirect by itself: it goes
//! through the provider's login and consent pages, then calls Tessera's callback.
//!
//! Each test configures Tessera with the provider it started, so the tests run on both
//! backends through `with_provider!` (the provider must exist before the server starts, which
//! `on_both_backends!` cannot arrange).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};

use reqwest::header::{CONTENT_TYPE, LOCATION};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use tessera_api::config::{OidcProviderSettings, Settings};

use crate::helpers::{Backend, PASSWORD, Session, TestApp, assert_problem};

/// Runs `async fn $name(backend: Backend)` as two tests, `sqlite` and `postgres`.
macro_rules! with_provider {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name(crate::helpers::Backend::Sqlite).await;
            }

            #[tokio::test]
            async fn postgres() {
                super::$name(crate::helpers::Backend::Postgres).await;
            }
        }
    };
}

const PROVIDER_ID: &str = "corp";
const API_AUDIENCE: &str = "tessera-api";

/// The provider process; killed when dropped.
struct OidcProvider {
    child: Child,
    issuer: String,
    _stdout: BufReader<ChildStdout>,
    _config: tempfile::NamedTempFile,
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl OidcProvider {
    async fn start(accounts: Value) -> OidcProvider {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../e2e/oidc-provider");
        assert!(
            dir.join("node_modules").exists(),
            "run `npm ci` in e2e/oidc-provider"
        );
        let config = json!({
            "clients": [
                {
                    "client_id": "tessera",
                    "client_secret": "tessera-secret",
                    "redirect_uris": ["http://127.0.0.1/callback"],
                    "post_logout_redirect_uris": ["http://127.0.0.1/sign-in"],
                    "grant_types": ["authorization_code"],
                    "response_types": ["code"],
                },
                {
                    "client_id": "ci-job",
                    "client_secret": "ci-secret",
                    "redirect_uris": [],
                    "grant_types": ["client_credentials"],
                    "response_types": [],
                },
                {
                    "client_id": "other-job",
                    "client_secret": "other-secret",
                    "redirect_uris": [],
                    "grant_types": ["client_credentials"],
                    "response_types": [],
                },
            ],
            "accounts": accounts,
            "api_audience": API_AUDIENCE,
        });
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), config.to_string()).unwrap();
        let mut child = Command::new("node")
            .arg(dir.join("provider.mjs"))
            .arg(file.path())
            .current_dir(&dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node must be installed to run the provider");
        let stdout = child.stdout.take().unwrap();
        let (line, stdout) = tokio::task::spawn_blocking(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            (line, reader)
        })
        .await
        .unwrap();
        let started: Value = serde_json::from_str(&line).expect("the provider's first line");
        OidcProvider {
            child,
            issuer: started["issuer"].as_str().unwrap().to_string(),
            _stdout: stdout,
            _config: file,
        }
    }

    /// Tessera's settings for this provider, `adjust`ed.
    fn settings(&self, adjust: impl FnOnce(&mut Value)) -> OidcProviderSettings {
        let mut settings = json!({
            "id": PROVIDER_ID,
            "name": "Example Corp",
            "issuer": self.issuer,
            "client_id": "tessera",
            "client_secret": "tessera-secret",
            "api_audience": API_AUDIENCE,
            "service_accounts": {"ci-job": "ci-bot"},
        });
        adjust(&mut settings);
        serde_json::from_value(settings).unwrap()
    }

    async fn post(&self, path: &str, body: Option<Value>) -> Response {
        let mut request = Client::new().post(format!("{}{path}", self.issuer));
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    async fn rotate_keys(&self, drop_old: bool) {
        let path = if drop_old {
            "/__control/rotate-keys?drop_old=1"
        } else {
            "/__control/rotate-keys"
        };
        assert_eq!(self.post(path, None).await.status(), StatusCode::OK);
    }

    /// A client-credentials access token for the API.
    async fn client_token(&self, client_id: &str, secret: &str) -> String {
        let discovery: Value = Client::new()
            .get(format!("{}/.well-known/openid-configuration", self.issuer))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let response = Client::new()
            .post(discovery["token_endpoint"].as_str().unwrap())
            .basic_auth(client_id, Some(secret))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_string()
    }
}

fn account(email: &str, verified: bool, name: &str, username: &str) -> Value {
    json!({
        "email": email,
        "email_verified": verified,
        "name": name,
        "preferred_username": username,
    })
}

fn accounts() -> Value {
    json!({
        "alice": account("alice@example.org", true, "Alice Liddell", "alice"),
        "b-123": account("bob@example.org", true, "Robert Example", "robert"),
        "carol": account("carol@example.org", false, "Carol Example", "carol"),
        "dave": account("dave@example.org", true, "Dave Example", "dave"),
    })
}

/// A provider with [`accounts`], and Tessera configured with it.
async fn start(
    backend: Backend,
    provider: impl FnOnce(&mut Value),
    settings: impl FnOnce(&mut Settings),
) -> (OidcProvider, TestApp) {
    let idp = OidcProvider::start(accounts()).await;
    let configured = idp.settings(provider);
    let app = TestApp::spawn_with(backend, |s| {
        s.oidc.providers.push(configured);
        settings(s);
    })
    .await;
    (idp, app)
}

/// A browser: a cookie jar, no automatic redirects.
fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(std::time::Duration::from_secs(2))
        .build()
        .unwrap()
}

fn location(from: &str, response: &Response) -> String {
    let target = response
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("a redirect from {from}, got {}", response.status()));
    url::Url::parse(from)
        .unwrap()
        .join(target)
        .unwrap()
        .to_string()
}

fn form_action(html: &str) -> &str {
    let start = html.find("action=\"").expect("a form") + "action=\"".len();
    let end = html[start..].find('"').unwrap() + start;
    &html[start..end]
}

/// Starts a sign-in at Tessera and goes through the provider's pages as `login`; returns the
/// URL of Tessera's callback that the provider sends the browser to.
async fn reach_callback(app: &TestApp, browser: &Client, login: &str, return_to: &str) -> String {
    let start = app.url(&format!(
        "/api/v1/auth/oidc/{PROVIDER_ID}/sign-in?return_to={}",
        percent_encoding::utf8_percent_encode(return_to, percent_encoding::NON_ALPHANUMERIC)
    ));
    let response = browser.get(&start).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    let mut url = location(&start, &response);
    let callback = app.url(&format!("/api/v1/auth/oidc/{PROVIDER_ID}/callback"));
    for _ in 0..20 {
        if url.starts_with(&callback) {
            return url;
        }
        let response = browser.get(&url).send().await.unwrap();
        if response.status().is_redirection() {
            url = location(&url, &response);
            continue;
        }
        assert_eq!(response.status(), StatusCode::OK, "at {url}");
        let html = response.text().await.unwrap();
        let action = url::Url::parse(&url)
            .unwrap()
            .join(form_action(&html))
            .unwrap()
            .to_string();
        let fields: Vec<(&str, &str)> = if html.contains("name=\"login\"") {
            vec![("prompt", "login"), ("login", login), ("password", "any")]
        } else {
            vec![("prompt", "consent")]
        };
        let posted = browser
            .post(&action)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(&fields).unwrap())
            .send()
            .await
            .unwrap();
        assert!(posted.status().is_redirection(), "posting {action}");
        url = location(&action, &posted);
    }
    panic!("the provider never sent the browser back to Tessera");
}

/// What the callback answered: where it sends the browser, and the CSRF cookie it set.
struct Landed {
    browser: Client,
    location: String,
    csrf: Option<String>,
}

async fn call_back(browser: Client, callback: &str) -> Landed {
    let response = browser.get(callback).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{callback}");
    let location = location(callback, &response);
    let csrf = response
        .cookies()
        .find(|c| c.name() == "tessera_csrf")
        .map(|c| c.value().to_string());
    Landed {
        browser,
        location,
        csrf,
    }
}

async fn sign_in(app: &TestApp, login: &str, return_to: &str) -> Landed {
    let browser = browser();
    let callback = reach_callback(app, &browser, login, return_to).await;
    call_back(browser, &callback).await
}

impl Landed {
    fn refusal(&self) -> Option<String> {
        url::Url::parse(&self.location)
            .ok()?
            .query_pairs()
            .find(|(name, _)| name == "oidc_error")
            .map(|(_, value)| value.to_string())
    }

    async fn me(&self, app: &TestApp) -> Value {
        let response = self
            .browser
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "signed in");
        response.json().await.unwrap()
    }
}

async fn user(app: &TestApp, id: &str) -> Value {
    let response = app.admin.get(&format!("/api/v1/users/{id}")).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn refusals_audited(app: &TestApp) -> String {
    let response = app
        .admin
        .get("/api/v1/audit-events?action=sign_in.refused")
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap()
}

async fn a_first_sign_in_creates_the_person_and_the_next_reuses_the_link(backend: Backend) {
    let (_idp, app) = start(backend, |_| {}, |_| {}).await;
    let first = sign_in(&app, "alice", "/requests?tab=mine").await;
    assert_eq!(first.location, app.url("/requests?tab=mine"));
    assert!(first.csrf.is_some());
    let me = first.me(&app).await;
    assert_eq!(me["username"], "alice");
    assert_eq!(me["display_name"], "Alice Liddell");
    assert_eq!(me["email"], "alice@example.org");
    assert_eq!(me["authenticated_by"], "session");
    let id = me["id"].as_str().unwrap().to_string();

    let view = user(&app, &id).await;
    let links = view["identity_links"].as_array().unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(links[0]["provider_id"], PROVIDER_ID);
    assert_eq!(links[0]["provider_name"], "Example Corp");
    assert_eq!(links[0]["subject"], "alice");

    let again = sign_in(&app, "alice", "//evil.example/").await;
    assert_eq!(
        again.location,
        app.url("/"),
        "a foreign return_to is ignored"
    );
    assert_eq!(again.me(&app).await["id"], id.as_str());
    let listed = app
        .admin
        .get("/api/v1/users?limit=200")
        .await
        .text()
        .await
        .unwrap();
    assert!(!listed.contains("alice2"), "no second user: {listed}");
    let created = app
        .admin
        .get("/api/v1/audit-events?action=user.create_by_sign_in")
        .await
        .text()
        .await
        .unwrap();
    assert!(created.contains(&id), "{created}");
}
with_provider!(a_first_sign_in_creates_the_person_and_the_next_reuses_the_link);

async fn a_verified_email_links_an_existing_person_and_an_unverified_one_does_not(
    backend: Backend,
) {
    let (_idp, app) = start(backend, |_| {}, |_| {}).await;
    let bob = app.person("bob").await;
    let landed = sign_in(&app, "b-123", "/").await;
    assert_eq!(landed.me(&app).await["id"], bob.id().as_str());
    let view = user(&app, &bob.id()).await;
    assert_eq!(view["identity_links"][0]["subject"], "b-123");
    let linked = app
        .admin
        .get("/api/v1/audit-events?action=identity_link.create")
        .await
        .text()
        .await
        .unwrap();
    assert!(linked.contains("b-123"), "{linked}");

    // Carol's e-mail is not verified: no link to the existing carol, and no user to create.
    let carol = app.person("carol").await;
    let refused = sign_in(&app, "carol", "/").await;
    assert_eq!(refused.refusal().as_deref(), Some("unknown_person"));
    assert!(
        user(&app, &carol.id())
            .await
            .get("identity_links")
            .is_none()
    );
}
with_provider!(a_verified_email_links_an_existing_person_and_an_unverified_one_does_not);

async fn a_person_matched_by_external_id_is_linked(backend: Backend) {
    let (_idp, app) = start(
        backend,
        |p| p["external_id_claim"] = json!("preferred_username"),
        |_| {},
    )
    .await;
    // Robert signs in as `b-123` with preferred_username `robert`; his user has another e-mail.
    let person = app
        .create_user(json!({
            "username": "rob", "display_name": "Rob", "email": "rob@elsewhere.example",
        }))
        .await;
    let id: uuid::Uuid = person["id"].as_str().unwrap().parse().unwrap();
    let state = app.state().await;
    tessera_api::store::identity::set_external_id(&state.db, id, Some("robert"))
        .await
        .unwrap();
    let landed = sign_in(&app, "b-123", "/").await;
    assert_eq!(landed.me(&app).await["username"], "rob");
}
with_provider!(a_person_matched_by_external_id_is_linked);

async fn a_disabled_person_cannot_sign_in(backend: Backend) {
    let (_idp, app) = start(backend, |_| {}, |_| {}).await;
    let alice = sign_in(&app, "alice", "/").await.me(&app).await;
    let path = format!("/api/v1/users/{}", alice["id"].as_str().unwrap());
    let disabled = app.admin.patch(&path, &json!({"enabled": false})).await;
    assert_eq!(disabled.status(), StatusCode::OK);
    let refused = sign_in(&app, "alice", "/").await;
    assert_eq!(refused.refusal().as_deref(), Some("user_disabled"));
    assert_eq!(
        refused.location,
        app.url("/sign-in?oidc_error=user_disabled")
    );
    let me = refused
        .browser
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);

    // Matched by e-mail but disabled: refused, and not linked.
    let dave = app.person("dave").await;
    let path = format!("/api/v1/users/{}", dave.id());
    app.admin.patch(&path, &json!({"enabled": false})).await;
    let refused = sign_in(&app, "dave", "/").await;
    assert_eq!(refused.refusal().as_deref(), Some("user_disabled"));
    assert!(refusals_audited(&app).await.contains("user_disabled"));
}
with_provider!(a_disabled_person_cannot_sign_in);

async fn a_blocked_guest_cannot_sign_in(backend: Backend) {
    let (_idp, app) = start(backend, |_| {}, |_| {}).await;
    let alice = sign_in(&app, "alice", "/").await.me(&app).await;
    let id = alice["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/users/{id}");
    let guest = app.admin.patch(&path, &json!({"user_type": "guest"})).await;
    assert_eq!(guest.status(), StatusCode::OK);
    // Access held and taken away: the guest is blocked.
    let wiki = super::requests::offer(&app, "Wiki", |_| {
        json!({
            "name": "Everyone",
            "who_can_request": {"type": "all_users"},
            "approval": {"type": "none"},
            "lifecycle": {"expiry": {"type": "never"}},
        })
    })
    .await;
    let assigned: Value = app
        .admin
        .post(
            &format!("/api/v1/access-packages/{}/assignments", wiki.package),
            &json!({"policy_id": wiki.policy, "user_id": id}),
        )
        .await
        .json()
        .await
        .unwrap();
    let assignment = assigned["id"].as_str().unwrap();
    let removed = app
        .admin
        .post(
            &format!("/api/v1/assignments/{assignment}/remove"),
            &json!({}),
        )
        .await;
    assert_eq!(removed.status(), StatusCode::OK);
    let state = app.state().await;
    let work = tessera_api::jobs::guests::run_guest_lifecycle(&state, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(work.blocked, 1);

    let refused = sign_in(&app, "alice", "/").await;
    assert_eq!(refused.refusal().as_deref(), Some("guest_blocked"));
    let me = refused
        .browser
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    assert!(refusals_audited(&app).await.contains("guest_blocked"));
}
with_provider!(a_blocked_guest_cannot_sign_in);

async fn without_create_users_an_unknown_person_is_refused_and_audited(backend: Backend) {
    let (_idp, app) = start(backend, |p| p["create_users"] = json!(false), |_| {}).await;
    let refused = sign_in(&app, "alice", "/").await;
    assert_eq!(refused.refusal().as_deref(), Some("unknown_person"));
    let audited = refusals_audited(&app).await;
    assert!(audited.contains("unknown_person"), "{audited}");
    assert!(audited.contains(PROVIDER_ID), "{audited}");
}
with_provider!(without_create_users_an_unknown_person_is_refused_and_audited);

async fn new_people_must_come_from_an_allowed_domain(backend: Backend) {
    let (_idp, app) = start(
        backend,
        |p| p["allowed_domains"] = json!(["corp.example"]),
        |_| {},
    )
    .await;
    let refused = sign_in(&app, "alice", "/").await;
    assert_eq!(refused.refusal().as_deref(), Some("email_not_allowed"));
}
with_provider!(new_people_must_come_from_an_allowed_domain);

async fn a_replayed_state_and_an_expired_flow_are_refused(backend: Backend) {
    let (_idp, app) = start(backend, |_| {}, |_| {}).await;
    let browser = browser();
    let callback = reach_callback(&app, &browser, "alice", "/").await;
    let first = call_back(browser, &callback).await;
    assert_eq!(first.refusal(), None);
    let replayed = call_back(self::browser(), &callback).await;
    assert_eq!(replayed.refusal().as_deref(), Some("state_mismatch"));
    let unknown = call_back(
        self::browser(),
        &app.url("/api/v1/auth/oidc/corp/callback?code=x&state=never-issued"),
    )
    .await;
    assert_eq!(unknown.refusal().as_deref(), Some("state_mismatch"));

    let browser = self::browser();
    let callback = reach_callback(&app, &browser, "alice", "/").await;
    expire_flows(&app).await;
    let expired = call_back(browser, &callback).await;
    assert_eq!(expired.refusal().as_deref(), Some("flow_expired"));

    // The provider answers an error instead of a code.
    let browser = self::browser();
    let callback = reach_callback(&app, &browser, "alice", "/").await;
    let state = url::Url::parse(&callback)
        .unwrap()
        .query_pairs()
        .find(|(name, _)| name == "state")
        .map(|(_, value)| value.to_string())
        .unwrap();
    let said_no = call_back(
        browser,
        &app.url(&format!(
            "/api/v1/auth/oidc/corp/callback?error=access_denied&state={state}"
        )),
    )
    .await;
    assert_eq!(said_no.refusal().as_deref(), Some("provider_error"));
    let audited = refusals_audited(&app).await;
    assert!(audited.contains("state_mismatch") && audited.contains("flow_expired"));
}
with_provider!(a_replayed_state_and_an_expired_flow_are_refused);

async fn expire_flows(app: &TestApp) {
    use tessera_api::store::Db;
    let state = app.state().await;
    let past = chrono::Utc::now() - chrono::Duration::minutes(1);
    let sql = "UPDATE oidc_flows SET expires_at = $1";
    match &state.db {
        Db::Sqlite(pools) => sqlx::query(sql)
            .bind(past)
            .execute(pools.writer())
            .await
            .map(|_| ()),
        Db::Postgres(pool) => sqlx::query(sql).bind(past).execute(pool).await.map(|_| ()),
    }
    .unwrap();
}

async fn rotated_keys_are_fetched_again_at_most_once_a_minute(backend: Backend) {
    let (idp, app) = start(backend, |_| {}, |_| {}).await;
    assert_eq!(sign_in(&app, "alice", "/").await.refusal(), None);
    // A new signing key: the ID token names a kid Tessera has not seen; it fetches the keys
    // again and accepts it.
    idp.rotate_keys(false).await;
    assert_eq!(sign_in(&app, "b-123", "/").await.refusal(), None);
    // Another new key within the minute: no second fetch, so the token is refused.
    idp.rotate_keys(true).await;
    let refused = sign_in(&app, "dave", "/").await;
    assert_eq!(refused.refusal().as_deref(), Some("token_invalid"));
}
with_provider!(rotated_keys_are_fetched_again_at_most_once_a_minute);

async fn provider_access_tokens_call_the_api_as_the_mapped_service_account(backend: Backend) {
    let (idp, app) = start(backend, |_| {}, |_| {}).await;
    app.create_user(json!({
        "username": "ci-bot", "display_name": "CI bot", "email": "ci@example.org",
        "kind": "service_account",
    }))
    .await;
    let token = idp.client_token("ci-job", "ci-secret").await;
    assert!(!token.starts_with("tsr_"));
    let me = Client::new()
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["username"], "ci-bot");
    assert_eq!(me["authenticated_by"], "api_token");

    let unmapped = idp.client_token("other-job", "other-secret").await;
    let refused = Client::new()
        .get(app.url("/api/v1/me"))
        .bearer_auth(&unmapped)
        .send()
        .await
        .unwrap();
    assert_problem(refused, 401, "unauthenticated").await;

    let mut tampered = token.clone();
    tampered.pop();
    tampered.push(if token.ends_with('A') { 'B' } else { 'A' });
    let refused = Client::new()
        .get(app.url("/api/v1/me"))
        .bearer_auth(&tampered)
        .send()
        .await
        .unwrap();
    assert_problem(refused, 401, "unauthenticated").await;

    let garbage = Client::new()
        .get(app.url("/api/v1/me"))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_problem(garbage, 401, "unauthenticated").await;

    // Disabled, the service account is refused too.
    let users: Value = app
        .admin
        .get("/api/v1/users?limit=200")
        .await
        .json()
        .await
        .unwrap();
    let bot = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "ci-bot")
        .unwrap()
        .clone();
    let path = format!("/api/v1/users/{}", bot["id"].as_str().unwrap());
    app.admin.patch(&path, &json!({"enabled": false})).await;
    let refused = Client::new()
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_problem(refused, 401, "unauthenticated").await;
}
with_provider!(provider_access_tokens_call_the_api_as_the_mapped_service_account);

async fn with_local_passwords_off_only_break_glass_administrators_use_passwords(backend: Backend) {
    let (_idp, app) = start(
        backend,
        |_| {},
        |s| {
            s.auth.local_passwords = false;
            s.auth.break_glass = vec!["admin".into()];
        },
    )
    .await;
    // The administrator signed in with a password to start the test.
    app.create_user(json!({
        "username": "eve", "display_name": "Eve", "email": "eve@example.org",
        "password": PASSWORD,
    }))
    .await;
    let refused = Client::new()
        .post(app.url("/api/v1/session"))
        .json(&json!({"username": "eve", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_problem(refused, 403, "local_passwords_disabled").await;

    let providers: Value = Client::new()
        .get(app.url("/api/v1/auth/providers"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        providers,
        json!({
            "local_passwords": false,
            "providers": [{
                "id": PROVIDER_ID,
                "name": "Example Corp",
                "sign_in_url": app.url("/api/v1/auth/oidc/corp/sign-in"),
            }],
        })
    );
    Session::sign_in(&app.base, "admin", PASSWORD).await;
}
with_provider!(with_local_passwords_off_only_break_glass_administrators_use_passwords);

async fn administrators_unlink_and_others_may_not(backend: Backend) {
    let (_idp, app) = start(backend, |_| {}, |_| {}).await;
    let alice = sign_in(&app, "alice", "/").await.me(&app).await;
    let id = alice["id"].as_str().unwrap();
    let path = format!("/api/v1/users/{id}/identity-links/{PROVIDER_ID}");
    let nina = app.person("nina").await;
    assert_problem(nina.delete(&path).await, 403, "forbidden").await;
    assert_eq!(
        app.admin.delete(&path).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_problem(app.admin.delete(&path).await, 404, "not_found").await;
    assert!(user(&app, id).await.get("identity_links").is_none());
    let audited = app
        .admin
        .get("/api/v1/audit-events?action=identity_link.delete")
        .await
        .text()
        .await
        .unwrap();
    assert!(audited.contains(id), "{audited}");
}
with_provider!(administrators_unlink_and_others_may_not);

async fn signing_out_of_a_provider_session_names_the_provider_sign_out(backend: Backend) {
    let (idp, app) = start(backend, |_| {}, |_| {}).await;
    let landed = sign_in(&app, "alice", "/").await;
    let response = landed
        .browser
        .delete(app.url("/api/v1/session"))
        .header("X-CSRF-Token", landed.csrf.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let url = url::Url::parse(body["provider_sign_out_url"].as_str().unwrap()).unwrap();
    assert!(url.as_str().starts_with(&idp.issuer), "{url}");
    let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert!(query.contains_key("id_token_hint"));
    assert_eq!(query["post_logout_redirect_uri"], app.url("/sign-in"));
    let me = landed
        .browser
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);

    // A password session signs out as before.
    let response = app.admin.delete("/api/v1/session").await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}
with_provider!(signing_out_of_a_provider_session_names_the_provider_sign_out);

#[tokio::test]
async fn an_unknown_provider_is_not_found() {
    let (_idp, app) = start(Backend::Sqlite, |_| {}, |_| {}).await;
    let response = browser()
        .get(app.url("/api/v1/auth/oidc/nope/sign-in"))
        .send()
        .await
        .unwrap();
    assert_problem(response, 404, "not_found").await;
}

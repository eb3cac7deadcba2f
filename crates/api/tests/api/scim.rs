//! SCIM 2.0 at `/scim/v2`: discovery, Users and Groups, filters, paging, projection, ETags,
//! the PATCH shapes Microsoft Entra ID and Okta send, and who may call it.

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use super::catalogs::{create_catalog, insert_group};
use crate::helpers::*;
use crate::on_both_backends;

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// A SCIM client: the API token of a service account holding the provisioner role.
struct Scim {
    base: String,
    client: reqwest::Client,
    token: String,
    account_id: String,
}

impl Scim {
    async fn new(app: &TestApp) -> Scim {
        let account = app
            .create_user(json!({
                "username": "entra-provisioning",
                "display_name": "Entra provisioning",
                "email": "entra@example.org",
                "kind": "service_account",
            }))
            .await;
        let id = account["id"].as_str().unwrap().to_string();
        let granted = app.admin.put(&format!("/api/v1/provisioners/{id}")).await;
        assert_eq!(granted.status(), 204);
        let token = token_of(app, &id).await;
        Scim {
            base: app.base.clone(),
            client: reqwest::Client::new(),
            token,
            account_id: id,
        }
    }

    async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Response {
        self.request(method, path, body, &[]).await
    }

    async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Response {
        let mut request = self
            .client
            .request(method, format!("{}/scim/v2{}", self.base, path))
            .bearer_auth(&self.token);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/scim+json")
                .body(body.to_string());
        }
        request.send().await.unwrap()
    }

    async fn get(&self, path: &str) -> Value {
        let response = self.send(Method::GET, path, None).await;
        assert_eq!(response.status(), 200, "GET {path}");
        scim_json(response).await
    }

    async fn create(&self, path: &str, body: Value) -> Value {
        let response = self.send(Method::POST, path, Some(&body)).await;
        assert_eq!(response.status(), 201, "POST {path} {body}");
        assert!(response.headers().get("location").is_some());
        scim_json(response).await
    }

    async fn patch(&self, path: &str, operations: Value) -> Response {
        let body = json!({"schemas": [PATCH_OP], "Operations": operations});
        self.send(Method::PATCH, path, Some(&body)).await
    }

    async fn patch_ok(&self, path: &str, operations: Value) -> Value {
        let response = self.patch(path, operations.clone()).await;
        assert_eq!(response.status(), 200, "PATCH {path} {operations}");
        scim_json(response).await
    }

    async fn list(&self, resource: &str, query: &str) -> Value {
        let path = format!("/{resource}?{query}");
        self.get(&path).await
    }
}

/// A new API token of the user `id`, made by the administrator.
async fn token_of(app: &TestApp, id: &str) -> String {
    let response = app
        .admin
        .post(
            &format!("/api/v1/users/{id}/tokens"),
            &json!({"name": "scim", "expires_in_days": 30}),
        )
        .await;
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    created["secret"].as_str().unwrap().to_string()
}

async fn scim_json(response: Response) -> Value {
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        content_type.starts_with("application/scim+json"),
        "content type {content_type}"
    );
    response.json().await.unwrap()
}

/// Asserts a SCIM error with `status` (and `scim_type` when given); returns its body.
async fn assert_scim_error(response: Response, status: u16, scim_type: Option<&str>) -> Value {
    assert_eq!(response.status().as_u16(), status, "status");
    let body = scim_json(response).await;
    assert_eq!(body["schemas"], json!([ERROR]), "{body}");
    assert_eq!(body["status"], json!(status.to_string()), "{body}");
    if let Some(scim_type) = scim_type {
        assert_eq!(body["scimType"], json!(scim_type), "{body}");
    }
    assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()));
    body
}

fn ada() -> Value {
    json!({
        "schemas": [USER, ENTERPRISE],
        "externalId": "ext-ada",
        "userName": "Ada.Lovelace@example.org",
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "displayName": "Ada Lovelace",
        "emails": [{"value": "ada@example.org", "type": "work", "primary": true}],
        "active": true,
        ENTERPRISE: {
            "employeeNumber": "1815",
            "costCenter": "CC-7",
            "organization": "Analytical Engines",
            "division": "Research",
            "department": "Mathematics",
        },
    })
}

fn person(name: &str) -> Value {
    json!({
        "schemas": [USER],
        "externalId": format!("ext-{name}"),
        "userName": format!("{name}@example.org"),
        "displayName": format!("{name} Example"),
        "emails": [{"value": format!("{name}@example.org"), "type": "work", "primary": true}],
        "active": true,
    })
}

fn id_of(resource: &Value) -> String {
    resource["id"].as_str().unwrap().to_string()
}

on_both_backends! {
    async fn discovery_documents_describe_what_is_supported(app: TestApp) {
        let scim = Scim::new(&app).await;
        let config = scim.get("/ServiceProviderConfig").await;
        assert_eq!(config["patch"]["supported"], true);
        assert_eq!(config["bulk"]["supported"], false);
        assert_eq!(config["sort"]["supported"], false);
        assert_eq!(config["etag"]["supported"], true);
        assert_eq!(config["filter"]["supported"], true);
        assert_eq!(config["filter"]["maxResults"], 1000);
        assert_eq!(config["authenticationSchemes"][0]["type"], "oauthbearertoken");

        let types = scim.get("/ResourceTypes").await;
        let names: Vec<&str> = types["Resources"].as_array().unwrap().iter()
            .map(|t| t["name"].as_str().unwrap()).collect();
        assert!(names.contains(&"User") && names.contains(&"Group"), "{types}");
        let user_type = scim.get("/ResourceTypes/User").await;
        assert_eq!(user_type["schemaExtensions"][0]["schema"], ENTERPRISE);

        let schemas = scim.get("/Schemas").await;
        assert_eq!(schemas["totalResults"], 3, "{schemas}");
        let user_schema = scim.get(&format!("/Schemas/{USER}")).await;
        let attributes: Vec<&str> = user_schema["attributes"].as_array().unwrap().iter()
            .map(|a| a["name"].as_str().unwrap()).collect();
        for wanted in ["userName", "name", "displayName", "active", "emails", "groups"] {
            assert!(attributes.contains(&wanted), "{wanted} in {attributes:?}");
        }
        assert_scim_error(scim.send(Method::GET, "/Schemas/urn:nope", None).await, 404, None).await;
    }
}

on_both_backends! {
    async fn a_person_is_created_read_replaced_patched_and_deleted(app: TestApp) {
        let scim = Scim::new(&app).await;
        let created = scim.create("/Users", ada()).await;
        let id = id_of(&created);
        assert_eq!(created["userName"], "ada.lovelace@example.org");
        assert_eq!(created["name"]["givenName"], "Ada");
        assert_eq!(created[ENTERPRISE]["costCenter"], "CC-7");
        assert_eq!(created[ENTERPRISE]["department"], "Mathematics");
        assert_eq!(created["meta"]["resourceType"], "User");
        assert!(created["meta"]["location"].as_str().unwrap().ends_with(&format!("/scim/v2/Users/{id}")));
        assert_eq!(created["meta"]["version"], "W/\"1\"");

        // The REST API sees the same person, with the enterprise values as attributes.
        let rest: Value = app.admin.get(&format!("/api/v1/users/{id}")).await.json().await.unwrap();
        assert_eq!(rest["kind"], "person");
        assert_eq!(rest["external_id"], "ext-ada");
        assert_eq!(rest["given_name"], "Ada");
        assert_eq!(rest["attributes"]["employee_number"], "1815");
        assert_eq!(rest["attributes"]["division"], "Research");

        let response = scim.send(Method::GET, &format!("/Users/{id}"), None).await;
        assert_eq!(response.headers()["etag"], "W/\"1\"");
        let read = scim_json(response).await;
        assert_eq!(read, created);

        let mut replacement = ada();
        replacement["displayName"] = json!("Augusta Ada King");
        replacement[ENTERPRISE]["department"] = json!("Computing");
        replacement[ENTERPRISE].as_object_mut().unwrap().remove("costCenter");
        let response = scim.send(Method::PUT, &format!("/Users/{id}"), Some(&replacement)).await;
        assert_eq!(response.status(), 200);
        let replaced = scim_json(response).await;
        assert_eq!(replaced["displayName"], "Augusta Ada King");
        assert_eq!(replaced[ENTERPRISE]["department"], "Computing");
        assert!(replaced[ENTERPRISE].get("costCenter").is_none(), "{replaced}");
        assert_eq!(replaced["meta"]["version"], "W/\"2\"");

        let patched = scim.patch_ok(&format!("/Users/{id}"), json!([
            {"op": "replace", "path": "name.familyName", "value": "King"},
        ])).await;
        assert_eq!(patched["name"]["familyName"], "King");

        // Every change is audited as the provisioning account.
        let events: Value = app.admin
            .get(&format!("/api/v1/audit-events?target_id={id}")).await.json().await.unwrap();
        let events = events["items"].as_array().unwrap();
        assert!(events.len() >= 3);
        assert!(events.iter().all(|e| e["actor_id"] == json!(scim.account_id)), "{events:?}");

        let deleted = scim.send(Method::DELETE, &format!("/Users/{id}"), None).await;
        assert_eq!(deleted.status(), 204);
        assert_scim_error(scim.send(Method::GET, &format!("/Users/{id}"), None).await, 404, None).await;
        assert_scim_error(scim.send(Method::DELETE, &format!("/Users/{id}"), None).await, 404, None).await;
    }
}

on_both_backends! {
    async fn a_taken_user_name_or_external_id_is_a_uniqueness_conflict(app: TestApp) {
        let scim = Scim::new(&app).await;
        scim.create("/Users", ada()).await;
        let mut same_name = person("other");
        same_name["userName"] = json!("ADA.LOVELACE@example.org");
        assert_scim_error(scim.send(Method::POST, "/Users", Some(&same_name)).await, 409, Some("uniqueness")).await;
        let mut same_external = person("other");
        same_external["externalId"] = json!("ext-ada");
        assert_scim_error(scim.send(Method::POST, "/Users", Some(&same_external)).await, 409, Some("uniqueness")).await;
        // The administrator's username is taken too, though SCIM cannot see them.
        let mut admin = person("x");
        admin["userName"] = json!(ADMIN);
        assert_scim_error(scim.send(Method::POST, "/Users", Some(&admin)).await, 409, Some("uniqueness")).await;
        // Ada and the administrator; never the provisioning service account.
        let list = scim.list("Users", "").await;
        assert_eq!(list["totalResults"], 2, "{list}");
    }
}

on_both_backends! {
    async fn every_filter_form_finds_the_right_people(app: TestApp) {
        let scim = Scim::new(&app).await;
        scim.create("/Users", ada()).await;
        let grace = scim.create("/Users", person("grace")).await;
        let linus = scim.create("/Users", person("linus")).await;
        // The administrator was created by the test harness; SCIM sees only the three above
        // and the administrator, who is a person too.
        let total = scim.list("Users", "").await["totalResults"].as_i64().unwrap();
        assert_eq!(total, 4);

        let found = |list: &Value| -> Vec<String> {
            let mut names: Vec<String> = list["Resources"].as_array().unwrap().iter()
                .map(|r| r["userName"].as_str().unwrap().to_string()).collect();
            names.sort();
            names
        };
        let cases: Vec<(String, Vec<&str>)> = vec![
            ("userName eq \"GRACE@example.org\"".into(), vec!["grace@example.org"]),
            ("userName eq \" Grace@Example.org \"".into(), vec!["grace@example.org"]),
            ("externalId eq \"ext-linus\"".into(), vec!["linus@example.org"]),
            ("externalId eq \"EXT-LINUS\"".into(), vec![]),
            (format!("id eq \"{}\"", id_of(&grace)), vec!["grace@example.org"]),
            ("displayName eq \"ada lovelace\"".into(), vec!["ada.lovelace@example.org"]),
            ("emails.value eq \"ada@example.org\"".into(), vec!["ada.lovelace@example.org"]),
            ("emails[type eq \"work\" and value co \"grace\"]".into(), vec!["grace@example.org"]),
            ("userName ne \"grace@example.org\" and externalId pr".into(), vec!["ada.lovelace@example.org", "linus@example.org"]),
            ("userName co \"LOVE\"".into(), vec!["ada.lovelace@example.org"]),
            ("userName sw \"li\"".into(), vec!["linus@example.org"]),
            ("displayName ew \"example\"".into(), vec!["grace@example.org", "linus@example.org"]),
            ("externalId pr".into(), vec!["ada.lovelace@example.org", "grace@example.org", "linus@example.org"]),
            ("userName gt \"h\" and userName lt \"m\"".into(), vec!["linus@example.org"]),
            ("userName ge \"linus@example.org\" and userName le \"linus@example.org\"".into(), vec!["linus@example.org"]),
            ("not (externalId pr)".into(), vec![ADMIN]),
            ("(userName sw \"ada\" or userName sw \"grace\") and active eq true".into(), vec!["ada.lovelace@example.org", "grace@example.org"]),
            (format!("{ENTERPRISE}:department eq \"Mathematics\""), vec!["ada.lovelace@example.org"]),
            (format!("meta.lastModified ge \"{}\"", linus["meta"]["lastModified"].as_str().unwrap()), vec!["linus@example.org"]),
        ];
        for (filter, wanted) in cases {
            let query = format!("filter={}", urlencoding(&filter));
            let list = scim.list("Users", &query).await;
            assert_eq!(found(&list), wanted, "filter {filter}");
            assert_eq!(list["totalResults"], json!(wanted.len()), "filter {filter}");
        }
        assert_scim_error(
            scim.send(Method::GET, &format!("/Users?filter={}", urlencoding("userName eq")), None).await,
            400,
            Some("invalidFilter"),
        ).await;
    }
}

fn urlencoding(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

on_both_backends! {
    async fn lists_page_and_project(app: TestApp) {
        let scim = Scim::new(&app).await;
        for n in 0..5 {
            scim.create("/Users", person(&format!("p{n}"))).await;
        }
        // Six people: the five and the administrator.
        let page = scim.list("Users", "startIndex=2&count=2").await;
        assert_eq!(page["totalResults"], 6);
        assert_eq!(page["startIndex"], 2);
        assert_eq!(page["itemsPerPage"], 2);
        assert_eq!(page["Resources"].as_array().unwrap().len(), 2);
        let filtered = scim.list("Users", &format!("startIndex=2&count=2&filter={}", urlencoding("userName sw \"p\""))).await;
        assert_eq!(filtered["totalResults"], 5);
        assert_eq!(filtered["Resources"][0]["userName"], "p1@example.org");
        let none = scim.list("Users", "count=0").await;
        assert_eq!(none["totalResults"], 6);
        assert_eq!(none["Resources"].as_array().map_or(0, Vec::len), 0);
        let past = scim.list("Users", "startIndex=50").await;
        assert_eq!(past["Resources"].as_array().map_or(0, Vec::len), 0);

        let projected = scim.list("Users", "attributes=userName&count=1").await;
        let first = &projected["Resources"][0];
        assert!(first["id"].is_string() && first["userName"].is_string());
        assert!(first.get("emails").is_none() && first.get("displayName").is_none(), "{first}");
        let excluded = scim.list("Users", "excludedAttributes=emails,name&count=1").await;
        let first = &excluded["Resources"][0];
        assert!(first.get("emails").is_none() && first["userName"].is_string(), "{first}");

        // The same through POST /Users/.search, parameters in the body.
        let search = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": "userName sw \"p\"",
            "attributes": ["userName"],
            "startIndex": 2,
            "count": 2,
        });
        let response = scim.send(Method::POST, "/Users/.search", Some(&search)).await;
        assert_eq!(response.status(), 200);
        let found = scim_json(response).await;
        assert_eq!(found["totalResults"], 5);
        assert_eq!(found["Resources"][0]["userName"], "p1@example.org");
        assert!(found["Resources"][0].get("emails").is_none());
        // Searching every resource type at once is not supported.
        assert_scim_error(scim.send(Method::POST, "/.search", Some(&search)).await, 501, None).await;
    }
}

on_both_backends! {
    async fn a_stale_if_match_is_412_and_changes_nothing(app: TestApp) {
        let scim = Scim::new(&app).await;
        let created = scim.create("/Users", ada()).await;
        let id = id_of(&created);
        let path = format!("/Users/{id}");
        let body = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "displayName", "value": "Changed"}]});
        let stale = scim.request(Method::PATCH, &path, Some(&body), &[("If-Match", "W/\"7\"")]).await;
        assert_scim_error(stale, 412, None).await;
        let mut replacement = ada();
        replacement["displayName"] = json!("Changed");
        let stale = scim.request(Method::PUT, &path, Some(&replacement), &[("If-Match", "W/\"0\"")]).await;
        assert_scim_error(stale, 412, None).await;
        let stale = scim.request(Method::DELETE, &path, None, &[("If-Match", "W/\"3\"")]).await;
        assert_scim_error(stale, 412, None).await;
        assert_eq!(scim.get(&path).await, created);

        let fresh = scim.request(Method::PATCH, &path, Some(&body), &[("If-Match", "W/\"1\"")]).await;
        assert_eq!(fresh.status(), 200);
        assert_eq!(fresh.headers()["etag"], "W/\"2\"");
        let unchanged = scim.request(Method::GET, &path, None, &[("If-None-Match", "W/\"2\"")]).await;
        assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED);
    }
}

on_both_backends! {
    async fn entra_id_patch_payloads_apply(app: TestApp) {
        let scim = Scim::new(&app).await;
        let manager = scim.create("/Users", person("boss")).await;
        // Entra ID looks a person up by externalId before creating them.
        let lookup = scim.list("Users", &format!("filter={}", urlencoding("externalId eq \"ext-ada\""))).await;
        assert_eq!(lookup["totalResults"], 0);
        let ada = scim.create("/Users", ada()).await;
        let path = format!("/Users/{}", id_of(&ada));
        let lookup = scim.list("Users", &format!("filter={}", urlencoding("externalId eq \"ext-ada\""))).await;
        assert_eq!(lookup["Resources"][0]["id"], ada["id"]);

        // Capitalised ops, a value object without a path, enterprise attributes by URN, the
        // manager as a bare id, and "False" as a string.
        let patched = scim.patch_ok(&path, json!([
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "ada.king@example.org"},
            {"op": "Replace", "value": {"displayName": "Ada King", "name.givenName": "Augusta"}},
            {"op": "Add", "path": format!("{ENTERPRISE}:manager"), "value": id_of(&manager)},
            {"op": "Replace", "path": format!("{ENTERPRISE}:department"), "value": "Engines"},
        ])).await;
        assert_eq!(patched["emails"][0]["value"], "ada.king@example.org");
        assert_eq!(patched["displayName"], "Ada King");
        assert_eq!(patched["name"]["givenName"], "Augusta");
        assert_eq!(patched[ENTERPRISE]["manager"]["value"], manager["id"]);
        assert_eq!(patched[ENTERPRISE]["department"], "Engines");
        let disabled = scim.patch_ok(&path, json!([{"op": "Replace", "path": "active", "value": "False"}])).await;
        assert_eq!(disabled["active"], false);
        let rest: Value = app.admin.get(&path.replace("/Users", "/api/v1/users")).await.json().await.unwrap();
        assert_eq!(rest["enabled"], false);
        let removed = scim.patch_ok(&path, json!([{"op": "Remove", "path": format!("{ENTERPRISE}:manager")}])).await;
        assert!(removed[ENTERPRISE].get("manager").is_none(), "{removed}");

        // Groups: created, then members added and removed in batches.
        let members: Vec<Value> = futures_people(&scim, 30).await;
        let group = scim.create("/Groups", json!({
            "schemas": [GROUP], "externalId": "grp-1", "displayName": "Engineers", "members": [],
        })).await;
        let group_path = format!("/Groups/{}", id_of(&group));
        let batch: Vec<Value> = members.iter().map(|m| json!({"value": m["id"]})).collect();
        let added = scim.patch_ok(&group_path, json!([{"op": "Add", "path": "members", "value": batch}])).await;
        assert_eq!(added["members"].as_array().unwrap().len(), 30);
        let removals: Vec<Value> = members[..10].iter()
            .map(|m| json!({"op": "Remove", "path": format!("members[value eq \"{}\"]", m["id"].as_str().unwrap())}))
            .collect();
        let removed = scim.patch_ok(&group_path, Value::Array(removals)).await;
        assert_eq!(removed["members"].as_array().unwrap().len(), 20);
        let renamed = scim.patch_ok(&group_path, json!([{"op": "Replace", "path": "displayName", "value": "Engineering"}])).await;
        assert_eq!(renamed["displayName"], "Engineering");
        assert_eq!(renamed["members"].as_array().unwrap().len(), 20);
        // The person's groups attribute shows the membership.
        let member = scim.get(&format!("/Users/{}", members[15]["id"].as_str().unwrap())).await;
        assert_eq!(member["groups"][0]["value"], group["id"]);
        assert_eq!(member["groups"][0]["display"], "Engineering");
        // Membership changes are audited.
        let events: Value = app.admin
            .get(&format!("/api/v1/audit-events?target_id={}&action=group.members.change", id_of(&group)))
            .await.json().await.unwrap();
        assert_eq!(events["items"].as_array().unwrap().len(), 2, "{events}");
    }
}

/// Creates `n` people through SCIM.
async fn futures_people(scim: &Scim, n: usize) -> Vec<Value> {
    let mut people = Vec::new();
    for i in 0..n {
        people.push(scim.create("/Users", person(&format!("m{i:02}"))).await);
    }
    people
}

on_both_backends! {
    async fn okta_patch_payloads_apply(app: TestApp) {
        let scim = Scim::new(&app).await;
        let user = scim.create("/Users", person("okta")).await;
        let path = format!("/Users/{}", id_of(&user));
        // Okta deactivates and reactivates with a value object.
        let off = scim.patch_ok(&path, json!([{"op": "replace", "value": {"active": false}}])).await;
        assert_eq!(off["active"], false);
        let on = scim.patch_ok(&path, json!([{"op": "replace", "value": {"active": true}}])).await;
        assert_eq!(on["active"], true);
        // Okta replaces a whole user with PUT, active included.
        let mut replacement = person("okta");
        replacement["id"] = user["id"].clone();
        replacement["active"] = json!(false);
        let response = scim.send(Method::PUT, &path, Some(&replacement)).await;
        assert_eq!(response.status(), 200);
        assert_eq!(scim_json(response).await["active"], false);

        let a = scim.create("/Users", person("okta-a")).await;
        let b = scim.create("/Users", person("okta-b")).await;
        let group = scim.create("/Groups", json!({"schemas": [GROUP], "displayName": "Okta group", "members": []})).await;
        let group_path = format!("/Groups/{}", id_of(&group));
        // Okta renames with the id in the value object, and adds members with a display.
        let renamed = scim.patch_ok(&group_path, json!([
            {"op": "replace", "value": {"id": group["id"], "displayName": "Okta renamed"}},
        ])).await;
        assert_eq!(renamed["displayName"], "Okta renamed");
        let added = scim.patch_ok(&group_path, json!([
            {"op": "add", "path": "members", "value": [
                {"value": a["id"], "display": "okta-a@example.org"},
                {"value": b["id"], "display": "okta-b@example.org"},
            ]},
        ])).await;
        assert_eq!(added["members"].as_array().unwrap().len(), 2);
        let removed = scim.patch_ok(&group_path, json!([
            {"op": "remove", "path": format!("members[value eq \"{}\"]", a["id"].as_str().unwrap())},
        ])).await;
        assert_eq!(removed["members"].as_array().unwrap().len(), 1);
        assert_eq!(removed["members"][0]["value"], b["id"]);
        let listed = scim.list("Groups", &format!("filter={}", urlencoding("displayName eq \"okta renamed\""))).await;
        assert_eq!(listed["totalResults"], 1);
        // Entra ID reads groups without their members; asked for, they are there.
        let bare = scim.get(&format!("{group_path}?excludedAttributes=members")).await;
        assert!(bare.get("members").is_none() && bare["displayName"] == "Okta renamed", "{bare}");
        let bare = scim.list("Groups", &format!("excludedAttributes=members&filter={}", urlencoding("displayName eq \"okta renamed\""))).await;
        assert!(bare["Resources"][0].get("members").is_none(), "{bare}");
        let bare = scim.list("Groups", &format!("attributes=displayName&filter={}", urlencoding("displayName eq \"okta renamed\""))).await;
        assert!(bare["Resources"][0].get("members").is_none() && bare["Resources"][0]["displayName"] == "Okta renamed", "{bare}");
        let values = scim.get(&format!("{group_path}?attributes=members.value")).await;
        assert_eq!(values["members"], json!([{"value": b["id"]}]), "{values}");
        let values = scim.list("Groups", &format!("attributes=members&filter={}", urlencoding("members.value pr"))).await;
        assert_eq!(values["Resources"][0]["members"][0]["value"], b["id"], "{values}");
        // Looked up as uniqueness compares names: trimmed, in NFC, case ignored, so a client
        // that finds nothing does not POST a duplicate.
        let cafe = scim.create("/Groups", json!({"schemas": [GROUP], "displayName": "Caf\u{e9}", "members": []})).await;
        let decomposed = urlencoding("displayName eq \" CAFE\u{301} \"");
        let listed = scim.list("Groups", &format!("filter={decomposed}")).await;
        assert_eq!(listed["totalResults"], 1, "{listed}");
        assert_eq!(listed["Resources"][0]["id"], cafe["id"]);
    }
}

on_both_backends! {
    async fn bad_payloads_get_scim_errors_and_change_nothing(app: TestApp) {
        let scim = Scim::new(&app).await;
        let user = scim.create("/Users", ada()).await;
        let path = format!("/Users/{}", id_of(&user));
        let group = scim.create("/Groups", json!({"schemas": [GROUP], "displayName": "Stable", "members": [{"value": user["id"]}]})).await;
        let group_path = format!("/Groups/{}", id_of(&group));
        // The person as they are now, a member of the group.
        let user = scim.get(&path).await;

        let bad_patches = [
            (json!([{"op": "explode", "path": "displayName", "value": "x"}]), "invalidSyntax"),
            (json!([{"op": "replace", "path": "nonsense", "value": "x"}]), "invalidPath"),
            (json!([{"op": "replace", "path": "id", "value": "x"}]), "mutability"),
            (json!([{"op": "replace", "path": "userName", "value": "not a user name!"}]), "invalidValue"),
            (json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "nope"}]), "invalidValue"),
            // The first operation is fine, the second is not: neither applies.
            (json!([
                {"op": "replace", "path": "displayName", "value": "Half"},
                {"op": "replace", "path": "active", "value": "perhaps"},
            ]), "invalidValue"),
        ];
        for (operations, scim_type) in bad_patches {
            let response = scim.patch(&path, operations.clone()).await;
            let status = response.status().as_u16();
            let body = scim_json(response).await;
            assert_eq!(status, 400, "{operations} → {body}");
            assert_eq!(body["schemas"], json!([ERROR]));
            assert_eq!(body["scimType"], scim_type, "{operations} → {body}");
        }
        let no_schema = scim.send(Method::PATCH, &path, Some(&json!({"Operations": []}))).await;
        assert_scim_error(no_schema, 400, None).await;
        let unknown_member = scim.patch(&group_path, json!([{"op": "add", "path": "members", "value": [{"value": uuid::Uuid::now_v7().to_string()}]}])).await;
        assert_scim_error(unknown_member, 400, Some("invalidValue")).await;

        let malformed = scim.client.post(format!("{}/scim/v2/Users", scim.base))
            .bearer_auth(&scim.token)
            .header("Content-Type", "application/scim+json")
            .body("{\"userName\": ")
            .send().await.unwrap();
        assert_scim_error(malformed, 400, Some("invalidSyntax")).await;
        let not_json = scim.client.post(format!("{}/scim/v2/Users", scim.base))
            .bearer_auth(&scim.token)
            .header("Content-Type", "text/plain")
            .body("userName=x")
            .send().await.unwrap();
        assert_scim_error(not_json, 415, None).await;
        let plain_json = scim.client.post(format!("{}/scim/v2/Users", scim.base))
            .bearer_auth(&scim.token)
            .json(&person("plain"))
            .send().await.unwrap();
        assert_eq!(plain_json.status(), 201, "application/json is accepted too");

        let mut no_name = ada();
        no_name.as_object_mut().unwrap().remove("userName");
        assert_scim_error(scim.send(Method::PUT, &path, Some(&no_name)).await, 400, Some("invalidValue")).await;

        assert_eq!(scim.get(&path).await, user, "the person is unchanged");
        assert_eq!(scim.get(&group_path).await, group, "the group is unchanged");

        assert_scim_error(scim.send(Method::GET, "/Nothing", None).await, 404, None).await;
        let wrong_method = scim.send(Method::DELETE, "/Users", None).await;
        assert_eq!(wrong_method.headers()["allow"], "GET, POST");
        assert_scim_error(wrong_method, 405, None).await;
        assert_scim_error(scim.send(Method::GET, "/Users/not-an-id", None).await, 404, None).await;
    }
}

on_both_backends! {
    async fn only_a_provisioner_token_may_call_scim(app: TestApp) {
        let scim = Scim::new(&app).await;
        let users = |client: &reqwest::Client| client.get(app.url("/scim/v2/Users"));
        let anonymous = users(&app.anonymous()).send().await.unwrap();
        assert_scim_error(anonymous, 401, None).await;
        // An administrator's browser session: administrators are not provisioners.
        let admin_session = app.admin.get("/scim/v2/Users").await;
        assert_scim_error(admin_session, 403, None).await;
        // An administrator's token without the role.
        let admin_token = token_of(&app, &app.admin.id()).await;
        let response = users(&reqwest::Client::new()).bearer_auth(&admin_token).send().await.unwrap();
        assert_scim_error(response, 403, None).await;
        // A person's token, then the same person holding the role but with their session.
        let pat = app.person("pat").await;
        let created: Value = pat.post("/api/v1/tokens", &json!({"name": "mine"})).await.json().await.unwrap();
        let person_token = created["secret"].as_str().unwrap().to_string();
        let response = users(&reqwest::Client::new()).bearer_auth(&person_token).send().await.unwrap();
        assert_scim_error(response, 403, None).await;
        assert_eq!(app.admin.put(&format!("/api/v1/provisioners/{}", pat.id())).await.status(), 204);
        assert_scim_error(pat.get("/scim/v2/Users").await, 403, None).await;
        let response = users(&reqwest::Client::new()).bearer_auth(&person_token).send().await.unwrap();
        assert_eq!(response.status(), 200);
        // A write by a caller who may not changes nothing.
        let refused = reqwest::Client::new().post(app.url("/scim/v2/Users"))
            .bearer_auth(&admin_token).json(&person("sneaky")).send().await.unwrap();
        assert_scim_error(refused, 403, None).await;
        let list = scim.list("Users", &format!("filter={}", urlencoding("userName eq \"sneaky@example.org\""))).await;
        assert_eq!(list["totalResults"], 0);

        // The role's list, and taking it away.
        let holders: Value = app.admin.get("/api/v1/provisioners").await.json().await.unwrap();
        assert_eq!(holders.as_array().unwrap().len(), 2);
        assert_eq!(holders[0]["role"], "provisioner");
        assert_problem(pat.get("/api/v1/provisioners").await, 403, "forbidden").await;
        assert_eq!(app.admin.delete(&format!("/api/v1/provisioners/{}", scim.account_id)).await.status(), 204);
        assert_scim_error(scim.send(Method::GET, "/Users", None).await, 403, None).await;
    }
}

on_both_backends! {
    async fn a_provisioner_cannot_take_over_or_remove_an_administrator(app: TestApp) {
        let scim = Scim::new(&app).await;
        let path = format!("/Users/{}", app.admin.id());
        let before = scim.get(&path).await;
        // Pointing the administrator's sign-in identity elsewhere, or ending them, is refused
        // and changes nothing.
        for operations in [
            json!([{"op": "replace", "path": "externalId", "value": "attacker-controlled"}]),
            json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "evil@example.org"}]),
            json!([{"op": "replace", "path": "userName", "value": "someone-else"}]),
            json!([{"op": "Replace", "path": "active", "value": "False"}]),
        ] {
            assert_scim_error(scim.patch(&path, operations).await, 403, None).await;
        }
        assert_scim_error(scim.send(Method::DELETE, &path, None).await, 403, None).await;
        assert_eq!(scim.get(&path).await, before);
        // Their other attributes still follow the identity provider.
        let patched = scim.patch_ok(&path, json!([{"op": "replace", "path": "name.givenName", "value": "Ada"}])).await;
        assert_eq!(patched["name"]["givenName"], "Ada");
        // A catalog creator is protected the same way.
        let carl = app.person("carl").await;
        assert_eq!(app.admin.put(&format!("/api/v1/catalog-creators/{}", carl.id())).await.status(), 204);
        let carl_path = format!("/Users/{}", carl.id());
        assert_scim_error(scim.send(Method::DELETE, &carl_path, None).await, 403, None).await;
    }
}

on_both_backends! {
    async fn scim_groups_and_tessera_groups_leave_each_other_alone(app: TestApp) {
        let scim = Scim::new(&app).await;
        let tessera_group = insert_group(&app, "Finance", None).await;
        // Tessera's groups are not SCIM's to see or overwrite, and their names are taken.
        assert_scim_error(scim.send(Method::GET, &format!("/Groups/{tessera_group}"), None).await, 404, None).await;
        let taken = scim.send(Method::POST, "/Groups", Some(&json!({"schemas": [GROUP], "displayName": "FINANCE"}))).await;
        assert_scim_error(taken, 409, Some("uniqueness")).await;
        assert_eq!(scim.list("Groups", "").await["totalResults"], 0);

        let member = scim.create("/Users", person("member")).await;
        let group = scim.create("/Groups", json!({"schemas": [GROUP], "displayName": "Provisioned", "members": [{"value": member["id"]}]})).await;
        let id = id_of(&group);
        let view: Value = app.admin.get(&format!("/api/v1/groups/{id}")).await.json().await.unwrap();
        assert_eq!(view["managed_by"], "scim");
        let finance: Value = app.admin.get(&format!("/api/v1/groups/{tessera_group}")).await.json().await.unwrap();
        assert_eq!(finance["managed_by"], "tessera");

        // Members are not changed by hand ...
        let person = app.person("hand").await;
        let added = app.admin.send(Method::PUT, &format!("/api/v1/groups/{id}/members/{}", person.id()), None).await;
        let problem = assert_problem(added, 409, "group_managed_by_provider").await;
        assert!(problem["detail"].as_str().unwrap().contains("SCIM"));
        let removed = app.admin.delete(&format!("/api/v1/groups/{id}/members/{}", member["id"].as_str().unwrap())).await;
        assert_problem(removed, 409, "group_managed_by_provider").await;
        // ... nor by an import.
        let imported = app.admin.post_raw(
            "/api/v1/directory/imports",
            "text/csv",
            "type,username,group,role\nmembership,hand,Provisioned,member\n",
        ).await;
        assert_eq!(imported.status(), 200);
        let report: Value = imported.json().await.unwrap();
        assert_eq!(report["rejected"].as_array().unwrap().len(), 1, "{report}");
        assert!(report["rejected"][0]["reason"].as_str().unwrap().contains("SCIM"), "{report}");
        // ... nor delivered by access packages: the group cannot join a catalog.
        let catalog = create_catalog(&app.admin, "Provisioned things").await;
        let refused = app.admin.post(
            &format!("/api/v1/catalogs/{}/resources", catalog["id"].as_str().unwrap()),
            &json!({"kind": "group", "id": id}),
        ).await;
        assert_problem(refused, 409, "group_managed_by_provider").await;
        let unchanged = scim.get(&format!("/Groups/{id}")).await;
        assert_eq!(unchanged, group);

        let deleted = scim.send(Method::DELETE, &format!("/Groups/{id}"), None).await;
        assert_eq!(deleted.status(), 204);
        assert_scim_error(scim.send(Method::GET, &format!("/Groups/{id}"), None).await, 404, None).await;
        // The Tessera group is still there.
        assert_eq!(app.admin.get(&format!("/api/v1/groups/{tessera_group}")).await.status(), 200);
    }
}

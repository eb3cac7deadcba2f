//! The SCIM 2.0 client connector (RFC 7643 resources, RFC 7644 protocol): people are Users
//! found by `userName`, targets are Groups, membership changes are PATCH operations.
//!
//! A person's key at the target is their SCIM `userName`, compared with the Tessera value the
//! settings' `match_by` names. Every write is idempotent: the connector reads before it writes
//! where the protocol leaves the outcome of a repeated write to the server (creating a user),
//! and treats a server's "already a member" or "not a member" answers as success.

use std::collections::BTreeSet;
use std::time::Duration;

use reqwest::{Method, RequestBuilder, Response, StatusCode, header};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Value, json};
use tessera_domain::connector::{PersonKey, ScimSettings};
use url::Url;

use super::{ConnectionReport, Connector, ConnectorError, Person};

const SCIM_JSON: &str = "application/scim+json";
const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// How many member ids one `id eq … or id eq …` search resolves: short enough for any
/// server's URL length limit.
const RESOLVE_BATCH: usize = 50;

/// A SCIM 2.0 service provider, reached with a bearer token.
#[derive(Debug)]
pub struct ScimConnector {
    http: reqwest::Client,
    /// The base URL, ending in `/` so resource paths join under it.
    base: Url,
    token: SecretString,
    match_by: PersonKey,
    create_users: bool,
    deactivate_on_leave: bool,
}

/// A user at the target, as much as the connector reads of one.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScimUser {
    id: String,
    #[serde(default)]
    user_name: String,
    /// Absent means the server does not track it; treated as active.
    active: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListResponse {
    #[serde(default)]
    total_results: usize,
    #[serde(default, rename = "Resources")]
    resources: Vec<ScimUser>,
}

#[derive(Debug, Deserialize)]
struct GroupMembers {
    #[serde(default)]
    members: Vec<Member>,
}

#[derive(Debug, Deserialize)]
struct Member {
    value: String,
    /// `User` or `Group`; many servers leave it out.
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

/// The body of a SCIM error (RFC 7644 §3.12).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScimErrorBody {
    detail: Option<String>,
    scim_type: Option<String>,
}

/// A response other than 2xx: its status and what the server said.
struct Refusal {
    status: StatusCode,
    body: ScimErrorBody,
}

impl Refusal {
    fn message(&self, doing: &str) -> String {
        match &self.body.detail {
            Some(detail) => format!(
                "{doing}: the SCIM server answered {}: {detail}",
                self.status
            ),
            None => format!("{doing}: the SCIM server answered {}", self.status),
        }
    }

    /// 401, 403, 404 and other client errors cannot succeed by trying again; a timeout, a
    /// busy server (429) and server errors may.
    fn into_error(self, doing: &str) -> ConnectorError {
        let message = self.message(doing);
        let status = self.status;
        if status == StatusCode::REQUEST_TIMEOUT
            || status == StatusCode::TOO_MANY_REQUESTS
            || status.is_server_error()
        {
            ConnectorError::retry(message)
        } else {
            ConnectorError::permanent(message)
        }
    }
}

/// What sending a request came to: a successful response, or the server's refusal.
enum Answer {
    Ok(Response),
    Refused(Refusal),
}

impl ScimConnector {
    /// The most requests one operation makes, each within `timeout_seconds`: adding a member
    /// finds the user, creates them (and, when someone created them meanwhile, finds them
    /// again) or reactivates them, then changes the group. Removing and deactivating make two.
    pub const MOST_REQUESTS_PER_OPERATION: u32 = 4;

    /// A connector for `settings`, authenticating with the bearer token `secret`. Refuses a
    /// base URL that is not `http(s)://`, an empty or unsendable token, and a timeout out of
    /// range; it does not connect.
    pub fn new(settings: &ScimSettings, secret: &str) -> Result<Self, ConnectorError> {
        let mut base = Url::parse(settings.base_url.trim())
            .map_err(|err| ConnectorError::permanent(format!("base_url is not a URL: {err}")))?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(ConnectorError::permanent(
                "base_url must be an http:// or https:// URL",
            ));
        }
        if base.query().is_some() || base.fragment().is_some() {
            return Err(ConnectorError::permanent(
                "base_url must not have a query or a fragment",
            ));
        }
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        if secret.is_empty() || header::HeaderValue::from_str(secret).is_err() {
            return Err(ConnectorError::permanent(
                "the bearer token must be non-empty visible ASCII",
            ));
        }
        let timeout = settings.timeout_seconds;
        if timeout == 0 || timeout > ScimSettings::MAX_TIMEOUT_SECONDS {
            return Err(ConnectorError::permanent(format!(
                "timeout_seconds must be from 1 to {}",
                ScimSettings::MAX_TIMEOUT_SECONDS
            )));
        }
        let timeout = Duration::from_secs(u64::from(timeout));
        let http = reqwest::Client::builder()
            // A redirect would re-send the token somewhere the administrator did not name.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .timeout(timeout)
            .build()
            .map_err(|err| {
                ConnectorError::permanent(format!("cannot build the HTTP client: {err}"))
            })?;
        Ok(Self {
            http,
            base,
            token: SecretString::from(secret.to_string()),
            match_by: settings.match_by,
            create_users: settings.create_users,
            deactivate_on_leave: settings.deactivate_on_leave,
        })
    }

    /// `base` + the path segments (each percent-encoded).
    fn url(&self, segments: &[&str]) -> Url {
        self.url_with_query(segments, &[])
    }

    /// `base` + the path segments + the query parameters (each percent-encoded).
    fn url_with_query(&self, segments: &[&str], query: &[(&str, &str)]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    fn request(&self, method: Method, url: Url) -> RequestBuilder {
        self.http
            .request(method, url)
            .bearer_auth(self.token.expose_secret())
            .header(header::ACCEPT, SCIM_JSON)
    }

    fn with_body(request: RequestBuilder, body: &Value) -> RequestBuilder {
        request
            .header(header::CONTENT_TYPE, SCIM_JSON)
            .body(body.to_string())
    }

    /// Sends `request`; a connection failure or timeout is a retryable error, a non-2xx
    /// answer a [`Refusal`] for the caller to judge (a 409 or a 404 may be success).
    async fn send(&self, request: RequestBuilder, doing: &str) -> Result<Answer, ConnectorError> {
        let response = request
            .send()
            .await
            .map_err(|err| transport_error(doing, &err))?;
        let status = response.status();
        if status.is_success() {
            return Ok(Answer::Ok(response));
        }
        // The body of an error is advisory: a server that sends none (or HTML) still refused.
        let body = response
            .bytes()
            .await
            .ok()
            .and_then(|bytes| serde_json::from_slice::<ScimErrorBody>(&bytes).ok())
            .unwrap_or_default();
        Ok(Answer::Refused(Refusal { status, body }))
    }

    /// Sends `request` and reads its JSON answer; any refusal is an error.
    async fn fetch<T: for<'de> Deserialize<'de>>(
        &self,
        request: RequestBuilder,
        doing: &str,
    ) -> Result<T, ConnectorError> {
        match self.send(request, doing).await? {
            Answer::Ok(response) => read_json(response, doing).await,
            Answer::Refused(refusal) => Err(refusal.into_error(doing)),
        }
    }

    /// The users a filter selects, every page of them.
    async fn search_users(
        &self,
        filter: &str,
        page_size: usize,
        doing: &str,
    ) -> Result<Vec<ScimUser>, ConnectorError> {
        let mut found = Vec::new();
        loop {
            let start_index = (found.len() + 1).to_string();
            let count = page_size.to_string();
            let url = self.url_with_query(
                &["Users"],
                &[
                    ("filter", filter),
                    ("attributes", "userName,active"),
                    ("startIndex", &start_index),
                    ("count", &count),
                ],
            );
            let request = self.request(Method::GET, url);
            let page: ListResponse = self.fetch(request, doing).await?;
            let received = page.resources.len();
            found.extend(page.resources);
            if received == 0 || found.len() >= page.total_results {
                return Ok(found);
            }
        }
    }

    /// The user whose `userName` is `key` (SCIM compares `userName` without regard to case).
    async fn find_user(&self, key: &str) -> Result<Option<ScimUser>, ConnectorError> {
        let filter = format!("userName eq {}", filter_string(key));
        let users = self.search_users(&filter, 10, "finding the user").await?;
        Ok(users
            .into_iter()
            .find(|user| user.user_name.to_lowercase() == key))
    }

    /// Creates `person` under `key`. A 409 means someone created them meanwhile: they are
    /// read back.
    async fn create_user(&self, key: &str, person: &Person) -> Result<ScimUser, ConnectorError> {
        let doing = "creating the user";
        let mut name = serde_json::Map::new();
        if let Some(given) = &person.given_name {
            name.insert("givenName".into(), json!(given));
        }
        if let Some(family) = &person.family_name {
            name.insert("familyName".into(), json!(family));
        }
        let mut body = json!({
            "schemas": [USER_SCHEMA],
            // The value as Tessera holds it; lookups compare it without regard to case.
            "userName": person.key(self.match_by).unwrap_or(key),
            "displayName": person.display_name,
            // RFC 7643 §3.1: externalId is the provisioning client's identifier for the user.
            "externalId": person.id.to_string(),
            "active": person.active,
        });
        if !name.is_empty() {
            body["name"] = Value::Object(name);
        }
        if let Some(email) = &person.email {
            body["emails"] = json!([{"value": email, "type": "work", "primary": true}]);
        }
        let request = Self::with_body(self.request(Method::POST, self.url(&["Users"])), &body);
        match self.send(request, doing).await? {
            Answer::Ok(response) => read_json(response, doing).await,
            Answer::Refused(refusal) if refusal.status == StatusCode::CONFLICT => {
                match self.find_user(key).await? {
                    Some(user) => Ok(user),
                    None => Err(refusal.into_error(doing)),
                }
            }
            Answer::Refused(refusal) => Err(refusal.into_error(doing)),
        }
    }

    /// PATCH `segments` with `operations`.
    async fn patch(
        &self,
        segments: &[&str],
        operations: Value,
        doing: &str,
    ) -> Result<Answer, ConnectorError> {
        let body = json!({"schemas": [PATCH_SCHEMA], "Operations": operations});
        let request = Self::with_body(self.request(Method::PATCH, self.url(segments)), &body);
        self.send(request, doing).await
    }

    async fn set_active(&self, user: &ScimUser, active: bool) -> Result<(), ConnectorError> {
        let doing = if active {
            "reactivating the user"
        } else {
            "deactivating the user"
        };
        let operations = json!([{"op": "replace", "path": "active", "value": active}]);
        match self.patch(&["Users", &user.id], operations, doing).await? {
            Answer::Ok(_) => Ok(()),
            // Deleted meanwhile: nobody is left to deactivate.
            Answer::Refused(refusal) if !active && refusal.status == StatusCode::NOT_FOUND => {
                Ok(())
            }
            Answer::Refused(refusal) => Err(refusal.into_error(doing)),
        }
    }

    fn key_of(&self, person: &Person) -> Result<String, ConnectorError> {
        self.member_key(person).ok_or_else(|| {
            ConnectorError::permanent(format!(
                "{} has no {} to match at the SCIM server",
                person.username,
                key_name(self.match_by)
            ))
        })
    }
}

impl Connector for ScimConnector {
    async fn test_connection(&self) -> Result<ConnectionReport, ConnectorError> {
        let config: Value = self
            .fetch(
                self.request(Method::GET, self.url(&["ServiceProviderConfig"])),
                "reading the service provider configuration",
            )
            .await?;
        if config["patch"]["supported"] == json!(false) {
            return Err(ConnectorError::permanent(
                "the SCIM server does not support PATCH, which changing group members needs",
            ));
        }
        // The configuration may be public (RFC 7644 §4); listing users proves the token works.
        let url = self.url_with_query(&["Users"], &[("attributes", "userName"), ("count", "1")]);
        let request = self.request(Method::GET, url);
        let users: ListResponse = self.fetch(request, "listing users").await?;
        Ok(ConnectionReport {
            summary: format!(
                "SCIM service provider at {} accepted the token; it holds {} users",
                self.base, users.total_results
            ),
        })
    }

    async fn add_member(&self, target: &str, person: &Person) -> Result<(), ConnectorError> {
        let key = self.key_of(person)?;
        let user = match self.find_user(&key).await? {
            Some(user) => {
                // Someone who left and was deactivated is back.
                if user.active == Some(false) && person.active {
                    self.set_active(&user, true).await?;
                }
                user
            }
            None if self.create_users => self.create_user(&key, person).await?,
            None => {
                return Err(ConnectorError::permanent(format!(
                    "no user {key} at the SCIM server, and the connector does not create users"
                )));
            }
        };
        let doing = "adding the group member";
        let operations = json!([{"op": "add", "path": "members", "value": [{"value": user.id}]}]);
        match self.patch(&["Groups", target], operations, doing).await? {
            Answer::Ok(_) => Ok(()),
            // Some servers refuse a member who is there already, instead of ignoring it.
            Answer::Refused(refusal) if refusal.status == StatusCode::CONFLICT => Ok(()),
            Answer::Refused(refusal) => Err(refusal.into_error(doing)),
        }
    }

    async fn remove_member(&self, target: &str, person: &Person) -> Result<(), ConnectorError> {
        let key = self.key_of(person)?;
        let Some(user) = self.find_user(&key).await? else {
            return Ok(());
        };
        let doing = "removing the group member";
        let path = format!("members[value eq {}]", filter_string(&user.id));
        let operations = json!([{"op": "remove", "path": path}]);
        match self.patch(&["Groups", target], operations, doing).await? {
            Answer::Ok(_) => Ok(()),
            // RFC 7644 §3.5.2: a filter that matches nothing may answer 400 noTarget.
            Answer::Refused(refusal)
                if refusal.status == StatusCode::BAD_REQUEST
                    && refusal.body.scim_type.as_deref() == Some("noTarget") =>
            {
                Ok(())
            }
            Answer::Refused(refusal) => Err(refusal.into_error(doing)),
        }
    }

    async fn deactivate(&self, person: &Person) -> Result<(), ConnectorError> {
        if !self.deactivate_on_leave {
            return Ok(());
        }
        // Without a key the person cannot have been provisioned here.
        let Some(key) = self.member_key(person) else {
            return Ok(());
        };
        match self.find_user(&key).await? {
            Some(user) if user.active != Some(false) => self.set_active(&user, false).await,
            Some(_) | None => Ok(()),
        }
    }

    async fn list_members(&self, target: &str) -> Result<Vec<String>, ConnectorError> {
        let url = self.url_with_query(&["Groups", target], &[("attributes", "members")]);
        let request = self.request(Method::GET, url);
        let group: GroupMembers = self.fetch(request, "reading the group").await?;
        // Members' `display` is whatever the writer put there (often nothing): the users are
        // read instead. Nested groups are not people.
        let ids: BTreeSet<String> = group
            .members
            .into_iter()
            .filter(|member| member.kind.as_deref() != Some("Group"))
            .map(|member| member.value)
            .collect();
        let ids: Vec<String> = ids.into_iter().collect();
        let mut keys = BTreeSet::new();
        for batch in ids.chunks(RESOLVE_BATCH) {
            let filter = batch
                .iter()
                .map(|id| format!("id eq {}", filter_string(id)))
                .collect::<Vec<_>>()
                .join(" or ");
            let users = self
                .search_users(&filter, RESOLVE_BATCH, "reading the group's members")
                .await?;
            keys.extend(users.into_iter().map(|user| user.user_name.to_lowercase()));
        }
        Ok(keys.into_iter().collect())
    }

    fn member_key(&self, person: &Person) -> Option<String> {
        person
            .key(self.match_by)
            .filter(|key| !key.is_empty())
            .map(str::to_lowercase)
    }
}

/// `value` as a SCIM filter string literal: a JSON string (RFC 7644 §3.4.2.2), so quotes and
/// backslashes are escaped.
fn filter_string(value: &str) -> String {
    Value::String(value.to_string()).to_string()
}

fn key_name(key: PersonKey) -> &'static str {
    match key {
        PersonKey::Username => "username",
        PersonKey::Email => "e-mail address",
        PersonKey::ExternalId => "external id",
    }
}

async fn read_json<T: for<'de> Deserialize<'de>>(
    response: Response,
    doing: &str,
) -> Result<T, ConnectorError> {
    let bytes = response
        .bytes()
        .await
        .map_err(|err| transport_error(doing, &err))?;
    serde_json::from_slice(&bytes).map_err(|err| {
        ConnectorError::permanent(format!(
            "{doing}: the SCIM server's answer is not what SCIM says: {err}"
        ))
    })
}

/// A request that got no answer: the server is down, unreachable or slow, which may pass.
fn transport_error(doing: &str, err: &reqwest::Error) -> ConnectorError {
    let what = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else {
        "failed"
    };
    let mut message = format!("{doing}: the request to the SCIM server {what}");
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    ConnectorError::retry(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(base_url: &str) -> ScimSettings {
        ScimSettings {
            base_url: base_url.into(),
            match_by: PersonKey::Email,
            create_users: true,
            deactivate_on_leave: false,
            timeout_seconds: ScimSettings::DEFAULT_TIMEOUT_SECONDS,
        }
    }

    #[test]
    fn filter_strings_escape_quotes_and_backslashes() {
        assert_eq!(filter_string(r#"a"b\c"#), r#""a\"b\\c""#);
    }

    #[test]
    fn resource_paths_join_under_the_base_url_with_or_without_a_slash() {
        for base in [
            "https://app.example.org/scim/v2",
            "https://app.example.org/scim/v2/",
        ] {
            let Ok(connector) = ScimConnector::new(&settings(base), "t") else {
                panic!("{base} refused");
            };
            assert_eq!(
                connector.url(&["Groups", "a/b c"]).as_str(),
                "https://app.example.org/scim/v2/Groups/a%2Fb%20c"
            );
        }
    }

    #[test]
    fn settings_that_cannot_work_are_refused_as_permanent() {
        let mut slow = settings("https://x.example");
        slow.timeout_seconds = 0;
        for (settings, secret) in [
            (settings("ftp://x.example"), "t"),
            (settings("not a url"), "t"),
            (settings("https://x.example/?a=b"), "t"),
            (settings("https://x.example"), ""),
            (settings("https://x.example"), "line\nbreak"),
            (slow, "t"),
        ] {
            let Err(err) = ScimConnector::new(&settings, secret) else {
                panic!("{settings:?} accepted");
            };
            assert!(!err.retry);
        }
    }

    #[test]
    fn the_token_does_not_show_in_debug_output() {
        let Ok(connector) = ScimConnector::new(&settings("https://x.example"), "s3cret-token")
        else {
            panic!("refused");
        };
        assert!(!format!("{connector:?}").contains("s3cret-token"));
    }

    #[test]
    fn the_member_key_is_the_matched_value_lowercased() {
        let Ok(connector) = ScimConnector::new(&settings("https://x.example"), "t") else {
            panic!("refused");
        };
        let mut person = Person {
            id: uuid::Uuid::nil(),
            username: "alice".into(),
            email: Some("Alice@Example.org".into()),
            external_id: None,
            display_name: "Alice".into(),
            given_name: None,
            family_name: None,
            active: true,
        };
        assert_eq!(
            connector.member_key(&person).as_deref(),
            Some("alice@example.org")
        );
        person.email = None;
        assert_eq!(connector.member_key(&person), None);
    }
}

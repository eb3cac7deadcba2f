//! SCIM 2.0 (RFC 7643, RFC 7644) as an adapter at the edge: identity providers provision
//! people (`users`) and the groups they manage (`groups`) through the same service calls the
//! REST API makes, so validation, normalisation, uniqueness, the leaver/mover lifecycle and the
//! audit trail apply once. The wire format (filters, PATCH, projection, schemas) is
//! `tessera_domain::scim`; this module maps it onto Tessera's model.

pub mod groups;
pub mod users;

use serde_json::{Value, json};
use tessera_domain::problem::ProblemCode;
use tessera_domain::scim::{
    Filter, LIST_RESPONSE, ResourceKind, ScimError, ScimType, parse_filter,
};

use crate::error::ApiError;

pub type ScimResult<T> = Result<T, ScimError>;

/// Lists answer at most this many resources per page (`filter.maxResults`).
pub const MAX_RESULTS: i64 = 1000;
/// Resources per page when the client does not say.
pub const DEFAULT_COUNT: i64 = 100;

/// A resource as answered: its SCIM JSON (with `meta`) and its version, the ETag.
#[derive(Debug)]
pub struct Resource {
    pub json: Value,
    pub version: i64,
}

/// The weak ETag of a stored version, as `meta.version` and the `ETag` header carry it.
pub fn etag(version: i64) -> String {
    format!("W/\"{version}\"")
}

/// The `If-Match` a write was sent with: the write happens only while the resource is at that
/// version, compare-and-set; a stale one is 412 and changes nothing.
#[derive(Clone, Debug, Default)]
pub struct Precondition(pub Option<String>);

impl Precondition {
    /// Refuses with 412 when the client's version is not `version`. `*` matches any.
    pub fn check(&self, version: i64) -> ScimResult<()> {
        match &self.0 {
            None => Ok(()),
            Some(sent) => {
                let current = etag(version);
                let matches = sent.split(',').map(str::trim).any(|tag| {
                    tag == "*" || tag == current || tag.trim_start_matches("W/") == &current[2..]
                });
                if matches {
                    Ok(())
                } else {
                    Err(precondition_failed())
                }
            }
        }
    }

    /// How many times a PATCH is applied to a fresh read when another write won the race. A
    /// PATCH's operations are relative to what is stored (add these members, set active), so
    /// without `If-Match` applying them again is what the client asked for; identity providers
    /// send membership batches for one group concurrently and would otherwise see 409s.
    fn patch_attempts(&self) -> u32 {
        if self.0.is_some() { 1 } else { 3 }
    }

    /// What a compare-and-set that lost a race answers: 412 when the client named a version,
    /// 409 otherwise (read again and retry).
    fn lost_race(&self) -> ScimError {
        if self.0.is_some() {
            precondition_failed()
        } else {
            ScimError {
                status: 409,
                scim_type: None,
                detail: "The resource changed while this request ran; read it again and retry."
                    .into(),
            }
        }
    }
}

fn precondition_failed() -> ScimError {
    ScimError {
        status: 412,
        scim_type: None,
        detail: "The resource is no longer at the version in If-Match; read it again.".into(),
    }
}

/// A list request: `filter`, `startIndex` (1-based) and `count`, already checked.
#[derive(Clone, Debug)]
pub struct ListQuery {
    pub filter: Option<Filter>,
    pub start_index: i64,
    pub count: i64,
}

impl ListQuery {
    /// Reads the query parameters (names as RFC 7644 spells them, compared ignoring case).
    /// A `startIndex` below 1 is read as 1, a negative `count` as 0, a larger one than
    /// [`MAX_RESULTS`] as that (RFC 7644 3.4.2.4).
    pub fn parse(params: &[(String, String)]) -> ScimResult<ListQuery> {
        let get = |name: &str| {
            params
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .map(|(_, value)| value.as_str())
        };
        let number = |name: &str, default: i64| -> ScimResult<i64> {
            match get(name) {
                None => Ok(default),
                Some(raw) => raw.trim().parse::<i64>().map_err(|_| {
                    ScimError::bad_request(
                        ScimType::InvalidValue,
                        format!("{name} must be an integer"),
                    )
                }),
            }
        };
        let filter = match get("filter") {
            Some(raw) if !raw.trim().is_empty() => Some(parse_filter(raw)?),
            _ => None,
        };
        Ok(ListQuery {
            filter,
            start_index: number("startIndex", 1)?.max(1),
            count: number("count", DEFAULT_COUNT)?.clamp(0, MAX_RESULTS),
        })
    }

    /// The filter's indexed equality, when it is one (`userName eq "x"` and the like): the
    /// attribute's name in lower case and the value.
    fn simple_eq(&self, kind: ResourceKind) -> Option<(String, String)> {
        let (path, value) = self.filter.as_ref()?.as_simple_eq()?;
        let core = kind_schema(kind);
        if path
            .uri
            .as_deref()
            .is_some_and(|uri| !uri.eq_ignore_ascii_case(core))
        {
            return None;
        }
        let name = match &path.sub {
            Some(sub) => format!("{}.{}", path.name, sub),
            None => path.name.clone(),
        };
        Some((name.to_ascii_lowercase(), value.to_string()))
    }
}

fn kind_schema(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::User => tessera_domain::scim::USER_SCHEMA,
        ResourceKind::Group => tessera_domain::scim::GROUP_SCHEMA,
    }
}

/// A page of a list, as RFC 7644 3.4.2 answers it.
pub fn list_response(total: i64, start_index: i64, resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_RESPONSE],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

/// Rows a list reads at once when it evaluates a filter in memory: besides its page it holds
/// at most this many renderings, however large the directory.
pub const SCAN_BATCH: i64 = 500;

/// A page gathered while a filter is evaluated over every resource, batch by batch: the
/// matches are counted and only those on the requested page are kept.
struct PageScan<'q> {
    query: &'q ListQuery,
    total: i64,
    resources: Vec<Value>,
}

impl<'q> PageScan<'q> {
    fn new(query: &'q ListQuery) -> Self {
        PageScan {
            query,
            total: 0,
            resources: Vec::new(),
        }
    }

    /// Counts a matching resource, keeping it when it falls on the page.
    fn offer(&mut self, resource: Value) {
        let on_page = self.total >= self.query.start_index - 1
            && i64::try_from(self.resources.len()).is_ok_and(|kept| kept < self.query.count);
        if on_page {
            self.resources.push(resource);
        }
        self.total += 1;
    }

    fn finish(self) -> Value {
        list_response(self.total, self.query.start_index, self.resources)
    }
}

/// `meta` of a resource.
fn meta(
    resource_type: &str,
    location: String,
    created: chrono::DateTime<chrono::Utc>,
    last_modified: chrono::DateTime<chrono::Utc>,
    version: i64,
) -> Value {
    json!({
        "resourceType": resource_type,
        "created": created.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "lastModified": last_modified.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "location": location,
        "version": etag(version),
    })
}

/// A path's id: anything that is not one of ours is simply not found.
fn parse_id(raw: &str, what: &'static str) -> ScimResult<uuid::Uuid> {
    uuid::Uuid::parse_str(raw).map_err(|_| not_found(what))
}

fn not_found(what: &str) -> ScimError {
    ScimError {
        status: 404,
        scim_type: None,
        detail: format!("No such {what}."),
    }
}

/// The member of `object` called `name`, ignoring case.
fn member<'a>(object: &'a Value, name: &str) -> Option<&'a Value> {
    object
        .as_object()?
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value)
        .filter(|value| !value.is_null())
}

fn invalid_value(detail: impl Into<String>) -> ScimError {
    ScimError::bad_request(ScimType::InvalidValue, detail)
}

/// The SCIM name of a field the REST services name in their errors.
fn scim_field(field: &str) -> &str {
    match field {
        "username" => "userName",
        "display_name" => "displayName",
        "email" => "emails",
        "user_type" => "userType",
        "manager_id" => "manager",
        "external_id" => "externalId",
        "given_name" => "name.givenName",
        "family_name" => "name.familyName",
        "name" => "displayName",
        other => other,
    }
}

/// Answers an error of the services in the SCIM error schema, with the `scimType` RFC 7644
/// gives it, naming fields as SCIM spells them.
pub fn from_api(err: ApiError) -> ScimError {
    let error = |status: u16, scim_type: Option<ScimType>, detail: String| ScimError {
        status,
        scim_type,
        detail,
    };
    let problem = err.problem();
    let detail = problem.detail.clone().unwrap_or_default();
    match err {
        ApiError::Validation(errors) => error(
            400,
            Some(ScimType::InvalidValue),
            errors
                .iter()
                .map(|e| format!("{}: {}", scim_field(&e.field), e.message))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        ApiError::BadRequest { field, message } => error(
            400,
            Some(ScimType::InvalidSyntax),
            match field {
                Some(field) => format!("{}: {message}", scim_field(&field)),
                None => message,
            },
        ),
        ApiError::Conflict {
            code:
                ProblemCode::UsernameTaken
                | ProblemCode::NameTaken
                | ProblemCode::ExternalIdTaken
                | ProblemCode::Duplicate,
            field,
            detail,
        } => error(
            409,
            Some(ScimType::Uniqueness),
            match field {
                Some(field) => format!("{}: {detail}", scim_field(field)),
                None => detail,
            },
        ),
        ApiError::UnsupportedMediaType => error(
            415,
            None,
            "Send the body as application/scim+json or application/json.".into(),
        ),
        ApiError::Internal => error(
            500,
            None,
            match problem.request_id {
                Some(id) => format!("Something went wrong on our side (request {id})."),
                None => "Something went wrong on our side.".into(),
            },
        ),
        _ => error(problem.status, None, detail),
    }
}

/// The `ServiceProviderConfig` document (RFC 7643 5): exactly what is supported.
pub fn service_provider_config(base: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "documentationUri": "https://github.com/tessera-iga/tessera#provisioning-with-scim",
        "patch": {"supported": true},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": false},
        "sort": {"supported": false},
        "etag": {"supported": true},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "API token",
            "description": "A Tessera API token of a service account holding the provisioner \
                            role, sent as Authorization: Bearer <token>.",
            "primary": true,
        }],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": format!("{base}/ServiceProviderConfig"),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(start_index: i64, count: i64) -> ListQuery {
        ListQuery {
            filter: None,
            start_index,
            count,
        }
    }

    fn scanned(query: &ListQuery, matches: i64) -> Value {
        let mut page = PageScan::new(query);
        for n in 1..=matches {
            page.offer(json!(n));
        }
        page.finish()
    }

    #[test]
    fn a_scan_keeps_only_the_requested_page_and_counts_every_match() {
        let page = scanned(&query(3, 2), 7);
        assert_eq!(page["totalResults"], 7);
        assert_eq!(page["startIndex"], 3);
        assert_eq!(page["itemsPerPage"], 2);
        assert_eq!(page["Resources"], json!([3, 4]));
    }

    #[test]
    fn a_scan_past_the_end_or_of_count_zero_answers_no_resources() {
        for query in [query(9, 5), query(1, 0)] {
            let page = scanned(&query, 4);
            assert_eq!(page["totalResults"], 4);
            assert_eq!(page["Resources"], json!([]));
        }
    }
}

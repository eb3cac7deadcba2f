//! SCIM 2.0 at `/scim/v2`: Users, Groups and the discovery documents. Every answer, errors
//! included (401, 403, 404, 405, 409, 412, 415, malformed JSON), is `application/scim+json`
//! in the SCIM error schema. The handlers stay thin: who is calling (a provisioner's API
//! token), the body and query, one call to `service::scim`. Not in the OpenAPI document: SCIM
//! describes itself through `/Schemas` and `/ResourceTypes`.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use serde_json::Value;
use tessera_domain::scim::{
    AttrPath, ResourceKind, ScimError, parse_attr_list, project, resource_type_documents,
    schema_documents,
};

use crate::auth::Actor;
use crate::auth::authz::{ProvisionerProof, require_provisioner};
use crate::error::ApiError;
use crate::extract::Json;
use crate::service::scim::{self, ListQuery, Precondition, Resource, from_api};
use crate::state::AppState;

pub const SCIM_JSON: &str = "application/scim+json";

/// A SCIM error as an actix error: the SCIM error schema, as `application/scim+json`.
#[derive(Debug)]
pub struct ScimFailure(pub ScimError);

impl std::fmt::Display for ScimFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SCIM {}: {}", self.0.status, self.0.detail)
    }
}

impl ResponseError for ScimFailure {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        response.content_type(SCIM_JSON);
        if self.0.status == 401 {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"tessera-scim\""));
        }
        response.body(self.0.to_json().to_string())
    }
}

impl From<ScimError> for ScimFailure {
    fn from(err: ScimError) -> Self {
        ScimFailure(err)
    }
}

impl From<ApiError> for ScimFailure {
    fn from(err: ApiError) -> Self {
        ScimFailure(from_api(err))
    }
}

type ScimResponse = Result<HttpResponse, ScimFailure>;

/// The `/scim/v2` scope, with SCIM answers for paths and methods no route takes.
pub fn scope() -> actix_web::Scope {
    let resource = |path: &str| web::resource(path).default_service(web::to(method_not_allowed));
    web::scope("/scim/v2")
        .service(resource("/ServiceProviderConfig").route(web::get().to(service_provider_config)))
        .service(resource("/ResourceTypes").route(web::get().to(resource_types)))
        .service(resource("/ResourceTypes/{id}").route(web::get().to(resource_type)))
        .service(resource("/Schemas").route(web::get().to(schemas)))
        .service(resource("/Schemas/{id}").route(web::get().to(schema)))
        .service(
            resource("/Users")
                .route(web::get().to(list_users))
                .route(web::post().to(create_user)),
        )
        .service(resource("/.search").route(web::post().to(search_everything)))
        .service(resource("/Users/.search").route(web::post().to(search_users)))
        .service(resource("/Groups/.search").route(web::post().to(search_groups)))
        .service(
            resource("/Users/{id}")
                .route(web::get().to(get_user))
                .route(
                    web::put().to(|s, r, a, i, b| {
                        write(ResourceKind::User, Write::Replace, s, r, a, i, b)
                    }),
                )
                .route(
                    web::patch()
                        .to(|s, r, a, i, b| write(ResourceKind::User, Write::Patch, s, r, a, i, b)),
                )
                .route(web::delete().to(|s, r, a, i| delete(ResourceKind::User, s, r, a, i))),
        )
        .service(
            resource("/Groups")
                .route(web::get().to(list_groups))
                .route(web::post().to(create_group)),
        )
        .service(
            resource("/Groups/{id}")
                .route(web::get().to(get_group))
                .route(
                    web::put().to(|s, r, a, i, b| {
                        write(ResourceKind::Group, Write::Replace, s, r, a, i, b)
                    }),
                )
                .route(
                    web::patch().to(|s, r, a, i, b| {
                        write(ResourceKind::Group, Write::Patch, s, r, a, i, b)
                    }),
                )
                .route(web::delete().to(|s, r, a, i| delete(ResourceKind::Group, s, r, a, i))),
        )
        .default_service(web::to(no_route))
}

async fn no_route() -> ScimResponse {
    Err(ScimFailure(ScimError {
        status: 404,
        scim_type: None,
        detail: "No SCIM endpoint has this path.".into(),
    }))
}

async fn method_not_allowed(req: HttpRequest) -> HttpResponse {
    let path = req.match_pattern().unwrap_or_default();
    let allow = if path.ends_with("/.search") {
        "POST"
    } else if path.ends_with("/Users") || path.ends_with("/Groups") {
        "GET, POST"
    } else if path.ends_with("{id}") && (path.contains("/Users") || path.contains("/Groups")) {
        "GET, PUT, PATCH, DELETE"
    } else {
        "GET"
    };
    let mut response = ScimFailure(ScimError {
        status: 405,
        scim_type: None,
        detail: format!("This endpoint answers {allow}."),
    })
    .error_response();
    if let Ok(value) = HeaderValue::from_str(allow) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}

/// The base URL of the SCIM endpoints: the configured public URL, else where the request came.
fn base_url(state: &AppState, req: &HttpRequest) -> String {
    let root = match &state.settings.public_url {
        Some(url) => url.as_str().trim_end_matches('/').to_string(),
        None => {
            let info = req.connection_info();
            format!("{}://{}", info.scheme(), info.host())
        }
    };
    format!("{root}/scim/v2")
}

fn json_response(status: StatusCode, body: &Value) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(SCIM_JSON)
        .body(body.to_string())
}

/// The caller as a provisioner: an API token whose owner holds the role.
async fn provisioner(
    state: &AppState,
    actor: Result<Actor, ApiError>,
) -> Result<(Actor, ProvisionerProof), ScimFailure> {
    let actor = actor?;
    let proof = require_provisioner(state, &actor).await?;
    Ok((actor, proof))
}

/// The query string's pairs, decoded.
fn query_pairs(req: &HttpRequest) -> Vec<(String, String)> {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .into_owned()
        .collect()
}

/// `attributes` and `excludedAttributes` (RFC 7644 3.9).
struct Projection {
    attributes: Vec<AttrPath>,
    excluded: Vec<AttrPath>,
}

impl Projection {
    fn of(req: &HttpRequest) -> Result<Projection, ScimFailure> {
        Projection::from_pairs(&query_pairs(req))
    }

    fn from_pairs(pairs: &[(String, String)]) -> Result<Projection, ScimFailure> {
        let list = |name: &str| -> Result<Vec<AttrPath>, ScimFailure> {
            match pairs.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)) {
                Some((_, raw)) if !raw.trim().is_empty() => Ok(parse_attr_list(raw)?),
                _ => Ok(Vec::new()),
            }
        };
        Ok(Projection {
            attributes: list("attributes")?,
            excluded: list("excludedAttributes")?,
        })
    }

    /// Whether a group's members are shown, so whether they need reading: as [`project`]
    /// decides, selected by `attributes` when any are given and not excluded whole.
    fn members(&self) -> scim::groups::Members {
        let members = |path: &AttrPath| path.name.eq_ignore_ascii_case("members");
        let selected = self.attributes.is_empty() || self.attributes.iter().any(members);
        let excluded = self
            .excluded
            .iter()
            .any(|path| members(path) && path.sub.is_none());
        if selected && !excluded {
            scim::groups::Members::Read
        } else {
            scim::groups::Members::Skipped
        }
    }

    fn apply(&self, resource: &Value, kind: ResourceKind) -> Value {
        if self.attributes.is_empty() && self.excluded.is_empty() {
            resource.clone()
        } else {
            project(resource, kind, &self.attributes, &self.excluded)
        }
    }
}

fn precondition(req: &HttpRequest) -> Precondition {
    Precondition(
        req.headers()
            .get(header::IF_MATCH)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string),
    )
}

/// A resource answered with its ETag (and `Location` when created).
fn resource_response(
    req: &HttpRequest,
    status: StatusCode,
    resource: &Resource,
    kind: ResourceKind,
) -> Result<HttpResponse, ScimFailure> {
    let tag = scim::etag(resource.version);
    let not_modified = req.method() == Method::GET
        && req
            .headers()
            .get(header::IF_NONE_MATCH)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|sent| sent.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    if not_modified {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, tag))
            .finish());
    }
    let body = Projection::of(req)?.apply(&resource.json, kind);
    let mut response = json_response(status, &body);
    if let Ok(value) = HeaderValue::from_str(&tag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    if status == StatusCode::CREATED
        && let Some(location) = resource.json["meta"]["location"].as_str()
        && let Ok(value) = HeaderValue::from_str(location)
    {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

fn list_response(pairs: &[(String, String)], mut page: Value, kind: ResourceKind) -> ScimResponse {
    let projection = Projection::from_pairs(pairs)?;
    if let Some(resources) = page.get_mut("Resources").and_then(Value::as_array_mut) {
        for resource in resources.iter_mut() {
            *resource = projection.apply(resource, kind);
        }
    }
    Ok(json_response(StatusCode::OK, &page))
}

/// The JSON body, or the SCIM error for a missing, malformed or non-JSON one.
fn body(body: Result<Json<Value>, ApiError>) -> Result<Value, ScimFailure> {
    let Json(value) = body?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(ScimFailure(ScimError::bad_request(
            tessera_domain::scim::ScimType::InvalidSyntax,
            "the body must be a JSON object",
        )))
    }
}

async fn service_provider_config(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    json_response(
        StatusCode::OK,
        &scim::service_provider_config(&base_url(&state, &req)),
    )
}

fn document_list(documents: Vec<Value>) -> HttpResponse {
    let total = documents.len() as i64;
    json_response(StatusCode::OK, &scim::list_response(total, 1, documents))
}

fn document_by_id(documents: Vec<Value>, id: &str, what: &str) -> ScimResponse {
    documents
        .into_iter()
        .find(|document| document["id"].as_str() == Some(id))
        .map(|document| json_response(StatusCode::OK, &document))
        .ok_or_else(|| {
            ScimFailure(ScimError {
                status: 404,
                scim_type: None,
                detail: format!("No such {what}."),
            })
        })
}

async fn resource_types(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    document_list(resource_type_documents(&base_url(&state, &req)))
}

async fn resource_type(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> ScimResponse {
    document_by_id(
        resource_type_documents(&base_url(&state, &req)),
        &id,
        "resource type",
    )
}

async fn schemas(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    document_list(schema_documents(&base_url(&state, &req)))
}

async fn schema(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> ScimResponse {
    document_by_id(schema_documents(&base_url(&state, &req)), &id, "schema")
}

async fn list_users(
    state: web::Data<AppState>,
    req: HttpRequest,
    actor: Result<Actor, ApiError>,
) -> ScimResponse {
    let (_, proof) = provisioner(&state, actor).await?;
    let pairs = query_pairs(&req);
    let query = ListQuery::parse(&pairs)?;
    let page = scim::users::list(&proof, &state, &base_url(&state, &req), &query).await?;
    list_response(&pairs, page, ResourceKind::User)
}

/// `POST /.search` across resource types is not supported: 501, as RFC 7644 3.12 says.
async fn search_everything(
    state: web::Data<AppState>,
    actor: Result<Actor, ApiError>,
) -> ScimResponse {
    provisioner(&state, actor).await?;
    Err(ScimFailure(ScimError {
        status: 501,
        scim_type: None,
        detail: "Searching several resource types at once is not supported; search /Users or \
                 /Groups."
            .into(),
    }))
}

/// `POST /Users/.search` (RFC 7644 3.4.3): a list whose parameters come in the body.
async fn search_users(
    state: web::Data<AppState>,
    req: HttpRequest,
    actor: Result<Actor, ApiError>,
    input: Result<Json<Value>, ApiError>,
) -> ScimResponse {
    let (_, proof) = provisioner(&state, actor).await?;
    let pairs = search_pairs(&body(input)?)?;
    let query = ListQuery::parse(&pairs)?;
    let page = scim::users::list(&proof, &state, &base_url(&state, &req), &query).await?;
    list_response(&pairs, page, ResourceKind::User)
}

/// `POST /Groups/.search`.
async fn search_groups(
    state: web::Data<AppState>,
    req: HttpRequest,
    actor: Result<Actor, ApiError>,
    input: Result<Json<Value>, ApiError>,
) -> ScimResponse {
    let (_, proof) = provisioner(&state, actor).await?;
    let pairs = search_pairs(&body(input)?)?;
    let query = ListQuery::parse(&pairs)?;
    let members = Projection::from_pairs(&pairs)?.members();
    let page = scim::groups::list(&proof, &state, &base_url(&state, &req), &query, members).await?;
    list_response(&pairs, page, ResourceKind::Group)
}

/// A SearchRequest's members as the query parameters of a list: `attributes` and
/// `excludedAttributes` are lists of names, the others strings or numbers.
fn search_pairs(body: &Value) -> Result<Vec<(String, String)>, ScimFailure> {
    let invalid = |detail: String| {
        ScimFailure(ScimError::bad_request(
            tessera_domain::scim::ScimType::InvalidValue,
            detail,
        ))
    };
    let mut pairs = Vec::new();
    for (key, value) in body.as_object().into_iter().flatten() {
        let text = match value {
            Value::Null => continue,
            Value::String(text) => text.clone(),
            Value::Number(number) => number.to_string(),
            Value::Array(names) => names
                .iter()
                .map(|name| {
                    name.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| invalid(format!("{key} must list attribute names")))
                })
                .collect::<Result<Vec<_>, _>>()?
                .join(","),
            _ if key == "schemas" => continue,
            _ => return Err(invalid(format!("{key} has the wrong type"))),
        };
        if key != "schemas" {
            pairs.push((key.clone(), text));
        }
    }
    Ok(pairs)
}

async fn get_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    actor: Result<Actor, ApiError>,
    id: web::Path<String>,
) -> ScimResponse {
    let (_, proof) = provisioner(&state, actor).await?;
    let user = scim::users::get(&proof, &state, &base_url(&state, &req), &id).await?;
    resource_response(&req, StatusCode::OK, &user, ResourceKind::User)
}

async fn create_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    actor: Result<Actor, ApiError>,
    input: Result<Json<Value>, ApiError>,
) -> ScimResponse {
    let (actor, proof) = provisioner(&state, actor).await?;
    let input = body(input)?;
    let user = scim::users::create(&proof, &state, &actor, &base_url(&state, &req), input).await?;
    resource_response(&req, StatusCode::CREATED, &user, ResourceKind::User)
}

async fn list_groups(
    state: web::Data<AppState>,
    req: HttpRequest,
    actor: Result<Actor, ApiError>,
) -> ScimResponse {
    let (_, proof) = provisioner(&state, actor).await?;
    let pairs = query_pairs(&req);
    let query = ListQuery::parse(&pairs)?;
    let members = Projection::from_pairs(&pairs)?.members();
    let page = scim::groups::list(&proof, &state, &base_url(&state, &req), &query, members).await?;
    list_response(&pairs, page, ResourceKind::Group)
}

async fn get_group(
    state: web::Data<AppState>,
    req: HttpRequest,
    actor: Result<Actor, ApiError>,
    id: web::Path<String>,
) -> ScimResponse {
    let (_, proof) = provisioner(&state, actor).await?;
    let members = Projection::of(&req)?.members();
    let group = scim::groups::get(&proof, &state, &base_url(&state, &req), &id, members).await?;
    resource_response(&req, StatusCode::OK, &group, ResourceKind::Group)
}

async fn create_group(
    state: web::Data<AppState>,
    req: HttpRequest,
    actor: Result<Actor, ApiError>,
    input: Result<Json<Value>, ApiError>,
) -> ScimResponse {
    let (actor, proof) = provisioner(&state, actor).await?;
    let input = body(input)?;
    let group =
        scim::groups::create(&proof, &state, &actor, &base_url(&state, &req), input).await?;
    resource_response(&req, StatusCode::CREATED, &group, ResourceKind::Group)
}

/// How a write changes a resource: PUT replaces it, PATCH applies operations to it.
#[derive(Clone, Copy)]
enum Write {
    Replace,
    Patch,
}

/// PUT or PATCH of a user or a group: the same steps around the service call.
async fn write(
    kind: ResourceKind,
    how: Write,
    state: web::Data<AppState>,
    req: HttpRequest,
    actor: Result<Actor, ApiError>,
    id: web::Path<String>,
    input: Result<Json<Value>, ApiError>,
) -> ScimResponse {
    let (actor, proof) = provisioner(&state, actor).await?;
    let input = body(input)?;
    let base = base_url(&state, &req);
    let precondition = precondition(&req);
    let (proof, state, actor) = (&proof, &state, &actor);
    let resource = match (kind, how) {
        (ResourceKind::User, Write::Replace) => {
            scim::users::replace(proof, state, actor, &base, &id, &precondition, input).await?
        }
        (ResourceKind::User, Write::Patch) => {
            scim::users::patch(proof, state, actor, &base, &id, &precondition, input).await?
        }
        (ResourceKind::Group, Write::Replace) => {
            scim::groups::replace(proof, state, actor, &base, &id, &precondition, input).await?
        }
        (ResourceKind::Group, Write::Patch) => {
            scim::groups::patch(proof, state, actor, &base, &id, &precondition, input).await?
        }
    };
    resource_response(&req, StatusCode::OK, &resource, kind)
}

/// DELETE of a user or a group.
async fn delete(
    kind: ResourceKind,
    state: web::Data<AppState>,
    req: HttpRequest,
    actor: Result<Actor, ApiError>,
    id: web::Path<String>,
) -> ScimResponse {
    let (actor, proof) = provisioner(&state, actor).await?;
    let precondition = precondition(&req);
    match kind {
        ResourceKind::User => {
            scim::users::delete(&proof, &state, &actor, &id, &precondition).await?
        }
        ResourceKind::Group => {
            scim::groups::delete(&proof, &state, &actor, &id, &precondition).await?
        }
    }
    Ok(HttpResponse::NoContent().finish())
}

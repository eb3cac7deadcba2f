//! SCIM Users: the people of the directory (never service accounts, never deleted ones),
//! created and changed through `service::users`, so the REST API's rules hold.
//!
//! Mapping: `userName` is the username (lowercased like every username), `emails` the one
//! e-mail address (the primary one, else the work one, else the first), `name.givenName` and
//! `name.familyName` their columns, `userType` "Guest" a guest (anything else a member),
//! `active` enabled, `externalId` the directory id OpenID Connect sign-in matches too. The
//! enterprise extension: `department` and `manager` their columns, `employeeNumber`,
//! `costCenter`, `organization` and `division` the attributes `employee_number`,
//! `cost_center`, `organization` and `division`, where policy audience rules can use them.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value, json};
use tessera_domain::scim::{
    ENTERPRISE_USER_SCHEMA, ResourceKind, ScimError, USER_SCHEMA, apply_patch, normalise,
    parse_patch,
};
use tessera_domain::user::{
    Department, ExternalId, NewUser, PersonName, Sponsors, UserAttributes, UserChanges, UserKind,
    UserType,
};
use tessera_domain::{DisplayName, Email, UserId, Username};
use uuid::Uuid;

use super::{
    ListQuery, PageScan, Precondition, Resource, SCAN_BATCH, ScimResult, from_api, invalid_value,
    list_response, member, meta, not_found, parse_id,
};
use crate::auth::Actor;
use crate::auth::authz::ProvisionerProof;
use crate::error::ApiError;
use crate::service::users as user_service;
use crate::state::AppState;
use crate::store;
use crate::store::scim::{Lookup, MembershipRow};
use crate::store::users::UserRow;

/// The enterprise attributes kept in `users.attributes`: SCIM name, attribute key.
const ENTERPRISE_ATTRIBUTES: [(&str, &str); 4] = [
    ("employeeNumber", "employee_number"),
    ("costCenter", "cost_center"),
    ("organization", "organization"),
    ("division", "division"),
];

/// What a rendering needs besides the row: the person's SCIM groups.
struct Related<'a> {
    groups: Vec<&'a MembershipRow>,
}

/// A person as SCIM JSON, with `meta`.
fn render(row: &UserRow, related: &Related<'_>, base: &str) -> ScimResult<Value> {
    let id = row.id.to_string();
    let mut user = Map::new();
    user.insert(
        "schemas".into(),
        json!([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]),
    );
    user.insert("id".into(), json!(id));
    if let Some(external_id) = &row.external_id {
        user.insert("externalId".into(), json!(external_id));
    }
    user.insert("userName".into(), json!(row.username));
    let mut name = Map::new();
    if let Some(given) = &row.given_name {
        name.insert("givenName".into(), json!(given));
    }
    if let Some(family) = &row.family_name {
        name.insert("familyName".into(), json!(family));
    }
    if let Some(formatted) = &row.formatted_name {
        name.insert("formatted".into(), json!(formatted));
    }
    if !name.is_empty() {
        user.insert("name".into(), Value::Object(name));
    }
    user.insert("displayName".into(), json!(row.display_name));
    if row.user_type == UserType::Guest {
        user.insert("userType".into(), json!("Guest"));
    }
    user.insert("active".into(), json!(row.enabled));
    user.insert(
        "emails".into(),
        json!([{"value": row.email, "type": "work"}]),
    );
    if !related.groups.is_empty() {
        let groups: Vec<Value> = related
            .groups
            .iter()
            .map(|group| {
                json!({
                    "value": group.group_id.to_string(),
                    "$ref": format!("{base}/Groups/{}", group.group_id),
                    "display": group.name,
                    "type": "direct",
                })
            })
            .collect();
        user.insert("groups".into(), Value::Array(groups));
    }
    let mut enterprise = Map::new();
    let attributes: BTreeMap<String, String> =
        serde_json::from_str(&row.attributes).map_err(|_| {
            tracing::error!(user = %row.id, "stored attributes do not parse");
            from_api(ApiError::Internal)
        })?;
    for (scim_name, key) in ENTERPRISE_ATTRIBUTES {
        if let Some(value) = attributes.get(key) {
            enterprise.insert(scim_name.into(), json!(value));
        }
    }
    if let Some(department) = &row.department {
        enterprise.insert("department".into(), json!(department));
    }
    if let Some(manager) = row.manager_id {
        // The manager's displayName is not answered: clients compare what they wrote with
        // what they read back, and they never write it.
        let value = json!({
            "value": manager.to_string(),
            "$ref": format!("{base}/Users/{manager}"),
        });
        enterprise.insert("manager".into(), value);
    }
    if !enterprise.is_empty() {
        user.insert(ENTERPRISE_USER_SCHEMA.into(), Value::Object(enterprise));
    }
    user.insert(
        "meta".into(),
        meta(
            "User",
            format!("{base}/Users/{id}"),
            row.created_at,
            row.updated_at,
            row.version,
        ),
    );
    Ok(Value::Object(user))
}

/// Renders `rows`, fetching their groups with one query a chunk.
async fn render_all(state: &AppState, rows: &[UserRow], base: &str) -> ScimResult<Vec<Value>> {
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let memberships = if ids.is_empty() {
        Vec::new()
    } else {
        store::scim::list_memberships(&state.db, &ids)
            .await
            .map_err(|err| from_api(err.into()))?
    };
    let mut groups: HashMap<Uuid, Vec<&MembershipRow>> = HashMap::new();
    for membership in &memberships {
        groups
            .entry(membership.user_id)
            .or_default()
            .push(membership);
    }
    rows.iter()
        .map(|row| {
            let related = Related {
                groups: groups.remove(&row.id).unwrap_or_default(),
            };
            render(row, &related, base)
        })
        .collect()
}

async fn render_one(state: &AppState, row: &UserRow, base: &str) -> ScimResult<Resource> {
    let json = render_all(state, std::slice::from_ref(row), base)
        .await?
        .pop()
        .ok_or_else(|| from_api(ApiError::Internal))?;
    Ok(Resource {
        json,
        version: row.version,
    })
}

/// A person SCIM may see: not deleted, not a service account.
async fn find_person(state: &AppState, raw_id: &str) -> ScimResult<UserRow> {
    let id = parse_id(raw_id, "user")?;
    store::users::find_user(&state.db, id)
        .await
        .map_err(|err| from_api(err.into()))?
        .filter(|row| row.kind == UserKind::Person && row.deleted_at.is_none())
        .ok_or_else(|| not_found("user"))
}

/// The list's filter as an indexed equality, when it is one.
fn lookup(query: &ListQuery) -> Option<Lookup> {
    let (name, value) = query.simple_eq(ResourceKind::User)?;
    Some(match name.as_str() {
        "id" => match Uuid::parse_str(&value) {
            Ok(id) => Lookup::Id(id),
            // No user has an id that is not a UUID.
            Err(_) => Lookup::Id(Uuid::nil()),
        },
        // In the stored form (trimmed, NFC, lowercased), so that what POST would store is
        // found; no user has a name that does not parse.
        "username" => {
            Lookup::Key(Username::parse(value).map_or_else(|_| String::new(), String::from))
        }
        "externalid" => Lookup::ExternalId(value),
        "emails.value" | "emails" => Lookup::EmailKey(value.to_lowercase()),
        "displayname" => Lookup::DisplayNameKey(value.to_lowercase()),
        _ => return None,
    })
}

/// Lists people: an indexed equality goes to SQL, paged there; any other filter is evaluated
/// over every person's rendering, [`SCAN_BATCH`] people at a time, so `totalResults` and
/// paging stay right while memory stays bounded.
pub async fn list(
    _: &ProvisionerProof,
    state: &AppState,
    base: &str,
    query: &ListQuery,
) -> ScimResult<Value> {
    let db_err = |err: store::StoreError| from_api(err.into());
    match (&query.filter, lookup(query)) {
        (Some(filter), None) => {
            let mut page = PageScan::new(query);
            let mut after = None;
            loop {
                let rows = store::scim::scan_people(&state.db, after, SCAN_BATCH)
                    .await
                    .map_err(db_err)?;
                for resource in render_all(state, &rows, base).await? {
                    if filter.matches(&resource, ResourceKind::User) {
                        page.offer(resource);
                    }
                }
                match rows.last() {
                    Some(last) if rows.len() as i64 == SCAN_BATCH => after = Some(last.id),
                    _ => break,
                }
            }
            Ok(page.finish())
        }
        (_, lookup) => {
            let (rows, total) = store::scim::list_people(
                &state.db,
                lookup.as_ref(),
                query.start_index - 1,
                query.count,
            )
            .await
            .map_err(db_err)?;
            let resources = render_all(state, &rows, base).await?;
            Ok(list_response(total, query.start_index, resources))
        }
    }
}

pub async fn get(
    _: &ProvisionerProof,
    state: &AppState,
    base: &str,
    id: &str,
) -> ScimResult<Resource> {
    let row = find_person(state, id).await?;
    render_one(state, &row, base).await
}

/// A person's values as a SCIM body gives them, checked with the REST API's value rules.
struct Profile {
    username: Username,
    display_name: DisplayName,
    email: Email,
    user_type: UserType,
    external_id: Option<ExternalId>,
    given_name: Option<PersonName>,
    family_name: Option<PersonName>,
    formatted_name: Option<DisplayName>,
    active: bool,
    department: Option<Department>,
    manager: Option<UserId>,
    /// The enterprise attributes' keys and values (absent ones `None`).
    enterprise: Vec<(&'static str, Option<String>)>,
}

/// A string attribute; blank reads as absent. Anything but a string is refused.
fn text(object: &Value, name: &str, label: &str) -> ScimResult<Option<String>> {
    match member(object, name) {
        None => Ok(None),
        Some(Value::String(text)) if text.trim().is_empty() => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(invalid_value(format!("{label} must be a string"))),
    }
}

fn parsed<T, E: std::fmt::Display>(
    value: Option<String>,
    label: &str,
    parse: impl Fn(String) -> Result<T, E>,
) -> ScimResult<Option<T>> {
    value
        .map(|raw| parse(raw).map_err(|err| invalid_value(format!("{label}: {err}"))))
        .transpose()
}

/// Reads a normalised SCIM User into a [`Profile`].
fn profile(body: &Value) -> ScimResult<Profile> {
    let username =
        text(body, "userName", "userName")?.ok_or_else(|| invalid_value("userName is required"))?;
    let username = Username::parse(username.clone())
        .map_err(|err| invalid_value(format!("userName: {err}")))?;
    let name = member(body, "name").cloned().unwrap_or(Value::Null);
    let given_name = parsed(
        text(&name, "givenName", "name.givenName")?,
        "name.givenName",
        PersonName::parse,
    )?;
    let family_name = parsed(
        text(&name, "familyName", "name.familyName")?,
        "name.familyName",
        PersonName::parse,
    )?;
    let formatted_name = parsed(
        text(&name, "formatted", "name.formatted")?,
        "name.formatted",
        DisplayName::parse,
    )?;
    let display_name = text(body, "displayName", "displayName")?
        .or_else(|| formatted_name.as_ref().map(DisplayName::to_string))
        .or_else(|| {
            let joined = [&given_name, &family_name]
                .iter()
                .filter_map(|part| part.as_ref().map(PersonName::as_str))
                .collect::<Vec<_>>()
                .join(" ");
            (!joined.is_empty()).then_some(joined)
        })
        .unwrap_or_else(|| username.to_string());
    let display_name = DisplayName::parse(display_name)
        .map_err(|err| invalid_value(format!("displayName: {err}")))?;
    let email = match member(body, "emails") {
        None => None,
        Some(Value::Array(emails)) => {
            let is = |email: &&Value, key: &str, wanted: &Value| {
                member(email, key).is_some_and(|v| {
                    v == wanted
                        || v.as_str()
                            .zip(wanted.as_str())
                            .is_some_and(|(a, b)| a.eq_ignore_ascii_case(b))
                })
            };
            let chosen = emails
                .iter()
                .find(|e| is(e, "primary", &json!(true)))
                .or_else(|| emails.iter().find(|e| is(e, "type", &json!("work"))))
                .or_else(|| emails.first());
            match chosen {
                Some(email) => text(email, "value", "emails.value")?,
                None => None,
            }
        }
        Some(_) => return Err(invalid_value("emails must be a list")),
    };
    // Identity providers often use the e-mail address as the userName.
    let email = email.or_else(|| {
        username
            .as_str()
            .contains('@')
            .then(|| username.to_string())
    });
    let email = email
        .ok_or_else(|| invalid_value("emails: Tessera needs an e-mail address for every person"))?;
    let email = Email::parse(email).map_err(|err| invalid_value(format!("emails.value: {err}")))?;
    let user_type = match text(body, "userType", "userType")? {
        Some(kind) if kind.eq_ignore_ascii_case("guest") => UserType::Guest,
        _ => UserType::Member,
    };
    let external_id = parsed(
        text(body, "externalId", "externalId")?,
        "externalId",
        ExternalId::parse,
    )?;
    let active = match member(body, "active") {
        None => true,
        Some(Value::Bool(active)) => *active,
        Some(_) => return Err(invalid_value("active must be true or false")),
    };
    let enterprise = member(body, ENTERPRISE_USER_SCHEMA)
        .cloned()
        .unwrap_or(Value::Null);
    let department = parsed(
        text(&enterprise, "department", "department")?,
        "department",
        Department::parse,
    )?;
    let manager = match member(&enterprise, "manager") {
        None => None,
        Some(Value::String(id)) if id.trim().is_empty() => None,
        Some(Value::String(id)) => Some(id.clone()),
        Some(object @ Value::Object(_)) => text(object, "value", "manager.value")?,
        Some(_) => return Err(invalid_value("manager must be an object with a value")),
    };
    let manager = manager
        .map(|id| {
            Uuid::parse_str(id.trim())
                .map(UserId::from_uuid)
                .map_err(|_| invalid_value(format!("manager: no user has the id {id}")))
        })
        .transpose()?;
    let mut attributes = Vec::new();
    for (scim_name, key) in ENTERPRISE_ATTRIBUTES {
        attributes.push((key, text(&enterprise, scim_name, scim_name)?));
    }
    Ok(Profile {
        username,
        display_name,
        email,
        user_type,
        external_id,
        given_name,
        family_name,
        formatted_name,
        active,
        department,
        manager,
        enterprise: attributes,
    })
}

/// The stored attributes with the enterprise ones replaced, others kept.
fn merged_attributes(current: &str, profile: &Profile) -> ScimResult<UserAttributes> {
    let mut attributes: BTreeMap<String, String> = serde_json::from_str(current).map_err(|_| {
        tracing::error!("stored attributes do not parse");
        from_api(ApiError::Internal)
    })?;
    for (key, value) in &profile.enterprise {
        match value {
            Some(value) => attributes.insert((*key).to_string(), value.clone()),
            None => attributes.remove(*key),
        };
    }
    UserAttributes::parse(attributes).map_err(|err| invalid_value(format!("enterprise: {err}")))
}

/// A manager must be a person SCIM can see.
async fn check_manager(state: &AppState, manager: Option<UserId>) -> ScimResult<()> {
    if let Some(manager) = manager {
        let missing = store::scim::find_non_people(&state.db, &[*manager.as_uuid()])
            .await
            .map_err(|err| from_api(err.into()))?;
        if !missing.is_empty() {
            return Err(invalid_value(format!(
                "manager: no user has the id {manager}"
            )));
        }
    }
    Ok(())
}

/// Creates a person from a SCIM User. A taken userName or externalId is 409 uniqueness.
pub async fn create(
    _: &ProvisionerProof,
    state: &AppState,
    actor: &Actor,
    base: &str,
    mut body: Value,
) -> ScimResult<Resource> {
    normalise(&mut body, ResourceKind::User)?;
    let profile = profile(&body)?;
    check_manager(state, profile.manager).await?;
    let attributes = merged_attributes("{}", &profile)?;
    let input = NewUser {
        username: profile.username.clone(),
        display_name: profile.display_name.clone(),
        email: profile.email.clone(),
        kind: UserKind::Person,
        user_type: profile.user_type,
        manager_id: profile.manager,
        department: profile.department.clone(),
        attributes,
        external_id: profile.external_id.clone(),
        given_name: profile.given_name.clone(),
        family_name: profile.family_name.clone(),
        formatted_name: profile.formatted_name.clone(),
        sponsors: Sponsors::default(),
        password: None,
        is_admin: false,
    };
    let created = user_service::create_user(state, Some(actor), input)
        .await
        .map_err(from_api)?;
    let mut row = store::users::find_user(&state.db, *created.id.as_uuid())
        .await
        .map_err(|err| from_api(err.into()))?
        .ok_or_else(|| from_api(ApiError::Internal))?;
    if !profile.active {
        // A person provisioned inactive: created, then disabled, as the REST API would.
        let changes = UserChanges {
            enabled: Some(false),
            ..UserChanges::default()
        };
        user_service::change_user(state, Some(actor), &row, changes)
            .await
            .map_err(from_api)?;
        row = reread(state, row.id).await?;
    }
    render_one(state, &row, base).await
}

async fn reread(state: &AppState, id: Uuid) -> ScimResult<UserRow> {
    store::users::find_user(&state.db, id)
        .await
        .map_err(|err| from_api(err.into()))?
        .ok_or_else(|| not_found("user"))
}

/// Provisioning is not administration: the identity a person signs in as (userName, e-mail,
/// externalId, which OpenID Connect sign-in links by) and whether they exist or are active
/// stay Tessera's to change for administrators and holders of a global role, so a
/// provisioning token cannot take over or lock out an account with more rights than its own.
/// Their other attributes (names, department, manager) follow the identity provider.
async fn refuse_for_privileged(state: &AppState, person: &UserRow) -> ScimResult<()> {
    let holds_role = !store::global_roles::granted_roles(&state.db, person.id)
        .await
        .map_err(|err| from_api(err.into()))?
        .is_empty();
    if person.is_admin || holds_role {
        return Err(ScimError {
            status: 403,
            scim_type: None,
            detail: "This person is a Tessera administrator or holds a global role: their \
                     userName, e-mail, externalId, active state and existence are changed in \
                     Tessera, not through provisioning."
                .into(),
        });
    }
    Ok(())
}

/// Writes `profile` over the person read as `current`, compare-and-set at its version, through
/// `service::users::change_user` (which also does what leaving or moving means). Nothing
/// changes when the profile says what is stored already. `None` when another write came
/// first.
async fn write(
    state: &AppState,
    actor: &Actor,
    current: &UserRow,
    profile: Profile,
    precondition: &Precondition,
) -> ScimResult<Option<UserRow>> {
    precondition.check(current.version)?;
    check_manager(state, profile.manager).await?;
    let attributes = merged_attributes(&current.attributes, &profile)?;
    let differs = |stored: &Option<String>, new: Option<&str>| stored.as_deref() != new;
    let changes = UserChanges {
        username: Some(profile.username.clone()).filter(|u| u.as_str() != current.username),
        display_name: Some(profile.display_name.clone())
            .filter(|n| n.as_str() != current.display_name),
        email: Some(profile.email.clone()).filter(|e| e.as_str() != current.email),
        user_type: Some(profile.user_type).filter(|t| *t != current.user_type),
        manager_id: Some(profile.manager).filter(|m| m.map(|m| *m.as_uuid()) != current.manager_id),
        department: Some(profile.department.clone())
            .filter(|d| differs(&current.department, d.as_ref().map(Department::as_str))),
        attributes: Some(attributes).filter(|a| {
            serde_json::to_string(a).ok().as_deref() != Some(current.attributes.as_str())
        }),
        external_id: Some(profile.external_id.clone())
            .filter(|e| differs(&current.external_id, e.as_ref().map(ExternalId::as_str))),
        given_name: Some(profile.given_name.clone())
            .filter(|n| differs(&current.given_name, n.as_ref().map(PersonName::as_str))),
        family_name: Some(profile.family_name.clone())
            .filter(|n| differs(&current.family_name, n.as_ref().map(PersonName::as_str))),
        formatted_name: Some(profile.formatted_name.clone())
            .filter(|n| differs(&current.formatted_name, n.as_ref().map(DisplayName::as_str))),
        enabled: Some(profile.active).filter(|a| *a != current.enabled),
        ..UserChanges::default()
    };
    if changes.is_empty() {
        return Ok(Some(current.clone()));
    }
    if changes.username.is_some()
        || changes.email.is_some()
        || changes.external_id.is_some()
        || changes.enabled == Some(false)
    {
        refuse_for_privileged(state, current).await?;
    }
    match user_service::change_user(state, Some(actor), current, changes).await {
        Ok(_) => {}
        Err(ApiError::Conflict {
            code: tessera_domain::problem::ProblemCode::Changed,
            ..
        }) => return Ok(None),
        Err(other) => return Err(from_api(other)),
    }
    reread(state, current.id).await.map(Some)
}

/// Replaces a person with a SCIM User (PUT). `id` and `meta` in the body are ignored.
pub async fn replace(
    _: &ProvisionerProof,
    state: &AppState,
    actor: &Actor,
    base: &str,
    id: &str,
    precondition: &Precondition,
    mut body: Value,
) -> ScimResult<Resource> {
    let current = find_person(state, id).await?;
    normalise(&mut body, ResourceKind::User)?;
    let profile = profile(&body)?;
    let row = write(state, actor, &current, profile, precondition)
        .await?
        .ok_or_else(|| precondition.lost_race())?;
    render_one(state, &row, base).await
}

/// Patches a person: the operations apply to their SCIM rendering, and the result is written
/// as a replacement would be; without `If-Match`, again to a fresh read when another write
/// came first. Any refused operation changes nothing.
pub async fn patch(
    _: &ProvisionerProof,
    state: &AppState,
    actor: &Actor,
    base: &str,
    id: &str,
    precondition: &Precondition,
    body: Value,
) -> ScimResult<Resource> {
    let operations = parse_patch(&body)?;
    for _ in 0..precondition.patch_attempts() {
        let current = find_person(state, id).await?;
        precondition.check(current.version)?;
        let mut resource = render_one(state, &current, base).await?.json;
        apply_patch(&mut resource, ResourceKind::User, &operations)?;
        let profile = profile(&resource)?;
        if let Some(row) = write(state, actor, &current, profile, precondition).await? {
            return render_one(state, &row, base).await;
        }
    }
    Err(precondition.lost_race())
}

/// Deletes a person, through `service::users` (leaving for good). `If-Match` applies.
pub async fn delete(
    proof: &ProvisionerProof,
    state: &AppState,
    actor: &Actor,
    id: &str,
    precondition: &Precondition,
) -> ScimResult<()> {
    let current = find_person(state, id).await?;
    precondition.check(current.version)?;
    refuse_for_privileged(state, &current).await?;
    user_service::delete_user_as_provisioner(proof, state, actor, UserId::from_uuid(current.id))
        .await
        .map_err(from_api)
}

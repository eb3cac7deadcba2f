//! Bulk import of users, groups, memberships and applications from a JSON or CSV file, through
//! the API or `tessera import FILE`.
//!
//! Every row is applied on its own, each change in its own transaction with its audit event; a
//! row that is refused is reported with its reason and the others go on. Users are matched by
//! username, groups and applications by name regardless of case, so importing the same file
//! again changes nothing. Imported users have no password: they cannot sign in until an
//! administrator sets one up (or gives a service account an API token).

use std::collections::BTreeMap;

use serde_json::Value;
use tessera_domain::directory::{
    ApplicationChanges, Description, GroupChanges, IMPORT_CSV_COLUMNS, ImportApplication,
    ImportDocument, ImportGroup, ImportMembership, ImportRejection, ImportReport, ImportSection,
    ImportUser, NewAppRole, NewApplication, NewGroup, csv_record_to_row,
};
use tessera_domain::user::{NewUser, UserChanges};
use tessera_domain::{UserId, Username};

use super::{applications, groups, users};
use crate::auth::{Actor, AdminProof};
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_json, parse_value};
use crate::state::AppState;
use crate::store;
use crate::store::directory::Named;

/// The two file formats an import accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportFormat {
    Json,
    Csv,
}

/// What applying one row did.
enum Applied {
    Created,
    Updated,
    Unchanged,
}

/// A row as read from the file, before its own checks.
struct Row {
    section: ImportSection,
    number: u64,
    value: Value,
}

/// A refused row's field and reason.
type Refusal = (Option<String>, String);

pub async fn import_as_admin(
    _: &AdminProof,
    state: &AppState,
    actor: &Actor,
    format: ImportFormat,
    body: &[u8],
) -> ApiResult<ImportReport> {
    import_directory(state, Some(actor), format, body).await
}

/// Imports a file. `actor` is `None` only for the command line. A file that cannot be read as
/// a whole (not JSON, no CSV header, unknown columns) is refused before anything is applied.
pub async fn import_directory(
    state: &AppState,
    actor: Option<&Actor>,
    format: ImportFormat,
    body: &[u8],
) -> ApiResult<ImportReport> {
    let mut report = ImportReport::default();
    let rows = match format {
        ImportFormat::Json => json_rows(body)?,
        ImportFormat::Csv => csv_rows(body, &mut report.rejected)?,
    };
    let order = [
        ImportSection::Users,
        ImportSection::Groups,
        ImportSection::Memberships,
        ImportSection::Applications,
    ];
    for section in order {
        for row in rows.iter().filter(|row| row.section == section) {
            match apply(state, actor, row).await {
                Ok(Applied::Created) => report.created.add(section),
                Ok(Applied::Updated) => report.updated.add(section),
                Ok(Applied::Unchanged) => report.unchanged.add(section),
                Err(RowError::Refused((field, reason))) => report.rejected.push(ImportRejection {
                    section,
                    row: row.number,
                    field,
                    reason,
                }),
                Err(RowError::Fatal(err)) => return Err(err),
            }
        }
    }
    report.rejected.sort_by_key(|r| (r.section, r.row));
    tracing::info!(rejected = report.rejected.len(), "directory import applied");
    Ok(report)
}

/// The JSON shape of each kind of row, as the OpenAPI document describes it: fields, their JSON
/// types, and no others. A row of the wrong shape makes the whole document malformed (422, like
/// an unknown CSV column); a row of the right shape whose values break a rule is reported in
/// `rejected` while the others apply.
mod shape {
    use std::collections::BTreeMap;

    use serde::Deserialize;
    use tessera_domain::directory::GroupRole;
    use tessera_domain::user::{UserKind, UserType};

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    pub struct User {
        username: String,
        display_name: String,
        email: String,
        #[serde(default)]
        kind: Option<UserKind>,
        #[serde(default)]
        user_type: Option<UserType>,
        #[serde(default)]
        department: Option<String>,
        #[serde(default)]
        manager: Option<String>,
        #[serde(default)]
        attributes: Option<BTreeMap<String, String>>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    pub struct Group {
        name: String,
        #[serde(default)]
        description: Option<String>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    pub struct Membership {
        group: String,
        username: String,
        #[serde(default = "member")]
        role: GroupRole,
    }

    fn member() -> GroupRole {
        GroupRole::Member
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    pub struct Application {
        name: String,
        #[serde(default)]
        description: Option<String>,
        #[serde(default)]
        roles: Vec<String>,
    }
}

/// Checks that `value` has the shape `T`, reporting the path as `section[index].field`.
fn check_shape<T: serde::de::DeserializeOwned>(
    section: &str,
    index: usize,
    value: &Value,
) -> ApiResult<()> {
    crate::extract::parse_value::<T>(value.clone())
        .map(|_| ())
        .map_err(|err| match err {
            ApiError::Validation(errors) => ApiError::Validation(
                errors
                    .into_iter()
                    .map(|mut e| {
                        e.field = if e.field == "body" {
                            format!("{section}[{index}]")
                        } else {
                            format!("{section}[{index}].{}", e.field)
                        };
                        e
                    })
                    .collect(),
            ),
            other => other,
        })
}

fn json_rows(body: &[u8]) -> ApiResult<Vec<Row>> {
    let document: ImportDocument = parse_json(body)?;
    for (index, value) in document.users.iter().enumerate() {
        check_shape::<shape::User>("users", index, value)?;
    }
    for (index, value) in document.groups.iter().enumerate() {
        check_shape::<shape::Group>("groups", index, value)?;
    }
    for (index, value) in document.memberships.iter().enumerate() {
        check_shape::<shape::Membership>("memberships", index, value)?;
    }
    for (index, value) in document.applications.iter().enumerate() {
        check_shape::<shape::Application>("applications", index, value)?;
    }
    let sections = [
        (ImportSection::Users, document.users),
        (ImportSection::Groups, document.groups),
        (ImportSection::Memberships, document.memberships),
        (ImportSection::Applications, document.applications),
    ];
    let mut rows = Vec::new();
    for (section, values) in sections {
        for (index, value) in values.into_iter().enumerate() {
            rows.push(Row {
                section,
                number: index as u64 + 1,
                value,
            });
        }
    }
    Ok(rows)
}

/// Reads the CSV form (see [`IMPORT_CSV_COLUMNS`]). Records that cannot be read are refused
/// into `rejected` with their line; a bad header refuses the file.
fn csv_rows(body: &[u8], rejected: &mut Vec<ImportRejection>) -> ApiResult<Vec<Row>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(body);
    let headers = reader
        .headers()
        .map_err(|err| ApiError::invalid("body", format!("the CSV header cannot be read: {err}")))?
        .clone();
    let columns: Vec<String> = headers.iter().map(str::to_lowercase).collect();
    let mut problems = Vec::new();
    for (i, column) in columns.iter().enumerate() {
        if !IMPORT_CSV_COLUMNS.contains(&column.as_str()) {
            problems.push(tessera_domain::problem::FieldError {
                field: column.clone(),
                message: format!(
                    "is not a known column; the columns are {}",
                    IMPORT_CSV_COLUMNS.join(", ")
                ),
            });
        } else if columns[..i].contains(column) {
            problems.push(tessera_domain::problem::FieldError {
                field: column.clone(),
                message: "appears twice in the header".into(),
            });
        }
    }
    if !columns.iter().any(|c| c == "type") {
        problems.push(tessera_domain::problem::FieldError {
            field: "type".into(),
            message: "the header must have a type column".into(),
        });
    }
    if !problems.is_empty() {
        return Err(ApiError::Validation(problems));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(err) => {
                let line = err.position().map_or(0, csv::Position::line);
                rejected.push(ImportRejection {
                    section: ImportSection::Users,
                    row: line,
                    field: None,
                    reason: format!("the line cannot be read as CSV: {}", csv_error(&err)),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, csv::Position::line);
        let cells: BTreeMap<String, String> = columns
            .iter()
            .cloned()
            .zip(record.iter().map(str::to_string))
            .collect();
        match csv_record_to_row(&cells) {
            Ok((section, value)) => rows.push(Row {
                section,
                number: line,
                value,
            }),
            Err((field, reason)) => {
                // A row without a known type belongs to no section; it is reported with users,
                // the first section, so that it shows at the top of the report.
                rejected.push(ImportRejection {
                    section: ImportSection::Users,
                    row: line,
                    field,
                    reason,
                });
            }
        }
    }
    Ok(rows)
}

/// A CSV error in words, without Rust type names.
fn csv_error(err: &csv::Error) -> String {
    match err.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("it has {len} fields where the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "it is not valid UTF-8".into(),
        _ => err.to_string(),
    }
}

enum RowError {
    /// The row is refused; the import goes on.
    Refused(Refusal),
    /// The server cannot go on (the database is unreachable, say); the import stops.
    Fatal(ApiError),
}

impl From<ApiError> for RowError {
    fn from(err: ApiError) -> Self {
        match err {
            ApiError::Internal | ApiError::Unavailable => RowError::Fatal(err),
            other => RowError::Refused(refusal(&other)),
        }
    }
}

impl From<store::StoreError> for RowError {
    fn from(err: store::StoreError) -> Self {
        RowError::from(ApiError::from(err))
    }
}

/// The field and reason of a problem, for the report.
fn refusal(err: &ApiError) -> Refusal {
    let problem = err.problem();
    match problem.errors.into_iter().next() {
        Some(error) if error.field != "body" => (Some(error.field), error.message),
        Some(error) => (None, error.message),
        None => (None, problem.detail.unwrap_or(problem.title)),
    }
}

fn refused(field: &str, reason: impl Into<String>) -> RowError {
    RowError::Refused((Some(field.to_string()), reason.into()))
}

async fn apply(state: &AppState, actor: Option<&Actor>, row: &Row) -> Result<Applied, RowError> {
    match row.section {
        ImportSection::Users => apply_user(state, actor, parse_value(row.value.clone())?).await,
        ImportSection::Groups => apply_group(state, actor, parse_value(row.value.clone())?).await,
        ImportSection::Memberships => {
            apply_membership(state, actor, parse_value(row.value.clone())?).await
        }
        ImportSection::Applications => {
            apply_application(state, actor, parse_value(row.value.clone())?).await
        }
    }
}

async fn find_user_id(state: &AppState, field: &str, name: &Username) -> Result<UserId, RowError> {
    store::users::find_user_by_username(&state.db, name.as_str())
        .await?
        .map(|row| UserId::from_uuid(row.id))
        .ok_or_else(|| refused(field, format!("no user is called {name}")))
}

async fn apply_user(
    state: &AppState,
    actor: Option<&Actor>,
    input: ImportUser,
) -> Result<Applied, RowError> {
    let manager_id = match &input.manager {
        Some(manager) => Some(find_user_id(state, "manager", manager).await?),
        None => None,
    };
    let existing = store::users::find_user_by_username(&state.db, input.username.as_str()).await?;
    let Some(current) = existing else {
        let new_user = NewUser {
            username: input.username,
            display_name: input.display_name,
            email: input.email,
            kind: input.kind.unwrap_or_default(),
            user_type: input.user_type.unwrap_or_default(),
            manager_id,
            department: input.department,
            attributes: input.attributes.unwrap_or_default(),
            external_id: None,
            given_name: None,
            family_name: None,
            formatted_name: None,
            sponsors: Default::default(),
            password: None,
            is_admin: false,
        };
        users::create_user(state, actor, new_user).await?;
        return Ok(Applied::Created);
    };
    let view = users::user_view(&current)?;
    if let Some(kind) = input.kind
        && kind != view.kind
    {
        return Err(refused(
            "kind",
            format!(
                "{} is a {}; the kind of an existing user cannot change",
                view.username,
                view.kind.as_str()
            ),
        ));
    }
    let changes = UserChanges {
        display_name: Some(input.display_name).filter(|n| *n != view.display_name),
        email: Some(input.email).filter(|e| *e != view.email),
        user_type: input.user_type.filter(|t| *t != view.user_type),
        manager_id: manager_id.filter(|m| Some(*m) != view.manager_id).map(Some),
        department: input
            .department
            .filter(|d| Some(d) != view.department.as_ref())
            .map(Some),
        attributes: input.attributes.filter(|a| *a != view.attributes),
        ..UserChanges::default()
    };
    if changes.is_empty() {
        return Ok(Applied::Unchanged);
    }
    users::change_user(state, actor, &current, changes)
        .await
        .map_err(|err| match RowError::from(err) {
            // The row names the manager by username, not by id.
            RowError::Refused((Some(field), reason)) if field == "manager_id" => {
                refused("manager", reason)
            }
            other => other,
        })?;
    Ok(Applied::Updated)
}

async fn apply_group(
    state: &AppState,
    actor: Option<&Actor>,
    input: ImportGroup,
) -> Result<Applied, RowError> {
    let existing =
        store::directory::find_named_by_key(&state.db, Named::Group, &input.name.key()).await?;
    let Some(current) = existing else {
        let new_group = NewGroup {
            name: input.name,
            description: input.description.unwrap_or_default(),
        };
        groups::create_group(state, actor, new_group).await?;
        return Ok(Applied::Created);
    };
    let description = input
        .description
        .filter(|d| d.as_str() != current.description);
    if description.is_none() {
        return Ok(Applied::Unchanged);
    }
    let changes = GroupChanges {
        name: None,
        description,
    };
    groups::change_group(state, actor, &current, changes).await?;
    Ok(Applied::Updated)
}

async fn apply_membership(
    state: &AppState,
    actor: Option<&Actor>,
    input: ImportMembership,
) -> Result<Applied, RowError> {
    let group = store::directory::find_named_by_key(&state.db, Named::Group, &input.group.key())
        .await?
        .ok_or_else(|| refused("group", format!("no group is called {}", input.group)))?;
    let user = find_user_id(state, "username", &input.username).await?;
    if groups::add_group_user(state, actor, &group, input.role, user).await? {
        Ok(Applied::Created)
    } else {
        Ok(Applied::Unchanged)
    }
}

async fn apply_application(
    state: &AppState,
    actor: Option<&Actor>,
    input: ImportApplication,
) -> Result<Applied, RowError> {
    let existing =
        store::directory::find_named_by_key(&state.db, Named::Application, &input.name.key())
            .await?;
    let (application, mut applied) = match existing {
        None => {
            let new_application = NewApplication {
                name: input.name,
                description: input.description.unwrap_or_default(),
            };
            let row = applications::create_application(state, actor, new_application).await?;
            (row, Applied::Created)
        }
        Some(current) => {
            match input
                .description
                .filter(|d| d.as_str() != current.description)
            {
                Some(description) => {
                    let changes = ApplicationChanges {
                        name: None,
                        description: Some(description),
                    };
                    let row =
                        applications::change_application(state, actor, &current, changes).await?;
                    (row, Applied::Updated)
                }
                None => (current, Applied::Unchanged),
            }
        }
    };
    for name in input.roles {
        let found =
            store::directory::find_app_role_by_key(&state.db, application.id, &name.key()).await?;
        if found.is_none() {
            let role = NewAppRole {
                name,
                description: Description::default(),
            };
            applications::create_app_role(state, actor, &application, role)
                .await
                .map_err(|err| match RowError::from(err) {
                    RowError::Refused((_, reason)) => refused("roles", reason),
                    fatal => fatal,
                })?;
            if matches!(applied, Applied::Unchanged) {
                applied = Applied::Updated;
            }
        }
    }
    Ok(applied)
}

//! The directory that access is made of: groups with members and owners, applications with
//! app roles and their assignees, and the bulk import that fills it.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::user::{Department, UserAttributes, UserKind, UserType};
use crate::values::ValueError;
use crate::{AppRoleId, ApplicationId, DisplayName, Email, GroupId, UserId, Username};

macro_rules! name_value {
    ($(#[$doc:meta])* $name:ident, $max:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
        #[cfg_attr(feature = "server", schema(value_type = String))]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub const MAX_LEN: usize = $max;

            pub fn parse(raw: impl Into<String>) -> Result<Self, ValueError> {
                let value = crate::values::clean_name(&raw.into())?;
                if value.is_empty() {
                    return Err(ValueError("must not be empty".into()));
                }
                if value.chars().count() > Self::MAX_LEN {
                    return Err(ValueError(format!(
                        "must be at most {} characters",
                        Self::MAX_LEN
                    )));
                }
                Ok(Self(value))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The name as compared for uniqueness: names differing only in case are the same
            /// (the name itself is already in NFC).
            pub fn key(&self) -> String {
                self.0.to_lowercase()
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValueError;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

name_value!(
    /// A group's name: 1 to 128 characters, normalised to NFC, without control characters or
    /// invisible formatting characters (Unicode Cf), unique regardless of case.
    GroupName,
    128
);
name_value!(
    /// An application's name: 1 to 128 characters, normalised to NFC, without control
    /// characters or invisible formatting characters (Unicode Cf), unique regardless of case.
    ApplicationName,
    128
);
name_value!(
    /// An app role's name, such as `Reader`: 1 to 128 characters, unique within its application
    /// regardless of case.
    AppRoleName,
    128
);

/// A free description: at most 1000 characters; line breaks and tabs are the only control
/// characters allowed. Empty when absent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "server", schema(value_type = String))]
#[serde(try_from = "String", into = "String")]
pub struct Description(String);

impl Description {
    pub const MAX_LEN: usize = 1000;

    pub fn parse(raw: impl Into<String>) -> Result<Self, ValueError> {
        let value = raw.into().trim().to_string();
        if value.chars().count() > Self::MAX_LEN {
            return Err(ValueError(format!(
                "must be at most {} characters",
                Self::MAX_LEN
            )));
        }
        if value
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err(ValueError("must not contain control characters".into()));
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Description {
    type Error = ValueError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<Description> for String {
    fn from(value: Description) -> String {
        value.0
    }
}

/// The query of a list that can be searched by name.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "server", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct NameSearchQuery {
    /// Items per page, 1 to 200 (default 50).
    #[cfg_attr(feature = "server", param(minimum = 1, maximum = 200))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page.
    #[cfg_attr(feature = "server", param(max_length = 512))]
    pub cursor: Option<String>,
    /// Only names containing this text, compared without regard to case.
    #[cfg_attr(feature = "server", param(max_length = 100))]
    pub q: Option<String>,
}

/// Who masters a group's members.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum GroupManager {
    /// Administrators and access packages.
    #[default]
    Tessera,
    /// The organisation's identity provider, through SCIM: Tessera delivers no access into
    /// the group and nobody changes its members by hand.
    Scim,
}

impl GroupManager {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// A group as administrators see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct GroupView {
    pub id: GroupId,
    pub name: GroupName,
    pub description: Description,
    /// `scim`: the identity provider manages the members.
    #[serde(default)]
    pub managed_by: GroupManager,
    /// The identity provider's id of a group it manages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A group as anyone signed in may see it: its id and name, to show what a policy or an access
/// review names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct GroupSummary {
    pub id: GroupId,
    pub name: String,
}

/// The query of `GET /api/v1/group-names`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "server", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct GroupNamesQuery {
    /// The groups' ids, comma-separated, at most 100. Ids that name no group are left out.
    #[cfg_attr(feature = "server", param(value_type = String, example = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b,0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c"))]
    pub ids: crate::ids::IdList<GroupId>,
}

/// Input of `POST /api/v1/groups`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewGroup {
    pub name: GroupName,
    #[serde(default)]
    pub description: Description,
}

/// Input of `PATCH /api/v1/groups/{id}`: absent fields stay as they are.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GroupChanges {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<GroupName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Description>,
}

impl GroupChanges {
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.description.is_none()
    }
}

/// An application as administrators see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ApplicationView {
    pub id: ApplicationId,
    pub name: ApplicationName,
    pub description: Description,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Input of `POST /api/v1/applications`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewApplication {
    pub name: ApplicationName,
    #[serde(default)]
    pub description: Description,
}

/// Input of `PATCH /api/v1/applications/{id}`: absent fields stay as they are.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApplicationChanges {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<ApplicationName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Description>,
}

impl ApplicationChanges {
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.description.is_none()
    }
}

/// One role of an application, such as `Reader` or `Approver`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AppRoleView {
    pub id: AppRoleId,
    pub application_id: ApplicationId,
    pub name: AppRoleName,
    pub description: Description,
    pub created_at: DateTime<Utc>,
}

/// Input of `POST /api/v1/applications/{id}/roles`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewAppRole {
    pub name: AppRoleName,
    #[serde(default)]
    pub description: Description,
}

/// A user linked to a group (as member or owner) or to an app role (as assignee).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct MemberView {
    pub user_id: UserId,
    pub username: Username,
    pub display_name: DisplayName,
    /// A guest from outside the organisation.
    pub guest: bool,
    /// When the link was made.
    pub since: DateTime<Utc>,
}

/// How a user belongs to a group.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum GroupRole {
    Member,
    Owner,
}

impl GroupRole {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// A user row of an import. A user that exists (matched by username) is updated with the
/// fields given; absent optional fields are left as they are.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ImportUser {
    pub username: Username,
    pub display_name: DisplayName,
    pub email: Email,
    /// Only for new users: an existing user's kind cannot change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<UserKind>,
    /// `member` (the default for a new user) or `guest`; given for an existing user, it changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_type: Option<UserType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<Department>,
    /// The manager's username: an existing user, or one earlier in the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<Username>,
    /// Replaces all of the user's attributes when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<UserAttributes>,
}

/// A group row of an import, matched by name regardless of case.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ImportGroup {
    pub name: GroupName,
    /// Replaces the description when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Description>,
}

/// A membership row of an import: `username` is a member (or owner) of `group`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ImportMembership {
    pub group: GroupName,
    pub username: Username,
    #[serde(default = "member")]
    pub role: GroupRole,
}

fn member() -> GroupRole {
    GroupRole::Member
}

/// An application row of an import, matched by name regardless of case, with the roles it
/// should have (roles it has and the row does not name are kept).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ImportApplication {
    pub name: ApplicationName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Description>,
    #[serde(default)]
    pub roles: Vec<AppRoleName>,
}

/// The JSON form of `POST /api/v1/directory/imports` and `tessera import FILE.json`.
///
/// Sections are applied in this order: users (in file order, so a manager must exist or come
/// earlier), groups, memberships, applications. Each row is applied on its own: a row whose
/// values break a rule is reported in `rejected` and the others go on, while a row of the wrong
/// shape (an unknown field, a wrong JSON type) makes the whole file malformed (422). Importing the same file again
/// changes nothing. Imported users get no password: they cannot sign in until an
/// administrator sets up their sign-in (for a service account, an API token).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ImportDocument {
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(value_type = Vec<ImportUser>))]
    pub users: Vec<serde_json::Value>,
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(value_type = Vec<ImportGroup>))]
    pub groups: Vec<serde_json::Value>,
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(value_type = Vec<ImportMembership>))]
    pub memberships: Vec<serde_json::Value>,
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(value_type = Vec<ImportApplication>))]
    pub applications: Vec<serde_json::Value>,
}

/// The kinds of row an import holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ImportSection {
    Users,
    Groups,
    Memberships,
    Applications,
}

/// How many rows of each kind an import created, updated or left unchanged. An application's
/// new roles count as an update of the application.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ImportCounts {
    pub users: u32,
    pub groups: u32,
    pub memberships: u32,
    pub applications: u32,
}

impl ImportCounts {
    pub fn add(&mut self, section: ImportSection) {
        match section {
            ImportSection::Users => self.users += 1,
            ImportSection::Groups => self.groups += 1,
            ImportSection::Memberships => self.memberships += 1,
            ImportSection::Applications => self.applications += 1,
        }
    }
}

/// A row an import refused, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ImportRejection {
    pub section: ImportSection,
    /// JSON: the 1-based position of the row in its section. CSV: the line the row starts on.
    pub row: u64,
    /// The field at fault, when one is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub reason: String,
}

/// The answer of an import.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ImportReport {
    pub created: ImportCounts,
    pub updated: ImportCounts,
    pub unchanged: ImportCounts,
    pub rejected: Vec<ImportRejection>,
}

/// The columns of the CSV form of an import, in any order; the header row is required.
///
/// `type` is `user`, `group`, `membership` or `application`, and each type reads these columns
/// (an empty cell is an absent field; a value in a column the type does not read rejects the
/// row):
///
/// - `user`: `username`, `display_name`, `email`, `kind`, `user_type`, `department`, `manager`,
///   `attributes` (`key=value` pairs separated by `;`)
/// - `group`: `name`, `description`
/// - `membership`: `group`, `username`, `role` (`member` or `owner`, default `member`)
/// - `application`: `name`, `description`, `roles` (role names separated by `;`)
pub const IMPORT_CSV_COLUMNS: [&str; 14] = [
    "type",
    "username",
    "display_name",
    "email",
    "kind",
    "user_type",
    "department",
    "manager",
    "attributes",
    "name",
    "description",
    "group",
    "role",
    "roles",
];

/// Turns one CSV record (column name to cell) into the JSON row of its section, so that both
/// forms are checked by the same types. Empty cells are left out.
pub fn csv_record_to_row(
    cells: &BTreeMap<String, String>,
) -> Result<(ImportSection, serde_json::Value), (Option<String>, String)> {
    let kind = cells.get("type").map(|t| t.trim().to_lowercase());
    let section = match kind.as_deref() {
        Some("user") => ImportSection::Users,
        Some("group") => ImportSection::Groups,
        Some("membership") => ImportSection::Memberships,
        Some("application") => ImportSection::Applications,
        Some("") | None => return Err((Some("type".into()), "is required".into())),
        Some(other) => {
            return Err((
                Some("type".into()),
                format!("{other:?} is not one of user, group, membership, application"),
            ));
        }
    };
    let mut row = serde_json::Map::new();
    for (column, cell) in cells {
        if column == "type" || cell.trim().is_empty() {
            continue;
        }
        let value = match (section, column.as_str()) {
            (ImportSection::Users, "attributes") => {
                let mut map = serde_json::Map::new();
                for pair in cell.split(';').map(str::trim).filter(|p| !p.is_empty()) {
                    let Some((key, value)) = pair.split_once('=') else {
                        return Err((
                            Some("attributes".into()),
                            format!("{pair:?} is not key=value"),
                        ));
                    };
                    map.insert(
                        key.trim().to_string(),
                        serde_json::Value::String(value.trim().to_string()),
                    );
                }
                serde_json::Value::Object(map)
            }
            (ImportSection::Applications, "roles") => serde_json::Value::Array(
                cell.split(';')
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                    .map(|r| serde_json::Value::String(r.to_string()))
                    .collect(),
            ),
            _ => serde_json::Value::String(cell.clone()),
        };
        row.insert(column.clone(), value);
    }
    Ok((section, serde_json::Value::Object(row)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_keyed_without_case() {
        let name = GroupName::parse("  Finance Team ").map_err(|e| e.0);
        assert_eq!(name.as_ref().map(|n| n.as_str()), Ok("Finance Team"));
        assert_eq!(name.map(|n| n.key()), Ok("finance team".to_string()));
        assert!(GroupName::parse("").is_err());
        assert!(GroupName::parse("x".repeat(129)).is_err());
        assert!(AppRoleName::parse("bell\u{7}").is_err());
    }

    #[test]
    fn descriptions_may_be_empty_and_hold_line_breaks() {
        assert!(Description::parse("").is_ok());
        assert!(Description::parse("one\ntwo").is_ok());
        assert!(Description::parse("bell\u{7}").is_err());
        assert!(Description::parse("d".repeat(1001)).is_err());
    }

    #[test]
    fn a_csv_user_record_becomes_a_user_row() {
        let cells: BTreeMap<String, String> = [
            ("type", "user"),
            ("username", "ada"),
            ("display_name", "Ada"),
            ("email", "ada@example.org"),
            ("attributes", "cost_center=1234; site = Paris"),
            ("name", ""),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let (section, row) =
            csv_record_to_row(&cells).unwrap_or((ImportSection::Groups, serde_json::Value::Null));
        assert_eq!(section, ImportSection::Users);
        let user: Result<ImportUser, _> = serde_json::from_value(row);
        let attributes = user.ok().and_then(|u| u.attributes).unwrap_or_default();
        assert_eq!(
            attributes.as_map().get("site").map(String::as_str),
            Some("Paris")
        );
    }

    #[test]
    fn a_csv_record_without_a_known_type_is_refused_naming_the_column() {
        let cells = BTreeMap::from([("type".to_string(), "robot".to_string())]);
        assert!(matches!(
            csv_record_to_row(&cells),
            Err((Some(field), _)) if field == "type"
        ));
    }
}

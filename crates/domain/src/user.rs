//! Users on the wire.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use crate::roles::GlobalRole;
use crate::values::ValueError;
use crate::{DisplayName, Email, Password, UserId, Username};

/// The department a person works in: 1 to 100 characters, no control characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "server", schema(value_type = String))]
#[serde(try_from = "String", into = "String")]
pub struct Department(String);

impl Department {
    pub const MAX_LEN: usize = 100;

    pub fn parse(raw: impl Into<String>) -> Result<Self, ValueError> {
        let value = raw.into().trim().to_string();
        if value.is_empty() {
            return Err(ValueError("must not be empty".into()));
        }
        if value.chars().count() > Self::MAX_LEN {
            return Err(ValueError(format!(
                "must be at most {} characters",
                Self::MAX_LEN
            )));
        }
        if value.chars().any(char::is_control) {
            return Err(ValueError("must not contain control characters".into()));
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Department {
    type Error = ValueError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<Department> for String {
    fn from(value: Department) -> String {
        value.0
    }
}

impl fmt::Display for Department {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A short, trimmed text of 1 to `max` characters without control characters: what
/// [`ExternalId`] and [`PersonName`] share.
fn bounded_text(raw: String, max: usize) -> Result<String, ValueError> {
    let value = raw.trim().to_string();
    if value.is_empty() {
        return Err(ValueError("must not be empty".into()));
    }
    if value.chars().count() > max {
        return Err(ValueError(format!("must be at most {max} characters")));
    }
    if value.chars().any(char::is_control) {
        return Err(ValueError("must not contain control characters".into()));
    }
    Ok(value)
}

macro_rules! bounded_text_value {
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
                bounded_text(raw.into(), Self::MAX_LEN).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
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

bounded_text_value!(
    /// A person's id in the organisation's directory (an HR system or identity provider), set
    /// by an import or SCIM and matched against a provider's claim at first sign-in. Case
    /// matters; 1 to 256 characters. Unique among users.
    ExternalId,
    256
);

bounded_text_value!(
    /// A given or family name: 1 to 100 characters, no control characters.
    PersonName,
    100
);

/// Free-form facts about a user, such as `{"cost_center": "1234"}`: at most 50 entries, keys of
/// 1 to 64 characters from `a-z`, `0-9` and `_`, values of at most 500 characters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "server", schema(value_type = BTreeMap<String, String>))]
#[serde(
    try_from = "BTreeMap<String, String>",
    into = "BTreeMap<String, String>"
)]
pub struct UserAttributes(BTreeMap<String, String>);

impl UserAttributes {
    pub const MAX_ENTRIES: usize = 50;
    pub const MAX_KEY_LEN: usize = 64;
    pub const MAX_VALUE_LEN: usize = 500;

    pub fn parse(map: BTreeMap<String, String>) -> Result<Self, ValueError> {
        if map.len() > Self::MAX_ENTRIES {
            return Err(ValueError(format!(
                "may hold at most {} entries",
                Self::MAX_ENTRIES
            )));
        }
        for (key, value) in &map {
            let key_ok = (1..=Self::MAX_KEY_LEN).contains(&key.len())
                && key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !key_ok {
                return Err(ValueError(format!(
                    "key {key:?} must be 1 to {} characters of a-z, 0-9 and '_'",
                    Self::MAX_KEY_LEN
                )));
            }
            if value.chars().count() > Self::MAX_VALUE_LEN {
                return Err(ValueError(format!(
                    "the value of {key:?} must be at most {} characters",
                    Self::MAX_VALUE_LEN
                )));
            }
        }
        Ok(Self(map))
    }

    pub fn as_map(&self) -> &BTreeMap<String, String> {
        &self.0
    }
}

impl TryFrom<BTreeMap<String, String>> for UserAttributes {
    type Error = ValueError;

    fn try_from(value: BTreeMap<String, String>) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<UserAttributes> for BTreeMap<String, String> {
    fn from(value: UserAttributes) -> Self {
        value.0
    }
}

/// The people who vouch for a user (typically for a guest or a service account): at most 20,
/// each named once. That they exist and are not the user is checked against the directory.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "server", schema(value_type = Vec<UserId>))]
#[serde(try_from = "Vec<UserId>", into = "Vec<UserId>")]
pub struct Sponsors(Vec<UserId>);

impl Sponsors {
    pub const MAX: usize = 20;

    pub fn parse(ids: Vec<UserId>) -> Result<Self, ValueError> {
        if ids.len() > Self::MAX {
            return Err(ValueError(format!(
                "may name at most {} sponsors",
                Self::MAX
            )));
        }
        for (i, id) in ids.iter().enumerate() {
            if ids[..i].contains(id) {
                return Err(ValueError(format!("names {id} twice")));
            }
        }
        Ok(Self(ids))
    }

    pub fn ids(&self) -> &[UserId] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl TryFrom<Vec<UserId>> for Sponsors {
    type Error = ValueError;

    fn try_from(value: Vec<UserId>) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<Sponsors> for Vec<UserId> {
    fn from(value: Sponsors) -> Self {
        value.0
    }
}

/// A person signs in with a password; a service account only uses API tokens.
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
pub enum UserKind {
    #[default]
    Person,
    ServiceAccount,
}

impl UserKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(raw: &str) -> Option<Self> {
        raw.parse().ok()
    }
}

/// Whether a person belongs to the organisation or is a guest from outside it (a contractor, a
/// partner's employee). A guest signs in like anyone else, but policies for "all members" leave
/// them out, and access reviews can be limited to guests. Service accounts are always members.
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
pub enum UserType {
    #[default]
    Member,
    Guest,
}

impl UserType {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(raw: &str) -> Option<Self> {
        raw.parse().ok()
    }
}

/// The signed-in actor, as `GET /api/v1/me` returns it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Me {
    pub id: UserId,
    pub username: Username,
    pub display_name: DisplayName,
    pub email: Email,
    pub kind: UserKind,
    pub roles: Vec<GlobalRole>,
    /// How this request was authenticated.
    pub authenticated_by: AuthMethod,
    /// Whether they may create API tokens for themselves: members may; guests only where
    /// the `guests.allow_api_tokens` setting allows it.
    pub may_create_api_tokens: bool,
    /// Whether enabled people report to them: the portal offers "My team" (`GET
    /// /api/v1/me/team`) to those who do.
    pub has_direct_reports: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// The browser session cookie.
    Session,
    /// An `Authorization: Bearer` API token.
    ApiToken,
}

/// A user as administrators see them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct UserView {
    pub id: UserId,
    pub username: Username,
    pub display_name: DisplayName,
    pub email: Email,
    pub kind: UserKind,
    pub user_type: UserType,
    pub manager_id: Option<UserId>,
    pub department: Option<Department>,
    pub attributes: UserAttributes,
    /// The person's id in the organisation's directory, when an import or SCIM set one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<ExternalId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<PersonName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<PersonName>,
    /// The full name as the organisation's directory writes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formatted_name: Option<DisplayName>,
    /// Sorted by id.
    pub sponsors: Vec<UserId>,
    pub enabled: bool,
    /// When this guest was blocked from signing in because their last access ended; `None`
    /// when not blocked. Separate from `enabled`, which only administrators change: the block
    /// lifts by itself when the guest is given access again.
    #[serde(default)]
    pub blocked_at: Option<DateTime<Utc>>,
    /// When a blocked guest is due to be removed; `None` when not blocked or when blocked
    /// guests are never removed (`guests.remove_after_days = 0`).
    #[serde(default)]
    pub removal_due_at: Option<DateTime<Utc>>,
    pub is_admin: bool,
    pub last_sign_in_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// The person's accounts at identity providers, by provider. Only
    /// `GET /api/v1/users/{id}` lists them, and leaves the field out when there are none; other
    /// answers always leave it out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identity_links: Vec<crate::identity::IdentityLink>,
}

/// Input of `POST /api/v1/users`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub username: Username,
    pub display_name: DisplayName,
    pub email: Email,
    #[serde(default)]
    pub kind: UserKind,
    /// `guest` only for a person.
    #[serde(default)]
    pub user_type: UserType,
    #[serde(default)]
    pub manager_id: Option<UserId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<Department>,
    #[serde(default)]
    pub attributes: UserAttributes,
    /// The person's id in the organisation's directory; unique among users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<ExternalId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<PersonName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<PersonName>,
    /// The full name as the organisation's directory writes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formatted_name: Option<DisplayName>,
    /// Existing users other than this one, at most 20.
    #[serde(default)]
    pub sponsors: Sponsors,
    /// Required for a person who signs in with a password; refused for a service account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<Password>,
    #[serde(default)]
    pub is_admin: bool,
}

/// Input of `PATCH /api/v1/users/{id}`: absent fields stay as they are; `manager_id: null`
/// removes the manager and `department: null` the department. `attributes` and `sponsors`
/// replace the whole map or list.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UserChanges {
    /// A new sign-in name (an identity provider renamed the person); unique like any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<Username>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<DisplayName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Email>,
    /// Turns a guest into a member or back; `guest` only for a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_type: Option<UserType>,
    #[serde(
        default,
        deserialize_with = "present_or_null",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "server", schema(value_type = Option<UserId>))]
    pub manager_id: Option<Option<UserId>>,
    #[serde(
        default,
        deserialize_with = "present_or_null",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "server", schema(value_type = Option<Department>))]
    pub department: Option<Option<Department>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<UserAttributes>,
    /// `null` removes it.
    #[serde(
        default,
        deserialize_with = "present_or_null",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "server", schema(value_type = Option<ExternalId>))]
    pub external_id: Option<Option<ExternalId>>,
    #[serde(
        default,
        deserialize_with = "present_or_null",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "server", schema(value_type = Option<PersonName>))]
    pub given_name: Option<Option<PersonName>>,
    #[serde(
        default,
        deserialize_with = "present_or_null",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "server", schema(value_type = Option<PersonName>))]
    pub family_name: Option<Option<PersonName>>,
    #[serde(
        default,
        deserialize_with = "present_or_null",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "server", schema(value_type = Option<DisplayName>))]
    pub formatted_name: Option<Option<DisplayName>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sponsors: Option<Sponsors>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_admin: Option<bool>,
}

impl UserChanges {
    pub fn is_empty(&self) -> bool {
        self.username.is_none()
            && self.display_name.is_none()
            && self.email.is_none()
            && self.user_type.is_none()
            && self.manager_id.is_none()
            && self.department.is_none()
            && self.attributes.is_none()
            && self.external_id.is_none()
            && self.given_name.is_none()
            && self.family_name.is_none()
            && self.formatted_name.is_none()
            && self.sponsors.is_none()
            && self.enabled.is_none()
            && self.is_admin.is_none()
    }
}

/// Tells "field absent" (outer `None`, via `default`) from "field is null" (`Some(None)`).
pub(crate) fn present_or_null<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Input of `POST /api/v1/session`. Not validated beyond size: a sign-in must not reveal which
/// rule a stored name or password follows.
#[derive(Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    #[cfg_attr(feature = "server", schema(min_length = 1, max_length = 254))]
    pub username: String,
    #[cfg_attr(feature = "server", schema(min_length = 1, max_length = 256, format = Password))]
    pub password: String,
}

/// Input of `PUT /api/v1/users/{id}/password`: an administrator sets a person's password.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetPassword {
    /// 12 to 256 characters.
    pub password: Password,
}

/// Input of `POST /api/v1/me/password`: a person changes their own password.
#[derive(Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    /// The password in use now.
    #[cfg_attr(feature = "server", schema(min_length = 1, max_length = 256, format = Password))]
    pub current_password: String,
    /// 12 to 256 characters.
    pub new_password: Password,
}

impl std::fmt::Debug for ChangePassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangePassword")
            .field("current_password", &"***")
            .field("new_password", &self.new_password)
            .finish()
    }
}

impl std::fmt::Debug for SignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignIn")
            .field("username", &self.username)
            .field("password", &"***")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_changes_tell_absent_from_null() {
        let absent: UserChanges = serde_json::from_str("{}").unwrap_or_default();
        assert_eq!(absent.manager_id, None);
        let cleared: Result<UserChanges, _> = serde_json::from_str(r#"{"manager_id":null}"#);
        assert!(matches!(cleared.map(|c| c.manager_id), Ok(Some(None))));
    }

    #[test]
    fn attributes_refuse_bad_keys_long_values_and_too_many_entries() {
        let one = |k: &str, v: &str| BTreeMap::from([(k.to_string(), v.to_string())]);
        assert!(UserAttributes::parse(one("cost_center", "1234")).is_ok());
        for bad in [
            one("", "x"),
            one("Cost", "x"),
            one("with-dash", "x"),
            one(&"k".repeat(65), "x"),
            one("k", &"v".repeat(501)),
        ] {
            assert!(UserAttributes::parse(bad.clone()).is_err(), "{bad:?}");
        }
        let many = (0..51).map(|i| (format!("k{i}"), String::new())).collect();
        assert!(UserAttributes::parse(many).is_err());
    }

    #[test]
    fn sponsors_are_distinct_and_at_most_twenty() {
        let id = |n: u128| UserId::from_uuid(uuid::Uuid::from_u128(n));
        assert!(Sponsors::parse(vec![id(1), id(2)]).is_ok());
        assert!(Sponsors::parse(vec![id(1), id(1)]).is_err());
        assert!(Sponsors::parse((0..21).map(id).collect()).is_err());
    }

    #[test]
    fn departments_are_trimmed_and_bounded() {
        assert_eq!(
            Department::parse("  Finance ").map(String::from),
            Ok("Finance".into())
        );
        assert!(Department::parse(" ").is_err());
        assert!(Department::parse("d".repeat(101)).is_err());
    }

    #[test]
    fn user_changes_tell_absent_from_null_department() {
        let cleared: Result<UserChanges, _> = serde_json::from_str(r#"{"department":null}"#);
        assert!(matches!(cleared.map(|c| c.department), Ok(Some(None))));
    }

    #[test]
    fn new_user_refuses_unknown_fields() {
        let parsed: Result<NewUser, _> = serde_json::from_str(
            r#"{"username":"ada","display_name":"Ada","email":"ada@example.org","role":"x"}"#,
        );
        let message = parsed.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("unknown field `role`"), "{message}");
    }
}

/// The query of `GET /api/v1/users`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "server", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct UserQuery {
    /// Items per page, 1 to 200 (default 50).
    #[cfg_attr(feature = "server", param(minimum = 1, maximum = 200))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page.
    #[cfg_attr(feature = "server", param(max_length = 512))]
    pub cursor: Option<String>,
    /// Only users whose username, display name or e-mail contains this text, ignoring case.
    #[cfg_attr(feature = "server", param(max_length = 100))]
    pub q: Option<String>,
}

impl UserQuery {
    pub fn page(&self) -> crate::page::PageQuery {
        crate::page::PageQuery {
            limit: self.limit,
            cursor: self.cursor.clone(),
        }
    }
}

/// The query of `GET /api/v1/people`: a search, or the people with the given ids.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "server", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct PeopleQuery {
    /// Items per page, 1 to 200 (default 50).
    #[cfg_attr(feature = "server", param(minimum = 1, maximum = 200))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page.
    #[cfg_attr(feature = "server", param(max_length = 512))]
    pub cursor: Option<String>,
    /// Only people whose username, display name or e-mail contains this text, ignoring case.
    #[cfg_attr(feature = "server", param(max_length = 100))]
    pub q: Option<String>,
    /// Instead of a search, the people with these ids: comma-separated, at most 100. Disabled
    /// people are included (a definition may still name someone since disabled); ids that
    /// name nobody are left out. The answer is one page. Not with `q`, `limit` or `cursor`.
    #[cfg_attr(feature = "server", param(value_type = Option<String>, example = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b,0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c"))]
    #[serde(default)]
    pub ids: Option<crate::ids::IdList<UserId>>,
}

impl PeopleQuery {
    /// The search part, as the users list takes it.
    pub fn search(&self) -> UserQuery {
        UserQuery {
            limit: self.limit,
            cursor: self.cursor.clone(),
            q: self.q.clone(),
        }
    }

    /// Whether a search parameter is given along with `ids`, which answers on its own.
    pub fn mixes_ids_and_search(&self) -> bool {
        self.ids.is_some() && (self.q.is_some() || self.limit.is_some() || self.cursor.is_some())
    }
}

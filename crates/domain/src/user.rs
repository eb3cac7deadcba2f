//! Users on the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use crate::roles::GlobalRole;
use crate::{DisplayName, Email, Password, UserId, Username};

/// A person signs in with a password; a service account only uses API tokens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UserKind {
    #[default]
    Person,
    ServiceAccount,
}

impl UserKind {
    pub fn as_str(self) -> &'static str {
        match self {
            UserKind::Person => "person",
            UserKind::ServiceAccount => "service_account",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "person" => Some(UserKind::Person),
            "service_account" => Some(UserKind::ServiceAccount),
            _ => None,
        }
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
    pub manager_id: Option<UserId>,
    pub enabled: bool,
    pub is_admin: bool,
    pub last_sign_in_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
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
    #[serde(default)]
    pub manager_id: Option<UserId>,
    /// Required for a person who signs in with a password; refused for a service account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<Password>,
    #[serde(default)]
    pub is_admin: bool,
}

/// Input of `PATCH /api/v1/users/{id}`: absent fields stay as they are; `manager_id: null`
/// removes the manager.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UserChanges {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<DisplayName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Email>,
    #[serde(
        default,
        deserialize_with = "present_or_null",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "server", schema(value_type = Option<UserId>))]
    pub manager_id: Option<Option<UserId>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_admin: Option<bool>,
}

impl UserChanges {
    pub fn is_empty(&self) -> bool {
        self.display_name.is_none()
            && self.email.is_none()
            && self.manager_id.is_none()
            && self.enabled.is_none()
            && self.is_admin.is_none()
    }
}

/// Tells "field absent" (outer `None`, via `default`) from "field is null" (`Some(None)`).
fn present_or_null<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
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
    fn new_user_refuses_unknown_fields() {
        let parsed: Result<NewUser, _> = serde_json::from_str(
            r#"{"username":"ada","display_name":"Ada","email":"ada@example.org","role":"x"}"#,
        );
        let message = parsed.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("unknown field `role`"), "{message}");
    }
}

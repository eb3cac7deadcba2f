//! Connected systems on the wire: the directories and applications that delivered access is
//! pushed to (an LDAP directory, a SCIM 2.0 application), and how Tessera finds a person there.
//!
//! A connector's secret (the LDAP bind password, the SCIM bearer token) is write-only: it is
//! accepted in [`ConnectorSettings`]' companions on create and change and never answered.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ValueError;
use crate::ids::{AppRoleId, ConnectorBindingId, ConnectorId, GroupId, ProvisioningOperationId};

/// Which of a person's Tessera values identifies them at the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PersonKey {
    /// The sign-in name (`alice`).
    Username,
    /// The e-mail address.
    Email,
    /// The identifier the identity provider gave (SCIM `externalId`, OIDC linking).
    ExternalId,
}

/// How an LDAP group lists its members.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LdapMembership {
    /// `groupOfNames`: `member` holds each member's DN.
    Member,
    /// `groupOfUniqueNames`: `uniqueMember` holds each member's DN.
    UniqueMember,
    /// `posixGroup`: `memberUid` holds each member's uid.
    MemberUid,
}

/// Where and how to reach an LDAP v3 directory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct LdapSettings {
    /// `ldap://host:port` or `ldaps://host:port`.
    pub url: String,
    /// Upgrade an `ldap://` connection with StartTLS before binding.
    #[serde(default)]
    pub start_tls: bool,
    /// Extra trusted CA certificates (PEM) for LDAPS and StartTLS; the system's roots otherwise.
    #[serde(default)]
    pub ca_certificate: Option<String>,
    /// The DN Tessera binds as; the password is the connector's secret.
    pub bind_dn: String,
    /// Where people are searched for (`ou=people,dc=example,dc=org`).
    pub users_base_dn: String,
    /// The LDAP attribute that holds the person's key (`uid`, `mail`, …).
    pub match_attribute: String,
    /// Which Tessera value is compared with `match_attribute`.
    pub match_by: PersonKey,
    /// How the bound groups list members.
    pub membership: LdapMembership,
}

/// Where and how to reach a SCIM 2.0 application.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ScimSettings {
    /// The service provider's base URL (`https://app.example.org/scim/v2`); the bearer token is
    /// the connector's secret.
    pub base_url: String,
    /// Which Tessera value is compared with the SCIM `userName`.
    pub match_by: PersonKey,
    /// Create the person at the target when they are missing.
    #[serde(default = "yes")]
    pub create_users: bool,
    /// Set `active: false` at the target when the person leaves (is disabled or deleted).
    #[serde(default)]
    pub deactivate_on_leave: bool,
    /// How long one request to the service provider may take, in seconds (1 to 300).
    #[serde(default = "scim_timeout_seconds")]
    pub timeout_seconds: u16,
}

fn yes() -> bool {
    true
}

fn scim_timeout_seconds() -> u16 {
    ScimSettings::DEFAULT_TIMEOUT_SECONDS
}

impl ScimSettings {
    pub const DEFAULT_TIMEOUT_SECONDS: u16 = 30;
    pub const MAX_TIMEOUT_SECONDS: u16 = 300;
}

/// A connected system's settings, by protocol.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConnectorSettings {
    Ldap(LdapSettings),
    Scim(ScimSettings),
}

/// The longest connector name accepted.
pub const MAX_CONNECTOR_NAME_CHARS: usize = 100;

/// The longest binding target accepted (an LDAP DN, a SCIM group id).
pub const MAX_TARGET_CHARS: usize = 1000;

/// A connector's name: trimmed, 1 to [`MAX_CONNECTOR_NAME_CHARS`] characters, unique without
/// regard to case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "server", schema(value_type = String))]
#[serde(try_from = "String", into = "String")]
pub struct ConnectorName(String);

impl ConnectorName {
    pub fn parse(raw: impl Into<String>) -> Result<Self, ValueError> {
        let raw = raw.into();
        let name = raw.trim();
        let chars = name.chars().count();
        if chars == 0 {
            return Err(ValueError("must not be empty".into()));
        }
        if chars > MAX_CONNECTOR_NAME_CHARS {
            return Err(ValueError(format!(
                "must be at most {MAX_CONNECTOR_NAME_CHARS} characters"
            )));
        }
        if name.chars().any(char::is_control) {
            return Err(ValueError("must not contain control characters".into()));
        }
        Ok(ConnectorName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ConnectorName {
    type Error = ValueError;

    fn try_from(raw: String) -> Result<Self, ValueError> {
        ConnectorName::parse(raw)
    }
}

impl From<ConnectorName> for String {
    fn from(name: ConnectorName) -> String {
        name.0
    }
}

/// A connected system to create. The secret (the LDAP bind password, the SCIM bearer token)
/// is stored and never answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewConnector {
    pub name: ConnectorName,
    pub settings: ConnectorSettings,
    pub secret: String,
    #[serde(default = "yes")]
    pub enabled: bool,
}

/// Changes to a connector; fields left out stay as they are (the secret too).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConnectorUpdate {
    pub name: Option<ConnectorName>,
    pub settings: Option<ConnectorSettings>,
    pub secret: Option<String>,
    pub enabled: Option<bool>,
}

/// A connector, without its secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ConnectorView {
    pub id: ConnectorId,
    pub name: ConnectorName,
    pub settings: ConnectorSettings,
    /// Whether a secret is stored; the secret itself is never answered.
    pub has_secret: bool,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What "test connection" found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ConnectionTestReport {
    pub summary: String,
}

/// A group or an app role (exactly one) to bind to `target` in a connected system.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewConnectorBinding {
    #[serde(default)]
    pub group_id: Option<GroupId>,
    #[serde(default)]
    pub app_role_id: Option<AppRoleId>,
    /// An LDAP group DN, a SCIM group id.
    pub target: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ConnectorBindingView {
    pub id: ConnectorBindingId,
    pub connector_id: ConnectorId,
    pub group_id: Option<GroupId>,
    pub app_role_id: Option<AppRoleId>,
    /// The group's name, or the application's and the role's.
    pub resource_name: String,
    pub target: String,
    pub created_at: DateTime<Utc>,
}

/// What a provisioning operation does at the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProvisioningAction {
    Add,
    Remove,
    Deactivate,
}

/// Where a provisioning operation is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProvisioningState {
    /// Waiting for its turn or for its next attempt.
    Pending,
    /// The target took it.
    Done,
    /// Given up after its attempts or for an error retrying cannot fix; an administrator may
    /// retry or skip it.
    Failed,
    /// An administrator chose not to push it.
    Skipped,
}

/// One provisioning operation, as an assignment's delivery status shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct DeliveryView {
    pub id: ProvisioningOperationId,
    pub connector_id: ConnectorId,
    pub connector_name: String,
    pub target: String,
    pub action: ProvisioningAction,
    pub state: ProvisioningState,
    /// Attempts made so far.
    pub attempts: u32,
    /// What the target or the connection said on the last failed attempt.
    pub last_error: Option<String>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// When the next attempt is due; null unless pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub done_at: Option<DateTime<Utc>>,
}

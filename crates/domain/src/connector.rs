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

impl ConnectorSettings {
    /// Whether `other` sends the secret to the same place in the same way: the same protocol,
    /// and for LDAP the same URL, bind DN, StartTLS and trusted CA certificate, for SCIM the
    /// same base URL. Changing any of these must come with the secret (an administrator may
    /// not redirect a stored secret to a host of their choosing).
    pub fn same_endpoint(&self, other: &ConnectorSettings) -> bool {
        match (self, other) {
            (ConnectorSettings::Ldap(a), ConnectorSettings::Ldap(b)) => {
                a.url.trim() == b.url.trim()
                    && a.bind_dn.trim() == b.bind_dn.trim()
                    && a.start_tls == b.start_tls
                    && a.ca_certificate
                        .as_deref()
                        .map(str::trim)
                        .unwrap_or_default()
                        == b.ca_certificate
                            .as_deref()
                            .map(str::trim)
                            .unwrap_or_default()
            }
            (ConnectorSettings::Scim(a), ConnectorSettings::Scim(b)) => {
                a.base_url.trim() == b.base_url.trim()
            }
            (ConnectorSettings::Ldap(_), ConnectorSettings::Scim(_))
            | (ConnectorSettings::Scim(_), ConnectorSettings::Ldap(_)) => false,
        }
    }
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

/// The query of `GET /api/v1/connectors/{id}/operations`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "server", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct OperationQuery {
    /// Only operations in this state (`failed`: those waiting for an administrator).
    #[cfg_attr(feature = "server", param(inline))]
    pub state: Option<ProvisioningState>,
    #[cfg_attr(feature = "server", param(minimum = 1, maximum = 200))]
    pub limit: Option<u32>,
    #[cfg_attr(feature = "server", param(max_length = 512))]
    pub cursor: Option<String>,
}

/// A provisioning operation as administrators list a connector's: the delivery, and whom it
/// is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ProvisioningOperationView {
    #[serde(flatten)]
    pub delivery: DeliveryView,
    pub user_id: crate::UserId,
    pub username: String,
    /// The assignment whose grant or end caused it; null for other causes (a leaver's
    /// deactivation, a review's removal, an administrator's direct change).
    pub assignment_id: Option<crate::AssignmentId>,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ldap() -> LdapSettings {
        LdapSettings {
            url: "ldaps://ldap.example.org".into(),
            start_tls: false,
            ca_certificate: None,
            bind_dn: "cn=tessera,dc=example,dc=org".into(),
            users_base_dn: "ou=people,dc=example,dc=org".into(),
            match_attribute: "uid".into(),
            match_by: PersonKey::Username,
            membership: LdapMembership::Member,
        }
    }

    fn scim(base_url: &str) -> ScimSettings {
        ScimSettings {
            base_url: base_url.into(),
            match_by: PersonKey::Username,
            create_users: true,
            deactivate_on_leave: false,
            timeout_seconds: ScimSettings::DEFAULT_TIMEOUT_SECONDS,
        }
    }

    #[test]
    fn the_endpoint_is_where_and_how_the_secret_is_sent() {
        let base = ConnectorSettings::Ldap(ldap());
        // (field, a change of it, whether the endpoint stays the same)
        type Change = (&'static str, fn(&mut LdapSettings), bool);
        let changes: [Change; 7] = [
            ("url", |s| s.url = "ldaps://evil.example.net".into(), false),
            (
                "bind_dn",
                |s| s.bind_dn = "cn=admin,dc=example,dc=org".into(),
                false,
            ),
            ("start_tls", |s| s.start_tls = true, false),
            (
                "ca_certificate",
                |s| s.ca_certificate = Some("PEM".into()),
                false,
            ),
            (
                "users_base_dn",
                |s| s.users_base_dn = "ou=staff,dc=example,dc=org".into(),
                true,
            ),
            (
                "match_attribute",
                |s| s.match_attribute = "mail".into(),
                true,
            ),
            (
                "membership",
                |s| s.membership = LdapMembership::MemberUid,
                true,
            ),
        ];
        for (field, change, same) in changes {
            let mut changed = ldap();
            change(&mut changed);
            assert_eq!(
                base.same_endpoint(&ConnectorSettings::Ldap(changed)),
                same,
                "{field}"
            );
        }
        let app = ConnectorSettings::Scim(scim("https://app.example.org/scim/v2"));
        let mut timeout = scim("https://app.example.org/scim/v2");
        timeout.timeout_seconds = 5;
        timeout.deactivate_on_leave = true;
        assert!(app.same_endpoint(&ConnectorSettings::Scim(timeout)));
        assert!(!app.same_endpoint(&ConnectorSettings::Scim(scim(
            "https://evil.example.net/v2"
        ))));
        assert!(!app.same_endpoint(&base) && !base.same_endpoint(&app));
    }
}

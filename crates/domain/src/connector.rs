//! Connected systems on the wire: the directories and applications that delivered access is
//! pushed to (an LDAP directory, a SCIM 2.0 application), and how Tessera finds a person there.
//!
//! A connector's secret (the LDAP bind password, the SCIM bearer token) is write-only: it is
//! accepted in [`ConnectorSettings`]' companions on create and change and never answered.

use serde::{Deserialize, Serialize};

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
#[serde(deny_unknown_fields)]
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
#[serde(deny_unknown_fields)]
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

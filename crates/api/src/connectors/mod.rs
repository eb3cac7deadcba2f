//! Connected systems: where delivered access is pushed to and read back from.
//!
//! Each protocol is one module behind [`Connector`]; the provisioning worker, reconciliation and
//! the admin pages know only the trait (an enum over the protocol modules dispatches to them).

pub mod scim;

use tessera_domain::connector::PersonKey;
use uuid::Uuid;

/// A person as a connector needs them: what they are matched by and what a target may need to
/// create them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub id: Uuid,
    pub username: String,
    pub email: Option<String>,
    pub external_id: Option<String>,
    pub display_name: String,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    /// False once the person is disabled or deleted.
    pub active: bool,
}

impl Person {
    /// The value `key` names, when the person has one.
    pub fn key(&self, key: PersonKey) -> Option<&str> {
        match key {
            PersonKey::Username => Some(self.username.as_str()),
            PersonKey::Email => self.email.as_deref(),
            PersonKey::ExternalId => self.external_id.as_deref(),
        }
    }
}

/// Why an operation did not reach the target.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ConnectorError {
    /// What the target or the connection said, safe to show to administrators (no secret).
    pub message: String,
    /// False when trying again cannot help (the person or the group does not exist there, the
    /// credentials are refused); true for timeouts, refused connections and busy targets.
    pub retry: bool,
}

impl ConnectorError {
    pub fn retry(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            retry: true,
        }
    }

    pub fn permanent(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            retry: false,
        }
    }
}

/// What "test connection" found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionReport {
    /// One line for the administrator: the server and what was checked.
    pub summary: String,
}

/// One kind of connected system. Every write is idempotent at the target: adding a member who
/// is there already, or removing one who is not, is success.
#[allow(async_fn_in_trait)]
pub trait Connector {
    /// Connects, authenticates and reads something harmless.
    async fn test_connection(&self) -> Result<ConnectionReport, ConnectorError>;

    /// Makes `person` a member of `target` (an LDAP group DN, a SCIM group id).
    async fn add_member(&self, target: &str, person: &Person) -> Result<(), ConnectorError>;

    /// Takes `person` out of `target`.
    async fn remove_member(&self, target: &str, person: &Person) -> Result<(), ConnectorError>;

    /// Marks `person` as gone at the target, when the connector is configured to; success when
    /// they are not there.
    async fn deactivate(&self, person: &Person) -> Result<(), ConnectorError>;

    /// The keys of everyone `target` holds now, normalised as [`Connector::member_key`] makes
    /// them, read in pages.
    async fn list_members(&self, target: &str) -> Result<Vec<String>, ConnectorError>;

    /// The key `person` appears under in [`Connector::list_members`]; `None` when the person
    /// lacks the value the connector matches by.
    fn member_key(&self, person: &Person) -> Option<String>;
}

pub mod ldap;

pub use ldap::LdapConnector;
pub use scim::ScimConnector;

use tessera_domain::connector::ConnectorSettings;

/// A connector of any protocol: what the worker and the routes hold.
#[derive(Debug)]
pub enum AnyConnector {
    Ldap(LdapConnector),
    Scim(ScimConnector),
}

impl AnyConnector {
    /// The connector `settings` describe, authenticating with `secret`. The one place that
    /// knows which protocols are built in.
    pub fn new(settings: &ConnectorSettings, secret: &str) -> Result<Self, ConnectorError> {
        match settings {
            ConnectorSettings::Ldap(ldap) => {
                Ok(AnyConnector::Ldap(LdapConnector::new(ldap, secret)?))
            }
            ConnectorSettings::Scim(scim) => {
                Ok(AnyConnector::Scim(ScimConnector::new(scim, secret)?))
            }
        }
    }
}

impl AnyConnector {
    /// The same connector, keeping what it can of its connection from one operation to the
    /// next until [`AnyConnector::close`]: an LDAP connector its bound connection (the SCIM
    /// client pools its connections anyway).
    pub fn keeping_connection(self) -> Self {
        match self {
            AnyConnector::Ldap(ldap) => AnyConnector::Ldap(ldap.keeping_connection()),
            scim @ AnyConnector::Scim(_) => scim,
        }
    }

    /// Lets go of a kept connection.
    pub async fn close(&self) {
        match self {
            AnyConnector::Ldap(ldap) => ldap.close().await,
            AnyConnector::Scim(_) => {}
        }
    }
}

impl Connector for AnyConnector {
    async fn test_connection(&self) -> Result<ConnectionReport, ConnectorError> {
        match self {
            AnyConnector::Ldap(c) => c.test_connection().await,
            AnyConnector::Scim(c) => c.test_connection().await,
        }
    }

    async fn add_member(&self, target: &str, person: &Person) -> Result<(), ConnectorError> {
        match self {
            AnyConnector::Ldap(c) => c.add_member(target, person).await,
            AnyConnector::Scim(c) => c.add_member(target, person).await,
        }
    }

    async fn remove_member(&self, target: &str, person: &Person) -> Result<(), ConnectorError> {
        match self {
            AnyConnector::Ldap(c) => c.remove_member(target, person).await,
            AnyConnector::Scim(c) => c.remove_member(target, person).await,
        }
    }

    async fn deactivate(&self, person: &Person) -> Result<(), ConnectorError> {
        match self {
            AnyConnector::Ldap(c) => c.deactivate(person).await,
            AnyConnector::Scim(c) => c.deactivate(person).await,
        }
    }

    async fn list_members(&self, target: &str) -> Result<Vec<String>, ConnectorError> {
        match self {
            AnyConnector::Ldap(c) => c.list_members(target).await,
            AnyConnector::Scim(c) => c.list_members(target).await,
        }
    }

    fn member_key(&self, person: &Person) -> Option<String> {
        match self {
            AnyConnector::Ldap(c) => c.member_key(person),
            AnyConnector::Scim(c) => c.member_key(person),
        }
    }
}

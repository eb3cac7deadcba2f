#[cfg(target_arch = "wasm32")]
use reactive_stores::Store;
use tessera_domain::connector::{
    ConnectorName, ConnectorSettings, ConnectorUpdate, ConnectorView, LdapMembership, LdapSettings,
    NewConnector, PersonKey, ProvisioningAction, ProvisioningState, ScimSettings,
};
use tessera_domain::problem::FieldError;
use tessera_domain::{ConnectorBindingId, ConnectorId};

use crate::api::ApiError;
use crate::routes;

/// The page of one connector.
pub fn connector_href(id: ConnectorId) -> String {
    format!("{}/{id}", routes::ADMIN_CONNECTORS)
}

/// The reconciliation page of one binding.
pub fn reconciliation_href(id: ConnectorId, binding: ConnectorBindingId) -> String {
    format!(
        "{}/{id}/bindings/{binding}/reconciliation",
        routes::ADMIN_CONNECTORS
    )
}

/// The link that downloads a binding's dry run as CSV.
pub fn reconciliation_csv_href(id: ConnectorId, binding: ConnectorBindingId) -> String {
    format!("/api/v1/connectors/{id}/bindings/{binding}/reconciliation.csv")
}

/// The protocol a connector speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Protocol {
    #[default]
    Ldap,
    Scim,
}

impl Protocol {
    pub fn label(self) -> &'static str {
        match self {
            Protocol::Ldap => "LDAP",
            Protocol::Scim => "SCIM",
        }
    }

    pub fn of(settings: &ConnectorSettings) -> Self {
        match settings {
            ConnectorSettings::Ldap(_) => Protocol::Ldap,
            ConnectorSettings::Scim(_) => Protocol::Scim,
        }
    }
}

/// Where a connector points: the LDAP URL or the SCIM base URL.
pub fn endpoint(settings: &ConnectorSettings) -> &str {
    match settings {
        ConnectorSettings::Ldap(ldap) => &ldap.url,
        ConnectorSettings::Scim(scim) => &scim.base_url,
    }
}

pub fn person_key_value(key: PersonKey) -> &'static str {
    match key {
        PersonKey::Username => "username",
        PersonKey::Email => "email",
        PersonKey::ExternalId => "external_id",
    }
}

pub fn person_key_label(key: PersonKey) -> &'static str {
    match key {
        PersonKey::Username => "Username",
        PersonKey::Email => "E-mail address",
        PersonKey::ExternalId => "External id",
    }
}

pub const PERSON_KEYS: [PersonKey; 3] =
    [PersonKey::Username, PersonKey::Email, PersonKey::ExternalId];

pub fn parse_person_key(raw: &str) -> PersonKey {
    PERSON_KEYS
        .into_iter()
        .find(|key| person_key_value(*key) == raw)
        .unwrap_or(PersonKey::Username)
}

pub fn membership_value(membership: LdapMembership) -> &'static str {
    match membership {
        LdapMembership::Member => "member",
        LdapMembership::UniqueMember => "unique_member",
        LdapMembership::MemberUid => "member_uid",
    }
}

pub fn membership_label(membership: LdapMembership) -> &'static str {
    match membership {
        LdapMembership::Member => "member (groupOfNames)",
        LdapMembership::UniqueMember => "uniqueMember (groupOfUniqueNames)",
        LdapMembership::MemberUid => "memberUid (posixGroup)",
    }
}

pub const MEMBERSHIPS: [LdapMembership; 3] = [
    LdapMembership::Member,
    LdapMembership::UniqueMember,
    LdapMembership::MemberUid,
];

pub fn parse_membership(raw: &str) -> LdapMembership {
    MEMBERSHIPS
        .into_iter()
        .find(|membership| membership_value(*membership) == raw)
        .unwrap_or(LdapMembership::Member)
}

/// What the connector form holds. Both protocols' fields are kept, so switching the protocol
/// back and forth loses nothing typed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(target_arch = "wasm32", derive(Store))]
pub struct ConnectorDraft {
    pub name: String,
    pub protocol: Protocol,
    pub enabled: bool,
    /// A new secret; empty keeps the stored one when editing.
    pub secret: String,
    pub ldap_url: String,
    pub start_tls: bool,
    pub ca_certificate: String,
    pub bind_dn: String,
    pub users_base_dn: String,
    pub match_attribute: String,
    pub ldap_match_by: PersonKey,
    pub membership: LdapMembership,
    pub scim_base_url: String,
    pub scim_match_by: PersonKey,
    pub create_users: bool,
    pub deactivate_on_leave: bool,
    pub timeout_seconds: String,
}

impl Default for ConnectorDraft {
    fn default() -> Self {
        Self {
            name: String::new(),
            protocol: Protocol::Ldap,
            enabled: true,
            secret: String::new(),
            ldap_url: String::new(),
            start_tls: false,
            ca_certificate: String::new(),
            bind_dn: String::new(),
            users_base_dn: String::new(),
            match_attribute: "uid".into(),
            ldap_match_by: PersonKey::Username,
            membership: LdapMembership::Member,
            scim_base_url: String::new(),
            scim_match_by: PersonKey::Username,
            create_users: true,
            deactivate_on_leave: false,
            timeout_seconds: ScimSettings::DEFAULT_TIMEOUT_SECONDS.to_string(),
        }
    }
}

fn refuse(errors: &mut Vec<FieldError>, field: &str, message: &str) {
    errors.push(FieldError {
        field: field.into(),
        message: message.into(),
    });
}

impl ConnectorDraft {
    /// The form opened on a stored connector; the secret field starts empty.
    pub fn of(view: &ConnectorView) -> Self {
        let mut draft = Self {
            name: view.name.as_str().to_string(),
            enabled: view.enabled,
            protocol: Protocol::of(&view.settings),
            ..Self::default()
        };
        match &view.settings {
            ConnectorSettings::Ldap(ldap) => {
                draft.ldap_url = ldap.url.clone();
                draft.start_tls = ldap.start_tls;
                draft.ca_certificate = ldap.ca_certificate.clone().unwrap_or_default();
                draft.bind_dn = ldap.bind_dn.clone();
                draft.users_base_dn = ldap.users_base_dn.clone();
                draft.match_attribute = ldap.match_attribute.clone();
                draft.ldap_match_by = ldap.match_by;
                draft.membership = ldap.membership;
            }
            ConnectorSettings::Scim(scim) => {
                draft.scim_base_url = scim.base_url.clone();
                draft.scim_match_by = scim.match_by;
                draft.create_users = scim.create_users;
                draft.deactivate_on_leave = scim.deactivate_on_leave;
                draft.timeout_seconds = scim.timeout_seconds.to_string();
            }
        }
        draft
    }

    /// The name and settings, each refusal named as the API names it (`settings.url`).
    fn parts(&self, errors: &mut Vec<FieldError>) -> Option<(ConnectorName, ConnectorSettings)> {
        let name = match ConnectorName::parse(self.name.as_str()) {
            Ok(name) => Some(name),
            Err(error) => {
                refuse(errors, "name", &error.0);
                None
            }
        };
        let settings = match self.protocol {
            Protocol::Ldap => {
                for (field, value) in [
                    ("settings.url", &self.ldap_url),
                    ("settings.bind_dn", &self.bind_dn),
                    ("settings.users_base_dn", &self.users_base_dn),
                    ("settings.match_attribute", &self.match_attribute),
                ] {
                    if value.trim().is_empty() {
                        refuse(errors, field, "must not be empty");
                    }
                }
                let ca = self.ca_certificate.trim();
                ConnectorSettings::Ldap(LdapSettings {
                    url: self.ldap_url.trim().to_string(),
                    start_tls: self.start_tls,
                    ca_certificate: (!ca.is_empty()).then(|| ca.to_string()),
                    bind_dn: self.bind_dn.trim().to_string(),
                    users_base_dn: self.users_base_dn.trim().to_string(),
                    match_attribute: self.match_attribute.trim().to_string(),
                    match_by: self.ldap_match_by,
                    membership: self.membership,
                })
            }
            Protocol::Scim => {
                if self.scim_base_url.trim().is_empty() {
                    refuse(errors, "settings.base_url", "must not be empty");
                }
                let timeout = match self.timeout_seconds.trim().parse::<u16>() {
                    Ok(seconds) if (1..=ScimSettings::MAX_TIMEOUT_SECONDS).contains(&seconds) => {
                        seconds
                    }
                    _ => {
                        refuse(
                            errors,
                            "settings.timeout_seconds",
                            &format!(
                                "must be a whole number of seconds from 1 to {}",
                                ScimSettings::MAX_TIMEOUT_SECONDS
                            ),
                        );
                        ScimSettings::DEFAULT_TIMEOUT_SECONDS
                    }
                };
                ConnectorSettings::Scim(ScimSettings {
                    base_url: self.scim_base_url.trim().to_string(),
                    match_by: self.scim_match_by,
                    create_users: self.create_users,
                    deactivate_on_leave: self.deactivate_on_leave,
                    timeout_seconds: timeout,
                })
            }
        };
        name.map(|name| (name, settings))
    }

    /// A new connector: every field, and a secret.
    pub fn new_connector(&self) -> Result<NewConnector, ApiError> {
        let mut errors = Vec::new();
        let parts = self.parts(&mut errors);
        if self.secret.is_empty() {
            let message = match self.protocol {
                Protocol::Ldap => "enter the bind password",
                Protocol::Scim => "enter the bearer token",
            };
            refuse(&mut errors, "secret", message);
        }
        match parts {
            Some((name, settings)) if errors.is_empty() => Ok(NewConnector {
                name,
                settings,
                secret: self.secret.clone(),
                enabled: self.enabled,
            }),
            _ => Err(ApiError::invalid(errors)),
        }
    }

    /// Changes to a stored connector: its name, settings and switch, and the secret only when a
    /// new one was typed.
    pub fn update(&self) -> Result<ConnectorUpdate, ApiError> {
        let mut errors = Vec::new();
        let parts = self.parts(&mut errors);
        match parts {
            Some((name, settings)) if errors.is_empty() => Ok(ConnectorUpdate {
                name: Some(name),
                settings: Some(settings),
                secret: (!self.secret.is_empty()).then(|| self.secret.clone()),
                enabled: Some(self.enabled),
            }),
            _ => Err(ApiError::invalid(errors)),
        }
    }
}

/// What the secret field is called, by protocol.
pub fn secret_label(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Ldap => "Bind password",
        Protocol::Scim => "Bearer token",
    }
}

/// What the secret field says under it: whether one is stored, and that it is never shown.
pub fn secret_hint(has_secret: bool) -> &'static str {
    if has_secret {
        "Stored. It is never shown; leave this empty to keep it, or type a new one to replace it."
    } else {
        "Stored when saved and never shown again."
    }
}

pub fn delivery_state_label(state: ProvisioningState) -> &'static str {
    match state {
        ProvisioningState::Pending => "Pending",
        ProvisioningState::Done => "Done",
        ProvisioningState::Failed => "Failed",
        ProvisioningState::Skipped => "Skipped",
    }
}

pub fn delivery_state_badge(state: ProvisioningState) -> &'static str {
    match state {
        ProvisioningState::Pending => "badge badge-info",
        ProvisioningState::Done => "badge badge-success",
        ProvisioningState::Failed => "badge badge-danger",
        ProvisioningState::Skipped => "badge badge-neutral",
    }
}

pub fn delivery_action_label(action: ProvisioningAction) -> &'static str {
    match action {
        ProvisioningAction::Add => "Add",
        ProvisioningAction::Remove => "Remove",
        ProvisioningAction::Deactivate => "Deactivate",
    }
}

/// Whether an administrator may retry an operation in this state (only a failed one).
pub fn may_retry(state: ProvisioningState) -> bool {
    match state {
        ProvisioningState::Failed => true,
        ProvisioningState::Pending | ProvisioningState::Done | ProvisioningState::Skipped => false,
    }
}

/// Whether an administrator may skip an operation in this state: a failed one, or a pending
/// one (the server refuses it while a worker holds it).
pub fn may_skip(state: ProvisioningState) -> bool {
    match state {
        ProvisioningState::Failed | ProvisioningState::Pending => true,
        ProvisioningState::Done | ProvisioningState::Skipped => false,
    }
}

/// The sentence that asks before applying a reconciliation, saying what will change.
pub fn apply_question(missing: usize, unexpected: usize, target: &str) -> String {
    let people = |count: usize| {
        if count == 1 {
            "1 person".to_string()
        } else {
            format!("{count} people")
        }
    };
    let members = |count: usize| {
        if count == 1 {
            "1 member".to_string()
        } else {
            format!("{count} members")
        }
    };
    match (missing, unexpected) {
        (0, 0) => format!("{target} already holds what Tessera expects: nothing would change."),
        (added, 0) => format!("Add {} to {target}?", people(added)),
        (0, removed) => format!("Remove {} from {target}?", members(removed)),
        (added, removed) => format!(
            "Add {} to {target} and remove {} from it?",
            people(added),
            members(removed)
        ),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
#[path = "tests.rs"]
mod tests;

//! The LDAP v3 connector (`ldap3`): group membership in a directory such as OpenLDAP.
//!
//! - A person is found by `(match_attribute=<their key>)` under `users_base_dn`; exactly one
//!   entry must match.
//! - `member` / `uniqueMember` hold the person's DN, `memberUid` the key itself.
//! - Adding a value that is there (result 20, attributeOrValueExists) or removing one that is
//!   not (16, noSuchAttribute) is success, so every write may be repeated.
//! - A missing person or group, refused credentials and refused changes are permanent; a
//!   connection that cannot be made, breaks or times out, and a busy or unavailable server,
//!   are retried.
//! - Each operation opens its own connection, bound as `bind_dn`, with a timeout on connecting
//!   and on every request, unless the connector keeps its connection
//!   ([`LdapConnector::keeping_connection`], as the provisioning worker does while it has
//!   work): then the next membership change reuses the bound connection, and one that fails
//!   on the way (not a refusal by the directory) is made once more on a fresh connection,
//!   which every change being idempotent allows. Tests and reconciliation connect afresh. `ldaps://` and StartTLS verify the server's
//!   certificate against the system's roots and the connector's `ca_certificate`.
//!
//! The bind password is never logged nor put in an error.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use ldap3::adapters::{Adapter, EntriesOnly, PagedResults};
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, LdapError, Mod, Scope, SearchEntry};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tessera_domain::connector::{LdapMembership, LdapSettings};

use super::{ConnectionReport, Connector, ConnectorError, Person};

/// How long connecting, and then each request, may take, unless set otherwise.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Entries per page of a paged search.
const PAGE_SIZE: i32 = 500;

/// LDAP result codes the connector tells apart (RFC 4511, appendix A).
mod rc {
    pub const NO_SUCH_ATTRIBUTE: u32 = 16;
    pub const ATTRIBUTE_OR_VALUE_EXISTS: u32 = 20;
    pub const NO_SUCH_OBJECT: u32 = 32;
    pub const INVALID_CREDENTIALS: u32 = 49;
    pub const BUSY: u32 = 51;
    pub const UNAVAILABLE: u32 = 52;
    pub const OTHER: u32 = 80;
}

/// An LDAP directory, as a connector's settings and bind password describe it.
pub struct LdapConnector {
    settings: LdapSettings,
    password: String,
    tls: Option<Arc<rustls::ClientConfig>>,
    timeout: Duration,
    /// The bound connection kept between operations, when the connector keeps one.
    kept: Option<tokio::sync::Mutex<Option<Ldap>>>,
}

impl std::fmt::Debug for LdapConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LdapConnector")
            .field("url", &self.settings.url)
            .field("bind_dn", &self.settings.bind_dn)
            .finish_non_exhaustive()
    }
}

impl LdapConnector {
    /// A connector for `settings`, binding with `password`. Fails (permanently) when the URL
    /// is not `ldap://` or `ldaps://` or the CA certificate does not parse.
    pub fn new(settings: &LdapSettings, password: &str) -> Result<Self, ConnectorError> {
        let url = url::Url::parse(&settings.url)
            .map_err(|_| ConnectorError::permanent("the URL is not a valid ldap:// URL"))?;
        let secure = match url.scheme() {
            "ldaps" => true,
            "ldap" => settings.start_tls,
            _ => {
                return Err(ConnectorError::permanent(
                    "the URL must start with ldap:// or ldaps://",
                ));
            }
        };
        let tls = if secure {
            Some(Arc::new(tls_config(settings.ca_certificate.as_deref())?))
        } else {
            None
        };
        Ok(LdapConnector {
            settings: settings.clone(),
            password: password.to_string(),
            tls,
            timeout: TIMEOUT,
            kept: None,
        })
    }

    /// The same connector, keeping its bound connection from one operation to the next until
    /// [`LdapConnector::close`].
    pub fn keeping_connection(mut self) -> Self {
        self.kept = Some(tokio::sync::Mutex::new(None));
        self
    }

    /// Unbinds the kept connection, if there is one.
    pub async fn close(&self) {
        if let Some(kept) = &self.kept
            && let Some(mut ldap) = kept.lock().await.take()
        {
            // Nothing is pending on it; a failed unbind changes nothing.
            let _ = ldap.unbind().await;
        }
    }

    /// The same connector, with `timeout` for connecting and for each request.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Connects and binds; the connection is driven by a task of its own until unbound.
    async fn connect(&self) -> Result<Ldap, ConnectorError> {
        let mut conn_settings = LdapConnSettings::new()
            .set_conn_timeout(self.timeout)
            .set_starttls(self.settings.start_tls);
        if let Some(tls) = &self.tls {
            conn_settings = conn_settings.set_config(tls.clone());
        }
        let (conn, mut ldap) = LdapConnAsync::with_settings(conn_settings, &self.settings.url)
            .await
            .map_err(|err| failure("cannot connect", err))?;
        ldap3::drive!(conn);
        ldap.with_timeout(self.timeout);
        ldap.simple_bind(&self.settings.bind_dn, &self.password)
            .await
            .and_then(|result| result.success())
            .map_err(|err| match result_code(&err) {
                Some(rc::INVALID_CREDENTIALS) => {
                    ConnectorError::permanent("the directory refused the bind DN or password")
                }
                _ => failure("cannot bind", err),
            })?;
        Ok(ldap)
    }

    /// How long one operation may take: connect, bind, the work (a search and a modify at
    /// most, or a paged search), unbind.
    fn budget(&self) -> Duration {
        self.timeout * 4
    }

    fn too_slow(&self) -> ConnectorError {
        ConnectorError::retry(format!(
            "the directory did not answer within {} s",
            self.budget().as_secs()
        ))
    }

    /// Runs `work` on a fresh bound connection, within the time one operation may take.
    async fn with_connection<T>(
        &self,
        work: impl AsyncFnOnce(&mut Ldap) -> Result<T, ConnectorError>,
    ) -> Result<T, ConnectorError> {
        let run = async {
            let mut ldap = self.connect().await?;
            let out = work(&mut ldap).await;
            // The outcome is known; a failed unbind changes nothing.
            let _ = ldap.unbind().await;
            out
        };
        tokio::time::timeout(self.budget(), run)
            .await
            .unwrap_or_else(|_| Err(self.too_slow()))
    }
    /// The DN of the one entry whose `match_attribute` is `key`.
    async fn find_person(&self, ldap: &mut Ldap, key: &str) -> Result<String, ConnectorError> {
        let filter = format!(
            "({}={})",
            self.settings.match_attribute,
            ldap3::ldap_escape(key)
        );
        ldap.with_timeout(self.timeout);
        let (entries, _) = ldap
            .search(
                &self.settings.users_base_dn,
                Scope::Subtree,
                &filter,
                vec!["1.1"],
            )
            .await
            .and_then(|result| result.success())
            .map_err(|err| match result_code(&err) {
                Some(rc::NO_SUCH_OBJECT) => ConnectorError::permanent(format!(
                    "the users base DN {} does not exist",
                    self.settings.users_base_dn
                )),
                _ => failure("cannot search for the person", err),
            })?;
        let mut dns = entries.into_iter().map(|e| SearchEntry::construct(e).dn);
        match (dns.next(), dns.next()) {
            (Some(dn), None) => Ok(dn),
            (None, _) => Err(ConnectorError::permanent(format!(
                "no entry under {} has {}={key}",
                self.settings.users_base_dn, self.settings.match_attribute
            ))),
            (Some(_), Some(_)) => Err(ConnectorError::permanent(format!(
                "more than one entry under {} has {}={key}",
                self.settings.users_base_dn, self.settings.match_attribute
            ))),
        }
    }

    fn key_of<'p>(&self, person: &'p Person) -> Result<&'p str, ConnectorError> {
        person.key(self.settings.match_by).ok_or_else(|| {
            ConnectorError::permanent(format!(
                "the person has no {} to match {} with",
                match_by_name(self.settings.match_by),
                self.settings.match_attribute
            ))
        })
    }

    /// The membership attribute and the value that stands for `person` in it.
    async fn member_value(
        &self,
        ldap: &mut Ldap,
        person: &Person,
    ) -> Result<(&'static str, String), ConnectorError> {
        let key = self.key_of(person)?;
        let attribute = membership_attribute(self.settings.membership);
        match self.settings.membership {
            LdapMembership::MemberUid => Ok((attribute, key.to_string())),
            LdapMembership::Member | LdapMembership::UniqueMember => {
                Ok((attribute, self.find_person(ldap, key).await?))
            }
        }
    }

    /// Adds (`add`) or removes `person`'s value in group `target`: on the kept connection
    /// when the connector keeps one, else on a fresh one.
    async fn change_member(
        &self,
        target: &str,
        person: &Person,
        add: bool,
    ) -> Result<(), ConnectorError> {
        let Some(kept) = &self.kept else {
            return self
                .with_connection(async |ldap: &mut Ldap| {
                    self.change_member_on(ldap, target, person, add).await
                })
                .await;
        };
        // Done, or refused by the directory: the connection is sound and is kept.
        let sound = |out: &Result<(), ConnectorError>| {
            out.as_ref().is_ok() || out.as_ref().is_err_and(|err| !err.retry)
        };
        let mut slot = kept.lock().await;
        if let Some(mut ldap) = slot.take() {
            let run = self.change_member_on(&mut ldap, target, person, add);
            if let Ok(out) = tokio::time::timeout(self.budget(), run).await
                && sound(&out)
            {
                *slot = Some(ldap);
                return out;
            }
            // Broken, or closed by the server while idle: dropped, and the change made again
            // on a fresh connection, which its being idempotent allows.
        }
        let run = async {
            let mut ldap = self.connect().await?;
            let out = self.change_member_on(&mut ldap, target, person, add).await;
            Ok::<_, ConnectorError>((ldap, out))
        };
        let (ldap, out) = tokio::time::timeout(self.budget(), run)
            .await
            .unwrap_or_else(|_| Err(self.too_slow()))?;
        if sound(&out) {
            *slot = Some(ldap);
        }
        out
    }

    /// [`LdapConnector::change_member`] on connection `ldap`.
    async fn change_member_on(
        &self,
        ldap: &mut Ldap,
        target: &str,
        person: &Person,
        add: bool,
    ) -> Result<(), ConnectorError> {
        let (attribute, value) = self.member_value(ldap, person).await?;
        let values = HashSet::from([value.as_str()]);
        let change = if add {
            Mod::Add(attribute, values)
        } else {
            Mod::Delete(attribute, values)
        };
        ldap.with_timeout(self.timeout);
        let result = ldap
            .modify(target, vec![change])
            .await
            .map_err(|err| failure("cannot change the group", err))?;
        match result.rc {
            0 => Ok(()),
            rc::ATTRIBUTE_OR_VALUE_EXISTS if add => Ok(()),
            rc::NO_SUCH_ATTRIBUTE if !add => Ok(()),
            rc::NO_SUCH_OBJECT => Err(ConnectorError::permanent(format!(
                "the group {target} does not exist"
            ))),
            code => Err(result_error(
                "the directory refused the change",
                code,
                &result.text,
            )),
        }
    }

    /// DN (normalised) -> key of everyone under `users_base_dn` with a `match_attribute`,
    /// read with paged searches.
    async fn keys_by_dn(&self, ldap: &mut Ldap) -> Result<HashMap<String, String>, ConnectorError> {
        let attribute = self.settings.match_attribute.clone();
        let filter = format!("({attribute}=*)");
        let adapters: Vec<Box<dyn Adapter<_, _>>> = vec![
            Box::new(EntriesOnly::new()),
            Box::new(PagedResults::new(PAGE_SIZE)),
        ];
        ldap.with_timeout(self.timeout);
        let mut stream = ldap
            .streaming_search_with(
                adapters,
                &self.settings.users_base_dn,
                Scope::Subtree,
                &filter,
                vec![attribute.clone()],
            )
            .await
            .map_err(|err| failure("cannot search for people", err))?;
        let mut keys = HashMap::new();
        while let Some(entry) = stream
            .next()
            .await
            .map_err(|err| failure("cannot read people", err))?
        {
            let entry = SearchEntry::construct(entry);
            if let Some(value) = first_value(&entry, &attribute) {
                keys.insert(normalise_dn(&entry.dn), value.to_lowercase());
            }
        }
        stream
            .finish()
            .await
            .success()
            .map_err(|err| failure("cannot read people", err))?;
        Ok(keys)
    }
}

impl Connector for LdapConnector {
    async fn test_connection(&self) -> Result<ConnectionReport, ConnectorError> {
        self.with_connection(async |ldap: &mut Ldap| {
            ldap.with_timeout(self.timeout);
            ldap.search(
                &self.settings.users_base_dn,
                Scope::Base,
                "(objectClass=*)",
                vec!["1.1"],
            )
            .await
            .and_then(|result| result.success())
            .map_err(|err| match result_code(&err) {
                Some(rc::NO_SUCH_OBJECT) => ConnectorError::permanent(format!(
                    "bound as {}, but the users base DN {} does not exist",
                    self.settings.bind_dn, self.settings.users_base_dn
                )),
                _ => failure("cannot read the users base DN", err),
            })?;
            Ok(ConnectionReport {
                summary: format!(
                    "connected to {}{}, bound as {}, read {}",
                    self.settings.url,
                    if self.settings.start_tls {
                        " with StartTLS"
                    } else {
                        ""
                    },
                    self.settings.bind_dn,
                    self.settings.users_base_dn
                ),
            })
        })
        .await
    }

    async fn add_member(&self, target: &str, person: &Person) -> Result<(), ConnectorError> {
        self.change_member(target, person, true).await
    }

    async fn remove_member(&self, target: &str, person: &Person) -> Result<(), ConnectorError> {
        self.change_member(target, person, false).await
    }

    /// LDAP groups are all an LDAP connector changes: people's entries are the directory's
    /// own, so there is nothing to deactivate.
    async fn deactivate(&self, _person: &Person) -> Result<(), ConnectorError> {
        Ok(())
    }

    async fn list_members(&self, target: &str) -> Result<Vec<String>, ConnectorError> {
        let attribute = membership_attribute(self.settings.membership);
        self.with_connection(async |ldap: &mut Ldap| {
            ldap.with_timeout(self.timeout);
            let (entries, _) = ldap
                .search(target, Scope::Base, "(objectClass=*)", vec![attribute])
                .await
                .and_then(|result| result.success())
                .map_err(|err| match result_code(&err) {
                    Some(rc::NO_SUCH_OBJECT) => {
                        ConnectorError::permanent(format!("the group {target} does not exist"))
                    }
                    _ => failure("cannot read the group", err),
                })?;
            let values: Vec<String> = entries
                .into_iter()
                .map(SearchEntry::construct)
                .flat_map(|entry| entry.attrs.get(attribute).cloned().unwrap_or_default())
                .collect();
            let mut keys = match self.settings.membership {
                LdapMembership::MemberUid => values.iter().map(|v| v.to_lowercase()).collect(),
                LdapMembership::Member | LdapMembership::UniqueMember => {
                    let mut keys = Vec::with_capacity(values.len());
                    let mut looked_up: Option<HashMap<String, String>> = None;
                    for dn in &values {
                        if let Some(key) = rdn_value(dn, &self.settings.match_attribute) {
                            keys.push(key.to_lowercase());
                            continue;
                        }
                        if looked_up.is_none() {
                            looked_up = Some(self.keys_by_dn(ldap).await?);
                        }
                        // A member that is not a person Tessera can match (a placeholder
                        // member, an entry elsewhere) has no key, and is left out.
                        if let Some(key) = looked_up
                            .as_ref()
                            .and_then(|map| map.get(&normalise_dn(dn)))
                        {
                            keys.push(key.clone());
                        }
                    }
                    keys
                }
            };
            keys.sort();
            keys.dedup();
            Ok(keys)
        })
        .await
    }

    fn member_key(&self, person: &Person) -> Option<String> {
        person.key(self.settings.match_by).map(str::to_lowercase)
    }
}

fn membership_attribute(membership: LdapMembership) -> &'static str {
    match membership {
        LdapMembership::Member => "member",
        LdapMembership::UniqueMember => "uniqueMember",
        LdapMembership::MemberUid => "memberUid",
    }
}

fn match_by_name(key: tessera_domain::connector::PersonKey) -> &'static str {
    use tessera_domain::connector::PersonKey;
    match key {
        PersonKey::Username => "username",
        PersonKey::Email => "e-mail address",
        PersonKey::ExternalId => "external id",
    }
}

fn first_value<'e>(entry: &'e SearchEntry, attribute: &str) -> Option<&'e str> {
    entry
        .attrs
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(attribute))
        .and_then(|(_, values)| values.first())
        .map(String::as_str)
}

/// The value of the first RDN of `dn` when its attribute is `attribute` and it is a simple
/// one (no escapes, not multi-valued); `None` otherwise.
fn rdn_value<'d>(dn: &'d str, attribute: &str) -> Option<&'d str> {
    let first = dn.split(',').next()?;
    if first.contains(['\\', '+', '"']) {
        return None;
    }
    let (name, value) = first.split_once('=')?;
    name.trim()
        .eq_ignore_ascii_case(attribute)
        .then(|| value.trim())
}

/// `dn` compared loosely: lowercase, no blanks around separators.
fn normalise_dn(dn: &str) -> String {
    dn.split(',')
        .map(|rdn| {
            rdn.split_once('=')
                .map(|(a, v)| format!("{}={}", a.trim(), v.trim()))
                .unwrap_or_else(|| rdn.trim().to_string())
        })
        .collect::<Vec<_>>()
        .join(",")
        .to_lowercase()
}

fn result_code(err: &LdapError) -> Option<u32> {
    match err {
        LdapError::LdapResult { result } => Some(result.rc),
        _ => None,
    }
}

fn result_error(what: &str, code: u32, text: &str) -> ConnectorError {
    let message = if text.trim().is_empty() {
        format!("{what} (LDAP result {code})")
    } else {
        format!("{what} (LDAP result {code}: {})", text.trim())
    };
    if matches!(code, rc::BUSY | rc::UNAVAILABLE | rc::OTHER) {
        ConnectorError::retry(message)
    } else {
        ConnectorError::permanent(message)
    }
}

/// `err` as a connector error: a refusal by the server keeps its result code; anything on the
/// way (connecting, TLS, a broken connection, a timeout) is worth retrying.
fn failure(what: &str, err: LdapError) -> ConnectorError {
    match err {
        LdapError::LdapResult { result } => result_error(what, result.rc, &result.text),
        LdapError::Timeout { .. } => ConnectorError::retry(format!("{what}: no answer in time")),
        LdapError::Rustls { source } => {
            ConnectorError::retry(format!("{what}: TLS failed: {source}"))
        }
        LdapError::Io { source } => ConnectorError::retry(format!("{what}: {source}")),
        other => ConnectorError::retry(format!("{what}: {other}")),
    }
}

/// The TLS client configuration: the system's roots and `ca_pem`'s certificates.
fn tls_config(ca_pem: Option<&str>) -> Result<rustls::ClientConfig, ConnectorError> {
    let mut roots = rustls::RootCertStore::empty();
    // Missing or unreadable system roots are not fatal when a CA certificate is given.
    let native = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(native.certs);
    if let Some(pem) = ca_pem {
        let mut added = 0;
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            let cert = cert.map_err(|_| {
                ConnectorError::permanent("ca_certificate is not a PEM certificate")
            })?;
            roots.add(cert).map_err(|err| {
                ConnectorError::permanent(format!("ca_certificate is not usable: {err}"))
            })?;
            added += 1;
        }
        if added == 0 {
            return Err(ConnectorError::permanent(
                "ca_certificate holds no PEM certificate",
            ));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| ConnectorError::permanent(format!("TLS set-up failed: {err}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_rdn_gives_the_key_only_when_it_is_the_match_attribute() {
        assert_eq!(rdn_value("uid=alice,ou=people,dc=x", "uid"), Some("alice"));
        assert_eq!(rdn_value("UID = alice ,ou=people", "uid"), Some("alice"));
        assert_eq!(rdn_value("cn=Alice,ou=people", "uid"), None);
        assert_eq!(rdn_value("uid=a\\,b,ou=people", "uid"), None);
        assert_eq!(rdn_value("uid=a+cn=b,ou=people", "uid"), None);
    }

    #[test]
    fn dns_compare_without_case_or_blanks() {
        assert_eq!(
            normalise_dn("CN=Alice Smith, OU=People,dc=Example"),
            "cn=alice smith,ou=people,dc=example"
        );
    }

    #[test]
    fn only_ldap_urls_are_accepted() {
        let settings = |url: &str| LdapSettings {
            url: url.into(),
            start_tls: false,
            ca_certificate: None,
            bind_dn: "cn=admin".into(),
            users_base_dn: "ou=people".into(),
            match_attribute: "uid".into(),
            match_by: tessera_domain::connector::PersonKey::Username,
            membership: LdapMembership::Member,
        };
        assert!(LdapConnector::new(&settings("ldap://127.0.0.1:389"), "pw").is_ok());
        assert!(LdapConnector::new(&settings("ldaps://ldap.example.org"), "pw").is_ok());
        let refused = LdapConnector::new(&settings("http://ldap.example.org"), "pw");
        assert!(refused.is_err_and(|err| !err.retry));
    }

    #[test]
    fn a_ca_certificate_that_is_not_pem_is_refused() {
        assert!(tls_config(Some("not a certificate")).is_err());
    }

    #[test]
    fn busy_servers_are_retried_and_refusals_are_not() {
        assert!(result_error("x", rc::BUSY, "").retry);
        assert!(!result_error("x", 50, "insufficient access").retry);
    }
}

//! Configuration: one typed struct, layered. Defaults, then an optional TOML file, then
//! `TESSERA_*` environment variables (nested keys with `__`, e.g. `TESSERA_SESSION__LIFETIME_MINUTES`),
//! then `DATABASE_URL`, then command-line flags. Validated once at start-up.
//!
//! Unknown keys in the file are refused: the file is Tessera's alone. Unknown `TESSERA_*`
//! variables are left out with a warning ([`unknown_environment_variables`]): the environment is
//! shared with other tools (a CI system's `TESSERA_BIN`). `tessera config check` refuses both.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use url::Url;

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Address and port to listen on.
    pub listen: SocketAddr,
    /// `sqlite://FILE` (created when missing) or `postgres://USER@HOST/DB`.
    pub database_url: String,
    /// The URL people use to reach Tessera. Defaults to `http://<listen>`.
    pub public_url: Option<Url>,
    /// Directory holding the built web app (`index.html`, `pkg/`).
    pub web_dir: PathBuf,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    pub session: SessionSettings,
    pub sign_in_limit: SignInLimitSettings,
    pub password_hashing: PasswordHashingSettings,
    pub jobs: JobsSettings,
    pub log: LogSettings,
    /// The SMTP server that notifications are e-mailed through. Without it, notifications are
    /// only shown in the portal and wait in the outbox until it is configured.
    #[serde(default)]
    pub smtp: Option<SmtpSettings>,
    #[serde(default)]
    pub auth: AuthSettings,
    #[serde(default)]
    pub oidc: OidcSettings,
    #[serde(default)]
    pub guests: GuestSettings,
    #[serde(default)]
    pub webhooks: WebhookSettings,
    #[serde(default)]
    pub provisioning: ProvisioningSettings,
    #[serde(default)]
    pub metrics: MetricsSettings,
}

/// Where Prometheus reads `/metrics`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSettings {
    /// An address of their own, such as `127.0.0.1:9187`, where `/metrics` is served without
    /// authentication (and not on the main port). Unset: on the main port, for
    /// administrators' and service accounts' API tokens.
    #[serde(default)]
    pub listen: Option<SocketAddr>,
}

/// Pushing membership changes to connected systems (see `service::provisioning`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProvisioningSettings {
    /// Milliseconds between rounds of the provisioning worker, which runs on every replica
    /// whose scheduler runs (`jobs.interval_seconds` above 0).
    pub poll_interval_ms: u64,
    /// Seconds connecting to a target, and each request to it, may take.
    pub timeout_seconds: u64,
    /// Attempts at one operation before it is marked `failed`.
    pub max_attempts: u32,
    /// Seconds before each retry: the first after the first failure, and so on; the last is
    /// repeated. Each wait gets up to 10% of random jitter.
    pub retry_delays_seconds: Vec<u64>,
}

impl Default for ProvisioningSettings {
    fn default() -> Self {
        ProvisioningSettings {
            poll_interval_ms: 1000,
            timeout_seconds: 10,
            max_attempts: 10,
            retry_delays_seconds: vec![5, 60, 300, 1800, 7200, 18000],
        }
    }
}

/// Signed webhook deliveries (see `service::webhooks`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookSettings {
    /// Milliseconds between delivery rounds of the webhook worker, which runs on every replica
    /// whose scheduler runs (`jobs.interval_seconds` above 0).
    pub poll_interval_ms: u64,
    /// Seconds one delivery attempt may take, connecting included.
    pub timeout_seconds: u64,
    /// Attempts at one delivery before it is marked `failed`.
    pub max_attempts: u32,
    /// Seconds before each retry: the first after the first failure, and so on; the last is
    /// repeated. Each wait gets up to 10% of random jitter.
    pub retry_delays_seconds: Vec<u64>,
    /// Hours a rotated signing secret stays valid next to the new one.
    pub secret_rotation_overlap_hours: u32,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            poll_interval_ms: 1000,
            timeout_seconds: 10,
            max_attempts: 10,
            retry_delays_seconds: vec![5, 300, 1800, 7200, 18000, 36000],
            secret_rotation_overlap_hours: 24,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    /// Whether people may sign in with a Tessera password. When false, only the usernames in
    /// `break_glass` may (administrators' way in when the identity provider is down).
    #[serde(default = "AuthSettings::default_local_passwords")]
    pub local_passwords: bool,
    #[serde(default)]
    pub break_glass: Vec<String>,
}

impl AuthSettings {
    fn default_local_passwords() -> bool {
        true
    }

    /// Whether `username` (as typed, trimmed and lowercased) may sign in with a password.
    pub fn allows_password(&self, username: &str) -> bool {
        self.local_passwords || self.break_glass.iter().any(|name| name == username)
    }
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            local_passwords: true,
            break_glass: Vec::new(),
        }
    }
}

/// OpenID Connect identity providers people sign in with, and whose access tokens scripts
/// may call the API with.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcSettings {
    #[serde(default)]
    pub providers: Vec<OidcProviderSettings>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcProviderSettings {
    /// Appears in URLs: `a-z`, `0-9`, `-` and `_`, unique.
    pub id: String,
    /// The name on the sign-in button.
    pub name: String,
    /// The issuer; its `/.well-known/openid-configuration` describes the provider. https, or
    /// http on a loopback host (tests, development). Compared with tokens' `iss` exactly, so
    /// written as the provider spells it (with or without a trailing `/`).
    pub issuer: String,
    pub client_id: String,
    /// Never written out. Also read from `client_secret_file` or from the environment
    /// variable `TESSERA_OIDC__<ID>__CLIENT_SECRET` (the id uppercased, `-` as `_`), which wins.
    #[serde(default, skip_serializing, deserialize_with = "secret_text_or_number")]
    pub client_secret: Option<secrecy::SecretString>,
    #[serde(default)]
    pub client_secret_file: Option<PathBuf>,
    #[serde(default = "OidcProviderSettings::default_scopes")]
    pub scopes: Vec<String>,
    /// The claim a new user's username comes from; else the verified e-mail's local part.
    #[serde(default = "OidcProviderSettings::default_username_claim")]
    pub username_claim: String,
    /// The claim matched against users' `external_id` (set by an import or SCIM).
    #[serde(default = "OidcProviderSettings::default_external_id_claim")]
    pub external_id_claim: String,
    /// Whether a first sign-in of someone unknown creates their user.
    #[serde(default = "OidcProviderSettings::default_create_users")]
    pub create_users: bool,
    /// E-mail domains new users may come from; empty: any.
    #[serde(default)]
    pub allowed_domains: Vec<String>,
    /// When set, Bearer JWT access tokens of this provider with this `aud` are accepted for the
    /// API, as the service account `service_accounts` maps their client to.
    #[serde(default)]
    pub api_audience: Option<String>,
    /// The access-token claim naming the calling client.
    #[serde(default)]
    pub api_client_claim: ApiClientClaim,
    /// The client claim's value → the username of a Tessera service account.
    #[serde(default)]
    pub service_accounts: std::collections::BTreeMap<String, String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiClientClaim {
    Sub,
    #[default]
    ClientId,
    Azp,
}

impl ApiClientClaim {
    pub fn name(self) -> &'static str {
        match self {
            ApiClientClaim::Sub => "sub",
            ApiClientClaim::ClientId => "client_id",
            ApiClientClaim::Azp => "azp",
        }
    }
}

impl OidcProviderSettings {
    fn default_scopes() -> Vec<String> {
        ["openid", "email", "profile"].map(String::from).to_vec()
    }

    fn default_username_claim() -> String {
        "preferred_username".into()
    }

    fn default_external_id_claim() -> String {
        "sub".into()
    }

    fn default_create_users() -> bool {
        true
    }

    /// The environment variable holding this provider's client secret.
    pub fn secret_variable(&self) -> String {
        format!(
            "{ENV_PREFIX}OIDC__{}__CLIENT_SECRET",
            self.id.to_ascii_uppercase().replace('-', "_")
        )
    }

    /// Fills `client_secret` from the environment or `client_secret_file`.
    fn resolve_secret(&mut self) -> Result<(), ConfigError> {
        let invalid = |setting: &'static str, reason: String| ConfigError::InvalidProvider {
            id: self.id.clone(),
            setting,
            reason,
        };
        if self.client_secret.is_some() && self.client_secret_file.is_some() {
            return Err(invalid(
                "client_secret_file",
                "give client_secret or client_secret_file, not both".into(),
            ));
        }
        if let Some(path) = &self.client_secret_file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| invalid("client_secret_file", format!("cannot read it: {e}")))?;
            self.client_secret = Some(secrecy::SecretString::from(text.trim().to_string()));
        }
        if let Ok(secret) = std::env::var(self.secret_variable()) {
            self.client_secret = Some(secrecy::SecretString::from(secret));
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), ConfigError> {
        use secrecy::ExposeSecret;
        let invalid = |setting: &'static str, reason: &str| ConfigError::InvalidProvider {
            id: self.id.clone(),
            setting,
            reason: reason.into(),
        };
        let id_ok = (1..=32).contains(&self.id.len())
            && self
                .id
                .starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && self
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_'));
        if !id_ok {
            return Err(invalid(
                "id",
                "must be 1 to 32 characters of a-z, 0-9, '-' and '_', starting with a letter or digit",
            ));
        }
        if self.name.trim().is_empty() {
            return Err(invalid("name", "must not be empty"));
        }
        let Ok(issuer) = Url::parse(&self.issuer) else {
            return Err(invalid("issuer", "must be a URL"));
        };
        let loopback = match issuer.host() {
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        };
        match issuer.scheme() {
            "https" => {}
            "http" if loopback => {}
            _ => {
                return Err(invalid(
                    "issuer",
                    "must be an https URL (plain http only on a loopback host)",
                ));
            }
        }
        if self.client_id.trim().is_empty() {
            return Err(invalid("client_id", "must not be empty"));
        }
        if self
            .client_secret
            .as_ref()
            .is_none_or(|secret| secret.expose_secret().is_empty())
        {
            return Err(invalid(
                "client_secret",
                "is required (or client_secret_file, or the environment variable)",
            ));
        }
        if !self.scopes.iter().any(|scope| scope == "openid") {
            return Err(invalid("scopes", "must include openid"));
        }
        if self.username_claim.is_empty() || self.external_id_claim.is_empty() {
            return Err(invalid(
                "username_claim",
                "username_claim and external_id_claim must not be empty",
            ));
        }
        if self
            .allowed_domains
            .iter()
            .any(|d| d.is_empty() || d.contains('@') || d.to_ascii_lowercase() != *d)
        {
            return Err(invalid(
                "allowed_domains",
                "must be lowercase domains such as example.org",
            ));
        }
        if self.api_audience.as_deref().is_some_and(str::is_empty) {
            return Err(invalid("api_audience", "must not be empty when set"));
        }
        Ok(())
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpSettings {
    /// The SMTP server's host name (checked against its certificate with TLS).
    pub host: String,
    #[serde(default = "SmtpSettings::default_port")]
    pub port: u16,
    /// The sender: `tessera@example.org` or `Tessera <tessera@example.org>`.
    pub from: String,
    /// For servers that want a sign-in; needs `password` and a TLS `security`.
    #[serde(default, deserialize_with = "text_or_number")]
    pub username: Option<String>,
    /// Never written out: `skip_serializing` keeps it out of every serialized copy.
    #[serde(default, skip_serializing, deserialize_with = "secret_text_or_number")]
    pub password: Option<secrecy::SecretString>,
    /// `none` (plain SMTP), `starttls` (upgrade, required) or `tls` (TLS from the start).
    #[serde(default = "SmtpSettings::default_security")]
    pub security: SmtpSecurity,
    /// How long one step of talking to the server may take.
    #[serde(default = "SmtpSettings::default_timeout_seconds")]
    pub timeout_seconds: u64,
}

impl SmtpSettings {
    fn default_port() -> u16 {
        25
    }

    fn default_security() -> SmtpSecurity {
        SmtpSecurity::Starttls
    }

    fn default_timeout_seconds() -> u64 {
        30
    }

    /// A server on this machine, where credentials in clear text do not cross a network.
    fn is_loopback(&self) -> bool {
        let host = self.host.trim_start_matches('[').trim_end_matches(']');
        host.eq_ignore_ascii_case("localhost")
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    None,
    Starttls,
    Tls,
}

/// Environment values are parsed, so `TESSERA_SMTP__PASSWORD=123456` arrives as a number:
/// credentials take numbers and booleans as the text they were written as.
fn text_or_number<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Scalar {
        Text(String),
        Unsigned(u64),
        Signed(i64),
        Float(f64),
        Bool(bool),
    }
    Ok(
        Option::<Scalar>::deserialize(deserializer)?.map(|scalar| match scalar {
            Scalar::Text(text) => text,
            Scalar::Unsigned(n) => n.to_string(),
            Scalar::Signed(n) => n.to_string(),
            Scalar::Float(n) => n.to_string(),
            Scalar::Bool(b) => b.to_string(),
        }),
    )
}

fn secret_text_or_number<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<secrecy::SecretString>, D::Error> {
    Ok(text_or_number(deserializer)?.map(secrecy::SecretString::from))
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobsSettings {
    /// Seconds between rounds of scheduled work (starting and expiring assignments, e-mailing
    /// notifications); `0` runs none in this process, for replicas that only serve requests.
    pub interval_seconds: u64,
}

/// The lifecycle of guests who lose their last access, as Microsoft Entra's "manage the
/// lifecycle of external users" does it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuestSettings {
    /// Block a guest from signing in once they held access and have none left: nothing
    /// delivered, nothing scheduled to start, no request open.
    #[serde(default = "GuestSettings::default_block")]
    pub block_when_last_assignment_ends: bool,
    /// Days a blocked guest stays before they are removed (deleted, leaving a tombstone);
    /// `0` never removes them.
    #[serde(default = "GuestSettings::default_remove_after_days")]
    pub remove_after_days: u32,
    /// Whether guests may create API tokens for themselves. Off by default: a guest's access
    /// is meant for the portal, and a token outlives the browser session it was made in.
    #[serde(default)]
    pub allow_api_tokens: bool,
}

impl GuestSettings {
    fn default_block() -> bool {
        true
    }

    fn default_remove_after_days() -> u32 {
        30
    }

    /// How long a blocked guest stays before removal; `None` when they are never removed.
    pub fn removal_delay(&self) -> Option<chrono::Duration> {
        (self.remove_after_days > 0).then(|| chrono::Duration::days(self.remove_after_days.into()))
    }
}

impl Default for GuestSettings {
    fn default() -> Self {
        GuestSettings {
            block_when_last_assignment_ends: Self::default_block(),
            remove_after_days: Self::default_remove_after_days(),
            allow_api_tokens: false,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionSettings {
    /// Lifetime of one session token; it is renewed while the browser is in use.
    pub token_minutes: u32,
    /// A session ends this long after sign-in, however active.
    pub max_hours: u32,
    /// `auto` (Secure unless the public URL is plain http on a loopback host), `always`, `never`.
    pub secure_cookie: SecureCookie,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecureCookie {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordHashingSettings {
    /// Threads that hash passwords (sign-ins, password changes), each holding one 19 MiB
    /// Argon2 buffer; `0` means one per CPU core. At most this many hashes run at once.
    pub threads: u32,
    /// How long a request waits for a free thread before it is answered 503 with Retry-After.
    pub wait_ms: u64,
    /// Argon2id memory cost of new hashes, in KiB (19456: OWASP's 19 MiB). Hashes already
    /// stored keep the parameters they were made with and verify as such.
    pub memory_kib: u32,
    /// Argon2id passes over the memory for new hashes (OWASP: 2 with 19 MiB).
    pub iterations: u32,
}

impl PasswordHashingSettings {
    /// The production parameters: Argon2id with 19 MiB and 2 passes, OWASP's recommendation.
    pub const MEMORY_KIB: u32 = 19 * 1024;
    pub const ITERATIONS: u32 = 2;

    /// Whether the cost is below OWASP's minimum (any of its equivalent pairs, the cheapest
    /// being 7 MiB with 5 passes). Only tests set such parameters, to save time.
    pub fn below_owasp_minimum(&self) -> bool {
        self.memory_kib < 7 * 1024
            || u64::from(self.memory_kib) * u64::from(self.iterations) < 7 * 1024 * 5
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInLimitSettings {
    /// Failed sign-ins allowed for one username from one client address before that pair is
    /// locked out.
    pub failures_per_address: u32,
    /// The first lockout of a (username, address) pair; each further one lasts twice as long.
    pub lockout_seconds: u64,
    /// The longest lockout.
    pub max_lockout_seconds: u64,
    /// Failed sign-ins allowed per username across all addresses within the window; beyond
    /// it only addresses that have not failed for that username may try.
    pub failures_per_username: u32,
    /// Sign-in attempts allowed per client address within the window.
    pub attempts_per_address: u32,
    pub window_seconds: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    /// `text` for people, `json` for log collectors.
    pub format: LogFormat,
    /// A `tracing` filter such as `info` or `tessera=debug,sqlx=warn`.
    pub filter: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    Text,
    Json,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "sqlite://tessera.db".into(),
            public_url: None,
            web_dir: PathBuf::from("crates/web/dist"),
            max_body_bytes: 256 * 1024,
            session: SessionSettings {
                token_minutes: 15,
                max_hours: 12,
                secure_cookie: SecureCookie::Auto,
            },
            sign_in_limit: SignInLimitSettings {
                failures_per_address: 5,
                lockout_seconds: 60,
                max_lockout_seconds: 60 * 60,
                failures_per_username: 20,
                attempts_per_address: 30,
                window_seconds: 15 * 60,
            },
            password_hashing: PasswordHashingSettings {
                threads: 0,
                wait_ms: 3000,
                memory_kib: PasswordHashingSettings::MEMORY_KIB,
                iterations: PasswordHashingSettings::ITERATIONS,
            },
            jobs: JobsSettings {
                interval_seconds: 30,
            },
            log: LogSettings {
                format: LogFormat::Text,
                filter: "info".into(),
            },
            smtp: None,
            auth: AuthSettings::default(),
            oidc: OidcSettings::default(),
            guests: GuestSettings::default(),
            webhooks: WebhookSettings::default(),
            provisioning: ProvisioningSettings::default(),
            metrics: MetricsSettings::default(),
        }
    }
}

/// Values given on the command line; they win over every other layer.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub listen: Option<SocketAddr>,
    pub database_url: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration file {0} does not exist")]
    MissingFile(PathBuf),
    #[error("invalid configuration: {0}")]
    Parse(String),
    #[error("invalid setting `{setting}`: {reason}")]
    Invalid {
        setting: &'static str,
        reason: String,
    },
    #[error("invalid setting `oidc.providers.{setting}` of provider {id:?}: {reason}")]
    InvalidProvider {
        id: String,
        setting: &'static str,
        reason: String,
    },
}

/// The prefix of the environment variables that set settings.
const ENV_PREFIX: &str = "TESSERA_";

/// `TESSERA_CONFIG` names the file itself (read by the command line), not a setting.
const ENV_NOT_SETTINGS: [&str; 1] = ["CONFIG"];

/// Every setting's dotted key (`session.token_minutes`) and every table's (`session`), as
/// written in the file and, with `__`, in the environment.
fn known_keys() -> Vec<String> {
    fn collect(prefix: &str, value: &serde_json::Value, keys: &mut Vec<String>) {
        if let serde_json::Value::Object(fields) = value {
            for (name, inner) in fields {
                let key = if prefix.is_empty() {
                    name.clone()
                } else {
                    format!("{prefix}.{name}")
                };
                collect(&key, inner, keys);
                keys.push(key);
            }
        }
    }
    // Every optional part present, so that each of its keys is listed.
    let sample = Settings {
        public_url: Url::parse("https://example.org/").ok(),
        smtp: Some(SmtpSettings {
            host: String::new(),
            port: SmtpSettings::default_port(),
            from: String::new(),
            username: Some(String::new()),
            password: None,
            security: SmtpSettings::default_security(),
            timeout_seconds: SmtpSettings::default_timeout_seconds(),
        }),
        metrics: MetricsSettings {
            listen: Some(SocketAddr::from(([127, 0, 0, 1], 9187))),
        },
        ..Settings::default()
    };
    let mut keys = Vec::new();
    collect(
        "",
        &serde_json::to_value(&sample).unwrap_or_default(),
        &mut keys,
    );
    // Secrets are never serialized, so they are named here.
    keys.push("smtp.password".into());
    keys
}

/// Whether `key` is a provider's client secret (`oidc.<id>.client_secret`, from
/// `TESSERA_OIDC__<ID>__CLIENT_SECRET`), which the provider reads itself.
fn is_provider_secret_key(key: &str) -> bool {
    key.strip_prefix("oidc.")
        .and_then(|rest| rest.strip_suffix(".client_secret"))
        .is_some_and(|id| !id.is_empty() && !id.contains('.'))
}

/// The setting key an environment variable names (`TESSERA_SMTP__HOST` is `smtp.host`), or
/// `None` when the variable is not one of Tessera's settings variables.
fn env_key(variable: &str) -> Option<String> {
    let head = variable.get(..ENV_PREFIX.len())?;
    if !head.eq_ignore_ascii_case(ENV_PREFIX) {
        return None;
    }
    let rest = &variable[ENV_PREFIX.len()..];
    if ENV_NOT_SETTINGS
        .iter()
        .any(|name| name.eq_ignore_ascii_case(rest))
    {
        return None;
    }
    Some(rest.to_ascii_lowercase().replace("__", "."))
}

/// The `TESSERA_*` variables in this process's environment that name no setting, sorted.
/// Loading leaves them out; the server warns about each, `tessera config check` fails.
pub fn unknown_environment_variables() -> Vec<String> {
    let known = known_keys();
    let mut unknown: Vec<String> = std::env::vars_os()
        .filter_map(|(name, _)| name.into_string().ok())
        .filter(|name| {
            env_key(name).is_some_and(|key| !known.contains(&key) && !is_provider_secret_key(&key))
        })
        .collect();
    unknown.sort();
    unknown
}

impl Settings {
    /// Reads every layer and validates the result. Unknown `TESSERA_*` variables are left out
    /// (see [`unknown_environment_variables`]).
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Settings, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(file) = file {
            if !file.exists() {
                return Err(ConfigError::MissingFile(file.to_path_buf()));
            }
            figment = figment.merge(Toml::file_exact(file));
        }
        let known = known_keys();
        figment = figment
            .merge(
                Env::prefixed(ENV_PREFIX)
                    .ignore(&ENV_NOT_SETTINGS)
                    .split("__")
                    .filter(move |key| known.contains(&key.as_str().to_ascii_lowercase())),
            )
            .merge(Env::raw().only(&["DATABASE_URL"]));
        if let Some(listen) = overrides.listen {
            figment = figment.merge(Serialized::default("listen", listen));
        }
        if let Some(url) = &overrides.database_url {
            figment = figment.merge(Serialized::default("database_url", url));
        }
        let mut settings: Settings = figment
            .extract()
            .map_err(|e| ConfigError::Parse(e.to_string()))?;
        for provider in &mut settings.oidc.providers {
            provider.resolve_secret()?;
        }
        for name in &mut settings.auth.break_glass {
            *name = name.trim().to_lowercase();
        }
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let hooks = &self.webhooks;
        for (ok, setting, reason) in [
            (
                hooks.poll_interval_ms > 0,
                "webhooks.poll_interval_ms",
                "must be above 0",
            ),
            (
                (1..=300).contains(&hooks.timeout_seconds),
                "webhooks.timeout_seconds",
                "must be between 1 and 300",
            ),
            (
                (1..=100).contains(&hooks.max_attempts),
                "webhooks.max_attempts",
                "must be between 1 and 100",
            ),
            (
                !hooks.retry_delays_seconds.is_empty()
                    && hooks
                        .retry_delays_seconds
                        .iter()
                        .all(|s| (1..=7 * 24 * 3600).contains(s)),
                "webhooks.retry_delays_seconds",
                "must list 1 or more waits, each 1 to 604800 seconds",
            ),
            (
                hooks.secret_rotation_overlap_hours <= 24 * 30,
                "webhooks.secret_rotation_overlap_hours",
                "must be at most 720",
            ),
            (
                self.provisioning.poll_interval_ms > 0,
                "provisioning.poll_interval_ms",
                "must be above 0",
            ),
            (
                (1..=300).contains(&self.provisioning.timeout_seconds),
                "provisioning.timeout_seconds",
                "must be between 1 and 300",
            ),
            (
                (1..=100).contains(&self.provisioning.max_attempts),
                "provisioning.max_attempts",
                "must be between 1 and 100",
            ),
            (
                !self.provisioning.retry_delays_seconds.is_empty()
                    && self
                        .provisioning
                        .retry_delays_seconds
                        .iter()
                        .all(|s| (1..=7 * 24 * 3600).contains(s)),
                "provisioning.retry_delays_seconds",
                "must list 1 or more waits, each 1 to 604800 seconds",
            ),
        ] {
            if !ok {
                return Err(ConfigError::Invalid {
                    setting,
                    reason: reason.into(),
                });
            }
        }
        if crate::store::Backend::of_url(&self.database_url).is_none() {
            return Err(ConfigError::Invalid {
                setting: "database_url",
                reason: "must start with sqlite: or postgres://".into(),
            });
        }
        if self
            .metrics
            .listen
            .is_some_and(|metrics| metrics.port() != 0 && metrics == self.listen)
        {
            return Err(ConfigError::Invalid {
                setting: "metrics.listen",
                reason: "must be another address than `listen`".into(),
            });
        }
        if let Some(url) = &self.public_url
            && !matches!(url.scheme(), "http" | "https")
        {
            return Err(ConfigError::Invalid {
                setting: "public_url",
                reason: "must be an http or https URL".into(),
            });
        }
        if !(1..=24 * 60).contains(&self.session.token_minutes) {
            return Err(ConfigError::Invalid {
                setting: "session.token_minutes",
                reason: "must be between 1 and 1440".into(),
            });
        }
        if !(1..=24 * 30).contains(&self.session.max_hours) {
            return Err(ConfigError::Invalid {
                setting: "session.max_hours",
                reason: "must be between 1 and 720".into(),
            });
        }
        let limit = &self.sign_in_limit;
        if limit.failures_per_address == 0
            || limit.failures_per_username == 0
            || limit.attempts_per_address == 0
            || limit.window_seconds == 0
            || limit.lockout_seconds == 0
            || limit.max_lockout_seconds < limit.lockout_seconds
        {
            return Err(ConfigError::Invalid {
                setting: "sign_in_limit",
                reason: "limits, the window and the lockout must be greater than zero, and \
                         max_lockout_seconds at least lockout_seconds"
                    .into(),
            });
        }
        if self.password_hashing.threads > 256 || self.password_hashing.wait_ms > 60_000 {
            return Err(ConfigError::Invalid {
                setting: "password_hashing",
                reason: "threads must be at most 256 and wait_ms at most 60000".into(),
            });
        }
        if !(8..=1024 * 1024).contains(&self.password_hashing.memory_kib)
            || !(1..=64).contains(&self.password_hashing.iterations)
        {
            return Err(ConfigError::Invalid {
                setting: "password_hashing",
                reason: "memory_kib must be between 8 and 1048576 and iterations between 1 and 64"
                    .into(),
            });
        }
        if !(1024..=64 * 1024 * 1024).contains(&self.max_body_bytes) {
            return Err(ConfigError::Invalid {
                setting: "max_body_bytes",
                reason: "must be between 1024 and 67108864".into(),
            });
        }
        if let Some(smtp) = &self.smtp {
            smtp.validate()?;
        }
        let providers = &self.oidc.providers;
        for (n, provider) in providers.iter().enumerate() {
            provider.validate()?;
            if providers[..n].iter().any(|other| other.id == provider.id) {
                return Err(ConfigError::InvalidProvider {
                    id: provider.id.clone(),
                    setting: "id",
                    reason: "another provider has this id".into(),
                });
            }
        }
        if !self.auth.local_passwords && providers.is_empty() && self.auth.break_glass.is_empty() {
            return Err(ConfigError::Invalid {
                setting: "auth.local_passwords",
                reason: "with passwords switched off, configure an OpenID Connect provider or \
                         name break_glass administrators, or nobody can sign in"
                    .into(),
            });
        }
        if self.guests.remove_after_days > 3660 {
            return Err(ConfigError::Invalid {
                setting: "guests.remove_after_days",
                reason: "must be at most 3660 (0 never removes blocked guests)".into(),
            });
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log.filter).is_err() {
            return Err(ConfigError::Invalid {
                setting: "log.filter",
                reason: format!("{:?} is not a tracing filter", self.log.filter),
            });
        }
        Ok(())
    }

    /// Every setting as a `key = value` line (TOML with dotted keys), sorted, the way this
    /// process would run: `public_url` filled in, secrets shown only as `"(hidden)"`, and a
    /// password in `database_url` masked. For `tessera config check`.
    pub fn describe(&self) -> Vec<String> {
        fn flatten(prefix: &str, value: &serde_json::Value, lines: &mut Vec<(String, String)>) {
            match value {
                serde_json::Value::Object(fields) => {
                    for (name, inner) in fields {
                        let key = if prefix.is_empty() {
                            name.clone()
                        } else {
                            format!("{prefix}.{name}")
                        };
                        flatten(&key, inner, lines);
                    }
                }
                serde_json::Value::Null => {}
                other => lines.push((prefix.to_string(), other.to_string())),
            }
        }
        let mut shown = self.clone();
        shown.public_url = Some(self.public_url());
        shown.database_url = mask_password(&self.database_url);
        let mut lines = Vec::new();
        flatten(
            "",
            &serde_json::to_value(&shown).unwrap_or_default(),
            &mut lines,
        );
        if self
            .smtp
            .as_ref()
            .is_some_and(|smtp| smtp.password.is_some())
        {
            lines.push(("smtp.password".into(), "\"(hidden)\"".into()));
        }
        for provider in &self.oidc.providers {
            if provider.client_secret.is_some() {
                lines.push((
                    format!("oidc.providers.{}.client_secret", provider.id),
                    "\"(hidden)\"".into(),
                ));
            }
        }
        lines.sort();
        lines
            .into_iter()
            .map(|(key, value)| format!("{key} = {value}"))
            .collect()
    }

    /// The URL people use, for links and for deciding whether cookies are `Secure`.
    pub fn public_url(&self) -> Url {
        match &self.public_url {
            Some(url) => url.clone(),
            None => {
                let text = format!("http://{}/", self.listen);
                // A SocketAddr always forms a valid URL authority.
                Url::parse(&text).unwrap_or_else(|_| unreachable_url())
            }
        }
    }

    pub fn cookies_secure(&self) -> bool {
        match self.session.secure_cookie {
            SecureCookie::Always => true,
            SecureCookie::Never => false,
            SecureCookie::Auto => {
                let url = self.public_url();
                let loopback = match url.host() {
                    Some(url::Host::Domain(d)) => d == "localhost",
                    Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                    Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                    None => false,
                };
                !(url.scheme() == "http" && loopback)
            }
        }
    }
}

impl SmtpSettings {
    fn validate(&self) -> Result<(), ConfigError> {
        if self.host.trim().is_empty() {
            return Err(ConfigError::Invalid {
                setting: "smtp.host",
                reason: "must not be empty".into(),
            });
        }
        if self.port == 0 {
            return Err(ConfigError::Invalid {
                setting: "smtp.port",
                reason: "must be between 1 and 65535".into(),
            });
        }
        if self.from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(ConfigError::Invalid {
                setting: "smtp.from",
                reason: "must be an address such as tessera@example.org or \
                         `Tessera <tessera@example.org>`"
                    .into(),
            });
        }
        if self.username.is_some() != self.password.is_some() {
            return Err(ConfigError::Invalid {
                setting: "smtp.username",
                reason: "username and password go together".into(),
            });
        }
        if self.username.is_some() && self.security == SmtpSecurity::None && !self.is_loopback() {
            return Err(ConfigError::Invalid {
                setting: "smtp.security",
                reason: "must be starttls or tls when signing in to a server on another machine"
                    .into(),
            });
        }
        if !(1..=600).contains(&self.timeout_seconds) {
            return Err(ConfigError::Invalid {
                setting: "smtp.timeout_seconds",
                reason: "must be between 1 and 600".into(),
            });
        }
        Ok(())
    }
}

/// `postgres://tessera:secret@db/tessera` shown as `postgres://tessera:(hidden)@db/tessera`.
fn mask_password(database_url: &str) -> String {
    match Url::parse(database_url) {
        Ok(mut url) if url.password().is_some() => {
            if url.set_password(Some("(hidden)")).is_ok() {
                url.to_string()
            } else {
                "(hidden)".into()
            }
        }
        _ => database_url.to_string(),
    }
}

#[allow(clippy::unwrap_used)]
fn unreachable_url() -> Url {
    Url::parse("http://127.0.0.1/").unwrap()
}

#[cfg(test)]
// figment's Jail closures return its large error type; that is the library's design.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_secure_unless_plain_http_on_loopback() {
        let mut settings = Settings::default();
        assert!(!settings.cookies_secure());
        settings.public_url = Url::parse("https://access.example.org").ok();
        assert!(settings.cookies_secure());
        settings.public_url = Url::parse("http://10.1.2.3:8080").ok();
        assert!(settings.cookies_secure());
        settings.session.secure_cookie = SecureCookie::Never;
        assert!(!settings.cookies_secure());
    }

    // Tests that read the environment run inside figment's Jail, which serialises them, so one
    // test's variables never leak into another's.
    #[test]
    fn argon2_costs_come_from_the_environment_and_out_of_bounds_ones_are_refused() {
        figment::Jail::expect_with(|jail| {
            let defaults = Settings::load(None, &Overrides::default())
                .map_err(|e| e.to_string())?
                .password_hashing;
            assert_eq!((defaults.memory_kib, defaults.iterations), (19456, 2));
            jail.set_env("TESSERA_PASSWORD_HASHING__MEMORY_KIB", "8");
            jail.set_env("TESSERA_PASSWORD_HASHING__ITERATIONS", "1");
            let cheap = Settings::load(None, &Overrides::default())
                .map_err(|e| e.to_string())?
                .password_hashing;
            assert_eq!((cheap.memory_kib, cheap.iterations), (8, 1));
            for (memory, iterations) in [("7", "1"), ("8", "0"), ("2000000", "2")] {
                jail.set_env("TESSERA_PASSWORD_HASHING__MEMORY_KIB", memory);
                jail.set_env("TESSERA_PASSWORD_HASHING__ITERATIONS", iterations);
                let err = Settings::load(None, &Overrides::default())
                    .err()
                    .map(|e| e.to_string())
                    .unwrap_or_default();
                assert!(
                    err.starts_with("invalid setting `password_hashing`: memory_kib must be"),
                    "{memory}, {iterations}: {err}"
                );
            }
            Ok(())
        });
    }

    #[test]
    fn a_bad_database_url_names_the_setting() {
        figment::Jail::expect_with(|_| {
            let overrides = Overrides {
                database_url: Some("mysql://x".into()),
                ..Overrides::default()
            };
            let err = Settings::load(None, &overrides)
                .err()
                .map(|e| e.to_string());
            assert_eq!(
                err.as_deref(),
                Some("invalid setting `database_url`: must start with sqlite: or postgres://")
            );
            Ok(())
        });
    }

    #[test]
    fn the_guest_lifecycle_is_on_by_default_and_set_by_file_or_environment() {
        figment::Jail::expect_with(|jail| {
            let settings =
                Settings::load(None, &Overrides::default()).map_err(|e| e.to_string())?;
            assert!(settings.guests.block_when_last_assignment_ends);
            assert_eq!(settings.guests.remove_after_days, 30);
            assert_eq!(
                settings.guests.removal_delay(),
                Some(chrono::Duration::days(30))
            );

            jail.create_file(
                "tessera.toml",
                "[guests]\nblock_when_last_assignment_ends = false\n",
            )?;
            jail.set_env("TESSERA_GUESTS__REMOVE_AFTER_DAYS", "0");
            let settings = Settings::load(Some(Path::new("tessera.toml")), &Overrides::default())
                .map_err(|e| e.to_string())?;
            assert!(!settings.guests.block_when_last_assignment_ends);
            assert_eq!(settings.guests.removal_delay(), None, "0 never removes");

            jail.set_env("TESSERA_GUESTS__REMOVE_AFTER_DAYS", "4000");
            let err = Settings::load(None, &Overrides::default())
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.contains("guests.remove_after_days"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn environment_variables_override_the_file_and_tessera_config_is_not_a_setting() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "tessera.toml",
                "listen = \"127.0.0.1:9000\"\n[session]\ntoken_minutes = 5\n",
            )?;
            jail.set_env("TESSERA_CONFIG", "tessera.toml");
            jail.set_env("TESSERA_SESSION__TOKEN_MINUTES", "7");
            let settings = Settings::load(Some(Path::new("tessera.toml")), &Overrides::default())
                .map_err(|e| e.to_string())?;
            assert_eq!(settings.listen.port(), 9000);
            assert_eq!(settings.session.token_minutes, 7);
            // Other TESSERA_* variables of the machine running the tests may be listed too.
            let unknown = unknown_environment_variables();
            assert!(
                !unknown
                    .iter()
                    .any(|v| v.starts_with("TESSERA_SESSION") || v == "TESSERA_CONFIG")
            );
            Ok(())
        });
    }

    #[test]
    fn unknown_environment_variables_are_left_out_and_named() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("TESSERA_LISTN", "127.0.0.1:1");
            jail.set_env("TESSERA_BIN", "/usr/bin/tessera");
            jail.set_env("TESSERA_SESSION__LIFETIME", "5");
            jail.set_env("TESSERA_SESSION__MAX_HOURS", "3");
            jail.set_env("TESSERA_LOG__FILTER", "debug");
            jail.set_env("TESSERA_CONFIG", "ignored.toml");
            let settings =
                Settings::load(None, &Overrides::default()).map_err(|e| e.to_string())?;
            assert_eq!(settings.listen.port(), 8080);
            assert_eq!(settings.session.max_hours, 3);
            let unknown = unknown_environment_variables();
            for name in ["TESSERA_BIN", "TESSERA_LISTN", "TESSERA_SESSION__LIFETIME"] {
                assert!(
                    unknown.iter().any(|v| v == name),
                    "{name} not in {unknown:?}"
                );
            }
            for name in [
                "TESSERA_SESSION__MAX_HOURS",
                "TESSERA_LOG__FILTER",
                "TESSERA_CONFIG",
            ] {
                assert!(!unknown.iter().any(|v| v == name), "{name} in {unknown:?}");
            }
            Ok(())
        });
    }

    #[test]
    fn the_description_hides_secrets_and_fills_in_the_public_url() {
        let mut settings = Settings {
            database_url: "postgres://tessera:s3cret@db.internal/tessera".into(),
            smtp: Some(SmtpSettings {
                host: "mail.example.org".into(),
                port: 587,
                from: "tessera@example.org".into(),
                username: Some("mailer".into()),
                password: Some(secrecy::SecretString::from("hunter2-password")),
                security: SmtpSecurity::Starttls,
                timeout_seconds: 30,
            }),
            ..Settings::default()
        };
        settings.session.token_minutes = 9;
        let lines = settings.describe();
        let text = lines.join("\n");
        assert!(
            !text.contains("s3cret") && !text.contains("hunter2"),
            "{text}"
        );
        for line in [
            "database_url = \"postgres://tessera:(hidden)@db.internal/tessera\"",
            "public_url = \"http://127.0.0.1:8080/\"",
            "session.token_minutes = 9",
            "smtp.password = \"(hidden)\"",
            "smtp.username = \"mailer\"",
        ] {
            assert!(
                lines.iter().any(|l| l == line),
                "{line} missing from\n{text}"
            );
        }
    }

    #[test]
    fn a_config_file_with_an_unknown_key_is_refused() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "tessera.toml",
                "listen = \"127.0.0.1:9000\"\nlisten_port = 1\n",
            )?;
            let err = Settings::load(Some(Path::new("tessera.toml")), &Overrides::default())
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.contains("listen_port"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn smtp_is_optional_and_read_from_the_environment_with_numeric_secrets_kept_as_text() {
        use secrecy::ExposeSecret;
        figment::Jail::expect_with(|jail| {
            let settings =
                Settings::load(None, &Overrides::default()).map_err(|e| e.to_string())?;
            assert!(settings.smtp.is_none());

            jail.set_env("TESSERA_SMTP__HOST", "localhost");
            jail.set_env("TESSERA_SMTP__FROM", "Tessera <tessera@example.org>");
            jail.set_env("TESSERA_SMTP__PORT", "2525");
            jail.set_env("TESSERA_SMTP__SECURITY", "none");
            jail.set_env("TESSERA_SMTP__USERNAME", "mailer");
            jail.set_env("TESSERA_SMTP__PASSWORD", "123456");
            let settings =
                Settings::load(None, &Overrides::default()).map_err(|e| e.to_string())?;
            let smtp = settings.smtp.clone().ok_or("smtp missing")?;
            assert_eq!(smtp.host, "localhost");
            assert_eq!(smtp.port, 2525);
            assert_eq!(smtp.security, SmtpSecurity::None);
            assert_eq!(smtp.timeout_seconds, 30);
            assert_eq!(smtp.username.as_deref(), Some("mailer"));
            assert_eq!(
                smtp.password
                    .as_ref()
                    .map(|p| p.expose_secret().to_string()),
                Some("123456".to_string())
            );
            assert!(!format!("{settings:?}").contains("123456"));

            jail.set_env("TESSERA_SMTP__HOSTNAME", "x");
            assert!(Settings::load(None, &Overrides::default()).is_ok());
            assert!(
                unknown_environment_variables()
                    .iter()
                    .any(|v| v == "TESSERA_SMTP__HOSTNAME")
            );
            Ok(())
        });
    }

    #[test]
    fn smtp_credentials_in_clear_text_to_another_machine_and_a_bad_sender_are_refused() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "tessera.toml",
                "[smtp]\nhost = \"mail.example.org\"\nfrom = \"tessera@example.org\"\n\
                 security = \"none\"\nusername = \"u\"\npassword = \"p\"\n",
            )?;
            let err = Settings::load(Some(Path::new("tessera.toml")), &Overrides::default())
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.contains("`smtp.security`"), "{err}");

            jail.create_file(
                "tessera.toml",
                "[smtp]\nhost = \"mail.example.org\"\nfrom = \"not an address\"\n",
            )?;
            let err = Settings::load(Some(Path::new("tessera.toml")), &Overrides::default())
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.contains("`smtp.from`"), "{err}");

            jail.create_file(
                "tessera.toml",
                "[smtp]\nhost = \"mail.example.org\"\nfrom = \"tessera@example.org\"\n",
            )?;
            let settings = Settings::load(Some(Path::new("tessera.toml")), &Overrides::default())
                .map_err(|e| e.to_string())?;
            let smtp = settings.smtp.ok_or("smtp missing")?;
            assert_eq!((smtp.port, smtp.security), (25, SmtpSecurity::Starttls));
            Ok(())
        });
    }

    const PROVIDER: &str = "[[oidc.providers]]\nid = \"corp\"\nname = \"Corp\"\n\
                            issuer = \"https://login.example.org/realms/corp\"\n\
                            client_id = \"tessera\"\n";

    #[test]
    fn a_provider_takes_its_defaults_and_its_secret_from_the_environment() {
        use secrecy::ExposeSecret;
        figment::Jail::expect_with(|jail| {
            jail.create_file("tessera.toml", PROVIDER)?;
            jail.set_env("TESSERA_OIDC__CORP__CLIENT_SECRET", "from-env-secret");
            let settings = Settings::load(Some(Path::new("tessera.toml")), &Overrides::default())
                .map_err(|e| e.to_string())?;
            let corp = settings.oidc.providers.first().ok_or("no provider")?;
            assert_eq!(corp.scopes, ["openid", "email", "profile"]);
            assert_eq!(corp.username_claim, "preferred_username");
            assert_eq!(corp.external_id_claim, "sub");
            assert!(corp.create_users && corp.allowed_domains.is_empty());
            assert_eq!(corp.api_client_claim, ApiClientClaim::ClientId);
            assert_eq!(
                corp.client_secret
                    .as_ref()
                    .map(|s| s.expose_secret().to_string()),
                Some("from-env-secret".to_string())
            );
            assert!(settings.auth.local_passwords);
            let described = settings.describe().join("\n");
            assert!(!described.contains("from-env-secret"), "{described}");
            assert!(!format!("{settings:?}").contains("from-env-secret"));
            assert!(
                !unknown_environment_variables()
                    .iter()
                    .any(|v| v == "TESSERA_OIDC__CORP__CLIENT_SECRET")
            );
            Ok(())
        });
    }

    #[test]
    fn a_provider_secret_is_read_from_a_file() {
        use secrecy::ExposeSecret;
        figment::Jail::expect_with(|jail| {
            jail.create_file("secret.txt", "file-secret\n")?;
            jail.create_file(
                "tessera.toml",
                &format!("{PROVIDER}client_secret_file = \"secret.txt\"\n"),
            )?;
            let settings = Settings::load(Some(Path::new("tessera.toml")), &Overrides::default())
                .map_err(|e| e.to_string())?;
            let corp = settings.oidc.providers.first().ok_or("no provider")?;
            assert_eq!(
                corp.client_secret
                    .as_ref()
                    .map(|s| s.expose_secret().to_string()),
                Some("file-secret".to_string())
            );
            Ok(())
        });
    }

    #[test]
    fn plain_http_issuers_off_loopback_duplicate_ids_and_missing_secrets_are_refused() {
        let refused = |jail: &mut figment::Jail, text: &str| {
            jail.create_file("tessera.toml", text)?;
            Ok::<_, figment::Error>(
                Settings::load(Some(Path::new("tessera.toml")), &Overrides::default())
                    .err()
                    .map(|e| e.to_string())
                    .unwrap_or_default(),
            )
        };
        figment::Jail::expect_with(|jail| {
            let secret = "client_secret = \"s\"\n";
            let http = PROVIDER.replace("https://login.example.org", "http://login.example.org");
            let err = refused(jail, &format!("{http}{secret}"))?;
            assert!(err.contains("oidc.providers.issuer"), "{err}");
            let loopback = PROVIDER.replace("https://login.example.org", "http://127.0.0.1:9");
            assert_eq!(refused(jail, &format!("{loopback}{secret}"))?, "");
            let err = refused(jail, &format!("{PROVIDER}{secret}{PROVIDER}{secret}"))?;
            assert!(err.contains("another provider has this id"), "{err}");
            let err = refused(jail, PROVIDER)?;
            assert!(err.contains("oidc.providers.client_secret"), "{err}");
            let err = refused(
                jail,
                &format!("{}{secret}", PROVIDER.replace("corp", "Corp!")),
            )?;
            assert!(err.contains("oidc.providers.id"), "{err}");
            let err = refused(jail, "[auth]\nlocal_passwords = false\n")?;
            assert!(err.contains("auth.local_passwords"), "{err}");
            let ok = refused(
                jail,
                "[auth]\nlocal_passwords = false\nbreak_glass = [\"Admin\"]\n",
            )?;
            assert_eq!(ok, "");
            Ok(())
        });
    }

    #[test]
    fn break_glass_administrators_keep_their_passwords() {
        let auth = AuthSettings {
            local_passwords: false,
            break_glass: vec!["admin".into()],
        };
        assert!(auth.allows_password("admin"));
        assert!(!auth.allows_password("alice"));
        assert!(AuthSettings::default().allows_password("alice"));
    }
}

//! Custom extensions: HTTPS endpoints a policy calls at points of a request's or an
//! assignment's life (`entra-governance.md` §1.2, §1.5: the reference product's catalog custom
//! extensions).
//!
//! "Launch and continue" posts the event and goes on. "Launch and wait" pauses the request
//! (state `waiting`) until the endpoint calls back with continue or deny, or until its timeout,
//! which applies the configured outcome. As in the reference, only the request stages
//! (`request_created`, `request_approved`) may wait, at most 5 extensions per policy, and a wait
//! lasts at most 14 days. Timeouts are in seconds so that tests can use short ones.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::{Errors, Lines, text};

/// The most custom extensions one policy calls (the reference product's "5 custom extensions
/// per policy").
pub const MAX_EXTENSIONS: usize = 5;
/// The longest wait: 14 days, the reference product's bound.
pub const MAX_WAIT_SECONDS: u32 = 14 * 24 * 60 * 60;
/// The shortest wait.
pub const MIN_WAIT_SECONDS: u32 = 1;
/// The longest extension URL, in characters.
pub const URL_MAX_LEN: usize = 2000;
/// The longest extension name, in characters.
pub const NAME_MAX_LEN: usize = 100;

/// When an extension is called.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ExtensionStage {
    /// A request for access (or more time) was made, before any approval.
    RequestCreated,
    /// A request passed its approval (or needed none), before delivery.
    RequestApproved,
    /// An assignment was granted (delivered), by any way. Launch and continue only.
    AssignmentGranted,
    /// An assignment ends (expiry, removal, review, leaver); called with the removal. Launch
    /// and continue only.
    AssignmentRemoval,
}

impl ExtensionStage {
    pub const ALL: [ExtensionStage; 4] = crate::variants::all();

    /// The wire and column spelling.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(raw: &str) -> Option<ExtensionStage> {
        raw.parse().ok()
    }

    /// Whether a request may wait for an extension called at this stage.
    pub fn may_wait(self) -> bool {
        match self {
            ExtensionStage::RequestCreated | ExtensionStage::RequestApproved => true,
            ExtensionStage::AssignmentGranted | ExtensionStage::AssignmentRemoval => false,
        }
    }
}

/// Whether the request waits for the extension's answer.
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
pub enum ExtensionMode {
    LaunchAndContinue,
    LaunchAndWait,
}

impl ExtensionMode {
    pub const ALL: [ExtensionMode; 2] = crate::variants::all();

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(raw: &str) -> Option<ExtensionMode> {
        raw.parse().ok()
    }
}

/// What a waiting request does next: the extension's answer, or the configured outcome of a
/// wait that timed out.
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
pub enum ExtensionOutcome {
    /// The request goes on: to approval after `request_created`, to delivery after
    /// `request_approved`.
    Continue,
    /// The request is denied.
    Deny,
}

impl ExtensionOutcome {
    pub const ALL: [ExtensionOutcome; 2] = crate::variants::all();

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(raw: &str) -> Option<ExtensionOutcome> {
        raw.parse().ok()
    }
}

/// A custom extension as an administrator writes it, in a policy's `custom_extensions`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CustomExtensionDefinition {
    /// 1 to 100 characters, unique in the policy; requesters see "Waiting for <name>".
    #[cfg_attr(feature = "server", schema(min_length = 1, max_length = 100))]
    pub name: String,
    pub stage: ExtensionStage,
    /// `https://…`; plain `http://` only to a loopback host (tests, development).
    #[cfg_attr(feature = "server", schema(max_length = 2000))]
    pub url: String,
    pub mode: ExtensionMode,
    /// Launch and wait only (and then required): how long the request waits for the answer,
    /// 1 second to 14 days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "server", schema(minimum = 1, maximum = 1209600))]
    pub timeout_seconds: Option<u32>,
    /// Launch and wait only (and then required): what happens when no answer came in time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_outcome: Option<ExtensionOutcome>,
}

/// A policy's new signing secret, in the one answer that shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ExtensionSecret {
    /// `whsec_` and the base64 of 32 random bytes; verify calls with it as webhook receivers
    /// do. Shown here only.
    pub secret: String,
}

/// A validated custom extension.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomExtension {
    name: String,
    stage: ExtensionStage,
    url: String,
    wait: Option<WaitRule>,
}

/// How long a launch-and-wait extension is waited for, and what its silence means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitRule {
    pub timeout_seconds: u32,
    pub timeout_outcome: ExtensionOutcome,
}

impl CustomExtension {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn stage(&self) -> ExtensionStage {
        self.stage
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn mode(&self) -> ExtensionMode {
        match self.wait {
            Some(_) => ExtensionMode::LaunchAndWait,
            None => ExtensionMode::LaunchAndContinue,
        }
    }

    /// Present for launch-and-wait extensions.
    pub fn wait(&self) -> Option<WaitRule> {
        self.wait
    }

    pub fn to_definition(&self) -> CustomExtensionDefinition {
        CustomExtensionDefinition {
            name: self.name.clone(),
            stage: self.stage,
            url: self.url.clone(),
            mode: self.mode(),
            timeout_seconds: self.wait.map(|wait| wait.timeout_seconds),
            timeout_outcome: self.wait.map(|wait| wait.timeout_outcome),
        }
    }
}

/// Checks a policy's `custom_extensions`, reporting each problem under its path.
pub(crate) fn validate(
    errors: &mut Errors,
    definitions: &[CustomExtensionDefinition],
) -> Option<Vec<CustomExtension>> {
    let before = errors.len();
    if definitions.len() > MAX_EXTENSIONS {
        errors.add(
            "custom_extensions",
            format!("a policy calls at most {MAX_EXTENSIONS} custom extensions"),
        );
    }
    let mut names = BTreeSet::new();
    let mut waiting_stages = BTreeSet::new();
    let mut valid = Vec::new();
    for (index, definition) in definitions.iter().enumerate() {
        let at = format!("custom_extensions[{index}]");
        let name = text(
            errors,
            &format!("{at}.name"),
            &definition.name,
            1,
            NAME_MAX_LEN,
            Lines::One,
        );
        if let Some(name) = &name
            && !names.insert(name.to_lowercase())
        {
            errors.add(
                format!("{at}.name"),
                "another extension of this policy has this name",
            );
        }
        let url = check_url(definition.url.trim()).map_err(|message| {
            errors.add(format!("{at}.url"), message);
        });
        let wait = match definition.mode {
            ExtensionMode::LaunchAndContinue => {
                if definition.timeout_seconds.is_some() {
                    errors.add(
                        format!("{at}.timeout_seconds"),
                        "only a launch_and_wait extension has a timeout",
                    );
                }
                if definition.timeout_outcome.is_some() {
                    errors.add(
                        format!("{at}.timeout_outcome"),
                        "only a launch_and_wait extension has a timeout outcome",
                    );
                }
                None
            }
            ExtensionMode::LaunchAndWait => {
                if !definition.stage.may_wait() {
                    errors.add(
                        format!("{at}.mode"),
                        "only request_created and request_approved extensions can make the \
                         request wait",
                    );
                } else if !waiting_stages.insert(definition.stage) {
                    errors.add(
                        format!("{at}.mode"),
                        "a request waits for at most one extension at each stage",
                    );
                }
                let timeout_seconds = match definition.timeout_seconds {
                    None => {
                        errors.add(
                            format!("{at}.timeout_seconds"),
                            "is required for a launch_and_wait extension",
                        );
                        None
                    }
                    Some(seconds) if !(MIN_WAIT_SECONDS..=MAX_WAIT_SECONDS).contains(&seconds) => {
                        errors.add(
                            format!("{at}.timeout_seconds"),
                            format!(
                                "must be between {MIN_WAIT_SECONDS} and {MAX_WAIT_SECONDS} \
                                 (14 days)"
                            ),
                        );
                        None
                    }
                    Some(seconds) => Some(seconds),
                };
                if definition.timeout_outcome.is_none() {
                    errors.add(
                        format!("{at}.timeout_outcome"),
                        "is required for a launch_and_wait extension",
                    );
                }
                timeout_seconds.zip(definition.timeout_outcome).map(
                    |(timeout_seconds, timeout_outcome)| WaitRule {
                        timeout_seconds,
                        timeout_outcome,
                    },
                )
            }
        };
        if let (Some(name), Ok(url)) = (name, url) {
            valid.push(CustomExtension {
                name,
                stage: definition.stage,
                url,
                wait,
            });
        }
    }
    (errors.len() == before).then_some(valid)
}

/// `raw` as an extension URL: https to any host, or http to a loopback host; no user name,
/// password or fragment. A light check that runs in the browser too (for webhook URLs as well,
/// which follow the same rule); the server parses the URL again before calling it.
pub fn check_url(raw: &str) -> Result<String, String> {
    if raw.chars().count() > URL_MAX_LEN {
        return Err(format!("must be at most {URL_MAX_LEN} characters"));
    }
    if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not contain spaces or control characters".into());
    }
    let lower = raw.to_ascii_lowercase();
    let (https, rest) = if let Some(rest) = lower.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = lower.strip_prefix("http://") {
        (false, rest)
    } else {
        return Err("must be an https URL (plain http only to a loopback host)".into());
    };
    if raw.contains('#') {
        return Err("must not contain a fragment".into());
    }
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err("must not contain a user name or password".into());
    }
    let host = if let Some(bracketed) = authority.strip_prefix('[') {
        bracketed.split(']').next().unwrap_or_default()
    } else {
        authority.split(':').next().unwrap_or_default()
    };
    if host.is_empty() {
        return Err("must name a host".into());
    }
    // An address, not a name that merely starts like one (`127.evil.example`).
    let loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|address| address.is_loopback());
    if !https && !loopback {
        return Err("must be an https URL (plain http only to a loopback host)".into());
    }
    Ok(raw.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn definition(stage: ExtensionStage, mode: ExtensionMode) -> CustomExtensionDefinition {
        CustomExtensionDefinition {
            name: "Ticket".into(),
            stage,
            url: "https://desk.example.org/hook".into(),
            mode,
            timeout_seconds: match mode {
                ExtensionMode::LaunchAndWait => Some(3600),
                ExtensionMode::LaunchAndContinue => None,
            },
            timeout_outcome: match mode {
                ExtensionMode::LaunchAndWait => Some(ExtensionOutcome::Deny),
                ExtensionMode::LaunchAndContinue => None,
            },
        }
    }

    fn fields(definitions: &[CustomExtensionDefinition]) -> Vec<String> {
        let mut errors = Errors::default();
        validate(&mut errors, definitions);
        errors.0.into_iter().map(|error| error.field).collect()
    }

    #[test]
    fn every_stage_may_launch_and_continue_but_only_request_stages_may_wait() {
        for stage in ExtensionStage::ALL {
            assert!(fields(&[definition(stage, ExtensionMode::LaunchAndContinue)]).is_empty());
            let waits = fields(&[definition(stage, ExtensionMode::LaunchAndWait)]);
            assert_eq!(waits.is_empty(), stage.may_wait(), "{stage:?}");
            if !stage.may_wait() {
                assert_eq!(waits, vec!["custom_extensions[0].mode".to_string()]);
            }
        }
    }

    #[test]
    fn a_wait_needs_a_bounded_timeout_and_an_outcome() {
        let mut wait = definition(ExtensionStage::RequestCreated, ExtensionMode::LaunchAndWait);
        wait.timeout_seconds = None;
        wait.timeout_outcome = None;
        assert_eq!(
            fields(&[wait.clone()]),
            vec![
                "custom_extensions[0].timeout_seconds".to_string(),
                "custom_extensions[0].timeout_outcome".to_string()
            ]
        );
        for (seconds, ok) in [
            (0, false),
            (1, true),
            (MAX_WAIT_SECONDS, true),
            (MAX_WAIT_SECONDS + 1, false),
        ] {
            wait.timeout_seconds = Some(seconds);
            wait.timeout_outcome = Some(ExtensionOutcome::Continue);
            assert_eq!(fields(&[wait.clone()]).is_empty(), ok, "{seconds}");
        }
    }

    #[test]
    fn launch_and_continue_takes_no_timeout() {
        let mut go_on = definition(
            ExtensionStage::RequestCreated,
            ExtensionMode::LaunchAndContinue,
        );
        go_on.timeout_seconds = Some(60);
        go_on.timeout_outcome = Some(ExtensionOutcome::Continue);
        assert_eq!(
            fields(&[go_on]),
            vec![
                "custom_extensions[0].timeout_seconds".to_string(),
                "custom_extensions[0].timeout_outcome".to_string()
            ]
        );
    }

    #[test]
    fn names_are_unique_and_one_wait_per_stage() {
        let wait = definition(
            ExtensionStage::RequestApproved,
            ExtensionMode::LaunchAndWait,
        );
        let mut other = wait.clone();
        other.name = "ticket".into();
        assert_eq!(
            fields(&[wait, other]),
            vec![
                "custom_extensions[1].name".to_string(),
                "custom_extensions[1].mode".to_string()
            ]
        );
    }

    #[test]
    fn at_most_five_extensions() {
        let many: Vec<_> = (0..6)
            .map(|index| {
                let mut one = definition(
                    ExtensionStage::AssignmentGranted,
                    ExtensionMode::LaunchAndContinue,
                );
                one.name = format!("Hook {index}");
                one
            })
            .collect();
        assert_eq!(fields(&many), vec!["custom_extensions".to_string()]);
    }

    #[test]
    fn urls_are_https_or_loopback_http_without_credentials() {
        for (url, ok) in [
            ("https://desk.example.org/hook?x=1", true),
            ("http://127.0.0.1:8080/hook", true),
            ("http://localhost/hook", true),
            ("http://[::1]:9000/", true),
            ("http://desk.example.org/hook", false),
            ("http://127.evil.example/hook", false),
            ("http://127.0.0.1.evil.example/hook", false),
            ("ftp://desk.example.org/", false),
            ("https://user:pw@desk.example.org/", false),
            ("https://desk.example.org/#frag", false),
            ("https:///nohost", false),
            ("desk.example.org", false),
        ] {
            assert_eq!(check_url(url).is_ok(), ok, "{url}");
        }
    }
}

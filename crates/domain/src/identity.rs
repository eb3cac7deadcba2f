//! Signing in with an organisation's identity provider (OpenID Connect): the wire types of the
//! sign-in page and of a user's identity links, and the pure rules of the sign-in (where it may
//! return to, how a username is made from claims, why a sign-in was refused).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::values::Username;

/// `GET /api/v1/auth/providers`: how people may sign in here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AuthProviders {
    /// Whether everyone may sign in with a password. When false, only break-glass
    /// administrators may, and the sign-in page shows the providers alone.
    pub local_passwords: bool,
    pub providers: Vec<AuthProvider>,
}

/// One identity provider people may sign in with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AuthProvider {
    /// The provider's id in the configuration and in URLs.
    pub id: String,
    /// The name on the sign-in button.
    pub name: String,
    /// Where the browser goes to start signing in; add `?return_to=/portal/path` to come back
    /// to a page of the portal.
    pub sign_in_url: String,
}

/// A person's account at an identity provider, linked to their Tessera user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct IdentityLink {
    pub provider_id: String,
    /// The provider's name, or its id when it is no longer configured.
    pub provider_name: String,
    /// The provider's identifier for the person (`sub`).
    pub subject: String,
    pub linked_at: DateTime<Utc>,
}

/// The 200 answer of signing out of a session that came from a provider that supports
/// RP-initiated logout: the browser goes there to end the provider's session too.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct SignedOut {
    pub provider_sign_out_url: String,
}

/// Why a sign-in with a provider was refused, as the portal's sign-in page receives it
/// (`/sign-in?oidc_error=<reason>`) and as the audit trail records it.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum SignInRefusal {
    /// The `state` is unknown or was used already (a replay, or a stale browser tab).
    StateMismatch,
    /// The sign-in took longer than its ten minutes.
    FlowExpired,
    /// The provider answered an error, or exchanging the code failed.
    ProviderError,
    /// The ID token failed validation.
    TokenInvalid,
    /// No user is linked or matches, and the provider may not create users.
    UnknownPerson,
    /// The user is disabled.
    UserDisabled,
    /// The user is a guest blocked from signing in: their last access ended.
    GuestBlocked,
    /// The e-mail domain is not one new users may come from.
    EmailNotAllowed,
}

impl SignInRefusal {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// `return_to` when it is a path of this site (`/requests?x=1`), never another origin
/// (`//evil.example`, `https://…`, `/\evil`).
pub fn local_return_path(return_to: &str) -> Option<&str> {
    let local = return_to.starts_with('/')
        && !return_to.starts_with("//")
        && !return_to.starts_with("/\\")
        && return_to.len() <= 2048
        && !return_to.chars().any(|c| c.is_control() || c == '\\');
    local.then_some(return_to)
}

/// A username made from a claim (`preferred_username`, or an e-mail's local part): lowercased,
/// characters a username may not hold replaced by `-`, leading punctuation trimmed, cut to fit
/// with room for a numeric suffix. `None` when nothing usable is left.
pub fn username_from_claim(raw: &str) -> Option<Username> {
    let mapped: String = raw
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let trimmed = mapped.trim_start_matches(|c: char| !c.is_ascii_alphanumeric());
    let cut: String = trimmed.chars().take(Username::MAX_LEN - 6).collect();
    let padded = if cut.chars().count() == 1 {
        format!("{cut}0")
    } else {
        cut
    };
    Username::parse(padded).ok()
}

/// The `n`th alternative of `base` when it is taken: `alice2`, `alice3`, …
pub fn numbered_username(base: &Username, n: u32) -> Option<Username> {
    Username::parse(format!("{}{n}", base.as_str())).ok()
}

/// The domain of an e-mail address, lowercased.
pub fn email_domain(email: &str) -> Option<String> {
    email
        .rsplit_once('@')
        .map(|(_, domain)| domain.to_ascii_lowercase())
        .filter(|domain| !domain.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_of_this_site_are_returned_to() {
        for good in ["/", "/requests", "/requests?x=1#top", "/a//b"] {
            assert_eq!(local_return_path(good), Some(good), "{good}");
        }
        for bad in [
            "",
            "requests",
            "//evil.example",
            "/\\evil.example",
            "https://evil.example/",
            "/a\\b",
            "/a\nb",
        ] {
            assert_eq!(local_return_path(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn usernames_from_claims_follow_the_username_rules() {
        let name = |raw: &str| username_from_claim(raw).map(|u| u.as_str().to_string());
        assert_eq!(name("Alice").as_deref(), Some("alice"));
        assert_eq!(name("Jean Dupont").as_deref(), Some("jean-dupont"));
        assert_eq!(name("_bob").as_deref(), Some("bob"));
        assert_eq!(name("x").as_deref(), Some("x0"));
        assert_eq!(name("Zoë").as_deref(), Some("zo-"));
        assert_eq!(name("---"), None);
        assert_eq!(name(""), None);
        let long = "a".repeat(200);
        let made = username_from_claim(&long);
        assert_eq!(made.as_ref().map(|u| u.as_str().len()), Some(58));
        let numbered = made.and_then(|u| numbered_username(&u, 99999));
        assert!(numbered.is_some());
    }

    #[test]
    fn refusals_are_spelled_in_snake_case() {
        assert_eq!(SignInRefusal::StateMismatch.as_str(), "state_mismatch");
        assert_eq!(SignInRefusal::EmailNotAllowed.as_str(), "email_not_allowed");
        assert_eq!(
            serde_json::to_string(&SignInRefusal::FlowExpired)
                .ok()
                .as_deref(),
            Some("\"flow_expired\"")
        );
    }

    #[test]
    fn the_domain_of_an_address_is_lowercased() {
        assert_eq!(
            email_domain("A@Example.ORG").as_deref(),
            Some("example.org")
        );
        assert_eq!(email_domain("nobody"), None);
    }
}

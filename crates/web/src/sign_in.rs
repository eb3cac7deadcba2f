//! The sign-in page's rules: which ways in it offers, where a provider's button leads, and
//! refusals of an identity provider sign-in in words.

use tessera_domain::identity::SignInRefusal;

use crate::routes;

/// The sign-in page's query parameter asking for the password form even when local passwords
/// are off: the way in for break-glass administrators (`/sign-in?local=1`).
pub const LOCAL_PARAM: &str = "local";

/// The query parameter the server adds when it refused a sign-in through an identity
/// provider (`/sign-in?oidc_error=user_disabled`).
pub const OIDC_ERROR_PARAM: &str = "oidc_error";

/// The query parameter of a provider's sign-in URL that names the portal page to land on.
pub const RETURN_TO_PARAM: &str = "return_to";

/// Whether the page shows the username and password form: when the server accepts local
/// passwords, or when the person asked for it with `?local=1` (the server then accepts only
/// break-glass administrators).
pub fn shows_password_form(local_passwords: bool, local_param: Option<&str>) -> bool {
    local_passwords || matches!(local_param, Some("1" | "true"))
}

/// Where a provider's button leads: its sign-in URL, asking to come back to `next` (the page
/// the person was sent away from, or the overview).
pub fn provider_href(sign_in_url: &str, next: Option<&str>) -> String {
    let separator = if sign_in_url.contains('?') { '&' } else { '?' };
    let path = routes::return_path(next);
    format!(
        "{sign_in_url}{separator}{RETURN_TO_PARAM}={}",
        routes::encode_component(path)
    )
}

/// A refused identity provider sign-in in words, from the reason the server put in
/// `oidc_error`. A reason this portal does not know still gets a sentence.
pub fn oidc_refusal(reason: &str) -> &'static str {
    match reason.parse::<SignInRefusal>() {
        Ok(refusal) => refusal_words(refusal),
        Err(_) => "Signing in with your identity provider did not work. Try again.",
    }
}

fn refusal_words(refusal: SignInRefusal) -> &'static str {
    match refusal {
        SignInRefusal::StateMismatch => {
            "The sign-in could not be matched to this browser, so it was stopped. Start again \
             from this page, in the same browser window."
        }
        SignInRefusal::FlowExpired => {
            "The sign-in took too long and expired. Start again from this page."
        }
        SignInRefusal::ProviderError => {
            "The identity provider did not complete the sign-in. Try again; if it keeps \
             happening, ask a Tessera administrator."
        }
        SignInRefusal::TokenInvalid => {
            "The identity provider's answer could not be verified, so you were not signed in. \
             Ask a Tessera administrator to check the provider's configuration."
        }
        SignInRefusal::UnknownPerson => {
            "Tessera has no account for you yet. Ask a Tessera administrator to add you."
        }
        SignInRefusal::UserDisabled => {
            "Your Tessera account is disabled. Ask a Tessera administrator if you need access."
        }
        SignInRefusal::GuestBlocked => {
            "Your account is blocked from signing in because your last access ended. Ask your \
             sponsor to request access for you again."
        }
        SignInRefusal::EmailNotAllowed => {
            "Your e-mail address is not in a domain that may sign in here. Sign in with your \
             organisation's account."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_form_shows_when_local_passwords_are_on_or_asked_for() {
        assert!(shows_password_form(true, None));
        assert!(shows_password_form(false, Some("1")));
        assert!(shows_password_form(false, Some("true")));
        assert!(!shows_password_form(false, None));
        assert!(!shows_password_form(false, Some("0")));
        assert!(!shows_password_form(false, Some("")));
    }

    #[test]
    fn a_provider_button_returns_to_the_page_asked_for() {
        let url = "https://tessera.example/api/v1/auth/oidc/corp/sign-in";
        assert_eq!(
            provider_href(url, Some("/tokens")),
            format!("{url}?return_to=/tokens")
        );
        assert_eq!(
            provider_href(url, Some("/admin?cursor=a b&x=1")),
            format!("{url}?return_to=/admin%3Fcursor%3Da%20b%26x%3D1")
        );
        assert_eq!(provider_href(url, None), format!("{url}?return_to=/"));
    }

    #[test]
    fn a_provider_button_never_returns_off_the_site() {
        let url = "/api/v1/auth/oidc/corp/sign-in";
        assert_eq!(
            provider_href(url, Some("//evil.example")),
            format!("{url}?return_to=/")
        );
        assert_eq!(
            provider_href(url, Some("/sign-in")),
            format!("{url}?return_to=/")
        );
    }

    #[test]
    fn a_sign_in_url_with_a_query_gets_one_more_parameter() {
        assert_eq!(
            provider_href("/api/v1/auth/oidc/corp/sign-in?x=1", Some("/tokens")),
            "/api/v1/auth/oidc/corp/sign-in?x=1&return_to=/tokens"
        );
    }

    #[test]
    fn every_refusal_the_server_sends_has_its_own_words() {
        let reasons = [
            "state_mismatch",
            "flow_expired",
            "provider_error",
            "token_invalid",
            "unknown_person",
            "user_disabled",
            "guest_blocked",
            "email_not_allowed",
        ];
        let fallback = oidc_refusal("something_new");
        let mut seen = std::collections::HashSet::new();
        for reason in reasons {
            let words = oidc_refusal(reason);
            assert_ne!(words, fallback, "{reason}");
            assert!(seen.insert(words), "{reason} shares its words");
        }
        assert!(oidc_refusal("user_disabled").contains("disabled"));
        assert!(oidc_refusal("unknown_person").contains("no account"));
        assert!(oidc_refusal("flow_expired").contains("expired"));
    }
}

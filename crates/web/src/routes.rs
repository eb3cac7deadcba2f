//! The portal's paths, and where to send someone after they sign in.

pub const SIGN_IN: &str = "/sign-in";
pub const OVERVIEW: &str = "/";
pub const ACCESS_PACKAGES: &str = "/access-packages";
pub const REQUESTS: &str = "/requests";
pub const APPROVALS: &str = "/approvals";
pub const REVIEWS: &str = "/reviews";
pub const TEAM: &str = "/team";
pub const NOTIFICATIONS: &str = "/notifications";
pub const TOKENS: &str = "/tokens";
pub const PASSWORD: &str = "/password";
pub const ADMIN: &str = "/admin";
pub const ADMIN_CATALOGS: &str = "/admin/catalogs";
pub const ADMIN_GROUPS: &str = "/admin/groups";
pub const ADMIN_APPLICATIONS: &str = "/admin/applications";
pub const ADMIN_PACKAGES: &str = "/admin/access-packages";
pub const ADMIN_IMPORT: &str = "/admin/import";
pub const ADMIN_AUDIT: &str = "/admin/audit";
pub const ADMIN_REQUESTS: &str = "/admin/requests";
pub const ADMIN_PEOPLE: &str = "/admin/people";
pub const ADMIN_REVIEWS: &str = "/admin/access-reviews";
pub const ADMIN_REVIEWS_NEW: &str = "/admin/access-reviews/new";
pub const ADMIN_REVIEW_INSTANCES: &str = "/admin/access-review-instances";
pub const ADMIN_CONNECTORS: &str = "/admin/connectors";
pub const ADMIN_CONNECTORS_NEW: &str = "/admin/connectors/new";
pub const ADMIN_WEBHOOKS: &str = "/admin/webhooks";

/// The query parameter of the sign-in page that names the page to return to.
pub const NEXT_PARAM: &str = "next";

/// The query parameter of the access package pages that names the direct report asked for.
pub const FOR_PARAM: &str = "for";

/// A page of the request flow (`/access-packages`, or one package's request panel), asking
/// for `report` when given.
pub fn asking_for(path: &str, report: Option<tessera_domain::UserId>) -> String {
    match report {
        Some(report) => format!("{path}?{FOR_PARAM}={report}"),
        None => path.to_string(),
    }
}

/// The sign-in page, remembering the page the person was sent away from.
pub fn sign_in_returning_to(path_and_query: &str) -> String {
    match return_path(Some(path_and_query)) {
        OVERVIEW => SIGN_IN.to_string(),
        path => format!("{SIGN_IN}?{NEXT_PARAM}={}", encode_component(path)),
    }
}

/// Where to go after signing in. Only a path on this site is followed, so a crafted link
/// cannot send someone elsewhere (`//evil.example`, `https://…`, `/\evil.example`).
pub fn return_path(next: Option<&str>) -> &str {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.chars().any(char::is_control)
                && path != SIGN_IN
                && !path.starts_with("/sign-in?")
                && !path.starts_with("/sign-in/") =>
        {
            path
        }
        _ => OVERVIEW,
    }
}

/// Whether a page's `<h1>` should take the keyboard focus as it appears, so that the next Tab
/// continues in the new page and screen readers announce it. `initial` is the path the portal
/// opened on, `focused` the path whose heading took focus last; `focus_lost` says whether focus
/// fell back to the document (its element was removed, as when a loading heading is replaced).
/// The page the portal opens on keeps the browser's own focus order (the skip link first).
pub fn focus_on_arrival(
    initial: &str,
    focused: Option<&str>,
    path: &str,
    focus_lost: bool,
) -> bool {
    match focused {
        None => path != initial,
        Some(done) => done != path || focus_lost,
    }
}

/// Percent-encodes everything but unreserved characters and `/`.
pub fn encode_component(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for byte in raw.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_request_flow_names_the_report_asked_for() {
        let report: tessera_domain::UserId =
            "018f0000-0000-7000-8000-000000000001".parse().unwrap();
        assert_eq!(
            asking_for(ACCESS_PACKAGES, Some(report)),
            "/access-packages?for=018f0000-0000-7000-8000-000000000001"
        );
        assert_eq!(asking_for(ACCESS_PACKAGES, None), "/access-packages");
    }

    #[test]
    fn a_local_path_is_returned_to() {
        assert_eq!(return_path(Some("/tokens")), "/tokens");
        assert_eq!(return_path(Some("/admin?x=1")), "/admin?x=1");
    }

    #[test]
    fn anything_that_could_leave_the_site_goes_to_the_overview() {
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "evil",
            "",
            "/a\nb",
        ] {
            assert_eq!(return_path(Some(bad)), OVERVIEW, "{bad:?}");
        }
        assert_eq!(return_path(None), OVERVIEW);
    }

    #[test]
    fn signing_in_never_returns_to_the_sign_in_page() {
        assert_eq!(return_path(Some("/sign-in")), OVERVIEW);
        assert_eq!(return_path(Some("/sign-in?next=/x")), OVERVIEW);
    }

    #[test]
    fn focus_moves_to_the_heading_after_a_route_change_but_not_on_the_first_page() {
        // The first page, its loading heading replaced by the loaded one.
        assert!(!focus_on_arrival("/", None, "/", false));
        assert!(!focus_on_arrival("/", None, "/", true));
        // Another page: its first heading takes focus, a later one only if focus was lost.
        assert!(focus_on_arrival("/", None, "/requests", false));
        assert!(!focus_on_arrival(
            "/",
            Some("/requests"),
            "/requests",
            false
        ));
        assert!(focus_on_arrival("/", Some("/requests"), "/requests", true));
        // Back to the first page, after moving around.
        assert!(focus_on_arrival("/", Some("/requests"), "/", false));
    }

    #[test]
    fn the_sign_in_link_carries_the_encoded_page() {
        assert_eq!(sign_in_returning_to("/tokens"), "/sign-in?next=/tokens");
        assert_eq!(
            sign_in_returning_to("/admin?cursor=a b&x=1"),
            "/sign-in?next=/admin%3Fcursor%3Da%20b%26x%3D1"
        );
        assert_eq!(sign_in_returning_to("/"), "/sign-in");
    }
}

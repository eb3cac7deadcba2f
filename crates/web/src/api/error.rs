use std::fmt;

use tessera_domain::problem::{FieldError, Problem, ProblemCode};

/// Why a call to the API did not give what was asked for.
#[derive(Clone, Debug, PartialEq)]
pub enum ApiError {
    /// The server answered with an error status. The body is its RFC 9457 problem, or one made
    /// up from the status when the body was not a problem (a proxy's error page, say). Boxed:
    /// it is large, and errors travel through every `Result`.
    Problem(Box<Problem>),
    /// No answer arrived, or it could not be read. The text is for the console, not for people.
    Network(String),
}

impl ApiError {
    /// The error for an answer whose status is not 2xx.
    pub fn from_response(status: u16, body: &str, retry_after: Option<&str>) -> Self {
        let mut problem =
            serde_json::from_str::<Problem>(body).unwrap_or_else(|_| problem_for_status(status));
        if status == 429 && problem.detail.is_none() {
            problem.detail = Some(
                match retry_after.and_then(|v| v.trim().parse::<u64>().ok()) {
                    Some(seconds) => format!("Too many attempts. Try again in {seconds} seconds."),
                    None => "Too many attempts. Try again later.".to_string(),
                },
            );
        }
        Self::Problem(Box::new(problem))
    }

    /// Input refused before it was sent, shaped like the server's own validation problem so
    /// that forms show both the same way.
    pub fn invalid(errors: Vec<FieldError>) -> Self {
        Self::Problem(Box::new(Problem {
            type_uri: "about:blank".into(),
            title: "Some fields need attention".into(),
            status: 422,
            detail: Some("Correct the fields marked below and try again.".into()),
            code: ProblemCode::ValidationFailed,
            request_id: None,
            errors,
        }))
    }

    pub fn problem(&self) -> Option<&Problem> {
        match self {
            Self::Problem(problem) => Some(problem.as_ref()),
            Self::Network(_) => None,
        }
    }

    pub fn status(&self) -> Option<u16> {
        self.problem().map(|p| p.status)
    }

    /// The session is missing or has ended.
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(401)
    }

    /// What the server said about one input, for forms that show errors next to their fields.
    pub fn field_message(&self, field: &str) -> Option<String> {
        self.problem()
            .and_then(|p| p.field_message(field))
            .map(str::to_string)
    }

    /// One sentence for people: the problem's detail, else its title.
    pub fn message(&self) -> String {
        match self {
            Self::Problem(problem) => problem
                .detail
                .clone()
                .filter(|d| !d.trim().is_empty())
                .unwrap_or_else(|| problem.title.clone()),
            Self::Network(_) => {
                "Tessera could not be reached. Check your connection and try again.".to_string()
            }
        }
    }

    /// The server's id for the failed request, to quote to an administrator.
    pub fn request_id(&self) -> Option<&str> {
        self.problem().and_then(|p| p.request_id.as_deref())
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for ApiError {}

/// A problem made up from the status alone. Its code is one the server answers the status with
/// when that tells what went wrong, else `Unknown`: the body named no code.
fn problem_for_status(status: u16) -> Problem {
    let (title, code) = match status {
        400 => ("The request was not accepted", ProblemCode::BadRequest),
        401 => ("You are not signed in", ProblemCode::Unauthenticated),
        403 => ("You are not allowed to do this", ProblemCode::Forbidden),
        404 => ("Not found", ProblemCode::NotFound),
        409 => (
            "This conflicts with something that already exists",
            ProblemCode::Unknown,
        ),
        422 => ("Some fields need attention", ProblemCode::ValidationFailed),
        429 => ("Too many attempts", ProblemCode::RateLimited),
        500..=599 => (
            "Tessera had a problem. Try again later.",
            ProblemCode::Unknown,
        ),
        _ => ("The request failed", ProblemCode::Unknown),
    };
    Problem {
        type_uri: "about:blank".into(),
        title: title.into(),
        status,
        detail: None,
        code,
        request_id: None,
        errors: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_body_is_kept_with_its_field_errors() {
        let body = r#"{"type":"https://tessera.dev/problems/validation","title":"Invalid input",
            "status":422,"code":"validation_failed","request_id":"r-1",
            "errors":[{"field":"email","message":"must contain '@'"}]}"#;
        let error = ApiError::from_response(422, body, None);
        assert_eq!(
            error.field_message("email").as_deref(),
            Some("must contain '@'")
        );
        assert_eq!(error.field_message("username"), None);
        assert_eq!(error.message(), "Invalid input");
        assert_eq!(error.request_id(), Some("r-1"));
    }

    #[test]
    fn a_problem_with_a_code_from_a_newer_server_keeps_its_words() {
        let body = r#"{"type":"urn:tessera:problem:invented_later","title":"Conflict",
            "status":409,"code":"invented_later","detail":"Something new is in the way."}"#;
        let error = ApiError::from_response(409, body, None);
        assert_eq!(error.problem().map(|p| p.code), Some(ProblemCode::Unknown));
        assert_eq!(error.message(), "Something new is in the way.");
    }

    #[test]
    fn a_body_that_is_not_a_problem_gives_a_problem_for_its_status() {
        let error = ApiError::from_response(502, "<html>Bad gateway</html>", None);
        assert_eq!(error.status(), Some(502));
        assert_eq!(error.message(), "Tessera had a problem. Try again later.");
    }

    #[test]
    fn rate_limiting_without_detail_says_when_to_try_again() {
        let error = ApiError::from_response(429, "", Some("30"));
        assert_eq!(
            error.message(),
            "Too many attempts. Try again in 30 seconds."
        );
    }

    #[test]
    fn rate_limiting_with_detail_shows_the_servers_words() {
        let body = r#"{"type":"about:blank","title":"Too many requests","status":429,
            "code":"rate_limited","detail":"Wait a minute before signing in again."}"#;
        let error = ApiError::from_response(429, body, Some("60"));
        assert_eq!(error.message(), "Wait a minute before signing in again.");
    }

    #[test]
    fn only_401_means_the_session_is_gone() {
        assert!(ApiError::from_response(401, "", None).is_unauthorized());
        assert!(!ApiError::from_response(403, "", None).is_unauthorized());
        assert!(!ApiError::Network("offline".into()).is_unauthorized());
    }

    #[test]
    fn local_validation_reads_like_the_servers() {
        let error = ApiError::invalid(vec![FieldError {
            field: "name".into(),
            message: "must not be empty".into(),
        }]);
        assert_eq!(error.status(), Some(422));
        assert_eq!(
            error.field_message("name").as_deref(),
            Some("must not be empty")
        );
    }
}

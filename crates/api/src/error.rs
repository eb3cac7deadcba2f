//! The one error type at the edge. Every variant maps to a status and a stable `code`, answered
//! as RFC 9457 `application/problem+json`. 5xx bodies say nothing internal; the cause is logged
//! once, where it happens.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use tessera_domain::problem::{FieldError, Problem, ProblemCode};

use crate::store::StoreError;

pub const PROBLEM_JSON: &str = "application/problem+json";

tokio::task_local! {
    /// The id of the request being handled, for problem bodies and audit events.
    pub static REQUEST_ID: String;
}

pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("authentication required")]
    Unauthenticated,
    #[error("sign-in failed")]
    SignInFailed,
    #[error("password sign-in is switched off")]
    LocalPasswordsDisabled,
    #[error("sign-in blocked: the guest's access ended")]
    SignInBlocked,
    #[error("too many attempts")]
    RateLimited { retry_after_secs: u64 },
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// A custom extension callback without its call's valid token. Says nothing about whether
    /// the call exists.
    #[error("callback refused")]
    CallbackRefused,
    #[error("CSRF check failed")]
    CsrfFailed,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("no such route")]
    NoRoute,
    /// The path is an endpoint's, the method is not one it answers; `allow` lists those.
    #[error("method not allowed")]
    MethodNotAllowed { allow: String },
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("malformed request: {message}")]
    BadRequest {
        field: Option<String>,
        message: String,
    },
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("request body over {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("request headers over {limit} bytes")]
    HeadersTooLarge { limit: usize },
    #[error("conflict: {detail}")]
    Conflict {
        code: ProblemCode,
        detail: String,
        /// The input field the conflict is about, if one is.
        field: Option<&'static str>,
    },
    #[error("Idempotency-Key {key} was first used for another request")]
    IdempotencyKeyReused { key: String },
    /// A resource that packages grant or policies name, refused without `cascade=true`.
    #[error("resource in use: {detail}")]
    InUse {
        detail: String,
        used_by: Box<tessera_domain::problem::UsedBy>,
    },
    /// A connected system refused or could not be reached; `detail` is its answer (never a
    /// secret).
    #[error("connected system failed: {detail}")]
    ConnectorFailed { detail: String },
    #[error("internal error")]
    Internal,
    #[error("service unavailable")]
    Unavailable,
    /// Every password hashing thread stayed busy for the whole wait.
    #[error("too busy to check a password")]
    Busy { retry_after_secs: u64 },
}

impl ApiError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::Validation(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// The code this error is answered with; [`status_and_title`] gives its status.
    pub fn code(&self) -> ProblemCode {
        match self {
            ApiError::Unauthenticated => ProblemCode::Unauthenticated,
            ApiError::SignInFailed => ProblemCode::SignInFailed,
            ApiError::LocalPasswordsDisabled => ProblemCode::LocalPasswordsDisabled,
            ApiError::SignInBlocked => ProblemCode::SignInBlocked,
            ApiError::RateLimited { .. } => ProblemCode::RateLimited,
            ApiError::Forbidden(_) => ProblemCode::Forbidden,
            ApiError::CallbackRefused => ProblemCode::CallbackRefused,
            ApiError::CsrfFailed => ProblemCode::CsrfFailed,
            ApiError::NotFound(_) => ProblemCode::NotFound,
            ApiError::NoRoute => ProblemCode::NoRoute,
            ApiError::MethodNotAllowed { .. } => ProblemCode::MethodNotAllowed,
            ApiError::Validation(_) => ProblemCode::ValidationFailed,
            ApiError::BadRequest { .. } => ProblemCode::BadRequest,
            ApiError::UnsupportedMediaType => ProblemCode::UnsupportedMediaType,
            ApiError::PayloadTooLarge { .. } => ProblemCode::PayloadTooLarge,
            ApiError::HeadersTooLarge { .. } => ProblemCode::HeadersTooLarge,
            ApiError::Conflict { code, .. } => *code,
            ApiError::IdempotencyKeyReused { .. } => ProblemCode::IdempotencyKeyReused,
            ApiError::InUse { .. } => ProblemCode::ResourceInUse,
            ApiError::ConnectorFailed { .. } => ProblemCode::ConnectorFailed,
            ApiError::Internal => ProblemCode::Internal,
            ApiError::Unavailable => ProblemCode::Unavailable,
            ApiError::Busy { .. } => ProblemCode::Busy,
        }
    }

    /// What went wrong, in a sentence for the caller.
    fn detail(&self) -> String {
        match self {
            ApiError::Unauthenticated => {
                "Sign in, or send an API token as `Authorization: Bearer <token>`.".into()
            }
            ApiError::SignInFailed => {
                "The username or password is wrong, or the account cannot sign in.".into()
            }
            ApiError::LocalPasswordsDisabled => "Passwords are switched off here; sign in with \
                 your organisation's identity provider."
                .into(),
            ApiError::SignInBlocked => "Your account is blocked from signing in because your \
                 last access ended. Ask your sponsor to request access for you again."
                .into(),
            ApiError::RateLimited { retry_after_secs } => format!(
                "Too many sign-in attempts. Try again in {}.",
                human_duration(*retry_after_secs)
            ),
            ApiError::Forbidden(why) => (*why).to_string(),
            ApiError::CallbackRefused => "Send the callback token of this call as \
                 `Authorization: Bearer <callback_token>`."
                .into(),
            ApiError::CsrfFailed => {
                "Send the value of the tessera_csrf cookie in the X-CSRF-Token header.".into()
            }
            ApiError::NotFound(what) => format!("No such {what}."),
            ApiError::NoRoute => "No API endpoint has this path and method.".into(),
            ApiError::MethodNotAllowed { allow } => format!("This endpoint answers {allow}."),
            ApiError::Validation(_) => "Some fields are not valid; see `errors`.".into(),
            ApiError::BadRequest { message, .. } => message.clone(),
            ApiError::UnsupportedMediaType => "Send the body as application/json.".into(),
            ApiError::PayloadTooLarge { limit } => {
                format!("The body may be at most {limit} bytes.")
            }
            ApiError::HeadersTooLarge { limit } => {
                format!("The request's header fields may add up to at most {limit} bytes.")
            }
            ApiError::Conflict { detail, .. } | ApiError::InUse { detail, .. } => detail.clone(),
            ApiError::ConnectorFailed { detail } => detail.clone(),
            ApiError::IdempotencyKeyReused { key } => format!(
                "The Idempotency-Key {key:?} was first sent with a different request; send a new \
                 key for a new request."
            ),
            ApiError::Internal => {
                "Something went wrong on our side. Quote the request id when reporting it.".into()
            }
            ApiError::Unavailable => "Try again shortly.".into(),
            ApiError::Busy { retry_after_secs } => format!(
                "Too many passwords are being checked at once. Try again in {}.",
                human_duration(*retry_after_secs)
            ),
        }
    }

    pub fn problem(&self) -> Problem {
        let code = self.code();
        let (status, title) = status_and_title(code);
        let errors = match self {
            ApiError::Validation(errors) => errors.clone(),
            ApiError::BadRequest {
                field: Some(field),
                message,
            } => vec![FieldError {
                field: field.clone(),
                message: message.clone(),
            }],
            ApiError::Conflict {
                field: Some(field),
                detail,
                ..
            } => vec![FieldError {
                field: (*field).to_string(),
                message: detail.clone(),
            }],
            ApiError::IdempotencyKeyReused { key } => vec![FieldError {
                field: crate::idempotency::HEADER.into(),
                message: format!("{key:?} was first sent with a different request"),
            }],
            _ => Vec::new(),
        };
        Problem {
            type_uri: format!("urn:tessera:problem:{code}"),
            title: title.into(),
            status: status.as_u16(),
            detail: Some(self.detail()),
            code,
            request_id: current_request_id(),
            errors,
        }
    }
}

/// The status and title of every problem the API answers with. Every conflict is a 409.
pub fn status_and_title(code: ProblemCode) -> (StatusCode, &'static str) {
    match code {
        ProblemCode::Unauthenticated => (StatusCode::UNAUTHORIZED, "Authentication required"),
        ProblemCode::SignInFailed => (StatusCode::UNAUTHORIZED, "Sign-in failed"),
        ProblemCode::LocalPasswordsDisabled => {
            (StatusCode::FORBIDDEN, "Password sign-in switched off")
        }
        ProblemCode::SignInBlocked => (StatusCode::FORBIDDEN, "Sign-in blocked"),
        ProblemCode::RateLimited => (StatusCode::TOO_MANY_REQUESTS, "Too many attempts"),
        ProblemCode::Forbidden => (StatusCode::FORBIDDEN, "Not allowed"),
        ProblemCode::CallbackRefused => (StatusCode::UNAUTHORIZED, "Callback refused"),
        ProblemCode::CsrfFailed => (StatusCode::FORBIDDEN, "Cross-site request refused"),
        ProblemCode::NotFound | ProblemCode::NoRoute => (StatusCode::NOT_FOUND, "Not found"),
        ProblemCode::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "Method not allowed"),
        ProblemCode::ValidationFailed => (StatusCode::UNPROCESSABLE_ENTITY, "Invalid input"),
        ProblemCode::BadRequest => (StatusCode::BAD_REQUEST, "Malformed request"),
        ProblemCode::UnsupportedMediaType => {
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "Unsupported media type")
        }
        ProblemCode::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "Request body too large"),
        ProblemCode::HeadersTooLarge => (
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "Request headers too large",
        ),
        ProblemCode::IdempotencyKeyReused => {
            (StatusCode::UNPROCESSABLE_ENTITY, "Idempotency-Key reused")
        }
        ProblemCode::ResourceInUse => (StatusCode::CONFLICT, "Resource in use"),
        ProblemCode::Duplicate
        | ProblemCode::Changed
        | ProblemCode::MissingReference
        | ProblemCode::NameTaken
        | ProblemCode::UsernameTaken
        | ProblemCode::ExternalIdTaken
        | ProblemCode::GroupManagedByProvider
        | ProblemCode::CatalogNameTaken
        | ProblemCode::PackageNameTaken
        | ProblemCode::CatalogDisabled
        | ProblemCode::CatalogHasPackages
        | ProblemCode::ResourceInCatalog
        | ProblemCode::ResourcesNotInCatalog
        | ProblemCode::ResourceRoleExists
        | ProblemCode::ResourceUsageChanged
        | ProblemCode::PackageChanged
        | ProblemCode::PolicyDisabled
        | ProblemCode::PolicyDeleted
        | ProblemCode::PolicyHasAssignments
        | ProblemCode::AlreadyAssigned
        | ProblemCode::NotAssigned
        | ProblemCode::RequestPending
        | ProblemCode::SeparationOfDuties
        | ProblemCode::DoesNotExpire
        | ProblemCode::ExtensionNotAllowed
        | ProblemCode::RemovalNotAllowed
        | ProblemCode::AssignmentEnded
        | ProblemCode::AssignmentChanged
        | ProblemCode::RequestChanged
        | ProblemCode::AlreadyDecided
        | ProblemCode::RequestNotPending
        | ProblemCode::StageNotCurrent
        | ProblemCode::StageTimedOut
        | ProblemCode::RequestNotCancelable
        | ProblemCode::RequestNotReady
        | ProblemCode::WaitOver
        | ProblemCode::AccessReviewChanged
        | ProblemCode::ReviewChanged
        | ProblemCode::ReviewNotOpen
        | ProblemCode::ReviewNotCompleted
        | ProblemCode::ReviewRefused
        | ProblemCode::UserDisabled
        | ProblemCode::SelfLockout
        | ProblemCode::LastAdministrator => (StatusCode::CONFLICT, "Conflict"),
        ProblemCode::Superseded => (StatusCode::CONFLICT, "Superseded by a newer operation"),
        // `Unknown` stands for codes a newer server sends; this server never builds it, and
        // a body holding it would not serialize. Should one slip through, it is our fault.
        ProblemCode::Internal | ProblemCode::Unknown => {
            (StatusCode::INTERNAL_SERVER_ERROR, "Internal error")
        }
        ProblemCode::ConnectorFailed => (StatusCode::BAD_GATEWAY, "Connected system failed"),
        ProblemCode::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "Service unavailable"),
        ProblemCode::Busy => (StatusCode::SERVICE_UNAVAILABLE, "Too busy"),
    }
}

fn human_duration(secs: u64) -> String {
    if secs < 90 {
        format!("{secs} seconds")
    } else {
        format!("{} minutes", secs.div_ceil(60))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        status_and_title(self.code()).0
    }

    fn error_response(&self) -> HttpResponse {
        let problem = self.problem();
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        response.insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
        match self {
            ApiError::RateLimited { retry_after_secs } | ApiError::Busy { retry_after_secs } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            ApiError::MethodNotAllowed { allow } => {
                response.insert_header((header::ALLOW, allow.clone()));
            }
            ApiError::Unauthenticated => {
                response.insert_header((
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"tessera\""),
                ));
            }
            _ => {}
        }
        // Serializing a Problem cannot fail: it holds only strings and numbers.
        let body = match self {
            ApiError::InUse { used_by, .. } => {
                serde_json::to_vec(&tessera_domain::problem::ResourceInUse {
                    problem,
                    used_by: (**used_by).clone(),
                })
            }
            _ => serde_json::to_vec(&problem),
        }
        .unwrap_or_default();
        response.body(body)
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Duplicate(what) => ApiError::Conflict {
                code: ProblemCode::Duplicate,
                detail: format!("Another record has the same {what}."),
                field: None,
            },
            StoreError::Conflict => ApiError::Conflict {
                code: ProblemCode::Changed,
                detail: "The record changed while this request ran; read it again and retry."
                    .into(),
                field: None,
            },
            StoreError::LastAdministrator => ApiError::Conflict {
                code: ProblemCode::LastAdministrator,
                detail: "This is the last enabled administrator; make someone else one first."
                    .into(),
                field: None,
            },
            StoreError::MissingReference => ApiError::Conflict {
                code: ProblemCode::MissingReference,
                detail: "The request refers to a record that does not exist.".into(),
                field: None,
            },
            StoreError::Database(ref source) => {
                if matches!(source, sqlx::Error::PoolTimedOut | sqlx::Error::Io(_)) {
                    tracing::error!(error = %source, "database unavailable");
                    ApiError::Unavailable
                } else {
                    tracing::error!(error = %source, "database error");
                    ApiError::Internal
                }
            }
            StoreError::Migration(source) => {
                tracing::error!(error = %source, "migration error");
                ApiError::Internal
            }
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

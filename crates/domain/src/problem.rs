//! RFC 9457 problem details, as every API error is answered.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An `application/problem+json` body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Problem {
    /// A URI naming the kind of problem; stable, safe to branch on.
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Short stable code, such as `validation_failed` or `not_found`.
    pub code: ProblemCode,
    /// The id of the request, to find it in the server's logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Which input was wrong, and why, for validation problems.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// What went wrong, as a stable code safe to branch on. Each code comes with one status (409 for
/// every conflict). Codes may be added: read one you do not know by its status.
// Sent as its `snake_case` name. A new kind of problem is a new variant here; the API maps each
// to its status exhaustively, and the portal matches variants, never strings.
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
    strum::VariantArray,
)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ProblemCode {
    // Who is asking, and whether they may (401, 403, 429).
    /// No session or API token came with the request.
    Unauthenticated,
    /// The username or password is wrong, or the account cannot sign in.
    SignInFailed,
    /// Password sign-in is switched off (`auth.local_passwords = false`) and the username is
    /// not a break-glass administrator's: sign in with the organisation's identity provider.
    LocalPasswordsDisabled,
    /// The password was right, but this guest is blocked from signing in: their last access
    /// ended. Access given again lifts the block; their sponsors can ask for it.
    SignInBlocked,
    /// Too many sign-in attempts; `Retry-After` says when to try again.
    RateLimited,
    /// The caller may not do this.
    Forbidden,
    /// A custom extension's callback came without the valid token of its call (or for no call).
    CallbackRefused,
    /// A cookie-authenticated write without the matching `X-CSRF-Token` header.
    CsrfFailed,

    // The request itself (400, 404, 405, 413, 415, 422, 431).
    /// No such record.
    NotFound,
    /// No API endpoint has this path and method.
    NoRoute,
    /// The endpoint does not answer this method; `Allow` lists those it does.
    MethodNotAllowed,
    /// Some inputs are not valid; `errors` says which and why.
    ValidationFailed,
    /// The request could not be read: malformed JSON or query.
    BadRequest,
    /// The body is not in a media type the endpoint reads.
    UnsupportedMediaType,
    /// The body is over the size limit.
    PayloadTooLarge,
    /// The header fields are over the size limit.
    HeadersTooLarge,
    /// The `Idempotency-Key` was first sent with a different request.
    IdempotencyKeyReused,

    // Conflicts with the stored state (409).
    /// Another record has the same unique value.
    Duplicate,
    /// The record changed while the request ran; read it again and retry.
    Changed,
    /// The request refers to a record that does not exist.
    MissingReference,
    /// Packages grant the resource or policies name it; `used_by` says which.
    ResourceInUse,
    /// Another record of the kind has the name.
    NameTaken,
    /// Another user has the username.
    UsernameTaken,
    /// Another user has the external id.
    ExternalIdTaken,
    /// The group's members are managed by the identity provider through SCIM: Tessera neither
    /// delivers access into it nor lets anyone change its members by hand.
    GroupManagedByProvider,
    /// Another catalog has the name.
    CatalogNameTaken,
    /// Another package in the catalog has the name.
    PackageNameTaken,
    /// The catalog is disabled.
    CatalogDisabled,
    /// The catalog holds access packages; delete or move them first.
    CatalogHasPackages,
    /// The resource is in the catalog already.
    ResourceInCatalog,
    /// The package grants resources that are not in its catalog.
    ResourcesNotInCatalog,
    /// The package grants the role already.
    ResourceRoleExists,
    /// The packages or policies using a resource changed meanwhile.
    ResourceUsageChanged,
    /// The package changed meanwhile.
    PackageChanged,
    /// The policy is disabled: it takes no new requests.
    PolicyDisabled,
    /// The policy the access was given under no longer exists.
    PolicyDeleted,
    /// Active assignments or open requests follow the policy.
    PolicyHasAssignments,
    /// The person holds the package already, or is scheduled to.
    AlreadyAssigned,
    /// The person does not hold the package, or not as delivered access.
    NotAssigned,
    /// A request for the person and package is open already.
    RequestPending,
    /// The access would break a separation-of-duties rule.
    SeparationOfDuties,
    /// The access does not expire, so there is nothing to extend.
    DoesNotExpire,
    /// The policy does not allow extending the access.
    ExtensionNotAllowed,
    /// The policy does not let people remove the access themselves.
    RemovalNotAllowed,
    /// The assignment ended already.
    AssignmentEnded,
    /// The assignment changed meanwhile.
    AssignmentChanged,
    /// The request changed meanwhile.
    RequestChanged,
    /// The stage was decided already.
    AlreadyDecided,
    /// The request waits for no decision.
    RequestNotPending,
    /// The stage is not the one being decided.
    StageNotCurrent,
    /// The stage's deadline passed; the request is expiring.
    StageTimedOut,
    /// The request can no longer be canceled.
    RequestNotCancelable,
    /// The request is not in the state the action needs (scheduled, delivering, ...).
    RequestNotReady,
    /// The wait for the custom extension is over: answered already, or timed out.
    WaitOver,
    /// The access review definition, or a policy's review, changed meanwhile.
    AccessReviewChanged,
    /// The review changed or moved on meanwhile.
    ReviewChanged,
    /// The review or its stage is not open.
    ReviewNotOpen,
    /// The review is not completed.
    ReviewNotCompleted,
    /// The review refused the decision for another reason, given in `detail`.
    ReviewRefused,
    /// The user is disabled.
    UserDisabled,
    /// The change would lock the caller out.
    SelfLockout,
    /// The change would leave no enabled administrator.
    LastAdministrator,
    /// A newer provisioning operation for the same person and target exists: retrying this
    /// older one could undo it.
    Superseded,

    // A system Tessera talks to (502).
    /// A connected system (an LDAP directory, a SCIM application) refused the request or could
    /// not be reached; `detail` says what it answered.
    ConnectorFailed,

    // The server (500, 503).
    /// Something went wrong on the server; the request id finds it in the logs.
    Internal,
    /// A dependency (the database) is unreachable.
    Unavailable,
    /// Too many passwords are being checked at once.
    Busy,

    /// A code this build does not know, sent by a newer server. Only ever read: the server never
    /// answers it, serializing it is an error, and the OpenAPI document leaves it out.
    #[serde(other, skip_serializing)]
    Unknown,
}

impl ProblemCode {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl fmt::Display for ProblemCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// Where in the input: a JSON path such as `manager_id`, or a query parameter name.
    pub field: String,
    pub message: String,
}

impl Problem {
    /// The message for a field, for forms that show errors next to their inputs.
    pub fn field_message(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

/// The 409 `resource_in_use` problem: a group, application or app role that access packages
/// grant, or that policies name, is not deleted (nor removed from a catalog) unless the caller
/// asks to cascade. `used_by` names what uses it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ResourceInUse {
    #[serde(flatten)]
    pub problem: Problem,
    pub used_by: UsedBy,
}

/// What uses a resource.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct UsedBy {
    /// Access packages that grant a role of the resource.
    pub access_packages: Vec<UsingPackage>,
    /// Policies that name the resource (who may request, approvers).
    pub policies: Vec<UsingPolicy>,
}

impl UsedBy {
    pub fn is_empty(&self) -> bool {
        self.access_packages.is_empty() && self.policies.is_empty()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct UsingPackage {
    pub id: crate::AccessPackageId,
    pub name: String,
    pub catalog_id: crate::CatalogId,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct UsingPolicy {
    pub id: crate::PolicyId,
    pub name: String,
    pub access_package_id: crate::AccessPackageId,
    pub access_package_name: String,
}

/// The query of deleting a group, application or app role, or removing one from a catalog.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "server", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct CascadeQuery {
    /// Go ahead although access packages grant the resource or policies name it: the packages
    /// stop granting it and those policies are disabled. Audited with what it touched.
    pub cascade: Option<bool>,
}

#[cfg(test)]
mod tests {
    use strum::VariantArray;

    use super::*;

    #[test]
    fn every_code_is_sent_as_its_snake_case_name_and_read_back() {
        for &code in ProblemCode::VARIANTS {
            if code == ProblemCode::Unknown {
                continue;
            }
            let json = serde_json::to_string(&code).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", code.as_str()), "{code:?}");
            let back: Option<ProblemCode> = serde_json::from_str(&json).ok();
            assert_eq!(back, Some(code), "{code:?}");
        }
    }

    #[test]
    fn a_code_from_a_newer_server_is_read_as_unknown_and_never_sent() {
        let code: Option<ProblemCode> = serde_json::from_str("\"invented_later\"").ok();
        assert_eq!(code, Some(ProblemCode::Unknown));
        assert!(serde_json::to_string(&ProblemCode::Unknown).is_err());
        let spelled: Option<ProblemCode> = serde_json::from_str("\"unknown\"").ok();
        assert_eq!(spelled, Some(ProblemCode::Unknown));
    }

    #[test]
    fn a_problem_with_an_unknown_code_is_still_read() {
        let body = r#"{"type":"urn:tessera:problem:invented_later","title":"New","status":409,
            "code":"invented_later"}"#;
        let problem: Option<Problem> = serde_json::from_str(body).ok();
        assert_eq!(problem.map(|p| p.code), Some(ProblemCode::Unknown));
    }
}

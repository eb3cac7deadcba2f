//! The person page's pure parts: where an account comes from, why a person holds an
//! assignment, where a request stands, and the edit form read with the domain's rules.

use tessera_domain::access::RequestView;
use tessera_domain::assignment::AssignmentView;
use tessera_domain::problem::FieldError;
use tessera_domain::request::RequestKind;
use tessera_domain::user::{Department, UserChanges, UserKind, UserView};
use tessera_domain::{DisplayName, Email};
use tessera_domain::{RequestId, UserId};

use crate::api::ApiError;
use crate::my_access::current_stage;
use crate::routes;

/// The page of one person.
pub fn person_href(id: UserId) -> String {
    format!("{}/{id}", routes::ADMIN_PEOPLE)
}

/// How a person signs in, as far as the directory tells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccountSource {
    /// A password kept by Tessera.
    Local,
    /// Accounts at identity providers (OpenID Connect), by provider name.
    IdentityProvider(Vec<String>),
    /// Written by the organisation's directory (SCIM or an import), under its id there.
    Directory(String),
    /// A service account: API tokens only.
    Service,
}

impl AccountSource {
    pub fn of(user: &UserView) -> AccountSource {
        if user.kind == UserKind::ServiceAccount {
            return AccountSource::Service;
        }
        if !user.identity_links.is_empty() {
            return AccountSource::IdentityProvider(
                user.identity_links
                    .iter()
                    .map(|link| link.provider_name.clone())
                    .collect(),
            );
        }
        match &user.external_id {
            Some(external) => AccountSource::Directory(external.as_str().to_string()),
            None => AccountSource::Local,
        }
    }

    /// In words: "Local account: signs in with a password set in Tessera".
    pub fn label(&self) -> String {
        match self {
            AccountSource::Local => {
                "Local account: signs in with a password set in Tessera".to_string()
            }
            AccountSource::IdentityProvider(providers) => format!(
                "Identity provider (OpenID Connect): signs in through {}",
                providers.join(", ")
            ),
            AccountSource::Directory(external) => format!(
                "The organisation's directory (SCIM or an import), where its id is {external}"
            ),
            AccountSource::Service => "Service account: no sign-in, API tokens only".to_string(),
        }
    }

    /// Whether an administrator sets this account's password here: only local accounts have
    /// one; the others sign in elsewhere.
    pub fn has_password(&self) -> bool {
        matches!(self, AccountSource::Local)
    }
}

/// Why a person holds an assignment, with the request it came from when there is one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Why {
    pub text: String,
    pub request: Option<RequestId>,
}

/// Why `assignment` is held: the request that created it, found among `requests` (the
/// person's requests as far as they were read), or else who assigned it.
pub fn why(assignment: &AssignmentView, requests: &[RequestView]) -> Why {
    let policy = format!("the policy “{}”", assignment.policy_name);
    let holder = assignment.user.id;
    let origin = requests
        .iter()
        .filter(|request| {
            request.assignment_id == Some(assignment.id)
                && matches!(request.kind, RequestKind::UserAdd | RequestKind::AdminAdd)
        })
        .min_by_key(|request| request.submitted_at);
    if let Some(request) = origin {
        let text = match request.kind {
            RequestKind::AdminAdd => format!(
                "Assigned by {} under {policy}, approved as a request",
                request.requester.display_name
            ),
            _ if request.requester.id == holder => format!("Requested under {policy}"),
            _ => format!(
                "Requested for them by {} under {policy}",
                request.requester.display_name
            ),
        };
        return Why {
            text,
            request: Some(request.id),
        };
    }
    let text = match &assignment.assigned_by {
        Some(by) if by.id == holder => format!("Requested under {policy}"),
        Some(by) => format!("Assigned directly by {} under {policy}", by.display_name),
        None => format!("Given by Tessera under {policy}"),
    };
    Why {
        text,
        request: None,
    }
}

/// Where an open request stands: "Stage 2 of 3" while it waits for approvers, else `None`.
pub fn stage_line(request: &RequestView) -> Option<String> {
    let stage = current_stage(request)?;
    Some(format!(
        "Stage {} of {}",
        stage.number,
        request.stages.len()
    ))
}

/// Whether an administrator may still cancel the request: nothing of it is delivered yet
/// (a request being delivered is not stopped half-way).
pub fn admin_may_cancel(request: &RequestView) -> bool {
    request.state.is_cancelable()
}

/// The person's details as typed in the edit form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PersonForm {
    pub display_name: String,
    pub email: String,
    /// "" for none.
    pub department: String,
    /// A user id as the person picker holds it; "" for none.
    pub manager_id: String,
}

impl PersonForm {
    pub fn of(user: &UserView) -> PersonForm {
        PersonForm {
            display_name: user.display_name.to_string(),
            email: user.email.to_string(),
            department: user
                .department
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            manager_id: user.manager_id.map(|id| id.to_string()).unwrap_or_default(),
        }
    }

    /// The changes from `user` as it was read, every refusal named at its field. Only what
    /// changed is sent.
    pub fn changes(&self, user: &UserView) -> Result<UserChanges, ApiError> {
        let mut refusals = Vec::new();
        let mut refuse = |field: &str, message: String| {
            refusals.push(FieldError {
                field: field.to_string(),
                message,
            })
        };
        let display_name = DisplayName::parse(self.display_name.trim())
            .map_err(|error| refuse("display_name", error.to_string()))
            .ok();
        let email = Email::parse(self.email.trim())
            .map_err(|error| refuse("email", error.to_string()))
            .ok();
        let department = match self.department.trim() {
            "" => Some(None),
            raw => Department::parse(raw)
                .map(Some)
                .map_err(|error| refuse("department", error.to_string()))
                .ok(),
        };
        let manager = match self.manager_id.trim() {
            "" => Some(None),
            raw => match raw.parse::<UserId>() {
                Ok(id) if id == user.id => {
                    refuse("manager_id", "nobody is their own manager".to_string());
                    None
                }
                Ok(id) => Some(Some(id)),
                Err(_) => {
                    refuse("manager_id", "choose a person from the list".to_string());
                    None
                }
            },
        };
        if !refusals.is_empty() {
            return Err(ApiError::invalid(refusals));
        }
        Ok(UserChanges {
            display_name: display_name.filter(|name| *name != user.display_name),
            email: email.filter(|email| *email != user.email),
            department: department.filter(|department| *department != user.department),
            manager_id: manager.filter(|manager| *manager != user.manager_id),
            ..UserChanges::default()
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
#[path = "tests.rs"]
mod tests;

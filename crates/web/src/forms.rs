//! What people type, turned into the domain's input types. Each value is parsed with the domain
//! crate's own rules, and every refusal names its field exactly as the API would, so a form
//! shows mistakes found here and mistakes found by the server in the same place.

use tessera_domain::catalog::{CatalogChanges, CatalogName, Description, NewCatalog};
use tessera_domain::directory::{
    self, AppRoleName, ApplicationName, GroupName, NewAppRole, NewApplication, NewGroup,
};
use tessera_domain::package::{AccessPackageChanges, NewAccessPackage};
use tessera_domain::problem::FieldError;
use tessera_domain::token::{NewToken, TokenLifetimeDays, TokenName};
use tessera_domain::user::{ChangePassword, NewUser, SetPassword, SignIn, UserKind, UserType};
use tessera_domain::{DisplayName, Email, Password, Username, ValueError};

use crate::api::ApiError;

/// Collects the refusals of one form.
#[derive(Default)]
struct Refusals(Vec<FieldError>);

impl Refusals {
    fn check<T>(&mut self, field: &str, parsed: Result<T, ValueError>) -> Option<T> {
        parsed
            .map_err(|error| {
                self.0.push(FieldError {
                    field: field.to_string(),
                    message: error.0,
                })
            })
            .ok()
    }

    pub(crate) fn refuse(&mut self, field: &str, message: &str) {
        self.0.push(FieldError {
            field: field.to_string(),
            message: message.to_string(),
        });
    }

    fn into_error(self) -> ApiError {
        ApiError::invalid(self.0)
    }
}

/// The sign-in form. Only emptiness is checked: the rules of stored names are not revealed.
#[derive(Clone, Debug, Default)]
pub struct SignInForm {
    pub username: String,
    pub password: String,
}

impl SignInForm {
    pub fn parse(&self) -> Result<SignIn, ApiError> {
        let mut refusals = Refusals::default();
        if self.username.trim().is_empty() {
            refusals.refuse("username", "Enter your username.");
        }
        if self.password.is_empty() {
            refusals.refuse("password", "Enter your password.");
        }
        if !refusals.0.is_empty() {
            return Err(refusals.into_error());
        }
        Ok(SignIn {
            username: self.username.trim().to_string(),
            password: self.password.clone(),
        })
    }
}

/// The "Change password" page: the current password, and the new one twice.
#[derive(Clone, Debug, Default)]
pub struct ChangePasswordForm {
    pub current_password: String,
    pub new_password: String,
    pub repeat_password: String,
}

impl ChangePasswordForm {
    pub fn parse(&self) -> Result<ChangePassword, ApiError> {
        let mut refusals = Refusals::default();
        if self.current_password.is_empty() {
            refusals.refuse("current_password", "Enter your current password.");
        }
        let new_password =
            refusals.check("new_password", Password::parse(self.new_password.as_str()));
        if new_password.is_some() && self.repeat_password != self.new_password {
            refusals.refuse("repeat_password", "Type the same new password again.");
        }
        match new_password {
            Some(new_password) if refusals.0.is_empty() => Ok(ChangePassword {
                current_password: self.current_password.clone(),
                new_password,
            }),
            _ => Err(refusals.into_error()),
        }
    }
}

/// The "Set password" form of the users administration.
#[derive(Clone, Debug, Default)]
pub struct SetPasswordForm {
    pub password: String,
}

impl SetPasswordForm {
    pub fn parse(&self) -> Result<SetPassword, ApiError> {
        let mut refusals = Refusals::default();
        match refusals.check("password", Password::parse(self.password.as_str())) {
            Some(password) => Ok(SetPassword { password }),
            None => Err(refusals.into_error()),
        }
    }
}

/// The "New user" form of the administration page: a person who signs in with a password, a
/// member of the organisation or a guest from outside it.
#[derive(Clone, Debug, Default)]
pub struct NewUserForm {
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub password: String,
    pub user_type: UserType,
    pub is_admin: bool,
}

impl NewUserForm {
    pub fn parse(&self) -> Result<NewUser, ApiError> {
        let mut refusals = Refusals::default();
        let username = refusals.check("username", Username::parse(self.username.as_str()));
        let display_name = refusals.check(
            "display_name",
            DisplayName::parse(self.display_name.as_str()),
        );
        let email = refusals.check("email", Email::parse(self.email.as_str()));
        let password = refusals.check("password", Password::parse(self.password.as_str()));
        match (username, display_name, email, password) {
            (Some(username), Some(display_name), Some(email), Some(password)) => Ok(NewUser {
                username,
                display_name,
                email,
                kind: UserKind::Person,
                user_type: self.user_type,
                manager_id: None,
                department: None,
                attributes: Default::default(),
                external_id: None,
                given_name: None,
                family_name: None,
                formatted_name: None,
                sponsors: Default::default(),
                password: Some(password),
                is_admin: self.is_admin,
            }),
            _ => Err(refusals.into_error()),
        }
    }
}

/// The "New token" form.
#[derive(Clone, Debug)]
pub struct NewTokenForm {
    pub name: String,
    /// As typed: a whole number of days.
    pub expires_in_days: String,
}

impl Default for NewTokenForm {
    fn default() -> Self {
        Self {
            name: String::new(),
            expires_in_days: TokenLifetimeDays::DEFAULT.days().to_string(),
        }
    }
}

impl NewTokenForm {
    pub fn parse(&self) -> Result<NewToken, ApiError> {
        let mut refusals = Refusals::default();
        let name = refusals.check("name", TokenName::parse(self.name.as_str()));
        let days = match self.expires_in_days.trim().parse::<u16>() {
            Ok(days) => refusals.check("expires_in_days", TokenLifetimeDays::try_from(days)),
            Err(_) => {
                refusals.refuse(
                    "expires_in_days",
                    &format!(
                        "must be a whole number of days, from 1 to {}",
                        TokenLifetimeDays::MAX
                    ),
                );
                None
            }
        };
        match (name, days) {
            (Some(name), Some(expires_in_days)) => Ok(NewToken {
                name,
                expires_in_days,
            }),
            _ => Err(refusals.into_error()),
        }
    }
}

/// The name and description of a catalog or an access package (which share their rules), with
/// its switch: `enabled` for a catalog, `hidden` for a package.
#[derive(Clone, Debug, Default)]
pub struct NamedForm {
    pub name: String,
    pub description: String,
    pub flag: bool,
}

impl NamedForm {
    fn parse_parts(&self) -> Result<(CatalogName, Description), ApiError> {
        let mut refusals = Refusals::default();
        let name = refusals.check("name", CatalogName::parse(self.name.as_str()));
        let description =
            refusals.check("description", Description::parse(self.description.as_str()));
        match (name, description) {
            (Some(name), Some(description)) => Ok((name, description)),
            _ => Err(refusals.into_error()),
        }
    }

    pub fn new_catalog(&self) -> Result<NewCatalog, ApiError> {
        let (name, description) = self.parse_parts()?;
        Ok(NewCatalog {
            name,
            description,
            enabled: self.flag,
        })
    }

    pub fn catalog_changes(&self) -> Result<CatalogChanges, ApiError> {
        let (name, description) = self.parse_parts()?;
        Ok(CatalogChanges {
            name: Some(name),
            description: Some(description),
            enabled: Some(self.flag),
        })
    }

    pub fn new_package(&self) -> Result<NewAccessPackage, ApiError> {
        let (name, description) = self.parse_parts()?;
        Ok(NewAccessPackage {
            name,
            description,
            hidden: self.flag,
        })
    }

    pub fn package_changes(&self) -> Result<AccessPackageChanges, ApiError> {
        let (name, description) = self.parse_parts()?;
        Ok(AccessPackageChanges {
            name: Some(name),
            description: Some(description),
            hidden: Some(self.flag),
        })
    }
}

/// A group or an application of the directory, or a role of an application: a name and a
/// description.
#[derive(Clone, Debug, Default)]
pub struct DirectoryForm {
    pub name: String,
    pub description: String,
}

impl DirectoryForm {
    fn description(&self, refusals: &mut Refusals) -> Option<directory::Description> {
        refusals.check(
            "description",
            directory::Description::parse(self.description.as_str()),
        )
    }

    pub fn new_group(&self) -> Result<NewGroup, ApiError> {
        let mut refusals = Refusals::default();
        let name = refusals.check("name", GroupName::parse(self.name.as_str()));
        let description = self.description(&mut refusals);
        match (name, description) {
            (Some(name), Some(description)) => Ok(NewGroup { name, description }),
            _ => Err(refusals.into_error()),
        }
    }

    pub fn new_application(&self) -> Result<NewApplication, ApiError> {
        let mut refusals = Refusals::default();
        let name = refusals.check("name", ApplicationName::parse(self.name.as_str()));
        let description = self.description(&mut refusals);
        match (name, description) {
            (Some(name), Some(description)) => Ok(NewApplication { name, description }),
            _ => Err(refusals.into_error()),
        }
    }

    pub fn new_app_role(&self) -> Result<NewAppRole, ApiError> {
        let mut refusals = Refusals::default();
        let name = refusals.check("name", AppRoleName::parse(self.name.as_str()));
        let description = self.description(&mut refusals);
        match (name, description) {
            (Some(name), Some(description)) => Ok(NewAppRole { name, description }),
            _ => Err(refusals.into_error()),
        }
    }
}

/// A field message as it reads under its input: starting with a capital letter.
pub fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid_user() -> NewUserForm {
        NewUserForm {
            username: "Ada".into(),
            display_name: "Ada Lovelace".into(),
            email: "ada@example.org".into(),
            password: "correct horse battery".into(),
            user_type: UserType::Member,
            is_admin: true,
        }
    }

    #[test]
    fn a_valid_new_user_parses_into_a_person_with_a_password() {
        let parsed = valid_user().parse();
        assert!(parsed.is_ok(), "{parsed:?}");
        if let Ok(user) = parsed {
            assert_eq!(user.username.as_str(), "ada");
            assert_eq!(user.kind, UserKind::Person);
            assert_eq!(user.user_type, UserType::Member);
            assert!(user.password.is_some());
            assert!(user.is_admin);
        }
    }

    #[test]
    fn a_new_guest_is_sent_as_a_guest() {
        let form = NewUserForm {
            user_type: UserType::Guest,
            ..valid_user()
        };
        let sent = form.parse().map(|user| serde_json::to_value(&user).ok());
        assert!(
            matches!(&sent, Ok(Some(value)) if value["user_type"] == "guest" && value["kind"] == "person"),
            "{sent:?}"
        );
    }

    #[test]
    fn every_bad_field_of_a_new_user_is_named() {
        let form = NewUserForm {
            username: "a b".into(),
            display_name: " ".into(),
            email: "nope".into(),
            password: "short".into(),
            user_type: UserType::Guest,
            is_admin: false,
        };
        let error = form.parse().err();
        for field in ["username", "display_name", "email", "password"] {
            assert!(
                error
                    .as_ref()
                    .and_then(|e| e.field_message(field))
                    .is_some(),
                "{field} was not named"
            );
        }
    }

    #[test]
    fn a_token_lifetime_outside_one_to_366_days_is_refused() {
        for days in ["0", "367", "ninety", ""] {
            let form = NewTokenForm {
                name: "ci".into(),
                expires_in_days: days.into(),
            };
            let error = form.parse().err();
            assert!(
                error
                    .and_then(|e| e.field_message("expires_in_days"))
                    .is_some(),
                "{days:?} was accepted"
            );
        }
    }

    #[test]
    fn a_new_token_defaults_to_ninety_days() {
        let form = NewTokenForm {
            name: "deploy".into(),
            ..NewTokenForm::default()
        };
        assert_eq!(
            form.parse().map(|t| t.expires_in_days.days()).ok(),
            Some(90)
        );
    }

    #[test]
    fn signing_in_needs_both_fields() {
        let error = SignInForm::default().parse().err();
        assert!(
            error
                .as_ref()
                .and_then(|e| e.field_message("username"))
                .is_some()
        );
        assert!(error.and_then(|e| e.field_message("password")).is_some());
    }

    #[test]
    fn field_messages_start_with_a_capital() {
        assert_eq!(sentence("must not be empty"), "Must not be empty");
        assert_eq!(sentence(""), "");
    }

    #[test]
    fn a_catalog_form_names_its_bad_name_and_keeps_the_enabled_switch() {
        let form = NamedForm {
            name: "  ".into(),
            description: "Finance".into(),
            flag: false,
        };
        let error = form.new_catalog().err();
        assert!(error.and_then(|e| e.field_message("name")).is_some());
        let good = NamedForm {
            name: " Finance ".into(),
            ..form
        };
        let parsed = good.catalog_changes();
        assert!(parsed.is_ok(), "{parsed:?}");
        if let Ok(changes) = parsed {
            assert_eq!(
                changes.name.map(|n| n.to_string()).as_deref(),
                Some("Finance")
            );
            assert_eq!(changes.enabled, Some(false));
        }
    }

    #[test]
    fn a_package_form_sets_hidden_from_its_switch() {
        let form = NamedForm {
            name: "Laptops".into(),
            description: String::new(),
            flag: true,
        };
        assert!(form.new_package().is_ok_and(|package| package.hidden));
    }

    #[test]
    fn a_directory_form_refuses_an_empty_group_name() {
        let form = DirectoryForm::default();
        let error = form.new_group().err();
        assert!(error.and_then(|e| e.field_message("name")).is_some());
        let named = DirectoryForm {
            name: "Sales".into(),
            description: "Everyone in sales".into(),
        };
        assert!(named.new_group().is_ok());
        assert!(named.new_application().is_ok());
        assert!(named.new_app_role().is_ok());
    }
}

//! The pages that have no feature logic of their own (sign-in, the administration area's
//! catalogs, packages, directory and users, tokens, password), and what every page shares:
//! `common` (who is signed in, page titles), `lists` (paged tables), `confirm_delete`,
//! `details` and `browser_clock` (the browser's time zone). The pages of a feature with pure
//! logic live in that feature's folder (`crate::reviews`, `crate::my_access`, …).

mod admin;
pub(crate) mod browser_clock;
pub(crate) mod catalogs;
pub(crate) mod common;
pub(crate) mod confirm_delete;
pub(crate) mod details;
mod directory;
pub(crate) mod lists;
mod not_found;
mod notifications;
mod package;
mod password;
pub(crate) mod people;
mod sign_in;
mod tokens;

pub use admin::AdminPage;
pub use catalogs::{CatalogPage, CatalogsPage};
pub use directory::{ApplicationPage, ApplicationsPage, GroupPage, GroupsPage};
pub use not_found::NotFoundPage;
pub use notifications::NotificationsPage;
pub use package::PackagePage;
pub use password::PasswordPage;
pub use sign_in::SignInPage;
pub use tokens::TokensPage;

//! One module per route.

mod admin;
mod catalogs;
mod common;
mod directory;
mod not_found;
mod overview;
mod package;
mod placeholders;
mod policy_editor;
mod sign_in;
mod tokens;

pub use admin::AdminPage;
pub use catalogs::{CatalogPage, CatalogsPage};
pub use directory::{ApplicationPage, ApplicationsPage, GroupPage, GroupsPage};
pub use not_found::NotFoundPage;
pub use overview::OverviewPage;
pub use package::PackagePage;
pub use placeholders::{AccessPackagesPage, ApprovalsPage, RequestHistoryPage, ReviewsPage};
pub use sign_in::SignInPage;
pub use tokens::TokensPage;

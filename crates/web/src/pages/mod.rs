//! One module per route.

mod admin;
mod audit;
mod catalogs;
mod common;
mod directory;
mod import;
mod not_found;
mod overview;
mod package;
mod placeholders;
mod policy_editor;
mod sign_in;
mod tokens;

pub use admin::AdminPage;
pub use audit::AuditPage;
pub use catalogs::{CatalogPage, CatalogsPage};
pub use directory::{ApplicationPage, ApplicationsPage, GroupPage, GroupsPage};
pub use import::ImportPage;
pub use not_found::NotFoundPage;
pub use overview::OverviewPage;
pub use package::PackagePage;
pub use placeholders::{AccessPackagesPage, ApprovalsPage, RequestHistoryPage, ReviewsPage};
pub use sign_in::SignInPage;
pub use tokens::TokensPage;

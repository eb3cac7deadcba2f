//! One module per route.

mod access_packages;
mod admin;
mod admin_requests;
mod approvals;
mod assignments;
mod audit;
mod browser_clock;
mod catalogs;
mod common;
mod confirm_delete;
mod details;
mod directory;
mod import;
mod lists;
mod not_found;
mod overview;
mod package;
mod password;
mod people;
mod policy_editor;
mod policy_review;
mod questions;
mod request_panel;
mod requests;
mod review_admin;
mod review_editor;
mod reviews;
mod sign_in;
mod tokens;

pub use access_packages::AccessPackagesPage;
pub use admin::AdminPage;
pub use admin_requests::AdminRequestsPage;
pub use approvals::ApprovalsPage;
pub use audit::AuditPage;
pub use catalogs::{CatalogPage, CatalogsPage};
pub use directory::{ApplicationPage, ApplicationsPage, GroupPage, GroupsPage};
pub use import::ImportPage;
pub use not_found::NotFoundPage;
pub use overview::OverviewPage;
pub use package::PackagePage;
pub use password::PasswordPage;
pub use request_panel::RequestPackagePage;
pub use requests::{RequestHistoryPage, RequestPage};
pub use review_admin::{
    AdminReviewsPage, EditReviewPage, NewReviewPage, ReviewDefinitionPage, ReviewInstanceAdminPage,
};
pub use reviews::{ReviewPage, ReviewsPage};
pub use sign_in::SignInPage;
pub use tokens::TokensPage;

//! One module per route.

mod admin;
mod not_found;
mod overview;
mod placeholders;
mod sign_in;
mod tokens;

pub use admin::AdminPage;
pub use not_found::NotFoundPage;
pub use overview::OverviewPage;
pub use placeholders::{AccessPackagesPage, ApprovalsPage, RequestHistoryPage, ReviewsPage};
pub use sign_in::SignInPage;
pub use tokens::TokensPage;

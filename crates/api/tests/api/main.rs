//! API tests: each starts the real server on port 0 with a fresh database, once on SQLite and
//! once on PostgreSQL (see `helpers::Backend`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod access_ended;
mod applications;
mod assignments;
mod audit;
mod authz;
mod catalog_authz;
mod catalogs;
mod edge;
mod errors;
mod groups;
mod guest_lifecycle;
mod guests;
mod health;
mod housekeeping;
mod import;
mod leavers_movers;
mod metrics;
mod migrations_parity;
mod notifications;
mod oidc;
mod openapi;
mod package_move;
mod package_search;
mod packages;
mod policies;
mod reprocess;
mod request_list;
mod request_races;
mod requests;
mod resource_in_use;
mod review_actions;
mod reviews;
mod scim;
mod separation_of_duties;
mod session;
mod sign_in_limit;
mod spa;
mod store;
mod tokens;
mod user_lifecycle;
mod users;
mod webhooks;

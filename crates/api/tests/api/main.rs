//! API tests: each starts the real server on port 0 with a fresh database, once on SQLite and
//! once on PostgreSQL (see `helpers::Backend`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod authz;
mod errors;
mod health;
mod openapi;
mod session;
mod spa;
mod store;
mod tokens;
mod users;

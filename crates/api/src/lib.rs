//! The `tessera` server: REST API under `/api/v1`, storage on SQLite or PostgreSQL, sign-in and
//! API tokens, the OpenAPI document, and the host of the web portal.
#![forbid(unsafe_code)]

pub mod auth;
pub mod cli;
pub mod config;
pub mod demo;
pub mod error;
pub mod extract;
pub mod middleware;
pub mod openapi;
pub mod routes;
pub mod service;
pub mod spa;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;

#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod auth;
pub mod cli;
pub mod config;
pub mod connectors;
pub mod demo;
pub mod error;
pub mod extract;
pub mod fallback;
pub mod idempotency;
pub mod jobs;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub(crate) mod request_record;
pub(crate) mod request_refusals;
pub mod routes;
pub mod service;
pub mod spa;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;

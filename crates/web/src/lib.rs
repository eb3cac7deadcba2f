//! Tessera's portal: a Leptos client-side app compiled to WebAssembly.
//!
//! Everything that touches the browser is compiled for `wasm32` only, so a native
//! `cargo test --workspace` builds just the pure helpers (error mapping, formatting, redirect
//! rules) and their tests. Build the app with `scripts/build-web.sh`.
//!
//! - `api`: a typed client for `/api/v1`, one function per endpoint, using the domain's wire
//!   types. It sends the CSRF header on unsafe requests and turns error answers into
//!   [`api::ApiError`].
//! - `state`: the signed-in user (`Session`) and a cursor-paged list.
//! - `components`: the portal shell and reusable pieces (fields, alerts, loading, empty states).
//! - `pages`: one module per route.
#![forbid(unsafe_code)]

pub mod api;
pub mod format;
pub mod forms;
pub mod routes;

#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod components;
#[cfg(target_arch = "wasm32")]
mod pages;
#[cfg(target_arch = "wasm32")]
mod state;

/// Entry point, called by `init()` in `boot.js`.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}

#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod admin_requests;
pub mod api;
pub mod assignments;
pub mod audit;
pub mod format;
pub mod forms;
pub mod import;
pub mod my_access;
pub mod names;
pub mod policies;
pub mod reviews;
pub mod routes;
pub mod rows;
pub mod sign_in;

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

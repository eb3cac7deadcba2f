#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod admin_requests;
pub mod api;
pub mod assignments;
pub mod audit;
pub mod combobox;
pub mod connectors;
pub mod format;
pub mod forms;
pub mod import;
pub mod my_access;
pub mod names;
pub mod people;
pub mod policies;
pub mod reviews;
pub mod routes;
pub mod rows;
pub mod sign_in;
pub mod team;
pub mod webhooks;

#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod components;
#[cfg(target_arch = "wasm32")]
mod lazy_pages;
#[cfg(target_arch = "wasm32")]
mod pages;
#[cfg(target_arch = "wasm32")]
mod state;

/// Entry point, called by `init()` in `boot.js`.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    // index.html's frame and loading state, shown while this module downloaded, give way to
    // the app in the same task: nothing is painted in between.
    if let Some(frame) = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.get_element_by_id("boot-frame"))
    {
        frame.remove();
    }
    leptos::mount::mount_to_body(app::App);
}

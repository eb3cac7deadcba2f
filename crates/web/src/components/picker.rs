//! Choosing one thing from the directory: a search box that narrows a `<select>`.
//!
//! Users are listed by `GET /users` (which has no search parameter), so they are read once per
//! page, up to one full page of 200, and narrowed here; groups and applications are searched by
//! the server (`?q=`).

use leptos::prelude::*;
use tessera_domain::page::{MAX_PAGE_SIZE, PageQuery};
use tessera_domain::user::UserView;

use crate::api::{self, ApiError};
use crate::forms::sentence;
use crate::state::Session;

/// One choice: the value sent (an id) and what people read.
pub type Choice = (String, String);

/// The directory's users, read once for every picker of a page.
#[derive(Clone, Copy)]
pub struct DirectoryUsers(pub LocalResource<Result<Vec<UserView>, ApiError>>);

impl DirectoryUsers {
    /// Only administrators may list users; for anyone else the list stays empty rather than
    /// asking for a `403`.
    pub fn load() -> Self {
        let admin = Session::expect().is_admin();
        Self(LocalResource::new(move || async move {
            if !admin {
                return Ok(Vec::new());
            }
            api::users::list(&PageQuery {
                limit: Some(MAX_PAGE_SIZE),
                cursor: None,
            })
            .await
            .map(|page| page.items)
        }))
    }

    /// The users whose username or display name contains `filter`, as choices.
    pub fn choices(&self, filter: &str) -> Vec<Choice> {
        let filter = filter.trim().to_lowercase();
        self.0
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .filter(|user| user.enabled)
            .filter(|user| {
                filter.is_empty()
                    || user.username.as_str().contains(&filter)
                    || user.display_name.as_str().to_lowercase().contains(&filter)
            })
            .map(|user| {
                (
                    user.id.to_string(),
                    format!("{} ({})", user.display_name, user.username),
                )
            })
            .collect()
    }

    /// The display name of a user id, for lists of chosen people.
    pub fn name_of(&self, id: &str) -> String {
        self.0
            .get()
            .and_then(Result::ok)
            .and_then(|users| {
                users
                    .into_iter()
                    .find(|user| user.id.to_string() == id)
                    .map(|user| format!("{} ({})", user.display_name, user.username))
            })
            .unwrap_or_else(|| id.to_string())
    }
}

/// Which part of the directory a [`SearchSelect`] searches on the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DirectoryKind {
    Groups,
    Applications,
}

/// Groups or applications whose name contains the text of `filter`, searched by the server.
/// Nothing is asked while `wanted` is false (a picker that is not shown).
pub fn directory_choices(
    kind: DirectoryKind,
    filter: RwSignal<String>,
    wanted: Signal<bool>,
) -> LocalResource<Result<Vec<Choice>, ApiError>> {
    // The directory is for administrators only.
    let admin = Session::expect().is_admin();
    LocalResource::new(move || {
        let q = filter.get();
        let wanted = wanted.get() && admin;
        async move {
            if !wanted {
                return Ok(Vec::new());
            }
            let page = PageQuery {
                limit: Some(MAX_PAGE_SIZE),
                cursor: None,
            };
            match kind {
                DirectoryKind::Groups => api::directory::groups(&q, &page).await.map(|page| {
                    page.items
                        .into_iter()
                        .map(|group| (group.id.to_string(), group.name.to_string()))
                        .collect()
                }),
                DirectoryKind::Applications => {
                    api::directory::applications(&q, &page).await.map(|page| {
                        page.items
                            .into_iter()
                            .map(|app| (app.id.to_string(), app.name.to_string()))
                            .collect()
                    })
                }
            }
        }
    })
}

/// A labelled `<select>` whose choices a search box above it narrows.
#[component]
pub fn SearchSelect(
    /// The select's id; the search box is `{id}-search`.
    #[prop(into)]
    id: String,
    #[prop(into)] label: String,
    /// The chosen value ("" for none).
    value: RwSignal<String>,
    filter: RwSignal<String>,
    #[prop(into)] choices: Signal<Vec<Choice>>,
    #[prop(into, optional)] error: Signal<Option<String>>,
    /// Shown as the empty first choice.
    #[prop(into, default = "Choose…".into())]
    placeholder: String,
) -> impl IntoView {
    let search_id = format!("{id}-search");
    let error_id = format!("{id}-error");
    let invalid = move || error.with(Option::is_some);
    let search_label = format!("Search {}", label.to_lowercase());
    view! {
        <div class="field picker" class:field-invalid=invalid>
            <label for=id.clone()>{label.clone()}</label>
            <input
                id=search_id
                type="search"
                class="picker-search"
                aria-label=search_label
                placeholder="Type to narrow the list"
                autocomplete="off"
                bind:value=filter
            />
            <select
                id=id
                aria-invalid=move || invalid().then_some("true")
                aria-describedby={
                    let error_id = error_id.clone();
                    move || invalid().then(|| error_id.clone())
                }
                prop:value=move || value.get()
                on:change=move |ev| value.set(event_target_value(&ev))
            >
                <option value="">{placeholder}</option>
                {move || {
                    let chosen = value.get();
                    choices
                        .get()
                        .into_iter()
                        .map(|(id, name)| {
                            let selected = id == chosen;
                            view! { <option value=id selected=selected>{name}</option> }
                        })
                        .collect_view()
                }}
            </select>
            {move || {
                error
                    .get()
                    .map(|message| {
                        view! { <p class="field-error" id=error_id.clone()>{sentence(&message)}</p> }
                    })
            }}
        </div>
    }
}

//! Choosing one thing from the directory: a search box that narrows a `<select>`.
//!
//! Everything is searched by the server (`?q=`): people with `GET /people`, which anyone signed
//! in may use, so catalog owners and package managers pick people too; groups and applications
//! with their administrators-only lists. Typing is debounced, so one search goes out when the
//! person pauses rather than one per key.

use std::collections::HashMap;
use std::time::Duration;

use leptos::prelude::*;
use tessera_domain::assignment::PersonSummary;
use tessera_domain::page::{MAX_PAGE_SIZE, PageQuery};

use crate::api::{self, ApiError};
use crate::assignments::person;
use crate::forms::sentence;
use crate::state::Session;

/// One choice: the value sent (an id) and what people read.
pub type Choice = (String, String);

/// How long typing must pause before a search goes out.
const SEARCH_DELAY: Duration = Duration::from_millis(250);

/// The names of the people that the pickers of one form have found, so that chosen people
/// keep their names when a search moves on (or in lists of chosen people).
#[derive(Clone, Copy)]
pub struct PeopleNames(RwSignal<HashMap<String, String>>);

impl Default for PeopleNames {
    fn default() -> Self {
        Self(RwSignal::new(HashMap::new()))
    }
}

impl PeopleNames {
    fn learn(&self, people: &[PersonSummary]) {
        let learned: Vec<Choice> = people
            .iter()
            .map(|found| (found.id.to_string(), person(found)))
            .filter(|(id, label)| {
                self.0
                    .try_with_untracked(|names| names.get(id) != Some(label))
                    .unwrap_or(false)
            })
            .collect();
        if !learned.is_empty() {
            self.0.try_update(|names| names.extend(learned));
        }
    }

    /// The name of a person id, if a search found them (tracked).
    pub fn get(&self, id: &str) -> Option<String> {
        self.0.with(|names| names.get(id).cloned())
    }

    /// The name of a person id, or the id itself when no search found them yet (tracked).
    pub fn name_of(&self, id: &str) -> String {
        self.get(id).unwrap_or_else(|| id.to_string())
    }
}

/// `source`, once it has stopped changing for [`SEARCH_DELAY`].
fn settled(source: RwSignal<String>) -> ReadSignal<String> {
    let (value, set_value) = signal(source.get_untracked());
    let mut settle = debounce(SEARCH_DELAY, move |text: String| {
        if value.try_with_untracked(|current| *current != text) == Some(true) {
            set_value.try_set(text);
        }
    });
    Effect::new(move |_| settle(source.get()));
    value
}

/// A labelled person picker: a search box whose text the server searches (`GET /people?q=`),
/// narrowing a `<select>`. The chosen person stays a choice while other searches run.
#[component]
pub fn PersonPicker(
    /// The select's id; the search box is `{id}-search`.
    #[prop(into)]
    id: String,
    #[prop(into)] label: String,
    /// The chosen person's id ("" for none).
    value: RwSignal<String>,
    /// The search box's text; the picker keeps its own when none is given.
    #[prop(optional)]
    filter: Option<RwSignal<String>>,
    #[prop(into, optional)] error: Signal<Option<String>>,
    #[prop(into, default = "Choose…".into())] placeholder: String,
    /// Where the names found are kept; the picker keeps its own when none is given.
    #[prop(optional)]
    names: Option<PeopleNames>,
) -> impl IntoView {
    let filter = filter.unwrap_or_else(|| RwSignal::new(String::new()));
    let names = names.unwrap_or_default();
    let session = Session::expect();
    let query = settled(filter);
    let found = LocalResource::new(move || {
        let q = query.get();
        async move {
            let page = api::people::search(
                &q,
                &PageQuery {
                    limit: Some(MAX_PAGE_SIZE),
                    cursor: None,
                },
            )
            .await?;
            names.learn(&page.items);
            Ok::<_, ApiError>(page)
        }
    });
    let choices = Signal::derive(move || {
        let mut choices: Vec<Choice> = found
            .get()
            .and_then(Result::ok)
            .map(|page| {
                page.items
                    .iter()
                    .map(|found| (found.id.to_string(), person(found)))
                    .collect()
            })
            .unwrap_or_default();
        let chosen = value.get();
        if !chosen.is_empty() && !choices.iter().any(|(id, _)| *id == chosen) {
            let name = names.name_of(&chosen);
            choices.insert(0, (chosen, name));
        }
        choices
    });
    let note = Signal::derive(move || match found.get()? {
        Err(error) => {
            session.notice(&error);
            Some(format!("People could not be searched: {}", error.message()))
        }
        Ok(page) if page.next_cursor.is_some() => Some(format!(
            "Only the first {MAX_PAGE_SIZE} matches are listed: type more of the name to find others."
        )),
        Ok(page) if page.items.is_empty() => Some("Nobody matches this search.".to_string()),
        Ok(_) => None,
    });
    view! {
        <SearchSelect
            id=id
            label=label
            value=value
            filter=filter
            choices=choices
            error=error
            placeholder=placeholder
            search_placeholder="Type part of a name"
            note=note
        />
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
    /// The search box's placeholder.
    #[prop(default = "Type to narrow the list")]
    search_placeholder: &'static str,
    /// A line under the list, such as "Nobody matches this search."
    #[prop(into, optional)]
    note: Signal<Option<String>>,
) -> impl IntoView {
    let search_id = format!("{id}-search");
    let error_id = format!("{id}-error");
    let note_id = format!("{id}-note");
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
                placeholder=search_placeholder
                autocomplete="off"
                bind:value=filter
            />
            <select
                id=id
                aria-invalid=move || invalid().then_some("true")
                aria-describedby={
                    let error_id = error_id.clone();
                    let note_id = note_id.clone();
                    move || {
                        let ids: Vec<&str> = [
                            note.with(Option::is_some).then_some(note_id.as_str()),
                            invalid().then_some(error_id.as_str()),
                        ]
                        .into_iter()
                        .flatten()
                        .collect();
                        (!ids.is_empty()).then(|| ids.join(" "))
                    }
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
                note.get().map(|note| view! { <p class="field-hint" id=note_id.clone()>{note}</p> })
            }}
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

//! Choosing one thing from the directory: a search box that narrows a `<select>`, and the
//! names of the people and groups chosen.
//!
//! Everything is searched by the server (`?q=`): people with `GET /people`, which anyone signed
//! in may use, so catalog owners and package managers pick people too; groups and applications
//! with their administrators-only lists. Typing is debounced, so one search goes out when the
//! person pauses rather than one per key. What is already chosen is named by id
//! (`GET /people?ids=`, `GET /group-names?ids=`), which anyone signed in may read too.

use std::time::Duration;

use leptos::prelude::*;

use super::field::{Model, described_by};
use tessera_domain::assignment::PersonSummary;
use tessera_domain::directory::GroupSummary;
use tessera_domain::page::{MAX_PAGE_SIZE, PageQuery};
use tessera_domain::{GroupId, UserId};

use crate::api::{self, ApiError};
use crate::assignments::person;
use crate::forms::sentence;
use crate::names::{Choice, KnownNames, keep_chosen, person_choice};
use crate::state::Session;

/// How long typing must pause before a search goes out.
const SEARCH_DELAY: Duration = Duration::from_millis(250);

/// The names of the people and groups that one page or form shows: those its pickers have
/// found, and those it asked for by id, so that chosen people and groups keep their names when
/// a search moves on, and a stored policy or review names whom it refers to.
#[derive(Clone, Copy)]
pub struct DirectoryNames(RwSignal<KnownNames>);

impl Default for DirectoryNames {
    fn default() -> Self {
        Self(RwSignal::new(KnownNames::default()))
    }
}

impl DirectoryNames {
    fn learn(&self, people: &[PersonSummary]) {
        self.0
            .try_maybe_update(|known| (known.learn_people(people), ()));
    }

    /// Keeps the name of a group picked from a list.
    pub fn learn_group(&self, id: &str, name: String) {
        if let Ok(id) = id.parse::<GroupId>() {
            self.0
                .try_maybe_update(|known| (known.learn_groups(&[GroupSummary { id, name }]), ()));
        }
    }

    /// Reads `known` (tracked): summaries re-render as names arrive.
    pub fn with<R>(&self, read: impl FnOnce(&KnownNames) -> R) -> R {
        self.0.with(read)
    }

    fn person(&self, id: &str) -> Option<PersonSummary> {
        let id = id.parse::<UserId>().ok()?;
        self.0.with(|known| known.person(id).cloned())
    }

    /// The name of a person id, if known (tracked).
    pub fn get(&self, id: &str) -> Option<String> {
        self.person(id).as_ref().map(person)
    }

    /// The name of a person id, or the id itself while it is not known (tracked).
    pub fn name_of(&self, id: &str) -> String {
        self.get(id).unwrap_or_else(|| id.to_string())
    }

    /// The name of a group id, if known (tracked).
    pub fn group_name(&self, id: &str) -> Option<String> {
        let id = id.parse::<GroupId>().ok()?;
        self.0.with(|known| known.group(id).map(str::to_string))
    }

    /// Asks the server for the names of the people and groups among these ids that are not
    /// known yet, each once. A name that cannot be read leaves the words used without one.
    pub fn load(
        &self,
        people: impl IntoIterator<Item = UserId>,
        groups: impl IntoIterator<Item = GroupId>,
    ) {
        let Some((people, groups)) = self
            .0
            .try_update_untracked(|known| (known.ask_people(people), known.ask_groups(groups)))
        else {
            return;
        };
        if people.is_empty() && groups.is_empty() {
            return;
        }
        let names = self.0;
        leptos::task::spawn_local(async move {
            for batch in people {
                if let Ok(page) = api::people::named(&batch).await {
                    names.try_maybe_update(|known| (known.learn_people(&page.items), ()));
                }
            }
            for batch in groups {
                if let Ok(found) = api::directory::group_names(&batch).await {
                    names.try_maybe_update(|known| (known.learn_groups(&found), ()));
                }
            }
        });
    }

    /// [`load`](Self::load) for ids as forms hold them; text that is no id is skipped.
    pub fn load_text(&self, people: &[String], groups: &[String]) {
        self.load(
            people.iter().filter_map(|id| id.parse().ok()),
            groups.iter().filter_map(|id| id.parse().ok()),
        );
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
    #[prop(into)]
    value: Model<String>,
    /// The search box's text; the picker keeps its own when none is given.
    #[prop(optional)]
    filter: Option<RwSignal<String>>,
    #[prop(into, optional)] error: Signal<Option<String>>,
    #[prop(into, default = "Choose…".into())] placeholder: String,
    /// Where the names found are kept; the picker keeps its own when none is given.
    #[prop(optional)]
    names: Option<DirectoryNames>,
) -> impl IntoView {
    let filter = filter.unwrap_or_else(|| RwSignal::new(String::new()));
    let names = names.unwrap_or_default();
    // A form opened on a stored value names its person, whom no search has found yet.
    Effect::new(move || names.load_text(&[value.get()], &[]));
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
        let choices: Vec<Choice> = found
            .get()
            .and_then(Result::ok)
            .map(|page| {
                page.items
                    .iter()
                    .map(|found| (found.id.to_string(), person_choice(found)))
                    .collect()
            })
            .unwrap_or_default();
        let chosen = value.get();
        keep_chosen(choices, &chosen, || {
            names
                .person(&chosen)
                .map_or_else(|| chosen.clone(), |known| person_choice(&known))
        })
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
    #[prop(into)]
    value: Model<String>,
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
                aria-describedby=described_by(
                    note_id.clone(),
                    move || note.with(Option::is_some),
                    error_id.clone(),
                    invalid,
                )
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

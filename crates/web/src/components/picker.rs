//! Choosing one thing from the directory: one combobox (the WAI-ARIA 1.2 pattern) whose text
//! the server searches, and the names of the people and groups chosen.
//!
//! Everything is searched by the server (`?q=`): people with `GET /people`, which anyone signed
//! in may use, so catalog owners and package managers pick people too; groups and applications
//! with their administrators-only lists. Typing is debounced, so one search goes out when the
//! person pauses rather than one per key. What is already chosen is named by id
//! (`GET /people?ids=`, `GET /group-names?ids=`), which anyone signed in may read too.

use std::future::Future;
use std::time::Duration;

use leptos::ev::KeyboardEvent;
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::field::{Model, described_by};
use tessera_domain::assignment::PersonSummary;
use tessera_domain::directory::GroupSummary;
use tessera_domain::page::{MAX_PAGE_SIZE, PageQuery};
use tessera_domain::{GroupId, UserId};

use crate::api::{self, ApiError};
use crate::assignments::person;
use crate::combobox::{
    Choice, KeyAction, announcement, chosen_text, follow_value, key_action, list_name, moved,
    name_in, option_id,
};
use crate::forms::sentence;
use crate::names::{KnownNames, person_choice};
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

/// What one search found.
#[derive(Clone, Debug, Default)]
pub struct Found {
    pub choices: Vec<Choice>,
    /// Whether the server holds more matches than these.
    pub more: bool,
}

/// A server search that follows a combobox's text, one request per pause in typing. Each
/// answer carries the text it answers, so that an answer to older text reads as "searching".
#[derive(Clone, Copy)]
pub struct Search {
    text: RwSignal<String>,
    query: ReadSignal<String>,
    answer: LocalResource<(String, Result<Found, ApiError>)>,
    /// The suggestion picked last: its name stays known when later searches miss it.
    picked: RwSignal<Option<Choice>>,
}

impl Search {
    /// Searches with `search` for the text of `text`; nothing is asked while `wanted` is false
    /// (a picker that is not shown).
    pub fn new<F, Fut>(text: RwSignal<String>, wanted: Signal<bool>, search: F) -> Self
    where
        F: Fn(String) -> Fut + 'static,
        Fut: Future<Output = Result<Found, ApiError>> + 'static,
    {
        let query = settled(text);
        let answer = LocalResource::new(move || {
            let q = query.get();
            let asking = wanted.get().then(|| search(q.clone()));
            async move {
                let found = match asking {
                    Some(asking) => asking.await,
                    None => Ok(Found::default()),
                };
                (q, found)
            }
        });
        Self {
            text,
            query,
            answer,
            picked: RwSignal::new(None),
        }
    }

    /// The text typed (the combobox's input).
    pub fn text(&self) -> RwSignal<String> {
        self.text
    }

    /// The suggestions of the latest answer (tracked).
    pub fn choices(&self) -> Vec<Choice> {
        self.answer
            .map(|(_, found)| match found {
                Ok(found) => found.choices.clone(),
                Err(_) => Vec::new(),
            })
            .unwrap_or_default()
    }

    /// Whether the server holds more matches than those suggested (tracked).
    pub fn more(&self) -> bool {
        self.answer
            .map(|(_, found)| found.as_ref().is_ok_and(|found| found.more))
            .unwrap_or(false)
    }

    /// Why the latest search failed (tracked).
    pub fn error(&self) -> Option<ApiError> {
        self.answer
            .map(|(_, found)| found.as_ref().err().cloned())
            .unwrap_or_default()
    }

    /// Whether the suggestions shown answer older text than the text typed (tracked).
    pub fn searching(&self) -> bool {
        let query = self.query.get();
        self.text.with(|text| *text != query)
            || self
                .answer
                .map(|(answered, _)| *answered != query)
                .unwrap_or(true)
    }

    /// The name of `id`, from the suggestion picked last or those shown now (untracked).
    pub fn name_of(&self, id: &str) -> Option<String> {
        self.picked
            .with_untracked(|picked| {
                picked
                    .as_ref()
                    .filter(|(picked, _)| picked == id)
                    .map(|(_, name)| name.clone())
            })
            .or_else(|| untrack(|| name_in(&self.choices(), id)))
    }

    /// Keeps the name of a value chosen elsewhere on the page (such as an event's object).
    pub fn remember(&self, choice: Choice) {
        self.picked.set(Some(choice));
    }
}

/// A labelled person picker: a combobox whose text the server searches (`GET /people?q=`).
#[component]
pub fn PersonPicker(
    /// The input's id.
    #[prop(into)]
    id: String,
    #[prop(into)] label: String,
    /// The chosen person's id ("" for none).
    #[prop(into)]
    value: Model<String>,
    /// The input's text; the picker keeps its own when none is given.
    #[prop(optional)]
    filter: Option<RwSignal<String>>,
    #[prop(into, optional)] error: Signal<Option<String>>,
    #[prop(into, default = "Type part of a name".into())] placeholder: String,
    /// Where the names found are kept; the picker keeps its own when none is given.
    #[prop(optional)]
    names: Option<DirectoryNames>,
) -> impl IntoView {
    let filter = filter.unwrap_or_else(|| RwSignal::new(String::new()));
    let names = names.unwrap_or_default();
    // A form opened on a stored value names its person, whom no search has found yet.
    Effect::new(move || names.load_text(&[value.get()], &[]));
    let session = Session::expect();
    let search = Search::new(filter, Signal::derive(|| true), move |q| async move {
        let page = api::people::search(
            &q,
            &PageQuery {
                limit: Some(MAX_PAGE_SIZE),
                cursor: None,
            },
        )
        .await?;
        names.learn(&page.items);
        Ok(Found {
            choices: page
                .items
                .iter()
                .map(|found| (found.id.to_string(), person_choice(found)))
                .collect(),
            more: page.next_cursor.is_some(),
        })
    });
    let chosen_name = Signal::derive(move || {
        names
            .person(&value.get())
            .map(|known| person_choice(&known))
    });
    let note = Signal::derive(move || {
        if let Some(error) = search.error() {
            session.notice(&error);
            return Some(format!("People could not be searched: {}", error.message()));
        }
        search.more().then(|| {
            format!(
                "Only the first {MAX_PAGE_SIZE} matches are suggested: type more of the name to find others."
            )
        })
    });
    view! {
        <Combobox
            id=id
            label=label
            value=value
            search=search
            chosen_name=chosen_name
            error=error
            placeholder=placeholder
            note=note
        />
    }
}

/// Which part of the directory a [`directory_search`] searches on the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DirectoryKind {
    Groups,
    Applications,
}

/// Groups or applications whose name contains the text of `filter`, searched by the server.
/// Nothing is asked while `wanted` is false (a picker that is not shown).
pub fn directory_search(
    kind: DirectoryKind,
    filter: RwSignal<String>,
    wanted: Signal<bool>,
) -> Search {
    // The directory is for administrators only (read untracked, as pages::common::is_admin).
    let admin = untrack(|| Session::expect().is_admin());
    Search::new(
        filter,
        Signal::derive(move || wanted.get() && admin),
        move |q| async move {
            let page = PageQuery {
                limit: Some(MAX_PAGE_SIZE),
                cursor: None,
            };
            match kind {
                DirectoryKind::Groups => {
                    api::directory::groups(&q, &page).await.map(|page| Found {
                        more: page.next_cursor.is_some(),
                        choices: page
                            .items
                            .into_iter()
                            .map(|group| (group.id.to_string(), group.name.to_string()))
                            .collect(),
                    })
                }
                DirectoryKind::Applications => {
                    api::directory::applications(&q, &page)
                        .await
                        .map(|page| Found {
                            more: page.next_cursor.is_some(),
                            choices: page
                                .items
                                .into_iter()
                                .map(|app| (app.id.to_string(), app.name.to_string()))
                                .collect(),
                        })
                }
            }
        },
    )
}

/// Scrolls the list `list_id` (not the page) just enough to show its option `option_id`.
fn keep_in_view(list_id: &str, option_id: &str) {
    let document = document();
    let (Some(list), Some(option)) = (
        document.get_element_by_id(list_id),
        document
            .get_element_by_id(option_id)
            .and_then(|option| option.dyn_into::<web_sys::HtmlElement>().ok()),
    ) else {
        return;
    };
    // The list is positioned, so it is the option's offset parent.
    let top = option.offset_top();
    let bottom = top + option.offset_height();
    if top < list.scroll_top() {
        list.set_scroll_top(top);
    } else if bottom > list.scroll_top() + list.client_height() {
        list.set_scroll_top(bottom - list.client_height());
    }
}

/// One labelled combobox (the WAI-ARIA 1.2 pattern): a text input whose text the server
/// searches, and a list of suggestions under it. Down and Up move through the suggestions
/// (wrapping), Home and End go to the ends, Enter or a click picks one, Escape closes the list
/// and a second Escape puts back the chosen value's name, Tab leaves. The input shows the
/// chosen value's name; a Clear button empties the choice. A polite live region (never
/// `role=status`, which pages keep for their own messages) says how many suggestions there are.
#[component]
pub fn Combobox(
    /// The input's id; the list's is `{id}-list`.
    #[prop(into)]
    id: String,
    #[prop(into)] label: String,
    /// The chosen value ("" for none).
    #[prop(into)]
    value: Model<String>,
    search: Search,
    /// The chosen value's name, where the page knows it (a stored form's value).
    #[prop(into, optional)]
    chosen_name: Signal<Option<String>>,
    #[prop(into, optional)] error: Signal<Option<String>>,
    #[prop(into, default = "Type to search".into())] placeholder: String,
    /// A line under the input, such as "Only the first 50 matches are suggested…".
    #[prop(into, optional)]
    note: Signal<Option<String>>,
) -> impl IntoView {
    // What the input shows; what the server is asked is the search's text, which is what the
    // person typed, and empty while the input shows the chosen value's name (so that opening
    // the list offers everything again).
    let text = RwSignal::new(String::new());
    let query = search.text();
    let show = move |shown: String| {
        text.set(shown);
        query.set(String::new());
    };
    let list_id = format!("{id}-list");
    let error_id = format!("{id}-error");
    let note_id = format!("{id}-note");
    let invalid = move || error.with(Option::is_some);
    let open = RwSignal::new(false);
    let active = RwSignal::new(None::<usize>);
    let input = NodeRef::<html::Input>::new();

    // The value, and the text shown for it, as last followed.
    let shown_for = StoredValue::new((String::new(), String::new()));
    Effect::new(move |_| {
        let chosen = value.get();
        let named = chosen_name.get();
        let picked = search.name_of(&chosen).map(|name| (chosen.clone(), name));
        let shown = chosen_text(&chosen, named, &[], picked.as_ref());
        let (before, shown_before) = shown_for.get_value();
        if chosen == before && shown == shown_before {
            return;
        }
        if follow_value(chosen != before, &text.get_untracked(), &shown_before) {
            show(shown.clone());
        }
        shown_for.set_value((chosen, shown));
    });
    // A new answer starts without a highlight.
    Effect::new(move |_| {
        search.choices();
        active.set(None);
    });

    let expanded = move || open.get() && !search.searching() && !search.choices().is_empty();
    let restore = move || show(shown_for.with_value(|(_, shown)| shown.clone()));
    let pick = move |index: usize| {
        if let Some(choice) = untrack(|| search.choices()).into_iter().nth(index) {
            search.remember(choice.clone());
            let (chosen, name) = choice;
            value.set(chosen);
            show(name);
        }
        open.set(false);
        active.set(None);
    };
    let list_for_scroll = list_id.clone();
    let highlight = move |index: Option<usize>| {
        active.set(index);
        if let Some(index) = index {
            keep_in_view(&list_for_scroll, &option_id(&list_for_scroll, index));
        }
    };
    let on_keydown = move |ev: KeyboardEvent| {
        let shown = untrack(expanded);
        let current = active.get_untracked();
        match key_action(&ev.key(), shown, open.get_untracked(), current.is_some()) {
            KeyAction::Move(step) => {
                ev.prevent_default();
                open.set(true);
                if shown {
                    highlight(moved(current, untrack(|| search.choices().len()), step));
                }
            }
            KeyAction::Pick => {
                ev.prevent_default();
                if let Some(index) = current {
                    pick(index);
                }
            }
            KeyAction::Close => {
                ev.prevent_default();
                open.set(false);
                active.set(None);
            }
            KeyAction::Restore => {
                ev.prevent_default();
                restore();
            }
            KeyAction::Leave => {
                open.set(false);
                active.set(None);
            }
            KeyAction::Ignore => {}
        }
    };
    let on_blur = move |_| {
        open.set(false);
        active.set(None);
        // Emptying the text and leaving empties the choice; other text gives way to the
        // chosen value's name, so the input never shows what is not chosen.
        if text.with_untracked(|typed| typed.trim().is_empty()) {
            value.set(String::new());
            show(String::new());
        } else {
            restore();
        }
    };
    let clear = move |_| {
        value.set(String::new());
        show(String::new());
        open.set(false);
        if let Some(input) = input.get_untracked() {
            let _ = input.focus();
        }
    };
    let active_id = {
        let list_id = list_id.clone();
        move || {
            let index = active.get()?;
            (expanded() && index < search.choices().len()).then(|| option_id(&list_id, index))
        }
    };
    let status = move || {
        open.get().then(|| {
            announcement(
                search.searching(),
                search.error().is_some(),
                search.choices().len(),
            )
        })
    };
    let nothing_found = move || {
        open.get() && !search.searching() && search.error().is_none() && search.choices().is_empty()
    };
    let clear_label = format!("Clear {label}");
    let list_label = list_name(&label);
    let options_list_id = list_id.clone();
    view! {
        <div class="field picker combobox" class:field-invalid=invalid>
            <label for=id.clone()>{label}</label>
            <div class="combobox-control">
                <input
                    id=id
                    node_ref=input
                    type="text"
                    role="combobox"
                    class="combobox-input"
                    autocomplete="off"
                    spellcheck="false"
                    aria-autocomplete="list"
                    aria-controls=list_id.clone()
                    aria-expanded=move || if expanded() { "true" } else { "false" }
                    aria-activedescendant=active_id
                    aria-invalid=move || invalid().then_some("true")
                    aria-describedby=described_by(
                        note_id.clone(),
                        move || note.with(Option::is_some),
                        error_id.clone(),
                        invalid,
                    )
                    placeholder=placeholder
                    prop:value=move || text.get()
                    on:input=move |ev| {
                        let typed = event_target_value(&ev);
                        text.set(typed.clone());
                        query.set(typed);
                        open.set(true);
                        active.set(None);
                    }
                    on:click=move |_| open.set(true)
                    on:keydown=on_keydown
                    on:blur=on_blur
                />
                {move || {
                    (!value.get().is_empty())
                        .then(|| {
                            view! {
                                <button
                                    type="button"
                                    class="btn btn-ghost btn-small combobox-clear"
                                    aria-label=clear_label.clone()
                                    on:click=clear
                                >
                                    "Clear"
                                </button>
                            }
                        })
                }}
                <ul
                    id=list_id
                    role="listbox"
                    class="combobox-list"
                    aria-label=list_label
                    hidden=move || !expanded()
                    // Pressing on a suggestion keeps the focus in the input.
                    on:mousedown=|ev| ev.prevent_default()
                >
                    {move || {
                        search
                            .choices()
                            .into_iter()
                            .enumerate()
                            .map(|(index, (_, name))| {
                                let is_active = move || active.get() == Some(index);
                                view! {
                                    <li
                                        id=option_id(&options_list_id, index)
                                        role="option"
                                        class="combobox-option"
                                        class:combobox-active=is_active
                                        aria-selected=move || if is_active() { "true" } else { "false" }
                                        on:click=move |_| pick(index)
                                    >
                                        {name}
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
                <p class="combobox-empty" aria-hidden="true" hidden=move || !nothing_found()>
                    "No matches"
                </p>
            </div>
            <span class="visually-hidden" aria-live="polite">{status}</span>
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

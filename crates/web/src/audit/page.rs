//! The audit trail, for administrators: every administrative change, filtered by who made it,
//! what it was, which object it touched and when, read page by page, each with the object
//! before and after the change; and the same events as a CSV download.

use futures_util::future::try_join5;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use tessera_domain::audit::{AuditEventView, AuditExportQuery};
use tessera_domain::page::{DEFAULT_PAGE_SIZE, PageQuery};

use crate::api::{self, ApiError};
use chrono::{DateTime, Utc};

use crate::audit::{
    AuditFilterForm, CATEGORIES, OBJECTS_PER_KIND, actor, csv_href, describe, field_changes,
    kind_label, object_choices, object_label, object_name, object_of, object_value, occurred,
    occurred_briefly,
};
use crate::components::{
    AdminNav, Combobox, EmptyState, ErrorAlert, ErrorState, Found, Loading, PageHeader,
    PersonPicker, Search, TextField,
};
use crate::format;
use crate::names::person_choice;
use crate::pages::common::{field_of, is_admin};
use crate::pages::lists::LoadMore;
use crate::state::{PagedList, Shape};

#[component]
pub fn AuditPage() -> impl IntoView {
    view! {
        <PageHeader
            title="Audit"
            lead="Every administrative change: who made it, when, and the object before and after."
        />
        <AdminNav />
        <Show
            when=is_admin
            fallback=|| view! { <EmptyState title="Only administrators read the audit trail." /> }
        >
            <AuditTrail />
        </Show>
    }
}

/// The filters and the events they match. Applying filters starts a new list, so the rows of
/// other filters are never shown under these.
#[component]
fn AuditTrail() -> impl IntoView {
    let actor_search = RwSignal::new(String::new());
    let actor_id = RwSignal::new(String::new());
    let action = RwSignal::new(String::new());
    // The object filtered on, as `kind:id` (see `object_value`), and the text typed to find it.
    let object = RwSignal::new(String::new());
    let object_search = RwSignal::new(String::new());
    let objects = object_suggestions(object_search);
    let since = RwSignal::new(String::new());
    let until = RwSignal::new(String::new());

    let applied = RwSignal::new(AuditExportQuery::default());
    // Filters refused here, and filters the server refused when reading the first page: both
    // are shown at their inputs.
    let refused_here = RwSignal::new(None::<ApiError>);
    let refused_by_server = RwSignal::new(None::<ApiError>);
    let refusal = Signal::derive(move || refused_here.get().or_else(|| refused_by_server.get()));

    let clear = move |_| {
        for input in [
            actor_search,
            actor_id,
            action,
            object,
            object_search,
            since,
            until,
        ] {
            input.set(String::new());
        }
        refused_here.set(None);
        refused_by_server.set(None);
        applied.set(AuditExportQuery::default());
    };
    let apply = move || {
        let (target_type, target_id) = object_of(&object.get_untracked());
        let form = AuditFilterForm {
            actor_id: actor_id.get_untracked(),
            action: action.get_untracked(),
            target_type,
            target_id,
            since: since.get_untracked(),
            until: until.get_untracked(),
        };
        refused_by_server.set(None);
        match form.parse() {
            Ok(filters) => {
                refused_here.set(None);
                applied.set(filters);
            }
            Err(error) => refused_here.set(Some(error)),
        }
    };
    // "Only events about this object", from an event's details.
    let about = Callback::new(move |(kind, id, name): (String, String, String)| {
        let value = object_value(&kind, &id);
        objects.remember((value.clone(), object_label(&kind, &name)));
        object.set(value);
        apply();
    });

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        apply();
    };

    view! {
        <section class="section" aria-labelledby="audit-filters-heading">
            <h2 id="audit-filters-heading">"Filters"</h2>
            {move || {
                refused_here
                    .get()
                    .map(|error| view! { <ErrorAlert error=error title="The filters were not applied." /> })
            }}
            <form
                class="form form-inline search-form audit-filters"
                role="search"
                aria-labelledby="audit-filters-heading"
                novalidate
                on:submit=on_submit
            >
                <PersonPicker
                    id="audit-actor"
                    label="Person"
                    value=actor_id
                    filter=actor_search
                    error=field_of(refusal, "actor_id")
                    placeholder="Anyone"
                />
                <div class="field">
                    <label for="audit-category">"Category"</label>
                    <select
                        id="audit-category"
                        aria-invalid=move || field_of(refusal, "action").get().is_some().then_some("true")
                        on:change=move |ev| action.set(event_target_value(&ev))
                        prop:value=move || action.get()
                    >
                        <option value="">"Everything"</option>
                        {CATEGORIES
                            .into_iter()
                            .map(|(prefix, label)| view! { <option value=prefix>{label}</option> })
                            .collect_view()}
                    </select>
                </div>
                <Combobox
                    id="audit-object"
                    label="Object"
                    value=object
                    search=objects
                    error=Signal::derive(move || {
                        field_of(refusal, "target_id").get().or_else(|| field_of(refusal, "target_type").get())
                    })
                    placeholder="Any object: type part of a name"
                />
                <TextField
                    id="audit-since"
                    label="From (UTC)"
                    input_type="datetime-local"
                    value=since
                    error=field_of(refusal, "since")
                />
                <TextField
                    id="audit-until"
                    label="Until (UTC)"
                    input_type="datetime-local"
                    value=until
                    error=field_of(refusal, "until")
                />
                <div class="form-actions">
                    <button type="submit" class="btn btn-primary">"Apply filters"</button>
                    <button type="button" class="btn btn-secondary" on:click=clear>
                        "Clear filters"
                    </button>
                </div>
            </form>
        </section>
        <section class="section" aria-labelledby="audit-events-heading">
            <div class="section-heading">
                <h2 id="audit-events-heading">"Events"</h2>
                <a
                    class="btn btn-secondary btn-small"
                    href=move || csv_href(&applied.get())
                    download="audit-events.csv"
                >
                    "Download CSV"
                </a>
            </div>
            <p class="section-lead">
                "Newest first. The CSV holds the events these filters match, up to the newest 10,000."
            </p>
            {move || {
                let filters = applied.get();
                view! { <EventList filters=filters refused=refused_by_server about=about /> }
            }}
        </section>
    }
}

/// The objects whose name contains the typed text: people, access packages, catalogs, groups
/// and applications, each kind searched by its own list (`?q=`), a few of each.
fn object_suggestions(text: RwSignal<String>) -> Search {
    Search::new(text, Signal::derive(|| true), |q| async move {
        let page = PageQuery {
            limit: Some(OBJECTS_PER_KIND as u32),
            cursor: None,
        };
        // The five lists are asked at once, not one after another; the first refusal ends the
        // search, as before.
        let (people, packages, catalogs, groups, applications) = try_join5(
            api::people::search(&q, &page),
            api::packages::search(&q, &page),
            api::catalogs::list(&q, &page),
            api::directory::groups(&q, &page),
            api::directory::applications(&q, &page),
        )
        .await?;
        let more = [
            people.next_cursor.is_some(),
            packages.next_cursor.is_some(),
            catalogs.next_cursor.is_some(),
            groups.next_cursor.is_some(),
            applications.next_cursor.is_some(),
        ]
        .contains(&true);
        let choices = object_choices(vec![
            (
                "user",
                people
                    .items
                    .iter()
                    .map(|one| (one.id.to_string(), person_choice(one)))
                    .collect(),
            ),
            (
                "access_package",
                packages
                    .items
                    .into_iter()
                    .map(|one| (one.id.to_string(), one.name.to_string()))
                    .collect(),
            ),
            (
                "catalog",
                catalogs
                    .items
                    .into_iter()
                    .map(|one| (one.id.to_string(), one.name.to_string()))
                    .collect(),
            ),
            (
                "group",
                groups
                    .items
                    .into_iter()
                    .map(|one| (one.id.to_string(), one.name.to_string()))
                    .collect(),
            ),
            (
                "application",
                applications
                    .items
                    .into_iter()
                    .map(|one| (one.id.to_string(), one.name.to_string()))
                    .collect(),
            ),
        ]);
        Ok(Found { choices, more })
    })
}

/// The events one set of filters matches, a page at a time.
#[component]
fn EventList(
    filters: AuditExportQuery,
    refused: RwSignal<Option<ApiError>>,
    about: Callback<(String, String, String)>,
) -> impl IntoView {
    // Disposed with this list when other filters are applied: an answer that arrives for a
    // list no longer shown does not speak for the filters now shown.
    let current = RwSignal::new(());
    let events = PagedList::new(DEFAULT_PAGE_SIZE, move |page| {
        let filters = filters.clone();
        async move {
            let first_page = page.cursor.is_none();
            let answer = api::audit::list(&filters, &page).await;
            if first_page && !current.is_disposed() {
                refused.set(answer.as_ref().err().cloned());
            }
            answer.map(|page| (page.items, page.next_cursor))
        }
    });
    view! {
        {move || match events.shape() {
            Shape::Loading => view! { <Loading label="Loading events…" /> }.into_any(),
            Shape::Failed(error) => {
                view! { <ErrorState error=error retry=Callback::new(move |_| events.reload()) /> }
                    .into_any()
            }
            Shape::Empty => view! { <EmptyState title="No events match these filters." /> }.into_any(),
            Shape::Filled => view! { <EventTable events=events about=about /> }.into_any(),
        }}
        <LoadMore list=events />
    }
}

#[component]
fn EventTable(
    events: PagedList<AuditEventView>,
    about: Callback<(String, String, String)>,
) -> impl IntoView {
    let now = format::now();
    view! {
        <div class="table-wrap" role="group" aria-labelledby="audit-events-heading" tabindex="0">
            <table class="table audit-table">
                <thead>
                    <tr>
                        <th scope="col">"When"</th>
                        <th scope="col">"What happened"</th>
                        <th scope="col">
                            <span class="visually-hidden">"Changes"</span>
                        </th>
                    </tr>
                </thead>
                <tbody>
                    <For
                        each=move || events.with_items(Vec::clone)
                        key=|event| event.id
                        let(event)
                    >
                        <EventRow event=event now=now about=about />
                    </For>
                </tbody>
            </table>
        </div>
    }
}

/// One event as a sentence, and under it, on demand, what changed field by field, where the
/// request came from, and a way to see only the events about its object.
#[component]
fn EventRow(
    event: AuditEventView,
    now: DateTime<Utc>,
    about: Callback<(String, String, String)>,
) -> impl IntoView {
    let expanded = RwSignal::new(false);
    let changes_id = format!("audit-changes-{}", event.id);
    let sentence = describe(&event);
    let changes = field_changes(event.before.as_ref(), event.after.as_ref());
    let object = object_name(&event).unwrap_or_else(|| event.target_id.clone());
    let kind = event.target_type.clone();
    let target_id = event.target_id.clone();
    let filterable = uuid::Uuid::parse_str(&target_id).is_ok();
    let about_label = format!("Only events about {object}");
    let chosen = (kind.clone(), target_id.clone(), object.clone());
    view! {
        <tr>
            <th scope="row" class="audit-when">
                <time datetime=event.occurred_at.to_rfc3339() title=occurred(&event.occurred_at)>
                    {occurred_briefly(&event.occurred_at, now)}
                </time>
            </th>
            <td class="audit-what">
                <span class="audit-sentence">{sentence}</span>
                <span class="audit-meta">
                    <code>{event.action.clone()}</code>
                    " · " {actor(&event)}
                </span>
            </td>
            <td class="cell-actions">
                <button
                    type="button"
                    class="btn btn-ghost btn-small"
                    aria-expanded=move || if expanded.get() { "true" } else { "false" }
                    aria-controls=changes_id.clone()
                    on:click=move |_| expanded.update(|open| *open = !*open)
                >
                    {move || if expanded.get() { "Hide changes" } else { "Show changes" }}
                </button>
            </td>
        </tr>
        <tr id=changes_id class="audit-changes" hidden=move || !expanded.get()>
            <td colspan="3">
                {if changes.is_empty() {
                    view! { <p>"No field changed."</p> }.into_any()
                } else {
                    view! {
                        <table class="audit-diff">
                            <thead>
                                <tr>
                                    <th scope="col">"Field"</th>
                                    <th scope="col">"Before"</th>
                                    <th scope="col">"After"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {changes
                                    .into_iter()
                                    .map(|change| view! {
                                        <tr>
                                            <th scope="row">{change.field}</th>
                                            <td class="audit-before">{change.before}</td>
                                            <td class="audit-after">{change.after}</td>
                                        </tr>
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    }
                    .into_any()
                }}
                <p class="audit-meta">
                    {format!("The {} {object}", kind_label(&kind))}
                    {event.request_id.clone().map(|id| view! { " · request id " <code>{id}</code> })}
                </p>
                {filterable.then(|| view! {
                    <button
                        type="button"
                        class="btn btn-secondary btn-small"
                        on:click=move |_| about.run(chosen.clone())
                    >
                        {about_label}
                    </button>
                })}
            </td>
        </tr>
    }
}

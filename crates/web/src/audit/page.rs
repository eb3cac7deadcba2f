//! The audit trail, for administrators: every administrative change, filtered by who made it,
//! what it was, which object it touched and when, read page by page, each with the object
//! before and after the change; and the same events as a CSV download.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use tessera_domain::audit::{AuditEventView, AuditExportQuery};
use tessera_domain::page::DEFAULT_PAGE_SIZE;

use crate::api::{self, ApiError};
use crate::audit::{AuditFilterForm, actor, csv_href, occurred, snapshot, target_name};
use crate::components::{
    AdminNav, EmptyState, ErrorAlert, ErrorState, Loading, PageHeader, PersonPicker, TextField,
};
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
    let target_type = RwSignal::new(String::new());
    let target_id = RwSignal::new(String::new());
    let since = RwSignal::new(String::new());
    let until = RwSignal::new(String::new());

    let applied = RwSignal::new(AuditExportQuery::default());
    // Filters refused here, and filters the server refused when reading the first page: both
    // are shown at their inputs.
    let refused_here = RwSignal::new(None::<ApiError>);
    let refused_by_server = RwSignal::new(None::<ApiError>);
    let refusal = Signal::derive(move || refused_here.get().or_else(|| refused_by_server.get()));

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let form = AuditFilterForm {
            actor_id: actor_id.get_untracked(),
            action: action.get_untracked(),
            target_type: target_type.get_untracked(),
            target_id: target_id.get_untracked(),
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
    let clear = move |_| {
        for input in [
            actor_search,
            actor_id,
            action,
            target_type,
            target_id,
            since,
            until,
        ] {
            input.set(String::new());
        }
        refused_here.set(None);
        refused_by_server.set(None);
        applied.set(AuditExportQuery::default());
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
                    label="Actor"
                    value=actor_id
                    filter=actor_search
                    error=field_of(refusal, "actor_id")
                    placeholder="Anyone"
                />
                <TextField
                    id="audit-action"
                    label="Action"
                    value=action
                    error=field_of(refusal, "action")
                    hint="One action, such as user.create, or all under a prefix, such as user.*"
                    autocomplete="off"
                />
                <TextField
                    id="audit-target-type"
                    label="Target type"
                    value=target_type
                    error=field_of(refusal, "target_type")
                    hint="Such as user, group, application, catalog or access_package."
                    autocomplete="off"
                />
                <TextField
                    id="audit-target-id"
                    label="Target id"
                    value=target_id
                    error=field_of(refusal, "target_id")
                    hint="The id of one object."
                    autocomplete="off"
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
                view! { <EventList filters=filters refused=refused_by_server /> }
            }}
        </section>
    }
}

/// The events one set of filters matches, a page at a time.
#[component]
fn EventList(filters: AuditExportQuery, refused: RwSignal<Option<ApiError>>) -> impl IntoView {
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
            Shape::Filled => view! { <EventTable events=events /> }.into_any(),
        }}
        <LoadMore list=events />
    }
}

#[component]
fn EventTable(events: PagedList<AuditEventView>) -> impl IntoView {
    view! {
        <div class="table-wrap" role="group" aria-labelledby="audit-events-heading" tabindex="0">
            <table class="table audit-table">
                <thead>
                    <tr>
                        <th scope="col">"When"</th>
                        <th scope="col">"Who"</th>
                        <th scope="col">"Action"</th>
                        <th scope="col">"Target"</th>
                        <th scope="col">"Request id"</th>
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
                        <EventRow event=event />
                    </For>
                </tbody>
            </table>
        </div>
    }
}

/// One event, and under it the row with the object before and after, shown on demand.
#[component]
fn EventRow(event: AuditEventView) -> impl IntoView {
    let expanded = RwSignal::new(false);
    let changes_id = format!("audit-changes-{}", event.id);
    let name = target_name(&event);
    let before = snapshot(
        event.before.as_ref(),
        "Nothing: the object did not exist yet.",
    );
    let after = snapshot(
        event.after.as_ref(),
        "Nothing: the object no longer exists.",
    );
    view! {
        <tr>
            <th scope="row">
                <time datetime=event.occurred_at.to_rfc3339()>{occurred(&event.occurred_at)}</time>
            </th>
            <td>{actor(&event)}</td>
            <td>
                <code class="audit-action-name">{event.action.clone()}</code>
            </td>
            <td>
                <span class="badge badge-neutral">{event.target_type.clone()}</span>
                {name.map(|name| view! { " " <span class="audit-target-name">{name}</span> })}
                <span class="audit-id">{event.target_id.clone()}</span>
            </td>
            <td>
                {match event.request_id.clone() {
                    Some(id) => view! { <code>{id}</code> }.into_any(),
                    None => view! { "—" }.into_any(),
                }}
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
            <td colspan="6">
                <div class="audit-snapshots">
                    <div class="audit-snapshot">
                        <p class="audit-snapshot-title">"Before"</p>
                        <pre>{before}</pre>
                    </div>
                    <div class="audit-snapshot">
                        <p class="audit-snapshot-title">"After"</p>
                        <pre>{after}</pre>
                    </div>
                </div>
            </td>
        </tr>
    }
}

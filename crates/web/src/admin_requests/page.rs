//! Everyone's requests, for administrators (and the assignment managers of a catalog, who see
//! theirs): filtered by state, package, requester and when they were submitted, read page by
//! page, and the same requests as a CSV download. How a stuck or failed request is found.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use tessera_domain::access::{RequestExportQuery, RequestView};
use tessera_domain::page::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageQuery};
use tessera_domain::request::RequestState;

use crate::admin_requests::{RequestFilterForm, csv_href};
use crate::api::{self, ApiError};
use crate::components::{
    AdminNav, Combobox, EmptyState, ErrorAlert, ErrorState, Found, Loading, PageHeader,
    PersonPicker, Search, TextField,
};
use crate::format::timestamp;
use crate::my_access::{request_label, request_state_badge, request_state_label};
use crate::pages::common::field_of;
use crate::pages::lists::LoadMore;
use crate::routes;
use crate::state::{PagedList, Shape};

#[component]
pub fn AdminRequestsPage() -> impl IntoView {
    view! {
        <PageHeader
            title="Requests"
            lead="Everyone's requests, to find those that are stuck or failed. Assignment managers see their catalogs' requests."
        />
        <AdminNav />
        <RequestSearch />
    }
}

/// The state filter: any, or one state.
#[component]
fn StateSelect(value: RwSignal<String>, error: Signal<Option<String>>) -> impl IntoView {
    let invalid = move || error.with(Option::is_some);
    view! {
        <div class="field" class:field-invalid=invalid>
            <label for="requests-state">"State"</label>
            <select
                id="requests-state"
                aria-invalid=move || invalid().then_some("true")
                prop:value=move || value.get()
                on:change=move |ev| value.set(event_target_value(&ev))
            >
                <option value="">"Any state"</option>
                {RequestState::ALL
                    .into_iter()
                    .map(|state| {
                        view! {
                            <option value=state.as_str() selected=move || value.get() == state.as_str()>
                                {request_state_label(state)}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            {move || error.get().map(|message| view! { <p class="field-error">{message}</p> })}
        </div>
    }
}

/// The filters and the requests they match. Applying filters starts a new list, so the rows of
/// other filters are never shown under these.
#[component]
fn RequestSearch() -> impl IntoView {
    let state = RwSignal::new(String::new());
    let package = RwSignal::new(String::new());
    let package_search = RwSignal::new(String::new());
    let requester = RwSignal::new(String::new());
    let requester_search = RwSignal::new(String::new());
    let created_after = RwSignal::new(String::new());
    let created_before = RwSignal::new(String::new());

    let applied = RwSignal::new(RequestExportQuery::default());
    let refused_here = RwSignal::new(None::<ApiError>);
    let refused_by_server = RwSignal::new(None::<ApiError>);
    let refusal = Signal::derive(move || refused_here.get().or_else(|| refused_by_server.get()));

    let packages = Search::new(package_search, Signal::derive(|| true), |q| async move {
        let page = PageQuery {
            limit: Some(MAX_PAGE_SIZE),
            cursor: None,
        };
        api::packages::search(&q, &page).await.map(|page| Found {
            more: page.next_cursor.is_some(),
            choices: page
                .items
                .into_iter()
                .map(|package| (package.id.to_string(), package.name.to_string()))
                .collect(),
        })
    });

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let form = RequestFilterForm {
            state: state.get_untracked(),
            access_package_id: package.get_untracked(),
            requester_id: requester.get_untracked(),
            created_after: created_after.get_untracked(),
            created_before: created_before.get_untracked(),
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
            state,
            package,
            package_search,
            requester,
            requester_search,
            created_after,
            created_before,
        ] {
            input.set(String::new());
        }
        refused_here.set(None);
        refused_by_server.set(None);
        applied.set(RequestExportQuery::default());
    };

    view! {
        <section class="section" aria-labelledby="requests-filters-heading">
            <h2 id="requests-filters-heading">"Filters"</h2>
            {move || {
                refused_here
                    .get()
                    .map(|error| view! { <ErrorAlert error=error title="The filters were not applied." /> })
            }}
            <form
                class="form form-inline search-form request-filters"
                role="search"
                aria-labelledby="requests-filters-heading"
                novalidate
                on:submit=on_submit
            >
                <StateSelect value=state error=field_of(refusal, "state") />
                <Combobox
                    id="requests-package"
                    label="Access package"
                    value=package
                    search=packages
                    error=field_of(refusal, "access_package_id")
                    placeholder="Any package"
                />
                <PersonPicker
                    id="requests-requester"
                    label="Requester"
                    value=requester
                    filter=requester_search
                    error=field_of(refusal, "requester_id")
                    placeholder="Anyone"
                />
                <TextField
                    id="requests-created-after"
                    label="Submitted from (UTC)"
                    input_type="datetime-local"
                    value=created_after
                    error=field_of(refusal, "created_after")
                />
                <TextField
                    id="requests-created-before"
                    label="Submitted before (UTC)"
                    input_type="datetime-local"
                    value=created_before
                    error=field_of(refusal, "created_before")
                />
                <div class="form-actions">
                    <button type="submit" class="btn btn-primary">"Apply filters"</button>
                    <button type="button" class="btn btn-secondary" on:click=clear>
                        "Clear filters"
                    </button>
                </div>
            </form>
        </section>
        <section class="section" aria-labelledby="requests-list-heading">
            <div class="section-heading">
                <h2 id="requests-list-heading">"Requests"</h2>
                <a
                    class="btn btn-secondary btn-small"
                    href=move || csv_href(&applied.get())
                    download="requests.csv"
                >
                    "Download CSV"
                </a>
            </div>
            <p class="section-lead">
                "Newest first. The CSV holds the requests these filters match, up to the newest 10,000."
            </p>
            {move || {
                let filters = applied.get();
                view! { <RequestList filters=filters refused=refused_by_server /> }
            }}
        </section>
    }
}

/// The requests one set of filters matches, a page at a time.
#[component]
fn RequestList(filters: RequestExportQuery, refused: RwSignal<Option<ApiError>>) -> impl IntoView {
    // Disposed with this list when other filters are applied: an answer that arrives for a
    // list no longer shown does not speak for the filters now shown.
    let current = RwSignal::new(());
    let requests = PagedList::new(DEFAULT_PAGE_SIZE, move |page| {
        let filters = filters.clone();
        async move {
            let first_page = page.cursor.is_none();
            let answer = api::requests::list_all(&filters, &page).await;
            if first_page && !current.is_disposed() {
                refused.set(answer.as_ref().err().cloned());
            }
            answer.map(|page| (page.items, page.next_cursor))
        }
    });
    view! {
        {move || match requests.shape() {
            Shape::Loading => view! { <Loading label="Loading requests…" /> }.into_any(),
            Shape::Failed(error) => {
                view! { <ErrorState error=error retry=Callback::new(move |_| requests.reload()) /> }
                    .into_any()
            }
            Shape::Empty => view! { <EmptyState title="No requests match these filters." /> }.into_any(),
            Shape::Filled => view! { <RequestTable requests=requests /> }.into_any(),
        }}
        <LoadMore list=requests />
    }
}

#[component]
fn RequestTable(requests: PagedList<RequestView>) -> impl IntoView {
    view! {
        <div class="table-wrap" role="group" aria-labelledby="requests-list-heading" tabindex="0">
            <table class="table">
                <thead>
                    <tr>
                        <th scope="col">"Submitted"</th>
                        <th scope="col">"Access package"</th>
                        <th scope="col">"Requester"</th>
                        <th scope="col">"For"</th>
                        <th scope="col">"State"</th>
                        <th scope="col">"Outcome"</th>
                    </tr>
                </thead>
                <tbody>
                    <For
                        each=move || requests.with_items(Vec::clone)
                        key=|request| request.id
                        let(request)
                    >
                        <tr>
                            <th scope="row">
                                <a href=format!("{}/{}", routes::REQUESTS, request.id)>
                                    <time datetime=request.submitted_at.to_rfc3339()>
                                        {timestamp(&request.submitted_at)}
                                    </time>
                                </a>
                            </th>
                            <td>{request.access_package_name.clone()}</td>
                            <td>{request.requester.display_name.clone()}</td>
                            <td>{request.target.display_name.clone()}</td>
                            <td>
                                <span class=request_state_badge(request.state)>
                                    {request_label(&request)}
                                </span>
                            </td>
                            <td>{request.outcome.clone().unwrap_or_default()}</td>
                        </tr>
                    </For>
                </tbody>
            </table>
        </div>
    }
}

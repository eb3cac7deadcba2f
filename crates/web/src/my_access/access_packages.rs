//! Access packages, for everyone: the packages one may request (searched by the server, a page
//! at a time), one's access now, with Extend and Remove, and one's access that expired or was
//! removed. Requesting one package is the request panel (`request_panel.rs`).

use std::time::Duration;

use chrono::{DateTime, Utc};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use tessera_domain::access::{Ask, Holding, PackageCard, RequestView};
use tessera_domain::assignment::{AssignmentState, AssignmentView, StateFilter};
use tessera_domain::page::DEFAULT_PAGE_SIZE;
use tessera_domain::{AccessPackageId, AssignmentId, CatalogId, RequestId, UserId};

use super::requests::{request_href, when};
use crate::api::{self, ApiError};
use crate::assignments::{end_label, person, state_badge, state_label};
use crate::components::described_by;
use crate::components::{
    EmptyState, ErrorState, Loading, Notice, PageHeader, TextField, Tone, busy, focus_on_mount,
};
use crate::connectors::delivery::{DeliveryStatus, DeliveryToggle};
use crate::format;
use crate::forms::sentence;
use crate::my_access::{
    ChangeForm, PackagesTab, change_allowed, excerpt, holding_label, joined, refusal_message,
    report_holding_label, submitted_words, suggestion_reasons,
};
use crate::pages::browser_clock::browser_time;
use crate::pages::lists::LoadMore;
use crate::routes;
use crate::state::{PagedList, Session, Shape};

/// How long typing in the search box must pause before a search goes out.
const SEARCH_DELAY: Duration = Duration::from_millis(250);

/// The request panel of a package.
pub fn package_href(id: AccessPackageId) -> String {
    format!("{}/{id}", routes::ACCESS_PACKAGES)
}

/// The Active tab with the extension of one assignment opened.
pub fn extend_href(id: AssignmentId) -> String {
    format!(
        "{}&extend={id}",
        PackagesTab::Active.href(routes::ACCESS_PACKAGES)
    )
}

/// A refused write, in words people can act on (see [`refusal_message`]).
#[component]
pub fn RefusalAlert(error: ApiError, #[prop(into)] title: String) -> impl IntoView {
    Session::expect().notice(&error);
    let message = refusal_message(&error);
    let request_id = error.request_id().map(str::to_string);
    let alert = NodeRef::<leptos::html::Div>::new();
    focus_on_mount(alert);
    view! {
        <div class="alert alert-error" role="alert" tabindex="-1" node_ref=alert>
            <p class="alert-title">{title}</p>
            <p>{message}</p>
            {request_id
                .map(|id| {
                    view! { <p class="alert-meta">"Reference for support: " <code>{id}</code></p> }
                })}
        </div>
    }
}

/// A labelled text area whose label says whether it must be filled in, with its error.
#[component]
pub fn JustificationField(
    #[prop(into)] id: String,
    #[prop(into)] label: String,
    value: RwSignal<String>,
    #[prop(into)] required: Signal<bool>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional)] hint: Option<&'static str>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let invalid = move || error.with(Option::is_some);
    let has_hint = hint.is_some();
    let described_by = described_by(hint_id.clone(), move || has_hint, error_id.clone(), invalid);
    view! {
        <div class="field" class:field-invalid=invalid>
            <label for=id.clone()>
                {label} " "
                <span class="required-mark">
                    {move || if required.get() { "(required)" } else { "(optional)" }}
                </span>
            </label>
            {hint.map(|hint| view! { <p class="field-hint" id=hint_id.clone()>{hint}</p> })}
            <textarea
                id=id.clone()
                name=id
                rows=3
                aria-required=move || required.get().then_some("true")
                aria-invalid=move || invalid().then_some("true")
                aria-describedby=described_by
                bind:value=value
            ></textarea>
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

#[component]
pub fn AccessPackagesPage() -> impl IntoView {
    let query = use_query_map();
    let tab = Memo::new(move |_| PackagesTab::parse(query.with(|q| q.get("tab")).as_deref()));
    let extend = Memo::new(move |_| query.with(|q| q.get("extend")?.parse::<AssignmentId>().ok()));
    // `?for=` asks for a direct report: only what one may request for them is listed.
    let report =
        Memo::new(move |_| query.with(|q| q.get(routes::FOR_PARAM)?.parse::<UserId>().ok()));
    move || match report.get() {
        Some(report) => view! { <ForReport report=report /> }.into_any(),
        None => view! { <ForMyself tab=tab extend=extend /> }.into_any(),
    }
}

/// The packages a manager may request for one of their direct reports, marked with what the
/// report has: the request flow of "My team".
#[component]
fn ForReport(report: UserId) -> impl IntoView {
    let reports = LocalResource::new(api::people::my_reports);
    // Someone with no direct reports (a wrong or stale link) has no team page to go back to.
    let has_team = untrack(|| Session::expect().with_me(|me| me.has_direct_reports)) == Some(true);
    let name = move || {
        reports
            .get()
            .and_then(Result::ok)
            .and_then(|page| page.items.into_iter().find(|person| person.id == report))
            .map(|person| person.display_name)
    };
    view! {
        <PageHeader
            title="Request access for someone"
            lead="Ask for access for one of your direct reports. Their approvers decide, as for anyone."
        />
        <div class="alert alert-info asking-for">
            <p>
                {move || match name() {
                    Some(name) => format!("You are asking for {name}. The list shows what you may request for them, and what they already have."),
                    None => "You are asking for someone else. The list shows what you may request for them, and what they already have.".to_string(),
                }}
            </p>
            <p>
                {has_team.then(|| view! { <A href=routes::TEAM>"Back to My team"</A> " · " })}
                <A href=routes::ACCESS_PACKAGES>"Request for yourself instead"</A>
            </p>
        </div>
        <AvailablePackages report=Some(report) />
    }
}

#[component]
fn ForMyself(tab: Memo<PackagesTab>, extend: Memo<Option<AssignmentId>>) -> impl IntoView {
    view! {
        <PageHeader
            title="Access packages"
            lead="Ask for the access you need, and keep track of the access you have."
        />
        <nav class="subnav" aria-label="Access packages">
            <ul>
                {PackagesTab::ALL
                    .into_iter()
                    .map(|shown| {
                        view! {
                            <li>
                                <a
                                    href=shown.href(routes::ACCESS_PACKAGES)
                                    aria-current=move || (tab.get() == shown).then_some("page")
                                >
                                    {shown.label()}
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
        {move || match tab.get() {
            PackagesTab::Available => view! { <AvailablePackages report=None /> }.into_any(),
            PackagesTab::Suggested => view! { <SuggestedPackages /> }.into_any(),
            PackagesTab::Active => {
                view! { <ActiveAccess open_extend=extend.get_untracked() /> }.into_any()
            }
            PackagesTab::Expired => view! { <PastAccess /> }.into_any(),
        }}
    }
}

/// `source`, once it has stopped changing for [`SEARCH_DELAY`], trimmed.
fn settled(source: RwSignal<String>) -> ReadSignal<String> {
    let (value, set_value) = signal(source.get_untracked().trim().to_string());
    let mut settle = debounce(SEARCH_DELAY, move |text: String| {
        let text = text.trim().to_string();
        if value.try_with_untracked(|current| *current != text) == Some(true) {
            set_value.try_set(text);
        }
    });
    Effect::new(move |_| settle(source.get()));
    value
}

/// What one may request, for oneself or (`report`) for a direct report.
#[component]
fn AvailablePackages(report: Option<UserId>) -> impl IntoView {
    let search = RwSignal::new(String::new());
    let query = settled(search);
    // A catalog's id, or "" for all of them.
    let catalog = RwSignal::new(String::new());
    let catalogs = LocalResource::new(move || {
        let q = query.get();
        async move { api::access::available_catalogs(&q, report).await }
    });
    // Someone who is not one of the caller's direct reports: nothing to search or filter.
    let refused = move || {
        report.is_some()
            && catalogs.get().is_some_and(|answer| {
                answer
                    .err()
                    .is_some_and(|error| error.field_message(routes::FOR_PARAM).is_some())
            })
    };
    let counted = move || {
        catalogs
            .get()
            .and_then(Result::ok)
            .map(|catalogs| catalogs.items)
            .unwrap_or_default()
    };
    view! {
        <section class="section" aria-labelledby="available-heading">
            <h2 id="available-heading" class="visually-hidden">"Available access packages"</h2>
            <Show when=move || !refused()>
            <form class="form form-inline search-form package-filters" role="search" on:submit=move |ev: SubmitEvent| ev.prevent_default()>
                <div class="field">
                    <label for="package-search">"Search access packages"</label>
                    <input
                        id="package-search"
                        type="search"
                        autocomplete="off"
                        placeholder="A name, a description or a resource"
                        bind:value=search
                    />
                </div>
                <div class="field">
                    <label for="package-catalog">"Catalog"</label>
                    <select
                        id="package-catalog"
                        on:change=move |ev| catalog.set(event_target_value(&ev))
                    >
                        <option value="" selected=move || catalog.with(String::is_empty)>
                            {move || {
                                let total: u64 = counted().iter().map(|c| c.count).sum();
                                format!("All catalogs ({total})")
                            }}
                        </option>
                        {move || {
                            counted()
                                .into_iter()
                                .map(|counted| {
                                    let id = counted.catalog_id.to_string();
                                    let chosen = id.clone();
                                    view! {
                                        <option value=id selected=move || catalog.with(|c| *c == chosen)>
                                            {format!("{} ({})", counted.catalog_name, counted.count)}
                                        </option>
                                    }
                                })
                                .collect_view()
                        }}
                    </select>
                </div>
            </form>
            </Show>
            {move || {
                let q = query.get();
                let chosen = catalog.get().parse::<CatalogId>().ok();
                view! { <PackageRows q=q catalog=chosen report=report /> }
            }}
        </section>
    }
}

/// The packages one search finds (in one catalog, when chosen), a page at a time, a line each.
#[component]
fn PackageRows(q: String, catalog: Option<CatalogId>, report: Option<UserId>) -> impl IntoView {
    let searched = q.clone();
    let rows = PagedList::new(DEFAULT_PAGE_SIZE, move |page| {
        let q = searched.clone();
        async move {
            api::access::available(&q, catalog, report, &page)
                .await
                .map(|page| (page.items, page.next_cursor))
        }
    });
    let now = format::now();
    view! {
        {move || match rows.shape() {
            Shape::Loading => view! { <Loading label="Loading access packages…" /> }.into_any(),
            Shape::Failed(error) => match report.and(error.field_message(routes::FOR_PARAM)) {
                Some(message) => view! { <NotYourReport message=message /> }.into_any(),
                None => {
                    view! { <ErrorState error=error retry=Callback::new(move |_| rows.reload()) /> }
                        .into_any()
                }
            },
            Shape::Empty if q.is_empty() && catalog.is_none() && report.is_some() => view! {
                <EmptyState title="You may not request any access package for this person.">
                    <p>"A package's policy must let managers request for their direct reports, and include this person."</p>
                </EmptyState>
            }
            .into_any(),
            Shape::Empty if q.is_empty() && catalog.is_none() => view! {
                <EmptyState title="No access packages are available to you.">
                    <p>"If you need access, ask the owner of the catalog that holds it for a direct link."</p>
                </EmptyState>
            }
            .into_any(),
            Shape::Empty if q.is_empty() => {
                view! { <EmptyState title="No access package of this catalog is available to you." /> }.into_any()
            }
            Shape::Empty => {
                view! { <EmptyState title=format!("No access package matches “{q}”.") /> }.into_any()
            }
            Shape::Filled => view! {
                <ul
                    class="package-list"
                    aria-label=if report.is_some() { "Access packages you can request for them" } else { "Access packages you can request" }
                >
                    <For each=move || rows.with_items(Vec::clone) key=|card| (card.id, card.holding.clone()) let(card)>
                        <PackageRow card=card now=now note=None report=report />
                    </For>
                </ul>
            }
            .into_any(),
        }}
        <LoadMore list=rows />
    }
}

/// The API's refusal of `?for=` (someone who is not one of the caller's enabled direct
/// reports), in its own words, instead of the generic "Some fields are not valid".
#[component]
fn NotYourReport(message: String) -> impl IntoView {
    view! {
        <div class="state state-error" role="alert">
            <p class="state-title">"You cannot request access for this person."</p>
            <p>{format!("This person {message}.")}</p>
            <p>
                "Managers request access for their direct reports from "
                <A href=routes::TEAM>"My team"</A>
                ". "
                <A href=routes::ACCESS_PACKAGES>"Request for yourself instead"</A>
            </p>
        </div>
    }
}

/// One package on a line: its name (to its request panel), catalog, the start of its
/// description, what one (or the direct `report` asked for) has of it, and Request when one
/// may ask. `note` says why it is suggested.
#[component]
fn PackageRow(
    card: PackageCard,
    now: DateTime<Utc>,
    note: Option<String>,
    report: Option<UserId>,
) -> impl IntoView {
    let name = card.name.clone();
    let mark = card.holding.as_ref().map(|holding| {
        let label = match report {
            Some(_) => report_holding_label(holding, now),
            None => holding_label(holding, now),
        };
        match holding {
            Holding::Held { .. } => {
                view! { <span class="badge badge-success">{label}</span> }.into_any()
            }
            // Their request may be one the manager cannot open: a mark, not a link.
            Holding::Pending { .. } if report.is_some() => {
                view! { <span class="badge badge-info">{label}</span> }.into_any()
            }
            Holding::Pending { request_id } => view! {
                <A href=request_href(*request_id) attr:class="badge badge-info package-pending">
                    {label}
                    <span class="visually-hidden">": see your request for " {name.clone()}</span>
                </A>
            }
            .into_any(),
        }
    });
    let may_request = card.holding.is_none();
    let request_label = format!("Request {}", card.name);
    let href = routes::asking_for(&package_href(card.id), report);
    let description = card.description.clone();
    let resources =
        (!card.resources.is_empty()).then(|| format!("Gives: {}", joined(&card.resources)));
    view! {
        <li class="package-row">
            <div class="package-row-text">
                <A href=href.clone() attr:class="package-row-name">{card.name.clone()}</A>
                <span class="package-row-catalog">{card.catalog_name.clone()}</span>
                {(!description.is_empty()).then(|| view! {
                    <span class="package-row-description" title=description.clone()>{excerpt(&description, 140)}</span>
                })}
                {note.map(|note| view! { <span class="package-row-note">{note}</span> })}
                {resources.map(|resources| view! { <span class="visually-hidden">{resources}</span> })}
            </div>
            <div class="package-row-actions">
                {mark}
                {may_request.then(|| view! {
                    <A
                        href=href
                        attr:class="btn btn-secondary btn-small"
                        attr:aria-label=request_label
                    >
                        "Request"
                    </A>
                })}
            </div>
        </li>
    }
}

/// Packages people like oneself hold, or one held before, with why.
#[component]
fn SuggestedPackages() -> impl IntoView {
    let suggested = LocalResource::new(api::access::suggested);
    let now = format::now();
    view! {
        <section class="section" aria-labelledby="suggested-heading">
            <h2 id="suggested-heading" class="visually-hidden">"Suggested access packages"</h2>
            <p class="section-lead">
                "Packages you may request that people in your department, with your manager or reporting to you have, and ones you had before."
            </p>
            <Transition fallback=|| view! { <Loading label="Loading suggestions…" /> }>
                {move || Suspend::new(async move {
                    match suggested.await {
                        Err(error) => view! {
                            <ErrorState error=error retry=Callback::new(move |_| suggested.refetch()) />
                        }
                        .into_any(),
                        Ok(found) if found.items.is_empty() => view! {
                            <EmptyState title="Nothing to suggest yet.">
                                <p>
                                    "Nobody in your department, with your manager or reporting to you has a package you may request and do not already have or await, and you have had none before that you could ask for again."
                                </p>
                                <p>
                                    "Browse what you may request under "
                                    <a href=PackagesTab::Available.href(routes::ACCESS_PACKAGES)>"Available"</a>
                                    "."
                                </p>
                            </EmptyState>
                        }
                        .into_any(),
                        Ok(found) => view! {
                            <ul class="package-list" aria-label="Suggested access packages">
                                {found
                                    .items
                                    .into_iter()
                                    .map(|suggestion| {
                                        let why = suggestion_reasons(&suggestion.reasons, |at| {
                                            format::day(at, now)
                                        });
                                        view! { <PackageRow card=suggestion.package now=now note=Some(why) report=None /> }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                        .into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// What the last extension or removal came to.
#[derive(Clone, Debug, PartialEq)]
struct Changed {
    words: String,
    request: RequestId,
}

#[component]
fn ActiveAccess(open_extend: Option<AssignmentId>) -> impl IntoView {
    let changed = RwSignal::new(None::<Changed>);
    let open = RwSignal::new(open_extend.map(|id| (id, Ask::Extend)));
    let held = PagedList::new(DEFAULT_PAGE_SIZE, |page| async move {
        api::access::my_assignments(StateFilter::Active, &page)
            .await
            .map(|page| (page.items, page.next_cursor))
    });
    let on_done = Callback::new(move |request: RequestView| {
        changed.set(Some(Changed {
            words: submitted_words(&request),
            request: request.id,
        }));
        open.set(None);
        held.reload();
    });
    view! {
        <section class="section" aria-labelledby="active-heading">
            <h2 id="active-heading" class="visually-hidden">"Your access"</h2>
            {move || changed.get().map(|changed| view! {
                <Notice tone=Tone::Success>
                    <p>{changed.words} " " <A href=request_href(changed.request)>"See the request"</A></p>
                </Notice>
            })}
            {move || match held.shape() {
                Shape::Loading => view! { <Loading label="Loading your access…" /> }.into_any(),
                Shape::Failed(error) => {
                    view! { <ErrorState error=error retry=Callback::new(move |_| held.reload()) /> }
                        .into_any()
                }
                Shape::Empty => view! {
                    <EmptyState title="You have no access packages yet.">
                        <p>
                            "Find what you need under "
                            <a href=PackagesTab::Available.href(routes::ACCESS_PACKAGES)>"Available"</a>
                            "."
                        </p>
                    </EmptyState>
                }
                .into_any(),
                Shape::Filled => view! {
                    <div class="table-wrap" role="group" aria-labelledby="active-heading" tabindex="0">
                        <table class="table table-wrapping">
                            <thead>
                                <tr>
                                    <th scope="col">"Access package"</th>
                                    <th scope="col">"Policy"</th>
                                    <th scope="col">"State"</th>
                                    <th scope="col">"Starts"</th>
                                    <th scope="col">"Ends"</th>
                                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                </tr>
                            </thead>
                            <tbody>
                                <For
                                    each=move || held.with_items(Vec::clone)
                                    key=|assignment| (assignment.id, assignment.state, assignment.ends_at)
                                    let(assignment)
                                >
                                    <HeldRow assignment=assignment open=open on_done=on_done />
                                </For>
                            </tbody>
                        </table>
                    </div>
                }
                .into_any(),
            }}
            <LoadMore list=held />
        </section>
    }
}

/// One assignment held now, with Extend (when it ends) and Remove, each opening its form in a
/// row underneath.
#[component]
fn HeldRow(
    assignment: AssignmentView,
    open: RwSignal<Option<(AssignmentId, Ask)>>,
    on_done: Callback<RequestView>,
) -> impl IntoView {
    let id = assignment.id;
    let name = assignment.access_package_name.clone();
    let extendable = assignment.state == AssignmentState::Delivered && assignment.ends_at.is_some();
    let form_id = format!("change-{id}");
    let is_open = move |ask: Ask| open.with(|open| *open == Some((id, ask)));
    let toggle = move |ask: Ask| {
        open.update(|open| {
            *open = if *open == Some((id, ask)) {
                None
            } else {
                Some((id, ask))
            }
        })
    };
    let shown = Memo::new(move |_| {
        open.with(|open| open.filter(|(open, _)| *open == id).map(|(_, ask)| ask))
    });
    let stored = StoredValue::new(assignment.clone());
    let delivery_open = RwSignal::new(false);
    let delivery_id = format!("delivery-{id}");
    let delivery_label = format!("Delivery of {name}");
    let delivery_row = {
        let delivery_id = delivery_id.clone();
        let delivery_label = delivery_label.clone();
        move || {
            delivery_open.get().then(|| {
                view! {
                    <tr id=delivery_id.clone() class="detail-row">
                        <td colspan="6">
                            <DeliveryStatus assignment=id label=delivery_label.clone() />
                        </td>
                    </tr>
                }
            })
        }
    };
    view! {
        <tr>
            <th scope="row">{name.clone()}</th>
            <td>{assignment.policy_name.clone()}</td>
            <td><span class=state_badge(assignment.state)>{state_label(assignment.state)}</span></td>
            <td>{when(assignment.starts_at)}</td>
            <td>
                {match assignment.ends_at {
                    Some(at) => when(at).into_any(),
                    None => "No end".into_any(),
                }}
            </td>
            <td class="cell-actions">
                <div class="row-actions">
                    <DeliveryToggle open=delivery_open controls=delivery_id label=delivery_label />
                    {extendable.then(|| view! {
                        <button
                            type="button"
                            class="btn btn-secondary btn-small"
                            aria-label=format!("Extend {name}")
                            aria-expanded=move || if is_open(Ask::Extend) { "true" } else { "false" }
                            aria-controls=form_id.clone()
                            on:click=move |_| toggle(Ask::Extend)
                        >
                            "Extend"
                        </button>
                    })}
                    <button
                        type="button"
                        class="btn btn-danger-outline btn-small"
                        aria-label=format!("Remove {name}")
                        aria-expanded=move || if is_open(Ask::Remove) { "true" } else { "false" }
                        aria-controls=format!("change-{id}")
                        on:click=move |_| toggle(Ask::Remove)
                    >
                        "Remove"
                    </button>
                </div>
            </td>
        </tr>
        {delivery_row}
        {move || shown.get().map(|ask| view! {
            <tr class="confirm-row" id=format!("change-{id}")>
                <td colspan="6">
                    <ChangeAccess
                        assignment=stored.get_value()
                        ask=ask
                        on_done=on_done
                        on_close=Callback::new(move |_| open.set(None))
                    />
                </td>
            </tr>
        })}
    }
}

/// Extending or removing one's own access: a request with `ask` set, for the package of the
/// assignment. What its policy allows is read first, so the form can say it before asking.
#[component]
fn ChangeAccess(
    assignment: AssignmentView,
    ask: Ask,
    on_done: Callback<RequestView>,
    on_close: Callback<()>,
) -> impl IntoView {
    let package = assignment.access_package_id;
    let policy_id = assignment.policy_id;
    let name = assignment.access_package_name.clone();
    let options = LocalResource::new(move || api::access::request_options(package, None));
    // The policy the access was given under, when the person may still request through it.
    let definition = Memo::new(move |_| {
        options
            .get()
            .and_then(Result::ok)
            .and_then(|options| {
                options
                    .policies
                    .into_iter()
                    .find(|policy| Some(policy.id) == policy_id)
            })
            .map(|policy| policy.definition)
    });
    let checked = Memo::new(move |_| options.get().is_some());
    let allowed = Memo::new(move |_| {
        definition.with(|definition| definition.as_ref().map(|d| change_allowed(d, ask)))
    });
    let justification = RwSignal::new(String::new());
    let ends_at = RwSignal::new(String::new());
    let key = StoredValue::new(api::requests::new_idempotency_key());
    let send = Action::new_local(move |form: &ChangeForm| {
        let parsed = definition.with_untracked(|definition| {
            form.parse(ask, package, definition.as_ref(), browser_time)
        });
        let key = key.get_value();
        async move {
            let request = api::requests::submit(&parsed?, &key).await?;
            on_done.run(request);
            Ok::<(), ApiError>(())
        }
    });
    let error = Signal::derive(move || send.value().get().and_then(Result::err));
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if send.pending().get_untracked() {
            return;
        }
        send.dispatch(ChangeForm {
            justification: justification.get_untracked(),
            ends_at: ends_at.get_untracked(),
        });
    };
    let extending = ask == Ask::Extend;
    let heading = if extending {
        format!("Extend your access to {name}")
    } else {
        format!("Remove your access to {name}")
    };
    let may_choose_end = Memo::new(move |_| {
        extending && definition.with(|d| d.as_ref().is_some_and(|d| d.requester.may_choose_dates))
    });
    let required = Signal::derive(move || {
        extending
            && definition.with(|d| {
                d.as_ref()
                    .is_some_and(|d| d.requester.justification_required)
            })
    });
    let refused = move || matches!(allowed.get(), Some(Err(_)));
    let heading_id = format!("change-{}-heading", assignment.id);
    let submit_class = if extending {
        "btn btn-primary"
    } else {
        "btn btn-danger"
    };
    view! {
        <form class="form confirm" novalidate on:submit=on_submit aria-labelledby=heading_id.clone()>
            <p class="alert-title" id=heading_id.clone()>{heading}</p>
            {move || match allowed.get() {
                None if !checked.get() => view! { <p class="field-hint">"Checking what the policy allows…"</p> }.into_any(),
                None => ().into_any(),
                Some(Ok(hint)) => view! { <p class="field-hint">{hint}</p> }.into_any(),
                Some(Err(reason)) => view! { <p class="field-warning">{reason}</p> }.into_any(),
            }}
            {move || {
                error
                    .get()
                    .filter(|error| {
                        error.field_message("justification").is_none()
                            && error.field_message("ends_at").is_none()
                    })
                    .map(|error| {
                        let title = if extending {
                            "Your access was not extended."
                        } else {
                            "Your access was not removed."
                        };
                        view! { <RefusalAlert error=error title=title /> }
                    })
            }}
            <Show when=move || !refused()>
                <Show when=move || may_choose_end.get()>
                    <TextField
                        id=format!("change-{}-ends", assignment.id)
                        label="New end"
                        input_type="datetime-local"
                        value=ends_at
                        error=Signal::derive(move || error.get()?.field_message("ends_at"))
                        hint="Optional, in your time zone. Left empty, the policy decides."
                    />
                </Show>
                <JustificationField
                    id=format!("change-{}-justification", assignment.id)
                    label=if extending { "Justification" } else { "Reason" }
                    value=justification
                    required=required
                    error=Signal::derive(move || error.get()?.field_message("justification"))
                />
            </Show>
            <div class="form-actions">
                <Show when=move || !refused()>
                    <button type="submit" class=submit_class aria-disabled=move || busy(send.pending().get())>
                        {if extending { "Request extension" } else { "Yes, remove my access" }}
                    </button>
                </Show>
                <button type="button" class="btn btn-secondary" on:click=move |_| on_close.run(())>
                    {if extending { "Cancel" } else { "Keep it" }}
                </button>
            </div>
        </form>
    }
}

/// Access one held: expired, and removed.
#[component]
fn PastAccess() -> impl IntoView {
    view! {
        <PastList filter=StateFilter::Expired heading_id="expired-heading" heading="Expired" empty="None of your access has expired." />
        <PastList filter=StateFilter::Removed heading_id="removed-heading" heading="Removed" empty="None of your access was removed." />
    }
}

#[component]
fn PastList(
    filter: StateFilter,
    heading_id: &'static str,
    heading: &'static str,
    empty: &'static str,
) -> impl IntoView {
    let past = PagedList::new(DEFAULT_PAGE_SIZE, move |page| async move {
        api::access::my_assignments(filter, &page)
            .await
            .map(|page| (page.items, page.next_cursor))
    });
    view! {
        <section class="section" aria-labelledby=heading_id>
            <h2 id=heading_id>{heading}</h2>
            {move || match past.shape() {
                Shape::Loading => view! { <Loading /> }.into_any(),
                Shape::Failed(error) => {
                    view! { <ErrorState error=error retry=Callback::new(move |_| past.reload()) /> }
                        .into_any()
                }
                Shape::Empty => view! { <EmptyState title=empty /> }.into_any(),
                Shape::Filled => view! {
                    <div class="table-wrap" role="group" aria-labelledby=heading_id tabindex="0">
                        <table class="table table-wrapping">
                            <thead>
                                <tr>
                                    <th scope="col">"Access package"</th>
                                    <th scope="col">"Policy"</th>
                                    <th scope="col">"Started"</th>
                                    <th scope="col">"Ended"</th>
                                    <th scope="col">"Ended by"</th>
                                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                </tr>
                            </thead>
                            <tbody>
                                <For each=move || past.with_items(Vec::clone) key=|assignment| assignment.id let(assignment)>
                                    <tr>
                                        <th scope="row">{assignment.access_package_name.clone()}</th>
                                        <td>{assignment.policy_name.clone()}</td>
                                        <td>{when(assignment.starts_at)}</td>
                                        <td>{end_label(&assignment)}</td>
                                        <td>
                                            {assignment
                                                .ended_by
                                                .as_ref()
                                                .map_or_else(|| "—".to_string(), person)}
                                        </td>
                                        <td class="cell-actions">
                                            <A href=package_href(assignment.access_package_id)>
                                                <span>"Request again"</span>
                                                <span class="visually-hidden">
                                                    " " {assignment.access_package_name.clone()}
                                                </span>
                                            </A>
                                        </td>
                                    </tr>
                                </For>
                            </tbody>
                        </table>
                    </div>
                }
                .into_any(),
            }}
            <LoadMore list=past />
        </section>
    }
}

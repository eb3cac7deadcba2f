//! The landing page: what needs the signed-in person's attention, from `GET /me/overview`:
//! approvals waiting for them, their own requests in flight, their access ending within 14
//! days (with a way to extend it), and the access reviews waiting for them.

use leptos::prelude::*;
use leptos_router::components::A;
use tessera_domain::access::{Overview, RequestView};
use tessera_domain::request::Verdict;

use super::access_packages::extend_href;
use super::requests::{request_badge, request_href, when};
use crate::api;
use crate::components::{ErrorAlert, ErrorState, Loading, Notice, PageHeader, Tone, busy};
use crate::my_access::{PackagesTab, approval_href, current_stage, decide_by, decision};
use crate::routes;
use crate::state::Session;

/// How many items each card lists; the pages behind the cards list them all.
const SHOWN: usize = 5;

#[component]
pub fn OverviewPage() -> impl IntoView {
    let session = Session::expect();
    let overview = LocalResource::new(api::access::overview);
    let refresh = Callback::new(move |_| overview.refetch());
    // What the last decision made here came to, kept while the overview is read again.
    let decided = RwSignal::new(None::<String>);
    view! {
        <PageHeader title="Overview" />
        <p class="welcome">"Welcome, " {move || session.display_name()} "."</p>
        {move || decided.get().map(|text| view! { <Notice tone=Tone::Success>{text}</Notice> })}
        <Transition fallback=|| view! { <Loading label="Loading what needs your attention…" /> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(overview) => view! { <OverviewCards overview=overview refresh=refresh decided=decided /> }.into_any(),
                    Err(error) => view! {
                        <ErrorState error=error retry=Callback::new(move |_| overview.refetch()) />
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn OverviewCards(
    overview: Overview,
    refresh: Callback<()>,
    decided: RwSignal<Option<String>>,
) -> impl IntoView {
    let waiting = overview.approvals_waiting_count;
    let approvals: Vec<_> = overview.approvals_waiting.into_iter().take(SHOWN).collect();
    let in_flight_count = overview.requests_in_flight.len();
    let in_flight: Vec<_> = overview
        .requests_in_flight
        .into_iter()
        .take(SHOWN)
        .collect();
    let expiring = overview.expiring_soon;
    let session = Session::expect();
    let has_reports = move || session.with_me(|me| me.has_direct_reports) == Some(true);
    view! {
        <div class="card-grid">
            <section class="card" aria-labelledby="overview-approvals">
                <h2 id="overview-approvals">"Approvals waiting"</h2>
                <p class="card-count">
                    {waiting}
                    <span class="visually-hidden">
                        {if waiting == 1 { " request waits" } else { " requests wait" }}
                        " for your decision"
                    </span>
                </p>
                {if approvals.is_empty() {
                    view! { <p>"Nothing waits for your decision."</p> }.into_any()
                } else {
                    view! {
                        <ul class="item-list">
                            {approvals
                                .into_iter()
                                .map(|request| view! {
                                    <OverviewApproval request=request refresh=refresh decided=decided />
                                })
                                .collect_view()}
                        </ul>
                    }
                    .into_any()
                }}
                <p class="card-note"><A href=routes::APPROVALS>"Go to Approvals"</A></p>
            </section>
            <section class="card" aria-labelledby="overview-requests">
                <h2 id="overview-requests">"Your requests in progress"</h2>
                {if in_flight.is_empty() {
                    view! { <p>"None: everything you asked for is settled."</p> }.into_any()
                } else {
                    view! {
                        <ul class="item-list">
                            {in_flight
                                .into_iter()
                                .map(|request| view! {
                                    <li>
                                        <A href=request_href(request.id)>{request.access_package_name.clone()}</A>
                                        " " {request_badge(request.kind, request.state, request.waiting_for.clone())}
                                        <span class="item-meta">"submitted " {when(request.submitted_at)}</span>
                                    </li>
                                })
                                .collect_view()}
                        </ul>
                    }
                    .into_any()
                }}
                <p class="card-note">
                    <A href=routes::REQUESTS>
                        {if in_flight_count > SHOWN { "See all in Request history" } else { "Go to Request history" }}
                    </A>
                </p>
            </section>
            <section class="card" aria-labelledby="overview-expiring">
                <h2 id="overview-expiring">"Access expiring soon"</h2>
                {if expiring.is_empty() {
                    view! { <p>"None of your access ends in the next 14 days."</p> }.into_any()
                } else {
                    view! {
                        <ul class="item-list">
                            {expiring
                                .into_iter()
                                .map(|assignment| {
                                    let label = format!("Extend {}", assignment.access_package_name);
                                    view! {
                                        <li class="item-with-action">
                                            <span>
                                                {assignment.access_package_name.clone()}
                                                <span class="item-meta">
                                                    "ends " {assignment.ends_at.map(when)}
                                                </span>
                                            </span>
                                            <a
                                                class="btn btn-secondary btn-small"
                                                href=extend_href(assignment.id)
                                                aria-label=label
                                            >
                                                "Extend"
                                            </a>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                    .into_any()
                }}
                <p class="card-note"><a href=PackagesTab::Active.href(routes::ACCESS_PACKAGES)>"See all your access"</a></p>
            </section>
            <section class="card" aria-labelledby="overview-reviews">
                <h2 id="overview-reviews">"Reviews waiting"</h2>
                <p class="card-count">
                    {overview.reviews_waiting_count}
                    <span class="visually-hidden">
                        {if overview.reviews_waiting_count == 1 { " review waits" } else { " reviews wait" }}
                        " for your decisions"
                    </span>
                </p>
                <p>
                    {if overview.reviews_waiting_count == 0 {
                        "No access review waits for you."
                    } else {
                        "Reviews ask whether people should keep their access."
                    }}
                </p>
                <p class="card-note"><A href=routes::REVIEWS>"Go to Access reviews"</A></p>
            </section>
            {move || has_reports().then(|| view! {
                <section class="card" aria-labelledby="overview-team">
                    <h2 id="overview-team">"My team"</h2>
                    <p>"The access of the people who report to you, their requests in progress, and asking for access or removing it for them."</p>
                    <p class="card-note"><A href=routes::TEAM>"Go to My team"</A></p>
                </section>
            })}
        </div>
    }
}

/// One request waiting for the signed-in approver, linking to it in Approvals, with Approve
/// and Deny when its stage needs no justification (otherwise "Decide" opens it there).
#[component]
fn OverviewApproval(
    request: RequestView,
    refresh: Callback<()>,
    decided: RwSignal<Option<String>>,
) -> impl IntoView {
    let id = request.id;
    let what = format!(
        "{} for {}",
        request.access_package_name, request.target.display_name
    );
    let stage = current_stage(&request).cloned();
    let quick = stage
        .as_ref()
        .is_some_and(|stage| !stage.approver_justification_required);
    let deadline = decide_by(&request);
    let decide = Action::new_local(move |verdict: &Verdict| {
        let verdict = *verdict;
        let stage = stage.clone();
        async move {
            let Some(stage) = stage else {
                return Ok(());
            };
            let input = decision(&stage, verdict, "")?;
            let request = api::requests::decide(id, &input).await?;
            let done = match verdict {
                Verdict::Approve => "approved",
                Verdict::Deny => "denied",
            };
            decided.set(Some(format!(
                "You {done} the request of {} for {}.",
                request.target.display_name, request.access_package_name
            )));
            refresh.run(());
            Ok::<(), crate::api::ApiError>(())
        }
    });
    let href = approval_href(routes::APPROVALS, id);
    let approve = format!("Approve {what}");
    let deny = format!("Deny {what}");
    let decide_label = format!("Decide {what}: a justification is required");
    view! {
        <li class="item-with-action overview-approval">
            <span>
                <A href=href.clone()>{what}</A>
                <span class="item-meta">
                    "asked " {when(request.submitted_at)}
                    {deadline.map(|at| view! { ", decide by " {when(at)} })}
                </span>
            </span>
            {if quick {
                view! {
                    <span class="row-actions">
                        <button type="button" class="btn btn-secondary btn-small" aria-label=approve
                            aria-disabled=move || busy(decide.pending().get())
                            on:click=move |_| { if !decide.pending().get_untracked() { decide.dispatch(Verdict::Approve); } }>
                            "Approve"
                        </button>
                        <button type="button" class="btn btn-danger-outline btn-small" aria-label=deny
                            aria-disabled=move || busy(decide.pending().get())
                            on:click=move |_| { if !decide.pending().get_untracked() { decide.dispatch(Verdict::Deny); } }>
                            "Deny"
                        </button>
                    </span>
                }
                .into_any()
            } else {
                view! { <A href=href attr:class="btn btn-secondary btn-small" attr:aria-label=decide_label>"Decide"</A> }.into_any()
            }}
            {move || decide.value().get().and_then(Result::err).map(|error| view! {
                <ErrorAlert error=error title="Your decision was not recorded." />
            })}
        </li>
    }
}

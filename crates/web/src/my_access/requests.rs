//! Request history: the requests one made, or that were made for one, newest first; and one
//! request with its approval stages, answers and timeline, where a request not yet delivered
//! can be canceled and one closed without access asked for again. The pieces that show a
//! request are shared with the approvals page.

use chrono::{DateTime, Utc};
use leptos::ev::{KeyboardEvent, SubmitEvent};
use leptos::html;
use leptos::prelude::*;
use leptos_router::components::A;
use tessera_domain::access::{RequestView, StageView, TimelineEntry};
use tessera_domain::page::DEFAULT_PAGE_SIZE;
use tessera_domain::policy::Answer;
use tessera_domain::request::{RequestKind, RequestState};
use tessera_domain::{AccessPackageId, RequestId, UserId};

use crate::api::{self, ApiError};
use crate::assignments::person;
use crate::components::{
    EmptyState, ErrorAlert, ErrorState, FormActions, Loading, Notice, PageHeader, TextAreaField,
    Tone, focus_on_mount,
};
use crate::connectors::delivery::DeliveryStatus;
use crate::format::{self, timestamp};
use crate::my_access::{
    answer_text, can_cancel, can_resubmit, cancellation, on_behalf, request_kind_label,
    request_state_badge, request_state_label, request_status_label, stage_approvers, verdict_label,
};
use crate::pages::common::{action_error, field_of, param_id};
use crate::pages::lists::LoadMore;
use crate::routes;
use crate::state::{PagedList, Session, Shape};

/// The page of one request.
pub fn request_href(id: RequestId) -> String {
    format!("{}/{id}", routes::REQUESTS)
}

/// The request panel of a package, filled in from an earlier request.
pub fn resubmit_href(package: AccessPackageId, request: RequestId) -> String {
    format!("{}/{package}?resubmit={request}", routes::ACCESS_PACKAGES)
}

/// The signed-in person's id (untracked: it does not change while a page is shown, and a
/// tracked read would draw the page again as the person signs out).
pub fn my_id() -> Option<UserId> {
    untrack(|| Session::expect().with_me(|me| me.id))
}

/// A moment, readable and machine-readable: in the browser's time zone, with how long ago or
/// how soon it is when that is near ("2025-03-04 15:05 (2 hours ago)").
pub fn when(at: DateTime<Utc>) -> impl IntoView {
    view! { <time datetime=at.to_rfc3339() title=timestamp(&at)>{format::moment(&at)}</time> }
}

pub fn state_badge(state: RequestState) -> impl IntoView {
    view! { <span class=request_state_badge(state)>{request_state_label(state)}</span> }
}

/// A request's badge: its state in the words of its kind ("Removed" for a removal that went
/// through), naming the extension a waiting request waits for.
pub fn request_badge(
    kind: RequestKind,
    state: RequestState,
    waiting_for: Option<tessera_domain::access::WaitingFor>,
) -> impl IntoView + use<> {
    let label = match (state, waiting_for) {
        (RequestState::Waiting, Some(waiting)) => format!("Waiting for {}", waiting.extension),
        (state, _) => request_status_label(kind, state).to_string(),
    };
    view! { <span class=request_state_badge(state)>{label}</span> }
}

#[component]
pub fn RequestHistoryPage() -> impl IntoView {
    let requests = PagedList::new(DEFAULT_PAGE_SIZE, |page| async move {
        api::requests::mine(&page)
            .await
            .map(|page| (page.items, page.next_cursor))
    });
    let me = my_id();
    view! {
        <PageHeader
            title="Request history"
            lead="The access you asked for, or that was asked for you, newest first."
        />
        <section class="section" aria-labelledby="requests-heading">
            <h2 id="requests-heading" class="visually-hidden">"Your requests"</h2>
            {move || match requests.shape() {
                Shape::Loading => view! { <Loading label="Loading your requests…" /> }.into_any(),
                Shape::Failed(error) => {
                    view! { <ErrorState error=error retry=Callback::new(move |_| requests.reload()) /> }
                        .into_any()
                }
                Shape::Empty => view! {
                    <EmptyState title="You have not asked for any access yet.">
                        <p>
                            "Find what you need under "
                            <A href=routes::ACCESS_PACKAGES>"Access packages"</A>
                            "."
                        </p>
                    </EmptyState>
                }
                .into_any(),
                Shape::Filled => view! { <RequestTable requests=requests me=me /> }.into_any(),
            }}
            <LoadMore list=requests />
        </section>
    }
}

#[component]
fn RequestTable(requests: PagedList<RequestView>, me: Option<UserId>) -> impl IntoView {
    view! {
        <div class="table-wrap" role="group" aria-labelledby="requests-heading" tabindex="0">
            <table class="table table-wrapping">
                <thead>
                    <tr>
                        <th scope="col">"Access package"</th>
                        <th scope="col">"Request"</th>
                        <th scope="col">"For"</th>
                        <th scope="col">"State"</th>
                        <th scope="col">"Submitted"</th>
                    </tr>
                </thead>
                <tbody>
                    <For
                        each=move || requests.with_items(Vec::clone)
                        key=|request| (request.id, request.state)
                        let(request)
                    >
                        <tr>
                            <th scope="row">
                                <A href=request_href(request.id)>{request.access_package_name.clone()}</A>
                            </th>
                            <td>{request_kind_label(request.kind)}</td>
                            <td>
                                {if Some(request.target.id) == me {
                                    "You".to_string()
                                } else {
                                    person(&request.target)
                                }}
                            </td>
                            <td>{request_badge(request.kind, request.state, request.waiting_for.clone())}</td>
                            <td>{when(request.submitted_at)}</td>
                        </tr>
                    </For>
                </tbody>
            </table>
        </div>
    }
}

#[component]
pub fn RequestPage() -> impl IntoView {
    let id = param_id::<RequestId>("id");
    // Outside the details, which are drawn again when the request is read again.
    let notice = RwSignal::new(None::<String>);
    let loaded = LocalResource::new(move || {
        let id = id.get();
        async move {
            match id {
                Some(id) => api::requests::get(id).await,
                None => Err(ApiError::from_response(404, "", None)),
            }
        }
    });
    view! {
        <Transition fallback=|| view! { <Loading label="Loading the request…" /> }>
            {move || Suspend::new(async move {
                match loaded.await {
                    Ok(request) => view! {
                        <RequestDetail
                            request=request
                            notice=notice
                            reload=Callback::new(move |_| loaded.refetch())
                        />
                    }
                    .into_any(),
                    Err(error) => view! {
                        <PageHeader title="Request" />
                        <p class="breadcrumb"><A href=routes::REQUESTS>"Request history"</A></p>
                        <ErrorState error=error retry=Callback::new(move |_| loaded.refetch()) />
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn RequestDetail(
    request: RequestView,
    notice: RwSignal<Option<String>>,
    reload: Callback<()>,
) -> impl IntoView {
    let me = my_id();
    let cancelable = me.is_some_and(|me| can_cancel(&request, me));
    let resubmittable = me.is_some_and(|me| can_resubmit(&request, me));
    let resubmit = resubmit_href(request.access_package_id, request.id);
    let answers = request.answers.clone();
    let stages = request.stages.clone();
    let timeline = request.timeline.clone();
    let id = request.id;
    // Whoever may read the request may read the delivery of the access it gave.
    let delivery = request.assignment_id.map(|assignment| {
        let label = format!("Delivery of {}", request.access_package_name);
        view! {
            <section class="section" aria-labelledby="request-delivery-heading">
                <h2 id="request-delivery-heading">"Delivery to connected systems"</h2>
                <DeliveryStatus assignment=assignment label=label />
            </section>
        }
    });
    view! {
        <PageHeader title=request.access_package_name.clone() lead="Request" />
        <p class="breadcrumb"><A href=routes::REQUESTS>"Request history"</A></p>
        {move || notice.get().map(|text| view! { <Notice tone=Tone::Success>{text}</Notice> })}
        <section class="section" aria-labelledby="request-summary-heading">
            <h2 id="request-summary-heading">"Summary"</h2>
            <RequestFacts request=request.clone() />
            {resubmittable.then(|| view! {
                <div class="form-actions">
                    <a class="btn btn-secondary" href=resubmit>"Resubmit"</a>
                </div>
            })}
            {cancelable.then(|| view! { <CancelRequest id=id notice=notice reload=reload /> })}
        </section>
        {(!answers.is_empty()).then(|| view! {
            <section class="section" aria-labelledby="request-answers-heading">
                <h2 id="request-answers-heading">"Answers"</h2>
                <AnswerList answers=answers />
            </section>
        })}
        {(!stages.is_empty()).then(|| view! {
            <section class="section" aria-labelledby="request-stages-heading">
                <h2 id="request-stages-heading">"Approval"</h2>
                <StageList stages=stages />
            </section>
        })}
        {delivery}
        <section class="section" aria-labelledby="request-timeline-heading">
            <h2 id="request-timeline-heading">"Timeline"</h2>
            <Timeline entries=timeline />
        </section>
    }
}

/// Cancelling a request, after a confirmation that can carry a reason.
#[component]
fn CancelRequest(
    id: RequestId,
    notice: RwSignal<Option<String>>,
    reload: Callback<()>,
) -> impl IntoView {
    let confirming = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let cancel = Action::new_local(move |reason: &String| {
        let input = cancellation(reason);
        async move {
            api::requests::cancel(id, &input?).await?;
            notice.set(Some("The request was canceled.".to_string()));
            reload.run(());
            Ok::<(), ApiError>(())
        }
    });
    let error = action_error(cancel);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if !cancel.pending().get_untracked() {
            cancel.dispatch(reason.get_untracked());
        }
    };
    // The form takes focus as it opens; Keep it and Escape close it and return focus to the
    // button that opened it, drawn again.
    let opener = NodeRef::<html::Button>::new();
    let form = NodeRef::<html::Div>::new();
    focus_on_mount(form);
    let return_focus = StoredValue::new(false);
    Effect::new(move || {
        if let Some(button) = opener.get()
            && return_focus.get_value()
        {
            return_focus.set_value(false);
            let _ = button.focus();
        }
    });
    let close = move || {
        return_focus.set_value(true);
        confirming.set(false);
    };
    view! {
        <div class="danger-zone">
            {move || {
                error
                    .get()
                    .filter(|error| error.field_message("justification").is_none())
                    .map(|error| {
                        let title = "The request was not canceled.";
                        view! { <ErrorAlert error=error title=title /> }
                    })
            }}
            <Show
                when=move || confirming.get()
                fallback=move || view! {
                    <button type="button" class="btn btn-danger-outline" node_ref=opener on:click=move |_| confirming.set(true)>
                        "Cancel request"
                    </button>
                }
            >
                <div
                    tabindex="-1"
                    node_ref=form
                    on:keydown=move |ev: KeyboardEvent| {
                        if ev.key() == "Escape" {
                            ev.prevent_default();
                            close();
                        }
                    }
                >
                <form class="form confirm" aria-label="Cancel the request" novalidate on:submit=on_submit>
                    <p>"Cancel this request? Nothing of it will be delivered."</p>
                    <TextAreaField
                        id="cancel-reason"
                        label="Reason (optional)"
                        value=reason
                        error=field_of(error, "justification")
                    />
                    <FormActions submit="Yes, cancel the request" danger=true pending=cancel.pending() cancel="Keep it" on_cancel=move |()| close() />
                </form>
                </div>
            </Show>
        </div>
    }
}

/// What a request asks, for whom, and where it stands.
#[component]
pub fn RequestFacts(request: RequestView) -> impl IntoView {
    let behalf = on_behalf(&request);
    view! {
        <dl class="facts">
            <dt>"State"</dt>
            <dd>{request_badge(request.kind, request.state, request.waiting_for.clone())}</dd>
            <dt>"Request"</dt>
            <dd>{request_kind_label(request.kind)}</dd>
            <dt>"Access package"</dt>
            <dd>{request.access_package_name.clone()}</dd>
            <dt>"Policy"</dt>
            <dd>{request.policy_name.clone()}</dd>
            <dt>"Requested by"</dt>
            <dd>{person(&request.requester)}</dd>
            {behalf.then(|| view! {
                <dt>"On behalf of"</dt>
                <dd>{person(&request.target)}</dd>
            })}
            <dt>"Submitted"</dt>
            <dd>{when(request.submitted_at)}</dd>
            {request.starts_at.map(|at| view! { <dt>"Starts"</dt> <dd>{when(at)}</dd> })}
            {request.ends_at.map(|at| view! { <dt>"Ends"</dt> <dd>{when(at)}</dd> })}
            {request.closed_at.map(|at| view! { <dt>"Closed"</dt> <dd>{when(at)}</dd> })}
            {request.cancellation.clone().map(|canceled| view! {
                <dt>"Canceled by"</dt>
                <dd>{person(&canceled.by)}</dd>
                {canceled.reason.map(|reason| view! {
                    <dt>"Reason for canceling"</dt>
                    <dd class="prose">{reason}</dd>
                })}
            })}
            <dt>"Justification"</dt>
            <dd class="prose">{request.justification.clone().unwrap_or_else(|| "None given".to_string())}</dd>
            {request.outcome.clone().map(|outcome| view! { <dt>"Outcome"</dt> <dd class="prose">{outcome}</dd> })}
        </dl>
    }
}

/// The requester's answers, next to the questions as they were asked.
#[component]
pub fn AnswerList(answers: Vec<Answer>) -> impl IntoView {
    view! {
        <dl class="facts answers">
            {answers
                .into_iter()
                .map(|answer| {
                    view! {
                        <dt>{answer.question().to_string()}</dt>
                        <dd class="prose">{answer_text(answer.value())}</dd>
                    }
                })
                .collect_view()}
        </dl>
    }
}

/// Approval stages: who may decide each, and what they decided, with why.
#[component]
pub fn StageList(stages: Vec<StageView>) -> impl IntoView {
    let count = stages.len();
    view! {
        <ol class="stage-list">
            {stages
                .into_iter()
                .map(|stage| {
                    let status = match (&stage.decision, stage.started_at) {
                        (Some(decision), _) => {
                            let class = match decision.verdict {
                                tessera_domain::request::Verdict::Approve => "badge badge-success",
                                tessera_domain::request::Verdict::Deny => "badge badge-danger",
                            };
                            view! {
                                <p>
                                    <span class=class>{verdict_label(decision.verdict)}</span>
                                    " by " {person(&decision.by)} " on " {when(decision.at)}
                                </p>
                                {decision.justification.clone().map(|why| view! {
                                    <blockquote class="decision-justification">{why}</blockquote>
                                })}
                            }
                            .into_any()
                        }
                        (None, Some(_)) => view! {
                            <p>
                                <span class="badge badge-info">"Waiting for a decision"</span>
                                {stage.deadline_at.map(|at| view! { " Decide by " {when(at)} "." })}
                            </p>
                        }
                        .into_any(),
                        (None, None) => view! {
                            <p><span class="badge badge-neutral">"Not started"</span></p>
                        }
                        .into_any(),
                    };
                    let approvers = stage_approvers(&stage);
                    view! {
                        <li class="stage-item">
                            <p class="stage-title">
                                {if count > 1 {
                                    format!("Stage {} of {count}", stage.number)
                                } else {
                                    "Approval".to_string()
                                }}
                            </p>
                            <p class="stage-approvers">
                                {if stage.started_at.is_some() { "Approvers: " } else { "" }}
                                {stage.started_at.is_some().then_some(approvers)}
                                {stage.used_fallback.then_some(" (fallback approvers)")}
                                {stage.escalated_at.map(|at| view! { " · escalated " {when(at)} })}
                            </p>
                            {status}
                        </li>
                    }
                })
                .collect_view()}
        </ol>
    }
}

/// What happened to a request, oldest first.
#[component]
pub fn Timeline(entries: Vec<TimelineEntry>) -> impl IntoView {
    if entries.is_empty() {
        return view! { <p class="section-lead">"Nothing has happened yet."</p> }.into_any();
    }
    view! {
        <ol class="timeline">
            {entries
                .into_iter()
                .map(|entry| {
                    view! {
                        <li>
                            {when(entry.at)}
                            <span class="timeline-summary">{entry.summary}</span>
                        </li>
                    }
                })
                .collect_view()}
        </ol>
    }
    .into_any()
}

//! Approvals: the requests that wait for one's decision, each with everything an approver needs
//! (who asks, for whom, what, why, their answers, the dates, earlier stages' decisions) and
//! Approve / Deny with a justification; and the requests one decided.

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use tessera_domain::RequestId;
use tessera_domain::access::{ApprovalList, DecisionInput, RequestView};
use tessera_domain::page::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use tessera_domain::request::Verdict;

use super::requests::{AnswerList, StageList, my_id, request_href, state_badge, when};
use crate::api::{self, ApiError};
use crate::assignments::person;
use crate::components::{
    EmptyState, ErrorAlert, ErrorState, Loading, Notice, PageHeader, Tone, busy,
};
use crate::forms::sentence;
use crate::my_access::{
    ApprovalsTab, BulkApproval, CHOSEN_REQUEST, approval_href, by_deadline, conflict_words,
    current_stage, decide_by, decided_elsewhere, decision, decision_by, on_behalf, verdict_label,
};
use crate::pages::lists::LoadMore;
use crate::routes;
use crate::state::{PagedList, Shape};

#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let query = use_query_map();
    let tab = Memo::new(move |_| ApprovalsTab::parse(query.with(|q| q.get("tab")).as_deref()));
    view! {
        <PageHeader
            title="Approvals"
            lead="Requests that wait for your decision, and the requests you decided."
        />
        <nav class="subnav" aria-label="Approvals">
            <ul>
                {ApprovalsTab::ALL
                    .into_iter()
                    .map(|shown| {
                        view! {
                            <li>
                                <a
                                    href=shown.href(routes::APPROVALS)
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
            ApprovalsTab::Pending => view! { <PendingApprovals /> }.into_any(),
            ApprovalsTab::History => view! { <ApprovalHistory /> }.into_any(),
        }}
    }
}

/// What the last decision on this page came to.
#[derive(Clone, Debug, PartialEq)]
enum Outcome {
    Decided(String),
    Bulk(BulkApproval, &'static str),
    NothingTicked,
    /// Someone else decided first, or the request closed meanwhile.
    TooLate(ApiError),
}

/// A verdict for the ticked requests, with one justification.
#[derive(Clone, Debug, PartialEq)]
struct BulkAsk {
    requests: Vec<RequestView>,
    verdict: Verdict,
    justification: String,
}

#[component]
fn PendingApprovals() -> impl IntoView {
    let query = use_query_map();
    let chosen = Memo::new(move |_| {
        query
            .with(|q| q.get(CHOSEN_REQUEST))
            .and_then(|raw| raw.parse::<RequestId>().ok())
    });
    let outcome = RwSignal::new(None::<Outcome>);
    let pending = PagedList::new(MAX_PAGE_SIZE, |page| async move {
        api::requests::approvals(ApprovalList::Pending, &page)
            .await
            .map(|page| (page.items, page.next_cursor))
    });
    // The server pages them soonest deadline first; sorting what is loaded keeps that order
    // for requests without a deadline too.
    let sorted = Memo::new(move |_| pending.with_items(|all| by_deadline(all)));
    // The request in the details pane: the one the address names, else the most urgent.
    let shown = Memo::new(move |_| {
        sorted.with(|all| match chosen.get() {
            Some(id) => all.iter().find(|request| request.id == id).cloned(),
            None => all.first().cloned(),
        })
    });
    let ticked = RwSignal::new(BTreeSet::<RequestId>::new());
    let justification = RwSignal::new(String::new());
    let on_decided = Callback::new(move |request: RequestView| {
        let verdict = request
            .stages
            .iter()
            .rev()
            .find_map(|stage| stage.decision.as_ref())
            .map_or("decided", |decision| match decision.verdict {
                Verdict::Approve => "approved",
                Verdict::Deny => "denied",
            });
        outcome.set(Some(Outcome::Decided(format!(
            "You {verdict} the request of {} for {}.",
            request.target.display_name, request.access_package_name
        ))));
        pending.reload();
    });
    let on_too_late = Callback::new(move |error: ApiError| {
        outcome.set(Some(Outcome::TooLate(error)));
        pending.reload();
    });
    // Each ticked request is decided through its own decision endpoint, which checks that the
    // signed-in person approves it; a refusal of one leaves the others decided.
    let bulk = Action::new_local(move |asked: &BulkAsk| {
        let asked = asked.clone();
        async move {
            let mut summary = BulkApproval::default();
            for request in &asked.requests {
                let what = format!(
                    "{} for {}",
                    request.access_package_name, request.target.display_name
                );
                let input = match current_stage(request) {
                    Some(stage) => decision(stage, asked.verdict, &asked.justification),
                    None => {
                        summary
                            .refused
                            .push(format!("{what}: it does not wait for a decision any more"));
                        continue;
                    }
                };
                let result = match input {
                    Ok(input) => api::requests::decide(request.id, &input).await.map(|_| ()),
                    Err(refusal) => Err(refusal),
                };
                match result {
                    Ok(()) => summary.decided += 1,
                    Err(error) => {
                        let why = error
                            .field_message("justification")
                            .unwrap_or_else(|| error.message());
                        summary.refused.push(format!("{what}: {why}"));
                    }
                }
            }
            let verb = match asked.verdict {
                Verdict::Approve => "approved",
                Verdict::Deny => "denied",
            };
            ticked.set(BTreeSet::new());
            outcome.set(Some(Outcome::Bulk(summary, verb)));
            pending.reload();
        }
    });
    let on_bulk = move |verdict: Verdict| {
        if bulk.pending().get_untracked() {
            return;
        }
        let chosen = ticked.get_untracked();
        if chosen.is_empty() {
            outcome.set(Some(Outcome::NothingTicked));
            return;
        }
        let requests: Vec<RequestView> = sorted.with_untracked(|all| {
            all.iter()
                .filter(|request| chosen.contains(&request.id))
                .cloned()
                .collect()
        });
        outcome.set(None);
        bulk.dispatch(BulkAsk {
            requests,
            verdict,
            justification: justification.get_untracked(),
        });
    };
    let count = move || ticked.with(BTreeSet::len);
    let all_ticked = move || {
        sorted.with(|all| {
            !all.is_empty() && ticked.with(|chosen| all.iter().all(|r| chosen.contains(&r.id)))
        })
    };
    let tick_all = move |on: bool| {
        let ids: Vec<RequestId> = sorted.with_untracked(|all| all.iter().map(|r| r.id).collect());
        ticked.update(|chosen| {
            for id in ids {
                if on {
                    chosen.insert(id);
                } else {
                    chosen.remove(&id);
                }
            }
        });
    };
    view! {
        <section class="section" aria-labelledby="pending-heading">
            <h2 id="pending-heading">"Waiting for your decision"</h2>
            {move || match outcome.get() {
                None => ().into_any(),
                Some(Outcome::Decided(text)) => view! { <Notice tone=Tone::Success>{text}</Notice> }.into_any(),
                Some(Outcome::Bulk(summary, verb)) if summary.refused.is_empty() => {
                    view! { <Notice tone=Tone::Success>{summary.headline(verb)}</Notice> }.into_any()
                }
                Some(Outcome::Bulk(summary, verb)) => view! {
                    <div class="alert alert-error" role="alert">
                        <p class="alert-title">{summary.headline(verb)}</p>
                        <ul>{summary.refused.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}</ul>
                    </div>
                }
                .into_any(),
                Some(Outcome::NothingTicked) => view! {
                    <div class="alert alert-error" role="alert">
                        <p>"Tick the requests to decide first."</p>
                    </div>
                }
                .into_any(),
                Some(Outcome::TooLate(error)) => {
                    let title = error.problem().and_then(|p| conflict_words(p.code))
                        .unwrap_or("Your decision was not recorded.");
                    view! { <ErrorAlert error=error title=title /> }.into_any()
                }
            }}
            {move || match pending.shape() {
                Shape::Loading => view! { <Loading label="Loading your approvals…" /> }.into_any(),
                Shape::Failed(error) => {
                    view! { <ErrorState error=error retry=Callback::new(move |_| pending.reload()) /> }
                        .into_any()
                }
                Shape::Empty => view! { <EmptyState title="Nothing waits for your decision." /> }.into_any(),
                Shape::Filled => view! {
                    <p class="field-hint">
                        "Soonest first: a request nobody decides by its date is denied automatically."
                    </p>
                    <div class="approvals-workspace">
                        <div class="approvals-list">
                            <form class="form review-bulk approvals-bulk" novalidate on:submit=move |ev| ev.prevent_default()>
                                <div class="field">
                                    <label for="bulk-justification">
                                        "Justification for the ticked requests "
                                        <span class="required-mark">"(required when their stage asks for one)"</span>
                                    </label>
                                    <textarea id="bulk-justification" name="bulk-justification" rows=2 bind:value=justification></textarea>
                                </div>
                                <div class="form-actions bulk-actions" role="group" aria-label="Decide the ticked requests">
                                    <span class="bulk-count" aria-live="polite">
                                        {move || match count() {
                                            0 => "No request ticked".to_string(),
                                            1 => "1 request ticked".to_string(),
                                            n => format!("{n} requests ticked"),
                                        }}
                                    </span>
                                    <button type="button" class="btn btn-primary btn-small" aria-disabled=move || busy(bulk.pending().get()) on:click=move |_| on_bulk(Verdict::Approve)>
                                        "Approve ticked"
                                    </button>
                                    <button type="button" class="btn btn-danger-outline btn-small" aria-disabled=move || busy(bulk.pending().get()) on:click=move |_| on_bulk(Verdict::Deny)>
                                        "Deny ticked"
                                    </button>
                                </div>
                            </form>
                            <table class="table approvals-table" aria-labelledby="pending-heading">
                                <thead>
                                    <tr>
                                        <th scope="col" class="cell-select">
                                            <input
                                                type="checkbox"
                                                aria-label="Tick every request"
                                                prop:checked=all_ticked
                                                on:change=move |ev| tick_all(event_target_checked(&ev))
                                            />
                                        </th>
                                        <th scope="col">"Request"</th>
                                        <th scope="col">"Decide by"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    <For
                                        each=move || sorted.get()
                                        key=|request| (request.id, request.state, current_stage(request).map(|s| s.number))
                                        let(request)
                                    >
                                        {
                                            let id = request.id;
                                            let what = format!("{} for {}", request.access_package_name, request.target.display_name);
                                            let current = move || shown.with(|shown| shown.as_ref().is_some_and(|s| s.id == id));
                                            view! {
                                                <tr class:row-selected=current>
                                                    <td class="cell-select">
                                                        <input
                                                            type="checkbox"
                                                            aria-label=format!("Tick {what}")
                                                            prop:checked=move || ticked.with(|chosen| chosen.contains(&id))
                                                            on:change=move |ev| {
                                                                let on = event_target_checked(&ev);
                                                                ticked.update(|chosen| {
                                                                    if on { chosen.insert(id); } else { chosen.remove(&id); }
                                                                });
                                                            }
                                                        />
                                                    </td>
                                                    <th scope="row">
                                                        <A href=approval_href(routes::APPROVALS, id) attr:aria-current=move || current().then_some("true")>
                                                            {what.clone()}
                                                        </A>
                                                        <span class="choice-hint">"asked " {when(request.submitted_at)}</span>
                                                    </th>
                                                    <td>{match decide_by(&request) {
                                                        Some(at) => when(at).into_any(),
                                                        None => "No date".into_any(),
                                                    }}</td>
                                                </tr>
                                            }
                                        }
                                    </For>
                                </tbody>
                            </table>
                        </div>
                        <div class="approval-details" role="region" aria-label="Request details">
                            {move || match (shown.get(), chosen.get()) {
                                (Some(request), _) => view! {
                                    <ApprovalCard request=request on_decided=on_decided on_too_late=on_too_late />
                                }
                                .into_any(),
                                (None, Some(id)) => view! {
                                    <Notice>
                                        "This request does not wait for your decision any more. "
                                        <A href=request_href(id)>"Open the request"</A>
                                    </Notice>
                                }
                                .into_any(),
                                (None, None) => ().into_any(),
                            }}
                        </div>
                    </div>
                }
                .into_any(),
            }}
            <LoadMore list=pending />
        </section>
    }
}

/// One request waiting for the signed-in approver.
#[component]
fn ApprovalCard(
    request: RequestView,
    on_decided: Callback<RequestView>,
    on_too_late: Callback<ApiError>,
) -> impl IntoView {
    let id = request.id;
    let heading_id = format!("approval-{id}");
    let box_id = format!("approval-{id}-justification");
    let error_id = format!("{box_id}-error");
    let stage = current_stage(&request).cloned();
    let stage_count = request.stages.len();
    let required = stage
        .as_ref()
        .is_some_and(|stage| stage.approver_justification_required);
    let earlier: Vec<_> = request
        .stages
        .iter()
        .filter(|earlier| {
            stage
                .as_ref()
                .is_some_and(|current| earlier.number < current.number)
        })
        .cloned()
        .collect();
    let stage = StoredValue::new(stage);
    let justification = RwSignal::new(String::new());
    let refused_here = RwSignal::new(None::<ApiError>);
    let decide = Action::new_local(move |input: &DecisionInput| {
        let input = input.clone();
        async move {
            match api::requests::decide(id, &input).await {
                Ok(decided) => {
                    on_decided.run(decided);
                    Ok(())
                }
                Err(error) => {
                    if decided_elsewhere(&error) {
                        on_too_late.run(error.clone());
                    }
                    Err(error)
                }
            }
        }
    });
    let error = Signal::derive(move || {
        refused_here
            .get()
            .or_else(|| decide.value().get().and_then(Result::err))
    });
    let box_error = Signal::derive(move || error.get()?.field_message("justification"));
    let invalid = move || box_error.with(Option::is_some);
    let submit = move |verdict: Verdict| {
        if decide.pending().get_untracked() {
            return;
        }
        let parsed = stage.with_value(|stage| match stage {
            Some(stage) => decision(stage, verdict, &justification.get_untracked()),
            // Not waiting any more: the server says so, and the list is read again.
            None => Ok(DecisionInput {
                stage: 1,
                verdict,
                justification: None,
            }),
        });
        match parsed {
            Ok(input) => {
                refused_here.set(None);
                decide.value().set(None);
                decide.dispatch(input);
            }
            Err(refusal) => refused_here.set(Some(refusal)),
        }
    };
    let behalf = on_behalf(&request);
    let stage_line = stage.with_value(|stage| {
        stage
            .as_ref()
            .filter(|_| stage_count > 1)
            .map(|stage| format!("Stage {} of {stage_count}", stage.number))
    });
    view! {
        <article class="card approval" aria-labelledby=heading_id.clone()>
            <h3 id=heading_id.clone()>
                {request.access_package_name.clone()} " for " {request.target.display_name.clone()}
            </h3>
            <dl class="facts">
                <dt>"Requested by"</dt>
                <dd>{person(&request.requester)}</dd>
                {behalf.then(|| view! {
                    <dt>"On behalf of"</dt>
                    <dd>{person(&request.target)}</dd>
                })}
                <dt>"Access package"</dt>
                <dd>{request.access_package_name.clone()}</dd>
                <dt>"Policy"</dt>
                <dd>{request.policy_name.clone()}</dd>
                <dt>"Submitted"</dt>
                <dd>{when(request.submitted_at)}</dd>
                {stage_line.map(|line| view! { <dt>"Stage"</dt> <dd>{line}</dd> })}
                <dt>"Starts"</dt>
                <dd>{match request.starts_at {
                    Some(at) => when(at).into_any(),
                    None => "When approved".into_any(),
                }}</dd>
                <dt>"Ends"</dt>
                <dd>{match request.ends_at {
                    Some(at) => when(at).into_any(),
                    None => "As the policy says".into_any(),
                }}</dd>
                <dt>"Justification"</dt>
                <dd class="prose">{request.justification.clone().unwrap_or_else(|| "None given".to_string())}</dd>
            </dl>
            {(!request.answers.is_empty()).then(|| {
                let answers = request.answers.clone();
                view! {
                    <h4>"Answers"</h4>
                    <AnswerList answers=answers />
                }
            })}
            {(!earlier.is_empty()).then(|| view! {
                <h4>"Earlier stages"</h4>
                <StageList stages=earlier />
            })}
            <form class="form decision" novalidate on:submit=move |ev| ev.prevent_default()>
                {move || {
                    error
                        .get()
                        .filter(|error| error.field_message("justification").is_none() && !decided_elsewhere(error))
                        .map(|error| view! { <ErrorAlert error=error title="Your decision was not recorded." /> })
                }}
                <div class="field" class:field-invalid=invalid>
                    <label for=box_id.clone()>
                        "Your justification"
                        {if required {
                            view! { " " <span class="required-mark">"(required)"</span> }.into_any()
                        } else {
                            view! { " " <span class="required-mark">"(optional)"</span> }.into_any()
                        }}
                    </label>
                    <textarea
                        id=box_id.clone()
                        name=box_id
                        rows=2
                        aria-required=required.then_some("true")
                        aria-invalid=move || invalid().then_some("true")
                        aria-describedby={
                            let error_id = error_id.clone();
                            move || invalid().then(|| error_id.clone())
                        }
                        bind:value=justification
                    ></textarea>
                    {move || {
                        box_error
                            .get()
                            .map(|message| view! { <p class="field-error" id=error_id.clone()>{sentence(&message)}</p> })
                    }}
                </div>
                <div class="form-actions">
                    <button
                        type="button"
                        class="btn btn-primary"
                        aria-disabled=move || busy(decide.pending().get())
                        on:click=move |_| submit(Verdict::Approve)
                    >
                        "Approve"
                    </button>
                    <button
                        type="button"
                        class="btn btn-danger-outline"
                        aria-disabled=move || busy(decide.pending().get())
                        on:click=move |_| submit(Verdict::Deny)
                    >
                        "Deny"
                    </button>
                    <A href=request_href(id)>"Open the request"</A>
                </div>
            </form>
        </article>
    }
}

#[component]
fn ApprovalHistory() -> impl IntoView {
    let decided = PagedList::new(DEFAULT_PAGE_SIZE, |page| async move {
        api::requests::approvals(ApprovalList::History, &page)
            .await
            .map(|page| (page.items, page.next_cursor))
    });
    let me = my_id();
    view! {
        <section class="section" aria-labelledby="history-heading">
            <h2 id="history-heading">"Decided by you"</h2>
            {move || match decided.shape() {
                Shape::Loading => view! { <Loading label="Loading your decisions…" /> }.into_any(),
                Shape::Failed(error) => {
                    view! { <ErrorState error=error retry=Callback::new(move |_| decided.reload()) /> }
                        .into_any()
                }
                Shape::Empty => view! { <EmptyState title="You have not decided any request yet." /> }.into_any(),
                Shape::Filled => view! {
                    <div class="table-wrap" role="group" aria-labelledby="history-heading" tabindex="0">
                        <table class="table table-wrapping">
                            <thead>
                                <tr>
                                    <th scope="col">"Access package"</th>
                                    <th scope="col">"For"</th>
                                    <th scope="col">"Your decision"</th>
                                    <th scope="col">"Decided"</th>
                                    <th scope="col">"State now"</th>
                                </tr>
                            </thead>
                            <tbody>
                                <For
                                    each=move || decided.with_items(Vec::clone)
                                    key=|request| (request.id, request.state)
                                    let(request)
                                >
                                    {
                                        let mine = me.and_then(|me| decision_by(&request, me).cloned());
                                        view! {
                                            <tr>
                                                <th scope="row">
                                                    <A href=request_href(request.id)>{request.access_package_name.clone()}</A>
                                                </th>
                                                <td>{person(&request.target)}</td>
                                                <td class="cell-wrap">
                                                    {mine.as_ref().map(|d| verdict_label(d.verdict))}
                                                    {mine.as_ref().and_then(|d| d.justification.clone()).map(|why| view! {
                                                        <span class="choice-hint">{why}</span>
                                                    })}
                                                </td>
                                                <td>{mine.map(|d| when(d.at))}</td>
                                                <td>{state_badge(request.state)}</td>
                                            </tr>
                                        }
                                    }
                                </For>
                            </tbody>
                        </table>
                    </div>
                }
                .into_any(),
            }}
            <LoadMore list=decided />
        </section>
    }
}

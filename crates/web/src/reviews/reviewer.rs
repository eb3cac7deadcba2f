//! Access reviews, for reviewers: the reviews in progress that ask the signed-in person about
//! someone's access, and one review with the items assigned to them. Each item shows the
//! person, the access, their last sign-in, Tessera's recommendation and, when the review shows
//! them, earlier stages' decisions; reviewers approve, deny or say they don't know, one item at
//! a time or for the items they select, accept recommendations, and change their mind until the
//! stage ends. A self-review asks people whether they still need their own access.

use std::collections::BTreeSet;

use leptos::ev::{KeyboardEvent, SubmitEvent};
use leptos::prelude::*;
use leptos_router::components::A;
use tessera_domain::page::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageQuery};
use tessera_domain::review::{
    ReviewInstanceState, ReviewInstanceView, ReviewItemView, ReviewVerdict, StageDecision,
};
use tessera_domain::{ReviewInstanceId, ReviewItemId};

use crate::api::{self, ApiError};
use crate::components::{
    EmptyState, ErrorAlert, ErrorState, Loading, Notice, PageHeader, Tone, busy,
};
use crate::forms::sentence;
use crate::my_access::requests::{my_id, when};
use crate::pages::common::param_id;
use crate::pages::lists::LoadMore;
use crate::reviews::{
    AcceptPreview, BulkSummary, ItemQuery, accept_recommendations, bulk_decision, decided_label,
    decision, outcome_label, progress_text, recommended_label, resource_kind_label,
    self_review_label, self_review_question, source_label, stage_text, state_badge, state_label,
};
use crate::routes;
use crate::state::{PagedList, Shape};

/// The page of one review instance, for its reviewers.
pub fn review_href(id: ReviewInstanceId) -> String {
    format!("{}/{id}", routes::REVIEWS)
}

/// How far a review got, as a bar and in words.
pub fn progress_bar(decided: usize, total: usize) -> impl IntoView {
    let text = progress_text(decided, total);
    view! {
        <span class="review-progress">
            <progress max=total.max(1) value=decided aria-hidden="true"></progress>
            <span>{text}</span>
        </span>
    }
}

/// `Stage 1: Approved — "reason"`, for the earlier stages of an item.
fn earlier_text(decision: &StageDecision) -> String {
    let why = decision
        .decision
        .as_ref()
        .and_then(|d| d.justification.as_ref())
        .map(|j| format!(" ({})", j.as_str()))
        .unwrap_or_default();
    format!(
        "Stage {}: {}{why}",
        decision.stage,
        outcome_label(decision.outcome)
    )
}

#[component]
pub fn ReviewsPage() -> impl IntoView {
    let reviews = PagedList::new(DEFAULT_PAGE_SIZE, |page| async move {
        api::reviews::mine(&page)
            .await
            .map(|page| (page.items, page.next_cursor))
    });
    view! {
        <PageHeader
            title="Access reviews"
            lead="Reviews that ask you whether people should keep the access they have."
        />
        <section class="section" aria-labelledby="reviews-heading">
            <h2 id="reviews-heading">"Waiting for your review"</h2>
            {move || match reviews.shape() {
                Shape::Loading => view! { <Loading label="Loading your access reviews…" /> }.into_any(),
                Shape::Failed(error) => {
                    view! { <ErrorState error=error retry=Callback::new(move |_| reviews.reload()) /> }
                        .into_any()
                }
                Shape::Empty => view! {
                    <EmptyState title="No access review waits for you.">
                        <p>"When a review asks you about someone's access, it is listed here."</p>
                    </EmptyState>
                }
                .into_any(),
                Shape::Filled => view! {
                    <div class="table-wrap" role="group" aria-labelledby="reviews-heading" tabindex="0">
                        <table class="table table-wrapping">
                            <thead>
                                <tr>
                                    <th scope="col">"Review"</th>
                                    <th scope="col">"Resource"</th>
                                    <th scope="col">"Due"</th>
                                    <th scope="col">"Progress"</th>
                                </tr>
                            </thead>
                            <tbody>
                                <For
                                    each=move || reviews.with_items(Vec::clone)
                                    key=|review| (review.id, review.current_stage, review.progress.decided)
                                    let(review)
                                >
                                    {
                                        let name = review.name.clone();
                                        let stage = stage_text(&review);
                                        view! {
                                    <tr>
                                        <th scope="row">
                                            <A href=review_href(review.id)>{name}</A>
                                            {stage.map(|stage| view! { <span class="choice-hint">{stage}</span> })}
                                        </th>
                                        <td>
                                            {review.resource_name.clone()}
                                            <span class="choice-hint">{resource_kind_label(&review.resource)}</span>
                                        </td>
                                        <td>{review.current_stage_ends_at.map(when)}</td>
                                        <td>{progress_bar(review.progress.decided, review.progress.total)}</td>
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
            <LoadMore list=reviews />
        </section>
    }
}

#[component]
pub fn ReviewPage() -> impl IntoView {
    let id = param_id::<ReviewInstanceId>("id");
    let instance = LocalResource::new(move || {
        let id = id.get();
        async move {
            match id {
                Some(id) => api::reviews::instance(id).await,
                None => Err(ApiError::from_response(404, "", None)),
            }
        }
    });
    // What the items need of the instance, kept while it is read again after a decision, so
    // that the list below (and its actions) is not drawn again.
    let found = Memo::new(
        move |previous: Option<&Option<bool>>| match instance.get() {
            Some(Ok(instance)) => Some(instance.state == ReviewInstanceState::InProgress),
            Some(Err(_)) => None,
            None => previous.copied().flatten(),
        },
    );
    let loaded = Memo::new(move |_| found.get().is_some());
    let open = Signal::derive(move || found.get() == Some(true));
    let changed = Callback::new(move |_| instance.refetch());
    view! {
        <Transition fallback=|| view! { <Loading label="Loading the review…" /> }>
            {move || Suspend::new(async move {
                match instance.await {
                    Ok(instance) => view! { <ReviewHeader instance=instance /> }.into_any(),
                    Err(error) => view! {
                        <PageHeader title="Access review" />
                        <ErrorState error=error retry=Callback::new(move |_| instance.refetch()) />
                    }
                    .into_any(),
                }
            })}
        </Transition>
        {move || match (id.get(), loaded.get()) {
            (Some(id), true) => view! { <ReviewItems id=id open=open changed=changed /> }.into_any(),
            _ => ().into_any(),
        }}
    }
}

#[component]
fn ReviewHeader(instance: ReviewInstanceView) -> impl IntoView {
    let open = instance.state == ReviewInstanceState::InProgress;
    view! {
        <PageHeader title=instance.name.clone() />
        <p class="breadcrumb"><A href=routes::REVIEWS>"All your access reviews"</A></p>
        <dl class="facts review-facts">
            <dt>"Resource"</dt>
            <dd>{instance.resource_name.clone()} " (" {resource_kind_label(&instance.resource).to_lowercase()} ")"</dd>
            {stage_text(&instance).map(|stage| view! { <dt>"Stage"</dt> <dd>{stage}</dd> })}
            <dt>"Due"</dt>
            <dd>{match instance.current_stage_ends_at {
                Some(at) => when(at).into_any(),
                None => "—".into_any(),
            }}</dd>
            <dt>"Progress"</dt>
            <dd>{progress_bar(instance.progress.decided, instance.progress.total)}</dd>
            <dt>"State"</dt>
            <dd><span class=state_badge(instance.state)>{state_label(instance.state)}</span></dd>
        </dl>
        {(!open).then(|| view! {
            <Notice>"This review is not open any more: decisions can no longer be made or changed."</Notice>
        })}
    }
}

/// What the last action of the page came to.
#[derive(Clone, Debug, PartialEq)]
enum Outcome {
    Done(String),
    Partly(BulkSummary, &'static str),
}

/// A verdict asked for one item, with the reason typed for it.
#[derive(Clone, Debug, PartialEq)]
struct OneDecision {
    item: ReviewItemId,
    verdict: ReviewVerdict,
    reason: String,
}

#[component]
fn ReviewItems(id: ReviewInstanceId, open: Signal<bool>, changed: Callback<()>) -> impl IntoView {
    let undecided_only = RwSignal::new(true);
    let search = RwSignal::new(String::new());
    let items = PagedList::new(DEFAULT_PAGE_SIZE, move |page| {
        let query = ItemQuery::mine(undecided_only.get_untracked(), &search.get_untracked());
        async move {
            api::reviews::items(id, &query, &page)
                .await
                .map(|page| (page.items, page.next_cursor))
        }
    });
    let selected = RwSignal::new(BTreeSet::<ReviewItemId>::new());
    let reason = RwSignal::new(String::new());
    // The review's settings are not sent to reviewers: a refusal for a missing justification
    // teaches the page that this review requires one.
    let required = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Outcome>);
    // The item of the last single decision, whose own box shows its refusal.
    let last_asked = RwSignal::new(None::<ReviewItemId>);
    let refused_here = RwSignal::new(None::<ApiError>);
    let me = my_id();

    let name_of = move |item: ReviewItemId| {
        items.with_items(|all| {
            all.iter()
                .find(|found| found.id == item)
                .map(|found| found.person.display_name.clone())
        })
    };
    let settle = move |results: &[tessera_domain::review::ItemOutcome], verb: &'static str| {
        for result in results {
            if let Some(item) = &result.item {
                let fresh = item.clone();
                items.replace(fresh, |shown| shown.id == result.item_id);
            }
        }
        let summary = BulkSummary::of(results, name_of);
        selected.set(BTreeSet::new());
        outcome.set(Some(if summary.refused.is_empty() {
            Outcome::Done(summary.headline(verb))
        } else {
            Outcome::Partly(summary, verb)
        }));
        changed.run(());
    };
    let failed = move |error: &ApiError| {
        if error.field_message("justification").is_some() {
            required.set(true);
        }
        if error.status() == Some(409) {
            changed.run(());
        }
    };

    let decide_one = Action::new_local(move |asked: &OneDecision| {
        let asked = asked.clone();
        let required_now = required.get_untracked();
        async move {
            let input = decision(asked.verdict, &asked.reason, required_now)?;
            match api::reviews::decide(asked.item, &input).await {
                Ok(item) => {
                    let words = if item.self_review {
                        match asked.verdict {
                            ReviewVerdict::Deny => "Your answer was recorded: your access is removed when the review's results are applied.".to_string(),
                            ReviewVerdict::Approve | ReviewVerdict::DontKnow => "Your answer was recorded: you keep this access.".to_string(),
                        }
                    } else {
                        format!(
                            "{}: {}.",
                            item.person.display_name,
                            decided_label(asked.verdict).to_lowercase()
                        )
                    };
                    items.replace(item, |shown| shown.id == asked.item);
                    outcome.set(Some(Outcome::Done(words)));
                    changed.run(());
                    Ok(())
                }
                Err(error) => {
                    failed(&error);
                    Err(error)
                }
            }
        }
    });
    let decide_many = Action::new_local(move |asked: &(Vec<ReviewItemId>, ReviewVerdict)| {
        let (ids, verdict) = asked.clone();
        let reason = reason.get_untracked();
        let required_now = required.get_untracked();
        async move {
            let input = bulk_decision(ids, verdict, &reason, required_now)?;
            match api::reviews::decide_many(id, &input).await {
                Ok(results) => {
                    let verb = match verdict {
                        ReviewVerdict::Approve => "approved",
                        ReviewVerdict::Deny => "denied",
                        ReviewVerdict::DontKnow => "marked don't know",
                    };
                    settle(&results, verb);
                    Ok(())
                }
                Err(error) => {
                    failed(&error);
                    Err(error)
                }
            }
        }
    });
    let accept = Action::new_local(move |ids: &Vec<ReviewItemId>| {
        let ids = ids.clone();
        async move {
            let input = accept_recommendations(ids)?;
            match api::reviews::accept_recommendations(id, &input).await {
                Ok(results) => {
                    settle(&results, "decided as recommended");
                    Ok(())
                }
                Err(error) => {
                    failed(&error);
                    Err(error)
                }
            }
        }
    });
    // "Accept recommendations" first shows what it would do, counted by reason: for the
    // selected items, or for every undecided item of the reviewer (read in full for it).
    let preview = RwSignal::new(None::<(Vec<ReviewItemId>, AcceptPreview)>);
    let prepare = Action::new_local(move |ids: &Vec<ReviewItemId>| {
        let ids = ids.clone();
        async move {
            let asked: Vec<ReviewItemView> = if ids.is_empty() {
                let query = ItemQuery::mine(true, "");
                let mut all = Vec::new();
                let mut cursor = None;
                loop {
                    let page = PageQuery {
                        limit: Some(MAX_PAGE_SIZE),
                        cursor,
                    };
                    let found = api::reviews::items(id, &query, &page).await?;
                    all.extend(found.items);
                    match found.next_cursor {
                        Some(next) => cursor = Some(next),
                        None => break all,
                    }
                }
            } else {
                items.with_items(|all| {
                    all.iter()
                        .filter(|item| ids.contains(&item.id))
                        .cloned()
                        .collect()
                })
            };
            preview.set(Some((ids, AcceptPreview::of(&asked))));
            Ok::<(), ApiError>(())
        }
    });
    let pending = move || {
        decide_one.pending().get()
            || decide_many.pending().get()
            || accept.pending().get()
            || prepare.pending().get()
    };
    let last_error = Signal::derive(move || {
        refused_here
            .get()
            .or_else(|| decide_one.value().get().and_then(Result::err))
            .or_else(|| decide_many.value().get().and_then(Result::err))
            .or_else(|| accept.value().get().and_then(Result::err))
            .or_else(|| prepare.value().get().and_then(Result::err))
    });
    let reason_error = Signal::derive(move || last_error.get()?.field_message("justification"));
    let clear = move || {
        refused_here.set(None);
        outcome.set(None);
        decide_one.value().set(None);
        decide_many.value().set(None);
        accept.value().set(None);
        prepare.value().set(None);
        preview.set(None);
    };
    let on_one = Callback::new(move |asked: OneDecision| {
        if decide_one.pending().get_untracked() {
            return;
        }
        clear();
        last_asked.set(Some(asked.item));
        decide_one.dispatch(asked);
    });
    let on_many = move |verdict: ReviewVerdict| {
        if decide_many.pending().get_untracked() {
            return;
        }
        clear();
        let ids: Vec<ReviewItemId> = selected.get_untracked().into_iter().collect();
        match bulk_decision(
            ids.clone(),
            verdict,
            &reason.get_untracked(),
            required.get_untracked(),
        ) {
            Ok(_) => {
                decide_many.dispatch((ids, verdict));
            }
            Err(refusal) => refused_here.set(Some(refusal)),
        }
    };
    let on_accept = move |_| {
        if accept.pending().get_untracked() || prepare.pending().get_untracked() {
            return;
        }
        clear();
        prepare.dispatch(selected.get_untracked().into_iter().collect());
    };
    let on_apply = move |_| {
        if accept.pending().get_untracked() {
            return;
        }
        if let Some((ids, _)) = preview.get_untracked() {
            clear();
            preview.set(None);
            accept.dispatch(ids);
        }
    };
    let on_search = move |ev: SubmitEvent| {
        ev.prevent_default();
        selected.set(BTreeSet::new());
        items.reload();
    };
    let self_review = Memo::new(move |_| {
        items.with_items(|all| !all.is_empty() && all.iter().all(|item| item.self_review))
    });
    let show_earlier = Memo::new(move |_| {
        items.with_items(|all| all.iter().any(|item| !item.earlier_decisions.is_empty()))
    });
    let ids = move || items.with_items(|all| all.iter().map(|item| item.id).collect::<Vec<_>>());
    let all_selected = move || {
        let shown = ids();
        !shown.is_empty() && selected.with(|chosen| shown.iter().all(|id| chosen.contains(id)))
    };
    let toggle_all = move |on: bool| {
        let shown = ids();
        selected.update(|chosen| {
            for id in shown {
                if on {
                    chosen.insert(id);
                } else {
                    chosen.remove(&id);
                }
            }
        });
    };
    let count = move || selected.with(BTreeSet::len);
    let accept_label = move || {
        if count() == 0 {
            "Accept recommendations for all undecided".to_string()
        } else {
            format!("Accept recommendations for {} selected", count())
        }
    };

    let notices = move || {
        match outcome.get() {
            None => ().into_any(),
            Some(Outcome::Done(text)) => view! { <Notice tone=Tone::Success>{text}</Notice> }.into_any(),
            Some(Outcome::Partly(summary, verb)) => view! {
                <div class="alert alert-error" role="alert">
                    <p class="alert-title">{summary.headline(verb)}</p>
                    <ul>
                        {summary.refused.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
                    </ul>
                </div>
            }
            .into_any(),
        }
    };
    let error_alert = move || {
        last_error
            .get()
            .filter(|error| error.field_message("justification").is_none())
            .map(|error| {
                if error.field_message("item_ids").is_some() {
                    return view! {
                        <div class="alert alert-error" role="alert">
                            <p>"Select the items to decide first: tick them in the list."</p>
                        </div>
                    }
                    .into_any();
                }
                let title = if error.status() == Some(409) {
                    "This review stage has ended or moved on: your decision was not recorded."
                } else {
                    "Your decision was not recorded."
                };
                view! { <ErrorAlert error=error title=title /> }.into_any()
            })
    };

    view! {
        <section class="section" aria-labelledby="items-heading">
            <h2 id="items-heading">
                {move || if self_review.get() { "Your access" } else { "People to review" }}
            </h2>
            <Show when=move || !self_review.get()>
            <form class="form-inline search-form review-filters" role="search" on:submit=on_search>
                <div class="field">
                    <label for="review-show">"Show"</label>
                    <select
                        id="review-show"
                        prop:value=move || if undecided_only.get() { "undecided" } else { "all" }
                        on:change=move |ev| {
                            undecided_only.set(event_target_value(&ev) == "undecided");
                            selected.set(BTreeSet::new());
                            items.reload();
                        }
                    >
                        <option value="undecided">"Not decided yet"</option>
                        <option value="all">"All assigned to me"</option>
                    </select>
                </div>
                <div class="field">
                    <label for="review-search">"Search by name"</label>
                    <input id="review-search" type="search" autocomplete="off" bind:value=search />
                </div>
                <div class="form-actions">
                    <button type="submit" class="btn btn-secondary">"Search"</button>
                </div>
            </form>
            </Show>
            {notices}
            {error_alert}
            {move || match items.shape() {
                Shape::Loading => view! { <Loading label="Loading the items to review…" /> }.into_any(),
                Shape::Failed(error) => {
                    view! { <ErrorState error=error retry=Callback::new(move |_| items.reload()) /> }.into_any()
                }
                Shape::Empty => {
                    let undecided = undecided_only.get_untracked();
                    let title = if undecided {
                        "Nothing left to decide here."
                    } else {
                        "Nothing in this review is assigned to you."
                    };
                    view! {
                        <EmptyState title=title>
                            {undecided.then(|| view! {
                                <p>"Choose “All assigned to me” to see, and change, the decisions you made."</p>
                            })}
                        </EmptyState>
                    }
                    .into_any()
                }
                Shape::Filled if self_review.get() => view! {
                    <div class="approval-list">
                        <For each=ids key=|id| *id let(item_id)>
                            <SelfReviewCard item_id=item_id items=items open=open decide=decide_one on_decide=on_one required=required last_error=last_error last_asked=last_asked />
                        </For>
                    </div>
                }
                .into_any(),
                Shape::Filled => view! {
                    <form class="form review-bulk" novalidate on:submit=move |ev| ev.prevent_default()>
                        <div class="field" class:field-invalid=move || reason_error.with(Option::is_some)>
                            <label for="review-reason">
                                "Reason for your decisions"
                                " "
                                <span class="required-mark">{move || if required.get() { "(required)" } else { "(optional)" }}</span>
                            </label>
                            <p class="field-hint" id="review-reason-hint">
                                "Sent with the decisions you make next, for the selected items or one person; shown to the review's owners."
                            </p>
                            <textarea
                                id="review-reason"
                                name="review-reason"
                                rows=2
                                aria-required=move || required.get().then_some("true")
                                aria-invalid=move || reason_error.with(Option::is_some).then_some("true")
                                aria-describedby=move || {
                                    if reason_error.with(Option::is_some) {
                                        "review-reason-hint review-reason-error"
                                    } else {
                                        "review-reason-hint"
                                    }
                                }
                                bind:value=reason
                            ></textarea>
                            {move || reason_error.get().map(|message| view! {
                                <p class="field-error" id="review-reason-error">{sentence(&message)}</p>
                            })}
                        </div>
                        <Show when=move || open.get()>
                            <div class="form-actions bulk-actions" role="group" aria-label="Decide the selected items">
                                <span class="bulk-count" aria-live="polite">
                                    {move || match count() {
                                        0 => "No item selected".to_string(),
                                        1 => "1 item selected".to_string(),
                                        n => format!("{n} items selected"),
                                    }}
                                </span>
                                <button type="button" class="btn btn-primary" aria-disabled=move || busy(pending()) on:click=move |_| on_many(ReviewVerdict::Approve)>
                                    "Approve selected"
                                </button>
                                <button type="button" class="btn btn-danger-outline" aria-disabled=move || busy(pending()) on:click=move |_| on_many(ReviewVerdict::Deny)>
                                    "Deny selected"
                                </button>
                                <button type="button" class="btn btn-secondary" aria-disabled=move || busy(pending()) on:click=move |_| on_many(ReviewVerdict::DontKnow)>
                                    "Don't know for selected"
                                </button>
                                <button
                                    type="button"
                                    class="btn btn-secondary"
                                    aria-disabled=move || busy(pending())
                                    aria-expanded=move || if preview.with(Option::is_some) { "true" } else { "false" }
                                    aria-controls="accept-preview"
                                    on:click=on_accept
                                >
                                    {accept_label}
                                </button>
                            </div>
                            <div id="accept-preview">
                                {move || preview.get().map(|(_, shown)| {
                                    let decided = shown.decided();
                                    view! {
                                        <section class="accept-preview" aria-labelledby="accept-preview-heading">
                                            <h3 id="accept-preview-heading">"Accept recommendations?"</h3>
                                            <p>{shown.headline()}</p>
                                            <ul class="accept-preview-lines">
                                                {shown.lines.iter().map(|(effect, why, count)| view! {
                                                    <li>
                                                        <strong>{effect.label()} ": " {count.to_string()}</strong>
                                                        " — " {why.clone()}
                                                    </li>
                                                }).collect_view()}
                                            </ul>
                                            <div class="form-actions">
                                                {(decided > 0).then(|| view! {
                                                    <button type="button" class="btn btn-primary" aria-disabled=move || busy(pending()) on:click=on_apply>
                                                        {format!("Decide {decided} as recommended")}
                                                    </button>
                                                })}
                                                <button type="button" class="btn btn-secondary" on:click=move |_| preview.set(None)>
                                                    "Cancel"
                                                </button>
                                            </div>
                                        </section>
                                    }
                                })}
                            </div>
                        </Show>
                    </form>
                    <Show when=move || open.get()>
                        <p class="field-hint shortcut-hint" id="review-shortcuts">
                            "Keyboard shortcuts: move the focus into a person's row (Tab to its checkbox or buttons) and press "
                            <kbd>"A"</kbd> " to approve, " <kbd>"D"</kbd> " to deny or " <kbd>"K"</kbd> " for don't know."
                        </p>
                    </Show>
                    <table class="table review-table" role="table" aria-labelledby="items-heading">
                        <thead>
                            <tr role="row">
                                <th scope="col" role="columnheader" class="cell-select">
                                    <input
                                        type="checkbox"
                                        aria-label="Select all items shown"
                                        prop:checked=all_selected
                                        on:change=move |ev| toggle_all(event_target_checked(&ev))
                                    />
                                </th>
                                <th scope="col" role="columnheader">"Person and how they have the access"</th>
                                <th scope="col" role="columnheader">"Sign-in and recommendation"</th>
                                <th scope="col" role="columnheader">"Decision"</th>
                                <Show when=move || open.get()>
                                    <th scope="col" role="columnheader" class="cell-verdicts"><span class="visually-hidden">"Decide"</span></th>
                                </Show>
                            </tr>
                        </thead>
                        <tbody>
                            <For each=ids key=|id| *id let(item_id)>
                                <ItemRow
                                    item_id=item_id
                                    items=items
                                    selected=selected
                                    open=open
                                    show_earlier=show_earlier
                                    reason=reason
                                    decide=decide_one
                                    on_decide=on_one
                                    me=me
                                />
                            </For>
                        </tbody>
                    </table>
                }
                .into_any(),
            }}
            <LoadMore list=items />
        </section>
    }
}

/// The decision an item has in its current stage, in words.
fn decision_cell(item: &ReviewItemView, me: Option<tessera_domain::UserId>) -> AnyView {
    match &item.decision {
        None => view! { <span class="badge badge-neutral">"Not decided"</span> }.into_any(),
        Some(decision) => {
            let label = if item.self_review {
                self_review_label(decision.verdict)
            } else {
                decided_label(decision.verdict)
            };
            let badge = crate::reviews::outcome_badge(decision.verdict.outcome());
            let by = if Some(decision.by) == me {
                "by you"
            } else {
                "by another reviewer"
            };
            let why = decision
                .justification
                .as_ref()
                .map(|j| j.as_str().to_string());
            view! {
                <span class=badge>{label}</span>
                <span class="choice-hint">{by} {source_label(decision.source)} ", " {when(decision.at)}</span>
                {why.map(|why| view! { <span class="choice-hint">"“" {why} "”"</span> })}
            }
            .into_any()
        }
    }
}

/// One item of the table. It reads its item from the list by id, so a decision redraws its
/// cells but keeps the row, and the focus on its buttons.
#[component]
fn ItemRow(
    item_id: ReviewItemId,
    items: PagedList<ReviewItemView>,
    selected: RwSignal<BTreeSet<ReviewItemId>>,
    open: Signal<bool>,
    show_earlier: Memo<bool>,
    reason: RwSignal<String>,
    decide: Action<OneDecision, Result<(), ApiError>>,
    on_decide: Callback<OneDecision>,
    me: Option<tessera_domain::UserId>,
) -> impl IntoView {
    let item = Memo::new(move |_| {
        items.with_items(|all| all.iter().find(|item| item.id == item_id).cloned())
    });
    let name = move || {
        item.with(|item| {
            item.as_ref()
                .map(|i| i.person.display_name.clone())
                .unwrap_or_default()
        })
    };
    let checked = move || selected.with(|chosen| chosen.contains(&item_id));
    let verdict_now = move || {
        item.with(|item| {
            item.as_ref()
                .and_then(|i| i.decision.as_ref().map(|d| d.verdict))
        })
    };
    let busy_here = move || {
        decide.pending().get()
            && decide
                .input()
                .with(|asked| asked.as_ref().is_some_and(|a| a.item == item_id))
    };
    let button = move |verdict: ReviewVerdict, class: &'static str, key: &'static str| {
        view! {
            <button
                type="button"
                class=class
                aria-keyshortcuts=key
                aria-pressed=move || if verdict_now() == Some(verdict) { "true" } else { "false" }
                aria-label=move || format!("{} {}", crate::reviews::verdict_label(verdict), name())
                aria-disabled=move || busy(busy_here())
                on:click=move |_| on_decide.run(OneDecision { item: item_id, verdict, reason: reason.get_untracked() })
            >
                {crate::reviews::verdict_label(verdict)}
            </button>
        }
    };
    let on_key = move |ev: KeyboardEvent| {
        if !open.get_untracked() || ev.repeat() {
            return;
        }
        let modified = ev.ctrl_key() || ev.alt_key() || ev.meta_key();
        if let Some(verdict) = crate::reviews::verdict_for_key(&ev.key(), modified) {
            ev.prevent_default();
            on_decide.run(OneDecision {
                item: item_id,
                verdict,
                reason: reason.get_untracked(),
            });
        }
    };
    move || {
        item.get().map(|item| {
            let recommendation = item.recommendation.clone();
            let earlier: Vec<String> = item.earlier_decisions.iter().map(earlier_text).collect();
            view! {
                <tr role="row" class="review-row" class:row-selected=checked on:keydown=on_key>
                    <td role="cell" class="cell-select">
                        <input
                            type="checkbox"
                            aria-label=format!("Select {}", item.person.display_name)
                            aria-keyshortcuts=move || open.get().then_some("A D K")
                            prop:checked=checked
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                selected.update(|chosen| {
                                    if on { chosen.insert(item_id); } else { chosen.remove(&item_id); }
                                });
                            }
                        />
                    </td>
                    <th scope="row" role="rowheader" class="cell-person">
                        <span class="person-name">{item.person.display_name.clone()}</span>
                        <span class="choice-hint">{item.person.username.clone()} " · " {item.access_name.clone()}</span>
                        {grants(&item)}
                    </th>
                    <td role="cell" class="cell-recommendation">
                        <span class="choice-hint">{match item.last_sign_in_at {
                            Some(at) => view! { "Last sign-in " {when(at)} }.into_any(),
                            None => "Never signed in".into_any(),
                        }}</span>
                        <span class="recommendation">
                            {recommended_label(recommendation.verdict)}
                            <span class="choice-hint">{sentence(&recommendation.message)}</span>
                        </span>
                        <Show when=move || show_earlier.get()>
                            {earlier.iter().map(|line| view! { <span class="choice-hint">{line.clone()}</span> }).collect_view()}
                        </Show>
                    </td>
                    <td role="cell" class="cell-decision">{decision_cell(&item, me)}</td>
                    <Show when=move || open.get()>
                        <td role="cell" class="cell-verdicts">
                            <div class="row-actions verdict-buttons">
                                {button(ReviewVerdict::Approve, "btn btn-secondary btn-small", "A")}
                                {button(ReviewVerdict::Deny, "btn btn-danger-outline btn-small", "D")}
                                {button(ReviewVerdict::DontKnow, "btn btn-ghost btn-small", "K")}
                            </div>
                        </td>
                    </Show>
                </tr>
            }
        })
    }
}

/// How the person holds the access: the packages that grant it, under which policy, since when.
fn grants(item: &ReviewItemView) -> AnyView {
    if item.granted_by.is_empty() {
        return view! { <span class="choice-hint grant">"Not through an access package"</span> }
            .into_any();
    }
    item.granted_by
        .iter()
        .map(|grant| {
            let ends = grant.ends_at.map(|at| view! { ", ends " {when(at)} });
            view! {
                <span class="choice-hint grant">
                    "Through " {grant.access_package_name.clone()}
                    " (policy " {grant.policy_name.clone()} "), since " {when(grant.since)} {ends}
                </span>
            }
        })
        .collect_view()
        .into_any()
}

/// One's own access in a self-review: "Do you still need access to X?", Yes or No, and why.
#[component]
fn SelfReviewCard(
    item_id: ReviewItemId,
    items: PagedList<ReviewItemView>,
    open: Signal<bool>,
    decide: Action<OneDecision, Result<(), ApiError>>,
    on_decide: Callback<OneDecision>,
    required: RwSignal<bool>,
    last_error: Signal<Option<ApiError>>,
    last_asked: RwSignal<Option<ReviewItemId>>,
) -> impl IntoView {
    let item = Memo::new(move |_| {
        items.with_items(|all| all.iter().find(|item| item.id == item_id).cloned())
    });
    let reason = RwSignal::new(String::new());
    let box_id = format!("self-review-{item_id}-reason");
    let error_id = format!("{box_id}-error");
    let heading_id = format!("self-review-{item_id}");
    let mine = move || last_asked.get() == Some(item_id);
    let box_error = Signal::derive(move || {
        mine()
            .then(|| last_error.get()?.field_message("justification"))
            .flatten()
    });
    let invalid = move || box_error.with(Option::is_some);
    let answer = move |verdict: ReviewVerdict| {
        on_decide.run(OneDecision {
            item: item_id,
            verdict,
            reason: reason.get_untracked(),
        })
    };
    let question = move || {
        item.with(|item| {
            item.as_ref()
                .map(|i| self_review_question(&i.access_name))
                .unwrap_or_default()
        })
    };
    let answered = move || {
        item.with(|item| {
            item.as_ref()
                .and_then(|i| i.decision.as_ref().map(|d| d.verdict))
        })
    };
    view! {
        <article class="card approval self-review" aria-labelledby=heading_id.clone()>
            <h3 id=heading_id.clone()>{question}</h3>
            {move || item.get().map(|item| view! {
                <dl class="facts">
                    <dt>"Your last sign-in"</dt>
                    <dd>{match item.last_sign_in_at {
                        Some(at) => when(at).into_any(),
                        None => "Never".into_any(),
                    }}</dd>
                    <dt>"Recommendation"</dt>
                    <dd>{recommended_label(item.recommendation.verdict)} " — " {item.recommendation.message.clone()}</dd>
                    <dt>"Your answer"</dt>
                    <dd>{match item.decision.as_ref() {
                        Some(decision) => self_review_label(decision.verdict).into_any(),
                        None => "Not answered yet".into_any(),
                    }}</dd>
                </dl>
            })}
            <Show when=move || open.get()>
                <form class="form decision" novalidate on:submit=move |ev| ev.prevent_default()>
                    <div class="field" class:field-invalid=invalid>
                        <label for=box_id.clone()>
                            "Why"
                            " "
                            <span class="required-mark">{move || if required.get() { "(required)" } else { "(optional)" }}</span>
                        </label>
                        <textarea
                            id=box_id.clone()
                            name=box_id.clone()
                            rows=2
                            aria-required=move || required.get().then_some("true")
                            aria-invalid=move || invalid().then_some("true")
                            aria-describedby={
                                let error_id = error_id.clone();
                                move || invalid().then(|| error_id.clone())
                            }
                            bind:value=reason
                        ></textarea>
                        {
                            let error_id = error_id.clone();
                            move || box_error.get().map(|message| view! {
                                <p class="field-error" id=error_id.clone()>{sentence(&message)}</p>
                            })
                        }
                    </div>
                    <div class="form-actions">
                        <button
                            type="button"
                            class="btn btn-primary"
                            aria-pressed=move || if answered() == Some(ReviewVerdict::Approve) { "true" } else { "false" }
                            aria-disabled=move || busy(decide.pending().get())
                            on:click=move |_| answer(ReviewVerdict::Approve)
                        >
                            "Yes, keep my access"
                        </button>
                        <button
                            type="button"
                            class="btn btn-danger-outline"
                            aria-pressed=move || if answered() == Some(ReviewVerdict::Deny) { "true" } else { "false" }
                            aria-disabled=move || busy(decide.pending().get())
                            on:click=move |_| answer(ReviewVerdict::Deny)
                        >
                            "No, remove my access"
                        </button>
                    </div>
                </form>
            </Show>
        </article>
    }
}

//! The pending requests of one access package, on the package's administration page: who each
//! is for and who asked, where it stands (the stage and whom it waits for, the date to decide
//! by, its start, its delivery), a link to it, and cancelling it with a reason the requester
//! reads in their request history.
//!
//! The confirmation, its reason and the cancel action belong to the section, not to a row: a
//! canceled request leaves the list, and everything its row owns is disposed with it. The row
//! leaves only once the action has settled, when the section reads the list again.

use leptos::ev::KeyboardEvent;
use leptos::html;
use leptos::prelude::*;
use leptos_router::components::A;
use tessera_domain::access::RequestView;
use tessera_domain::page::DEFAULT_PAGE_SIZE;
use tessera_domain::request::{RequestKind, RequestState};
use tessera_domain::{AccessPackageId, RequestId};

use super::{canceled_notice, open_requests_of, waiting_line};
use crate::api::{self, ApiError};
use crate::components::{ErrorAlert, Notice, TextAreaField, Tone, busy, focus_on_mount};
use crate::connectors::delivery::{DeliveryStatus, DeliveryToggle};
use crate::my_access::requests::{request_badge, request_href, when};
use crate::my_access::{cancellation, decide_by, request_kind_label};
use crate::pages::lists::PagedItems;
use crate::state::PagedList;

/// What cancelling a request came to: which request, and the request as it now is.
type Canceled = (RequestId, Result<RequestView, ApiError>);

/// What the rows share with the section: the confirmation open (one at a time), its reason,
/// the action and the refusal of a reason.
#[derive(Clone, Copy)]
struct Cancelling {
    confirming: RwSignal<Option<RequestId>>,
    reason: RwSignal<String>,
    action: Action<(RequestId, String), Canceled>,
    reason_error: Signal<Option<String>>,
}

#[component]
pub fn PackageRequestsSection(
    package: AccessPackageId,
    /// Counts assignments made here; one that needs approval adds a pending request.
    changed: RwSignal<u32>,
) -> impl IntoView {
    let requests = PagedList::new(DEFAULT_PAGE_SIZE, move |page| async move {
        api::requests::list_all(&open_requests_of(package), &page)
            .await
            .map(|page| (page.items, page.next_cursor))
    });
    Effect::new(move |seen: Option<u32>| {
        let now = changed.get();
        if seen.is_some_and(|seen| seen != now) {
            requests.reload();
        }
        now
    });
    let confirming = RwSignal::new(None::<RequestId>);
    let reason = RwSignal::new(String::new());
    let refused = RwSignal::new(None::<(RequestId, ApiError)>);
    let notice = RwSignal::new(None::<String>);
    let action = Action::new_local(move |(id, reason): &(RequestId, String)| {
        let id = *id;
        let input = cancellation(reason);
        async move {
            let answer = match input {
                Ok(input) => api::requests::cancel(id, &input).await,
                Err(refusal) => Err(refusal),
            };
            (id, answer)
        }
    });
    // After the answer, never from inside a row: the canceled request's row leaves when the
    // list is read again, by which time the action is over.
    Effect::new(move || {
        let Some((id, answer)) = action.value().get() else {
            return;
        };
        untrack(move || match answer {
            Ok(request) => {
                confirming.set(None);
                reason.set(String::new());
                refused.set(None);
                notice.set(Some(canceled_notice(&request)));
                requests.reload();
            }
            Err(error) => {
                // Closed or delivering meanwhile: show the list as it is now.
                if error.status() == Some(409) {
                    confirming.set(None);
                    requests.reload();
                }
                refused.set(Some((id, error)));
            }
        });
    });
    let reason_error = Signal::derive(move || {
        refused.with(|refused| {
            refused
                .as_ref()
                .and_then(|(_, error)| error.field_message("justification"))
        })
    });
    let other_error = move || {
        refused
            .get()
            .map(|(_, error)| error)
            .filter(|error| error.field_message("justification").is_none())
    };
    let cancelling = Cancelling {
        confirming,
        reason,
        action,
        reason_error,
    };
    // Opening a confirmation forgets what the last one came to.
    Effect::new(move || {
        if confirming.get().is_some() {
            refused.set(None);
            notice.set(None);
        }
    });
    view! {
        <section class="section" id="pending-requests" aria-labelledby="pending-requests-heading">
            <h2 id="pending-requests-heading">"Pending requests"</h2>
            <p class="section-lead">
                "Requests for this package that are not delivered yet, newest first. Cancel one that should not go ahead: the requester sees your reason."
            </p>
            {move || notice.get().map(|text| view! { <Notice tone=Tone::Success>{text}</Notice> })}
            {move || other_error().map(|error| view! { <ErrorAlert error=error title="The request was not canceled." /> })}
            <PagedItems
                list=requests
                loading="Loading pending requests…"
                empty="Nothing is pending for this package."
            >
                <ul class="record-list" aria-labelledby="pending-requests-heading">
                    <For
                        each=move || requests.with_items(Vec::clone)
                        key=|request| (request.id, request.state)
                        let(request)
                    >
                        <PendingRequest request=request cancelling=cancelling />
                    </For>
                </ul>
            </PagedItems>
        </section>
    }
}

/// One pending request, and under it, on demand, the confirmation of its cancellation.
#[component]
fn PendingRequest(request: RequestView, cancelling: Cancelling) -> impl IntoView {
    let Cancelling {
        confirming,
        reason,
        action,
        reason_error,
    } = cancelling;
    let id = request.id;
    let who = request.target.display_name.clone();
    let open = move || confirming.get() == Some(id);
    let confirm_id = format!("cancel-{id}");
    let opener = NodeRef::<html::Button>::new();
    let close = move || {
        confirming.set(None);
        if let Some(button) = opener.get_untracked() {
            let _ = button.focus();
        }
    };
    let asked_by = if request.requester.id == request.target.id {
        "Asked for themselves".to_string()
    } else {
        format!("Asked by {}", request.requester.display_name)
    };
    let kind = (request.kind != RequestKind::UserAdd).then(|| request_kind_label(request.kind));
    let stage = waiting_line(&request);
    let deadline = decide_by(&request);
    let starts = (request.state == RequestState::Scheduled)
        .then_some(request.starts_at)
        .flatten();
    let waits_until = request
        .waiting_for
        .as_ref()
        .filter(|_| request.state == RequestState::Waiting)
        .map(|waiting| waiting.until);
    let delivering = request.state == RequestState::Delivering;
    let delivery = request.assignment_id.filter(|_| delivering).map(|assignment| {
        let open = RwSignal::new(false);
        let controls = format!("delivery-{id}");
        let label = format!("Delivery to {who}");
        let toggle = view! { <DeliveryToggle open=open controls=controls.clone() label=label.clone() /> };
        let detail = move || {
            open.get().then(|| {
                view! {
                    <div class="record-detail" id=controls.clone()>
                        <DeliveryStatus assignment=assignment label=label.clone() />
                    </div>
                }
            })
        };
        (toggle, detail)
    });
    let (delivery_toggle, delivery_detail) = delivery.unzip();
    let cancel_button = request.state.is_cancelable().then(|| {
        let label = format!("Cancel the request for {who}");
        let controls = confirm_id.clone();
        view! {
            <button
                type="button"
                class="btn btn-danger-outline btn-small"
                node_ref=opener
                aria-label=label
                aria-controls=controls
                aria-expanded=move || if open() { "true" } else { "false" }
                on:click=move |_| {
                    reason.set(String::new());
                    confirming.set(Some(id));
                }
            >
                "Cancel"
            </button>
        }
    });
    let confirmation = {
        let who = who.clone();
        move || {
            open().then(|| {
                let group = NodeRef::<html::Div>::new();
                focus_on_mount(group);
                let who = who.clone();
                view! {
                    <div
                        class="confirm"
                        id=confirm_id.clone()
                        role="group"
                        aria-label=format!("Cancel the request for {who}?")
                        tabindex="-1"
                        node_ref=group
                        on:keydown=move |ev: KeyboardEvent| {
                            if ev.key() == "Escape" {
                                ev.prevent_default();
                                close();
                            }
                        }
                    >
                        <p>
                            "Cancel the request for " <strong>{who.clone()}</strong>
                            "? Nothing of it will be delivered. The requester sees the reason with their request."
                        </p>
                        <TextAreaField
                            id=format!("cancel-{id}-reason")
                            label="Reason (optional)"
                            value=reason
                            error=reason_error
                            rows=2
                        />
                        <div class="row-actions">
                            <button
                                type="button"
                                class="btn btn-danger"
                                aria-disabled=move || busy(action.pending().get())
                                on:click=move |_| {
                                    if !action.pending().get_untracked() {
                                        action.dispatch((id, reason.get_untracked()));
                                    }
                                }
                            >
                                "Yes, cancel the request"
                            </button>
                            <button type="button" class="btn btn-secondary" on:click=move |_| close()>
                                "Keep it"
                            </button>
                        </div>
                    </div>
                }
            })
        }
    };
    view! {
        <li class="record">
            <div class="record-main">
                <p class="record-title">
                    <A href=request_href(id)>{format!("Request for {who}")}</A>
                </p>
                <p class="record-meta">
                    {request_badge(request.kind, request.state, request.waiting_for.clone())}
                    {stage.map(|stage| view! { " " <span class="record-stage">{stage}</span> })}
                    {deadline.map(|at| view! { " · decide by " {when(at)} })}
                    {starts.map(|at| view! { " · approved, starts " {when(at)} })}
                    {waits_until.map(|at| view! { " until " {when(at)} })}
                    {delivering.then_some(" · being delivered to connected systems")}
                </p>
                <p class="record-meta">
                    {kind.map(|kind| format!("{kind} · "))}
                    {asked_by} " · submitted " {when(request.submitted_at)}
                </p>
            </div>
            <div class="record-actions">
                {delivery_toggle}
                {cancel_button}
            </div>
            {delivery_detail}
            {confirmation}
        </li>
    }
}

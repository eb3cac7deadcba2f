//! The "My team" page (`/team`): a card per direct report. Removing a report's access opens a
//! form in their card that asks for a reason and sends a removal request for them.
//!
//! Everything the removal touches (which form is open, the reason typed, the action and its
//! answer) lives in the page, not in the cards: the list of cards is read again after a
//! removal, which replaces the cards, and a card's own signals would be gone while the request
//! still runs.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use tessera_domain::access::RequestView;
use tessera_domain::team::{TeamAccess, TeamMember, TeamRequest, TeamReview};
use tessera_domain::{AccessPackageId, AssignmentId, RequestId, UserId};

use super::{
    TEAM_PAGE_SIZE, access_timing, removal_heading, removal_words, remove_label,
    request_kind_words, stage_words,
};
use crate::api::{self, ApiError};
use crate::components::{EmptyState, ErrorState, FormActions, Loading, Notice, PageHeader, Tone};
use crate::my_access::access_packages::{JustificationField, RefusalAlert};
use crate::my_access::removal_for_report;
use crate::my_access::requests::{request_href, state_badge, when};
use crate::pages::lists::LoadMore;
use crate::reviews::reviewer::review_href;
use crate::routes;
use crate::state::{PagedList, Shape};

/// The removal whose form is open: whose access, to what.
#[derive(Clone, Debug, PartialEq)]
struct Removal {
    assignment: AssignmentId,
    package: AccessPackageId,
    package_name: String,
    report: UserId,
    report_name: String,
    /// The same for every try of this removal, so that a retry is not a second request.
    key: String,
}

/// What the last removal came to.
#[derive(Clone, Debug, PartialEq)]
struct Removed {
    words: String,
    request: RequestId,
}

/// The page's removal state, shared by the cards.
#[derive(Clone, Copy)]
struct Removals {
    open: RwSignal<Option<Removal>>,
    reason: RwSignal<String>,
    failure: RwSignal<Option<ApiError>>,
    send: Action<(Removal, String), Result<RequestView, ApiError>>,
}

impl Removals {
    fn is_open(&self, assignment: AssignmentId) -> bool {
        self.open
            .with(|open| open.as_ref().is_some_and(|o| o.assignment == assignment))
    }

    fn toggle(&self, removal: Removal) {
        let same = self.is_open_untracked(removal.assignment);
        self.failure.set(None);
        self.reason.set(String::new());
        self.open.set((!same).then_some(removal));
    }

    fn is_open_untracked(&self, assignment: AssignmentId) -> bool {
        self.open
            .with_untracked(|open| open.as_ref().is_some_and(|o| o.assignment == assignment))
    }

    fn close(&self) {
        self.open.set(None);
        self.failure.set(None);
    }
}

#[component]
pub fn TeamPage() -> impl IntoView {
    let team = PagedList::new(TEAM_PAGE_SIZE, |page| async move {
        api::people::my_team(&page)
            .await
            .map(|page| (page.items, page.next_cursor))
    });
    let done = RwSignal::new(None::<Removed>);
    let send = Action::new_local(|(removal, reason): &(Removal, String)| {
        let input = removal_for_report(removal.package, removal.report, reason);
        let key = removal.key.clone();
        async move { api::requests::submit(&input?, &key).await }
    });
    let removals = Removals {
        open: RwSignal::new(None),
        reason: RwSignal::new(String::new()),
        failure: RwSignal::new(None),
        send,
    };
    // The answer is taken in by the page, which outlives the cards it reloads.
    Effect::new(move |_| match send.value().get() {
        None => {}
        Some(Ok(request)) => {
            let name = removals
                .open
                .with_untracked(|open| open.as_ref().map(|o| o.report_name.clone()))
                .unwrap_or_else(|| request.target.display_name.clone());
            done.set(Some(Removed {
                words: removal_words(&request, &name),
                request: request.id,
            }));
            removals.close();
            removals.reason.set(String::new());
            team.reload();
        }
        Some(Err(error)) => removals.failure.set(Some(error)),
    });
    view! {
        <PageHeader
            title="My team"
            lead="The people who report to you: their access, their requests in progress and the reviews of their access that wait for you."
        />
        {move || done.get().map(|done| view! {
            <Notice tone=Tone::Success>
                <p>{done.words} " " <A href=request_href(done.request)>"See the request"</A></p>
            </Notice>
        })}
        {move || match team.shape() {
            Shape::Loading => view! { <Loading label="Loading your team…" /> }.into_any(),
            Shape::Failed(error) => {
                view! { <ErrorState error=error retry=Callback::new(move |_| team.reload()) /> }
                    .into_any()
            }
            Shape::Empty => view! {
                <EmptyState title="Nobody reports to you.">
                    <p>"My team shows the people whose manager you are, as your organisation's directory says. When someone reports to you, you will see their access here and can ask for access for them."</p>
                </EmptyState>
            }
            .into_any(),
            Shape::Filled => view! {
                <ul class="team-list" aria-label="Your direct reports">
                    {move || {
                        team.with_items(|members| {
                            members
                                .iter()
                                .cloned()
                                .map(|member| view! { <MemberCard member=member removals=removals /> })
                                .collect_view()
                        })
                    }}
                </ul>
            }
            .into_any(),
        }}
        <LoadMore list=team />
    }
}

/// One direct report.
#[component]
fn MemberCard(member: TeamMember, removals: Removals) -> impl IntoView {
    let id = member.person.id;
    let name = member.person.display_name.clone();
    let heading_id = format!("report-{id}");
    let request_for = format!("Request access for {name}");
    let access = member.access.clone();
    let requests = member.requests.clone();
    let reviews = member.reviews.clone();
    view! {
        <li class="card team-card" aria-labelledby=heading_id.clone()>
            <h2 id=heading_id.clone()>{name.clone()}</h2>
            <p class="team-card-meta">
                <a href=format!("mailto:{}", member.email)>{member.email.clone()}</a>
                <span>{member.person.username.clone()}</span>
                {member.person.guest.then(|| view! { <span class="badge badge-neutral">"Guest"</span> })}
            </p>
            <div class="team-section">
                <h3 id=format!("report-{id}-access")>"Access"</h3>
                {if access.is_empty() {
                    view! { <p class="team-none">"No access packages."</p> }.into_any()
                } else {
                    view! {
                        <ul class="team-items">
                            {access
                                .into_iter()
                                .map(|access| view! {
                                    <AccessItem access=access report=id report_name=name.clone() removals=removals />
                                })
                                .collect_view()}
                        </ul>
                    }
                    .into_any()
                }}
            </div>
            <div class="team-section">
                <h3 id=format!("report-{id}-requests")>"Requests in progress"</h3>
                {if requests.is_empty() {
                    view! { <p class="team-none">"None."</p> }.into_any()
                } else {
                    view! {
                        <ul class="team-items">
                            {requests.into_iter().map(|request| view! { <RequestItem request=request /> }).collect_view()}
                        </ul>
                    }
                    .into_any()
                }}
            </div>
            {(!reviews.is_empty()).then(|| view! {
                <div class="team-section">
                    <h3 id=format!("report-{id}-reviews")>"Waiting for your review"</h3>
                    <ul class="team-items">
                        {reviews.into_iter().map(|review| view! { <ReviewItem review=review /> }).collect_view()}
                    </ul>
                </div>
            })}
            <p class="team-card-actions">
                <A
                    href=routes::asking_for(routes::ACCESS_PACKAGES, Some(id))
                    attr:class="btn btn-secondary btn-small"
                >
                    {request_for}
                </A>
            </p>
        </li>
    }
}

/// One access package a report holds, with Remove when the manager may remove it, and the
/// removal form under it while open.
#[component]
fn AccessItem(
    access: TeamAccess,
    report: UserId,
    report_name: String,
    removals: Removals,
) -> impl IntoView {
    let assignment = access.assignment_id;
    let form_id = format!("remove-{assignment}");
    let label = remove_label(&access, &report_name);
    let timing = match access_timing(&access) {
        Some((words, at)) => {
            view! { <span class="team-item-meta">{words} " " {when(at)}</span> }.into_any()
        }
        None => view! { <span class="team-item-meta">"No end"</span> }.into_any(),
    };
    let removal = Removal {
        assignment,
        package: access.access_package_id,
        package_name: access.access_package_name.clone(),
        report,
        report_name: report_name.clone(),
        key: String::new(),
    };
    let removal = StoredValue::new(removal);
    view! {
        <li class="team-item">
            <div class="team-item-text">
                <span class="team-item-name">{access.access_package_name.clone()}</span>
                <span class="team-item-meta">{access.catalog_name.clone()}</span>
                {timing}
            </div>
            {access.manager_may_remove.then(|| view! {
                <div class="team-item-actions">
                    <button
                        type="button"
                        class="btn btn-danger-outline btn-small"
                        aria-label=label
                        aria-expanded=move || if removals.is_open(assignment) { "true" } else { "false" }
                        aria-controls=form_id.clone()
                        on:click=move |_| {
                            let mut removal = removal.get_value();
                            removal.key = api::requests::new_idempotency_key();
                            removals.toggle(removal);
                        }
                    >
                        "Remove"
                    </button>
                </div>
            })}
            {move || {
                removals
                    .open
                    .get()
                    .filter(|open| open.assignment == assignment)
                    .map(|open| view! { <RemovalForm removal=open removals=removals /> })
            }}
        </li>
    }
}

/// The form that removes a report's access: a reason, then the removal request.
#[component]
fn RemovalForm(removal: Removal, removals: Removals) -> impl IntoView {
    let form_id = format!("remove-{}", removal.assignment);
    let heading_id = format!("remove-{}-heading", removal.assignment);
    let heading = removal_heading(&removal.package_name, &removal.report_name);
    let hint = format!(
        "{} loses this access at once; no approval is needed. The removal is recorded as yours.",
        removal.report_name
    );
    let removal = StoredValue::new(removal);
    let error = Signal::derive(move || removals.failure.get());
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if removals.send.pending().get_untracked() {
            return;
        }
        removals.failure.set(None);
        removals
            .send
            .dispatch((removal.get_value(), removals.reason.get_untracked()));
    };
    view! {
        <form id=form_id class="form confirm team-remove" novalidate on:submit=on_submit aria-labelledby=heading_id.clone()>
            <p class="alert-title" id=heading_id.clone()>{heading}</p>
            <p class="field-hint">{hint}</p>
            {move || {
                error
                    .get()
                    .filter(|error| error.field_message("justification").is_none())
                    .map(|error| view! { <RefusalAlert error=error title="The access was not removed." /> })
            }}
            <JustificationField
                id="team-remove-reason"
                label="Reason"
                value=removals.reason
                required=true
                error=Signal::derive(move || error.get()?.field_message("justification"))
            />
            <FormActions submit="Remove access" danger=true pending=removals.send.pending() cancel="Keep it" on_cancel=move |()| removals.close() />
        </form>
    }
}

/// One request for a report not yet final.
#[component]
fn RequestItem(request: TeamRequest) -> impl IntoView {
    let package = request.access_package_name.clone();
    let name = if request.you_may_open {
        view! { <A href=request_href(request.id) attr:class="team-item-name">{package}</A> }
            .into_any()
    } else {
        view! { <span class="team-item-name">{package}</span> }.into_any()
    };
    view! {
        <li class="team-item">
            <div class="team-item-text">
                {name}
                <span class="team-item-meta">{request_kind_words(request.kind)}</span>
                {state_badge(request.state)}
                {stage_words(&request).map(|words| view! { <span class="team-item-meta">{words}</span> })}
                {request.decide_by.map(|at| view! { <span class="team-item-meta">"Decide by " {when(at)}</span> })}
                {request.requested_by_you.then(|| view! { <span class="team-item-meta">"Asked by you"</span> })}
            </div>
        </li>
    }
}

/// A review item about a report that waits for the manager.
#[component]
fn ReviewItem(review: TeamReview) -> impl IntoView {
    view! {
        <li class="team-item">
            <div class="team-item-text">
                <A href=review_href(review.instance_id) attr:class="team-item-name">{review.review_name.clone()}</A>
                <span class="team-item-meta">{review.access_name.clone()}</span>
            </div>
        </li>
    }
}

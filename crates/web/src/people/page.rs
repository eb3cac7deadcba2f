//! One person, for administrators: their details and where the account comes from; what they
//! have and why; the requests for them and those they made; the access reviews about them;
//! the audit events about them and by them; and editing, disabling or enabling them and
//! setting their password.
//!
//! The person is read once; every change answers with the person as they are now, which
//! replaces what is shown. The actions live in [`PersonSections`], whose state outlives the
//! forms that close when an action succeeds: after an answer, an action only writes that
//! state.

use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use leptos_router::components::A;
use tessera_domain::UserId;
use tessera_domain::access::{RequestExportQuery, RequestView};
use tessera_domain::assignment::{AssignmentQuery, AssignmentView, StateFilter};
use tessera_domain::audit::{AuditEventView, AuditExportQuery};
use tessera_domain::page::{DEFAULT_PAGE_SIZE, PageQuery};
use tessera_domain::review::PersonReviewItemView;
use tessera_domain::user::{UserChanges, UserKind, UserType, UserView};

use super::{AccountSource, PersonForm, person_href, stage_line, why};
use crate::api::{self, ApiError};
use crate::assignments::end_label;
use crate::audit::{describe, occurred, occurred_briefly};
use crate::components::{
    AdminNav, EmptyState, ErrorAlert, ErrorState, FormActions, Loading, Notice, PageHeader,
    PersonPicker, TextField, Tone, busy, focus_on_mount,
};
use crate::connectors::delivery::{DeliveryStatus, DeliveryToggle};
use crate::format::{self, maybe_timestamp, timestamp, yes_no};
use crate::forms::SetPasswordForm;
use crate::my_access::decide_by;
use crate::my_access::requests::{request_badge, request_href, when};
use crate::pages::catalogs::catalog_href;
use crate::pages::common::{field_of, is_admin, param_id, whole_list};
use crate::pages::lists::PagedItems;
use crate::reviews::{decided_label, outcome_badge, outcome_label, state_badge, state_label};
use crate::routes;
use crate::state::PagedList;

#[component]
pub fn PersonPage() -> impl IntoView {
    view! {
        <Show
            when=is_admin
            fallback=|| view! {
                <PageHeader title="Person" />
                <EmptyState title="Only administrators see a person's page." />
            }
        >
            <PersonLoader />
        </Show>
    }
}

#[component]
fn PersonLoader() -> impl IntoView {
    let id = param_id::<UserId>("id");
    let loaded = LocalResource::new(move || {
        let id = id.get();
        async move {
            match id {
                Some(id) => api::users::get(id).await,
                None => Err(ApiError::from_response(404, "", None)),
            }
        }
    });
    view! {
        <Transition fallback=|| view! { <Loading label="Loading the person…" /> }>
            {move || Suspend::new(async move {
                match loaded.await {
                    Ok(user) => view! { <PersonSections user=user /> }.into_any(),
                    Err(error) => view! {
                        <PageHeader title="Person" />
                        <AdminNav />
                        <ErrorState error=error retry=Callback::new(move |_| loaded.refetch()) />
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}

/// Which form is open under the person's details.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Open {
    Nothing,
    Edit,
    Enable,
    Password,
}

/// An action's state, read once where the action lives.
#[derive(Clone, Copy)]
struct Outcome {
    pending: Memo<bool>,
    error: Signal<Option<ApiError>>,
    value: MappedSignal<Option<Result<(), ApiError>>>,
}

impl Outcome {
    fn of<I: Send + Sync + 'static>(action: Action<I, Result<(), ApiError>>) -> Outcome {
        let value = action.value();
        Outcome {
            pending: action.pending(),
            error: Signal::derive(move || value.get().and_then(Result::err)),
            value,
        }
    }

    /// Forgets the last answer, as a form opens again.
    fn clear(&self) {
        self.value.set(None);
    }
}

/// The person as an update answers: the identity links, which only a read of one person
/// lists, are kept from what was shown.
fn updated(shown: &mut UserView, fresh: UserView) {
    let links = std::mem::take(&mut shown.identity_links);
    *shown = fresh;
    shown.identity_links = links;
}

#[component]
fn PersonSections(user: UserView) -> impl IntoView {
    let id = user.id;
    let user = RwSignal::new(user);
    // The heading follows a change of name, and only that.
    let title = Memo::new(move |_| user.with(|user| user.display_name.to_string()));
    let open = RwSignal::new(Open::Nothing);
    let said = RwSignal::new(None::<String>);
    let name = move || user.with(|user| user.display_name.to_string());

    let save = Action::new_local(move |form: &PersonForm| {
        let changes = user.with_untracked(|shown| form.changes(shown));
        async move {
            let fresh = api::users::update(id, &changes?).await?;
            let saved = format!("The details of {} were saved.", fresh.display_name);
            // The heading is drawn again first, so that the confirmation drawn after it
            // takes the focus.
            user.update(|shown| updated(shown, fresh));
            said.set(Some(saved));
            open.set(Open::Nothing);
            Ok::<(), ApiError>(())
        }
    });
    let set_enabled = Action::new_local(move |enabled: &bool| {
        let changes = UserChanges {
            enabled: Some(*enabled),
            ..UserChanges::default()
        };
        async move {
            let fresh = api::users::update(id, &changes).await?;
            said.set(Some(format!(
                "{} is now {}.",
                fresh.display_name,
                if fresh.enabled { "enabled" } else { "disabled" }
            )));
            user.update(|shown| updated(shown, fresh));
            open.set(Open::Nothing);
            Ok::<(), ApiError>(())
        }
    });
    let set_password = Action::new_local(move |form: &SetPasswordForm| {
        let input = form.parse();
        async move {
            api::users::set_password(id, &input?).await?;
            said.set(Some(format!(
                "The password of {} was set.",
                user.with_untracked(|user| user.display_name.to_string())
            )));
            open.set(Open::Nothing);
            Ok::<(), ApiError>(())
        }
    });
    // The actions' state is read here once: `Action::pending` and `Action::value` make a new
    // signal in whichever owner calls them, and a form's would be disposed with the form
    // that closes when its action succeeds.
    let saving = Outcome::of(save);
    let enabling = Outcome::of(set_enabled);
    let setting_password = Outcome::of(set_password);
    let show = move |form: Open| {
        said.set(None);
        saving.clear();
        enabling.clear();
        setting_password.clear();
        open.set(form);
    };
    let source = Memo::new(move |_| user.with(AccountSource::of));
    let enabled = move || user.with(|user| user.enabled);
    let person = move || user.with(|user| user.kind == UserKind::Person);

    view! {
        {move || view! { <PageHeader title=title.get() lead="Person" /> }}
        <AdminNav />
        <p class="breadcrumb"><A href=routes::ADMIN>"Users"</A></p>
        <nav class="tabs" aria-label="Sections of this person's page">
            <a href="#details">"Details"</a>
            <a href="#access">"Access"</a>
            <a href="#requests">"Requests"</a>
            <a href="#reviews">"Access reviews"</a>
            <a href="#audit">"Audit"</a>
        </nav>
        <section class="section" id="details" aria-labelledby="details-heading">
            <h2 id="details-heading">"Details"</h2>
            {move || said.get().map(|text| view! { <Notice tone=Tone::Success>{text}</Notice> })}
            <PersonFacts user=user source=source />
            <div class="row-actions person-actions">
                <button
                    type="button"
                    class="btn btn-secondary"
                    aria-expanded=move || if open.get() == Open::Edit { "true" } else { "false" }
                    on:click=move |_| show(Open::Edit)
                >
                    "Edit details"
                </button>
                {move || (person() && source.get().has_password()).then(|| view! {
                    <button
                        type="button"
                        class="btn btn-secondary"
                        aria-expanded=move || if open.get() == Open::Password { "true" } else { "false" }
                        on:click=move |_| show(Open::Password)
                    >
                        "Set password"
                    </button>
                })}
                <button
                    type="button"
                    class=move || if enabled() { "btn btn-danger-outline" } else { "btn btn-secondary" }
                    aria-expanded=move || if open.get() == Open::Enable { "true" } else { "false" }
                    on:click=move |_| show(Open::Enable)
                >
                    {move || if enabled() { "Disable" } else { "Enable" }}
                </button>
            </div>
            {move || match open.get() {
                Open::Nothing => ().into_any(),
                Open::Edit => view! {
                    <EditPerson form=user.with_untracked(PersonForm::of) save=save outcome=saving open=open />
                }
                .into_any(),
                Open::Enable => view! {
                    <ConfirmEnabled name=name() enable=!enabled() set_enabled=set_enabled outcome=enabling open=open />
                }
                .into_any(),
                Open::Password => view! {
                    <SetPassword name=name() set_password=set_password outcome=setting_password open=open />
                }
                .into_any(),
            }}
        </section>
        <AccessSection user=id />
        <RequestsSection user=id />
        <ReviewsSection user=id />
        <AuditSection user=id />
    }
}

#[component]
fn PersonFacts(user: RwSignal<UserView>, source: Memo<AccountSource>) -> impl IntoView {
    // The manager by name, read again when the manager changes.
    let manager_id = Memo::new(move |_| user.with(|user| user.manager_id));
    let manager = LocalResource::new(move || {
        let manager = manager_id.get();
        async move {
            match manager {
                None => None,
                Some(id) => api::people::named(&[id])
                    .await
                    .ok()
                    .and_then(|page| page.items.into_iter().next()),
            }
        }
    });
    let text = move |read: fn(&UserView) -> String| move || user.with(read);
    view! {
        <dl class="facts person-facts">
            <dt>"Username"</dt>
            <dd>{text(|user| user.username.to_string())}</dd>
            <dt>"Email"</dt>
            <dd>{text(|user| user.email.to_string())}</dd>
            <dt>"Type"</dt>
            <dd>{text(|user| match (user.kind, user.user_type) {
                (UserKind::ServiceAccount, _) => "Service account".to_string(),
                (UserKind::Person, UserType::Member) => "Member of the organisation".to_string(),
                (UserKind::Person, UserType::Guest) => "Guest from outside the organisation".to_string(),
            })}</dd>
            <dt>"Status"</dt>
            <dd>
                {move || {
                    let (enabled, blocked) = user.with(|user| (user.enabled, user.blocked_at));
                    view! {
                        <span class=if enabled { "badge badge-success" } else { "badge badge-neutral" }>
                            {if enabled { "Enabled" } else { "Disabled" }}
                        </span>
                        {blocked.map(|at| view! { " " <span class="badge badge-danger">{format!("Blocked since {}", timestamp(&at))}</span> })}
                    }
                }}
            </dd>
            <dt>"Administrator"</dt>
            <dd>{move || yes_no(user.with(|user| user.is_admin))}</dd>
            <dt>"Manager"</dt>
            <dd>
                {move || match (manager_id.get(), manager.get().flatten()) {
                    (None, _) => "None".into_any(),
                    (Some(id), Some(found)) => view! { <A href=person_href(id)>{found.display_name}</A> }.into_any(),
                    (Some(id), None) => view! { <A href=person_href(id)>"Their manager"</A> }.into_any(),
                }}
            </dd>
            <dt>"Department"</dt>
            <dd>{text(|user| user.department.as_ref().map_or_else(|| "None".to_string(), ToString::to_string))}</dd>
            <dt>"Account"</dt>
            <dd>{move || source.get().label()}</dd>
            <dt>"Last sign-in"</dt>
            <dd>{text(|user| maybe_timestamp(user.last_sign_in_at.as_ref(), "Never"))}</dd>
            <dt>"Created"</dt>
            <dd>{text(|user| timestamp(&user.created_at))}</dd>
        </dl>
    }
}

/// Name, e-mail, department and manager; refusals show at their inputs.
#[component]
fn EditPerson(
    form: PersonForm,
    save: Action<PersonForm, Result<(), ApiError>>,
    outcome: Outcome,
    open: RwSignal<Open>,
) -> impl IntoView {
    let Outcome { pending, error, .. } = outcome;
    let display_name = RwSignal::new(form.display_name);
    let email = RwSignal::new(form.email);
    let department = RwSignal::new(form.department);
    let manager = RwSignal::new(form.manager_id);
    let heading = NodeRef::<html::Div>::new();
    focus_on_mount(heading);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if !pending.get_untracked() {
            save.dispatch(PersonForm {
                display_name: display_name.get_untracked(),
                email: email.get_untracked(),
                department: department.get_untracked(),
                manager_id: manager.get_untracked(),
            });
        }
    };
    view! {
        <div class="subform" tabindex="-1" node_ref=heading role="region" aria-labelledby="edit-person-heading">
            <h3 id="edit-person-heading">"Edit details"</h3>
            {move || error.get().map(|error| view! { <ErrorAlert error=error title="The details were not saved." /> })}
            <form class="form form-grid" novalidate on:submit=on_submit>
                <TextField id="person-display-name" label="Display name" value=display_name error=field_of(error, "display_name") required=true autocomplete="off" />
                <TextField id="person-email" label="Email" input_type="email" value=email error=field_of(error, "email") required=true autocomplete="off" />
                <TextField id="person-department" label="Department" value=department error=field_of(error, "department") hint="Leave empty for none." autocomplete="off" />
                <PersonPicker id="person-manager" label="Manager" value=manager error=field_of(error, "manager_id") placeholder="No manager" />
                <FormActions submit="Save details" working="Saving…" pending=pending on_cancel=move |()| open.set(Open::Nothing) />
            </form>
        </div>
    }
}

/// Disabling ends a person's sessions, tokens, access and open requests; enabling gives
/// none of it back. Asked once more before either.
#[component]
fn ConfirmEnabled(
    name: String,
    enable: bool,
    set_enabled: Action<bool, Result<(), ApiError>>,
    outcome: Outcome,
    open: RwSignal<Open>,
) -> impl IntoView {
    let Outcome { pending, error, .. } = outcome;
    let node = NodeRef::<html::Div>::new();
    focus_on_mount(node);
    let (question, consequence, yes) = if enable {
        (
            format!("Enable {name}?"),
            "They can sign in again. Access, sessions and API tokens ended when they were disabled do not come back.",
            format!("Yes, enable {name}"),
        )
    } else {
        (
            format!("Disable {name}?"),
            "Their sessions end and their API tokens are revoked for good; their access ends and their open requests close. Enabling them later gives none of it back.",
            format!("Yes, disable {name}"),
        )
    };
    let label = question.clone();
    view! {
        <div class="subform confirm" tabindex="-1" node_ref=node role="group" aria-label=label>
            <p><strong>{question}</strong> " " {consequence}</p>
            {move || error.get().map(|error| view! { <ErrorAlert error=error title="Nothing was changed." /> })}
            <div class="row-actions">
                <button
                    type="button"
                    class=if enable { "btn btn-primary" } else { "btn btn-danger" }
                    aria-disabled=move || busy(pending.get())
                    on:click=move |_| {
                        if !pending.get_untracked() {
                            set_enabled.dispatch(enable);
                        }
                    }
                >
                    {yes}
                </button>
                <button type="button" class="btn btn-secondary" on:click=move |_| open.set(Open::Nothing)>
                    "Keep as is"
                </button>
            </div>
        </div>
    }
}

#[component]
fn SetPassword(
    name: String,
    set_password: Action<SetPasswordForm, Result<(), ApiError>>,
    outcome: Outcome,
    open: RwSignal<Open>,
) -> impl IntoView {
    let Outcome { pending, error, .. } = outcome;
    let password = RwSignal::new(String::new());
    let node = NodeRef::<html::Div>::new();
    focus_on_mount(node);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if !pending.get_untracked() {
            set_password.dispatch(SetPasswordForm {
                password: password.get_untracked(),
            });
        }
    };
    view! {
        <div class="subform" tabindex="-1" node_ref=node role="region" aria-labelledby="person-password-heading">
            <h3 id="person-password-heading">{format!("Set the password of {name}")}</h3>
            <p>"Their sessions end; they sign in with the new password. API tokens keep working."</p>
            {move || error.get().map(|error| view! { <ErrorAlert error=error title="The password was not set." /> })}
            <form class="form form-inline" novalidate on:submit=on_submit>
                <TextField
                    id="person-password"
                    label="New password"
                    input_type="password"
                    autocomplete="new-password"
                    value=password
                    error=field_of(error, "password")
                    hint="12 to 256 characters."
                    required=true
                />
                <FormActions submit="Set password" working="Setting…" pending=pending on_cancel=move |()| open.set(Open::Nothing) />
            </form>
        </div>
    }
}

/// The requests for the person, first page: what tells why they hold each assignment.
fn requests_for(user: UserId) -> RequestExportQuery {
    RequestExportQuery {
        target_id: Some(user),
        ..RequestExportQuery::default()
    }
}

#[component]
fn AccessSection(user: UserId) -> impl IntoView {
    let filters = AssignmentQuery {
        user_id: Some(user),
        state: Some(StateFilter::Active),
        ..AssignmentQuery::default()
    };
    let assignments = PagedList::new(DEFAULT_PAGE_SIZE, move |page| {
        let filters = filters.clone();
        async move {
            api::assignments::list(&filters, &page)
                .await
                .map(|page| (page.items, page.next_cursor))
        }
    });
    // The requests that made the assignments, and the catalogs' names.
    let origins = LocalResource::new(move || async move {
        api::requests::list_all(&requests_for(user), &whole_list())
            .await
            .map(|page| page.items)
            .unwrap_or_default()
    });
    let catalogs = LocalResource::new(move || async move {
        api::catalogs::list("", &whole_list())
            .await
            .map(|page| page.items)
            .unwrap_or_default()
    });
    view! {
        <section class="section" id="access" aria-labelledby="access-heading">
            <h2 id="access-heading">"Access"</h2>
            <p class="section-lead">"The access packages they hold or will hold, newest first, and why."</p>
            <PagedItems list=assignments loading="Loading their access…" empty="They hold no access packages.">
                <ul class="record-list" aria-labelledby="access-heading">
                    <For
                        each=move || assignments.with_items(Vec::clone)
                        key=|assignment| assignment.id
                        let(assignment)
                    >
                        <AccessRecord assignment=assignment origins=origins catalogs=catalogs />
                    </For>
                </ul>
            </PagedItems>
        </section>
    }
}

#[component]
fn AccessRecord(
    assignment: AssignmentView,
    origins: LocalResource<Vec<RequestView>>,
    catalogs: LocalResource<Vec<tessera_domain::catalog::CatalogView>>,
) -> impl IntoView {
    let id = assignment.id;
    let catalog = assignment.catalog_id;
    let package_href = format!(
        "{}/{}",
        routes::ADMIN_PACKAGES,
        assignment.access_package_id
    );
    let delivery_open = RwSignal::new(false);
    let delivery_id = format!("delivery-{id}");
    let delivery_label = format!("Delivery of {}", assignment.access_package_name);
    let (toggle_controls, toggle_label) = (delivery_id.clone(), delivery_label.clone());
    let reason = {
        let assignment = assignment.clone();
        move || {
            let found = origins.get().unwrap_or_default();
            let why = why(&assignment, &found);
            view! {
                {why.text}
                {why.request.map(|request| view! { " (" <A href=request_href(request)>"the request"</A> ")" })}
            }
        }
    };
    let catalog_name = move || {
        catalogs
            .get()
            .unwrap_or_default()
            .into_iter()
            .find(|found| found.id == catalog)
            .map_or_else(|| "Its catalog".to_string(), |found| found.name.to_string())
    };
    let ends = match assignment.ends_at {
        Some(_) => end_label(&assignment),
        None => "Does not expire".to_string(),
    };
    view! {
        <li class="record">
            <div class="record-main">
                <p class="record-title">
                    <A href=package_href>{assignment.access_package_name.clone()}</A>
                    " in " <A href=catalog_href(catalog)>{catalog_name}</A>
                </p>
                <p class="record-meta">
                    <span class=crate::assignments::state_badge(assignment.state)>{crate::assignments::state_label(assignment.state)}</span>
                    " since " {when(assignment.starts_at)} " · " {ends}
                </p>
                <p class="record-why">"Why: " {reason}</p>
            </div>
            <div class="record-actions">
                <DeliveryToggle open=delivery_open controls=toggle_controls label=toggle_label />
            </div>
            {move || delivery_open.get().then(|| view! {
                <div id=delivery_id.clone() class="record-detail">
                    <DeliveryStatus assignment=id label=delivery_label.clone() />
                </div>
            })}
        </li>
    }
}

#[component]
fn RequestsSection(user: UserId) -> impl IntoView {
    let list = move |filters: RequestExportQuery| {
        PagedList::new(DEFAULT_PAGE_SIZE, move |page| {
            let filters = filters.clone();
            async move {
                api::requests::list_all(&filters, &page)
                    .await
                    .map(|page| (page.items, page.next_cursor))
            }
        })
    };
    let for_them = list(requests_for(user));
    let by_them = list(RequestExportQuery {
        requester_id: Some(user),
        ..RequestExportQuery::default()
    });
    view! {
        <section class="section" id="requests" aria-labelledby="requests-heading">
            <h2 id="requests-heading">"Requests"</h2>
            <h3 id="requests-for-heading">"For them"</h3>
            <PagedItems list=for_them loading="Loading the requests for them…" empty="Nobody asked for access for them.">
                <ul class="record-list" aria-labelledby="requests-for-heading">
                    <For each=move || for_them.with_items(Vec::clone) key=|request| (request.id, request.state) let(request)>
                        <RequestRecord request=request user=user />
                    </For>
                </ul>
            </PagedItems>
            <h3 id="requests-by-heading">"Made by them for others"</h3>
            <PagedItems list=by_them loading="Loading the requests they made…" empty="They asked for nobody else.">
                // Their requests for themselves are listed above.
                {move || {
                    let none = by_them.with_items(|all| all.iter().all(|request| request.target.id == user));
                    (none && !by_them.has_more()).then(|| view! { <EmptyState title="They asked for nobody else." /> })
                }}
                <ul class="record-list" aria-labelledby="requests-by-heading">
                    <For
                        each=move || by_them.with_items(|all| {
                            all.iter().filter(|request| request.target.id != user).cloned().collect::<Vec<_>>()
                        })
                        key=|request| (request.id, request.state)
                        let(request)
                    >
                        <RequestRecord request=request user=user />
                    </For>
                </ul>
            </PagedItems>
        </section>
    }
}

/// One request: the package, for or by whom, its state, its stage and decide-by date.
#[component]
fn RequestRecord(request: RequestView, user: UserId) -> impl IntoView {
    let other = if request.target.id == user {
        (request.requester.id != user).then(|| ("Asked by ", request.requester.clone()))
    } else {
        Some(("For ", request.target.clone()))
    };
    let stage = stage_line(&request);
    let deadline = decide_by(&request);
    view! {
        <li class="record">
            <div class="record-main">
                <p class="record-title">
                    <A href=request_href(request.id)>{request.access_package_name.clone()}</A>
                </p>
                <p class="record-meta">
                    {request_badge(request.kind, request.state, request.waiting_for.clone())}
                    {stage.map(|stage| view! { " " <span class="record-stage">{stage}</span> })}
                    {deadline.map(|at| view! { " · decide by " {when(at)} })}
                </p>
                <p class="record-meta">
                    {other.map(|(words, someone)| view! {
                        {words} <A href=person_href(someone.id)>{someone.display_name}</A> " · "
                    })}
                    "submitted " {when(request.submitted_at)}
                </p>
            </div>
        </li>
    }
}

#[component]
fn ReviewsSection(user: UserId) -> impl IntoView {
    let items = PagedList::new(DEFAULT_PAGE_SIZE, move |page: PageQuery| async move {
        api::reviews::items_about(user, &page)
            .await
            .map(|page| (page.items, page.next_cursor))
    });
    view! {
        <section class="section" id="reviews" aria-labelledby="reviews-heading">
            <h2 id="reviews-heading">"Access reviews"</h2>
            <p class="section-lead">"The reviews that asked about their access, newest first."</p>
            <PagedItems list=items loading="Loading access reviews…" empty="No access review asked about them.">
                <ul class="record-list" aria-labelledby="reviews-heading">
                    <For each=move || items.with_items(Vec::clone) key=|found| (found.item.id, found.item.decision.as_ref().map(|d| d.at)) let(found)>
                        <ReviewRecord found=found />
                    </For>
                </ul>
            </PagedItems>
        </section>
    }
}

#[component]
fn ReviewRecord(found: PersonReviewItemView) -> impl IntoView {
    let item = found.item;
    let decision = match (&item.final_outcome, &item.decision) {
        (Some(outcome), _) => view! {
            <span class=outcome_badge(outcome.outcome)>{outcome_label(outcome.outcome)}</span>
        }
        .into_any(),
        (None, Some(decision)) => format!(
            "{} in stage {}",
            decided_label(decision.verdict),
            item.stage
        )
        .into_any(),
        (None, None) => "Not decided yet".into_any(),
    };
    let href = format!("{}/{}", routes::ADMIN_REVIEW_INSTANCES, item.instance_id);
    view! {
        <li class="record">
            <div class="record-main">
                <p class="record-title">
                    <A href=href>{found.review_name}</A> " · " {format!("access to {}", item.access_name)}
                </p>
                <p class="record-meta">
                    <span class=state_badge(found.instance_state)>{state_label(found.instance_state)}</span>
                    " " {decision} " · ends " {when(found.ends_at)}
                </p>
            </div>
        </li>
    }
}

#[component]
fn AuditSection(user: UserId) -> impl IntoView {
    let about = AuditExportQuery {
        about: Some(user),
        ..AuditExportQuery::default()
    };
    let by = AuditExportQuery {
        actor_id: Some(user),
        ..AuditExportQuery::default()
    };
    view! {
        <section class="section" id="audit" aria-labelledby="audit-heading">
            <h2 id="audit-heading">"Audit"</h2>
            <p class="section-lead">"Newest first. The audit page has every filter and the CSV."</p>
            <h3 id="audit-about-heading">"About them"</h3>
            <EventList filters=about heading="audit-about-heading" empty="Nothing was recorded about them." />
            <h3 id="audit-by-heading">"By them"</h3>
            <EventList filters=by heading="audit-by-heading" empty="They changed nothing that is audited." />
        </section>
    }
}

#[component]
fn EventList(
    filters: AuditExportQuery,
    heading: &'static str,
    empty: &'static str,
) -> impl IntoView {
    let events = PagedList::new(20, move |page| {
        let filters = filters.clone();
        async move {
            api::audit::list(&filters, &page)
                .await
                .map(|page| (page.items, page.next_cursor))
        }
    });
    let now = format::now();
    view! {
        <PagedItems list=events loading="Loading events…" empty=empty>
            <ul class="record-list audit-list" aria-labelledby=heading>
                <For each=move || events.with_items(Vec::clone) key=|event| event.id let(event)>
                    <EventRecord event=event now=now />
                </For>
            </ul>
        </PagedItems>
    }
}

#[component]
fn EventRecord(event: AuditEventView, now: chrono::DateTime<chrono::Utc>) -> impl IntoView {
    view! {
        <li class="record">
            <div class="record-main">
                <p class="audit-sentence">{describe(&event)}</p>
                <p class="audit-meta">
                    <time datetime=event.occurred_at.to_rfc3339() title=occurred(&event.occurred_at)>
                        {occurred_briefly(&event.occurred_at, now)}
                    </time>
                </p>
            </div>
        </li>
    }
}

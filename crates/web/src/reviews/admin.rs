//! Access reviews in the administration area, for administrators and, for reviews of their
//! catalogs' access packages, catalog owners: the definitions (name, scope, schedule, next
//! start), a new one and changing one with the editor (`review_editor.rs`), one definition with
//! the history of its instances, and one instance with its progress, Stop, Apply, and its
//! results filtered by outcome and name, with "Load more" and a CSV link.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use tessera_domain::page::DEFAULT_PAGE_SIZE;
use tessera_domain::review::{
    EndInput, LatestInstance, ResourcesInput, ReviewDefinitionView, ReviewInstanceView,
    ReviewItemView, ScheduleInput,
};
use tessera_domain::{ReviewDefinitionId, ReviewInstanceId};

use super::editor::ReviewEditor;
use super::reviewer::progress_bar;
use crate::api::{self, ApiError};
use crate::assignments::person;
use crate::components::{
    AdminNav, DirectoryNames, EmptyState, ErrorAlert, ErrorState, Loading, Notice, PageHeader,
    Tone, busy,
};
use crate::format::yes_no;
use crate::forms::sentence;
use crate::my_access::requests::when;
use crate::pages::common::{action_error, param_id};
use crate::pages::confirm_delete::AskBeforeDeleting;
use crate::pages::lists::LoadMore;
use crate::reviews::{
    ItemQuery, OutcomeChoice, apply_label, can_apply, can_stop, decided_label, filter_summary,
    named_reviewers, no_response_label, outcome_badge, outcome_label, recommendations_summary,
    recommended_label, resource_kind_label, results_csv_href, schedule_summary, scope_summary,
    source_label, stage_summary, stage_text, state_badge, state_label,
};
use crate::routes;
use crate::state::{PagedList, Shape};

pub fn definition_href(id: ReviewDefinitionId) -> String {
    format!("{}/{id}", routes::ADMIN_REVIEWS)
}

fn edit_href(id: ReviewDefinitionId) -> String {
    format!("{}/{id}/edit", routes::ADMIN_REVIEWS)
}

pub fn instance_href(id: ReviewInstanceId) -> String {
    format!("{}/{id}", routes::ADMIN_REVIEW_INSTANCES)
}

fn next_start(view: &ReviewDefinitionView) -> AnyView {
    match (view.next_start_at, &view.definition.schedule) {
        (Some(at), _) => when(at).into_any(),
        (None, ScheduleInput::OneTime { .. }) => "None: it runs once, and has started".into_any(),
        (None, ScheduleInput::Recurring { .. }) => "None: the series is over".into_any(),
    }
}

/// The state and progress of a definition's latest instance, for the list of definitions.
fn latest_instance(latest: Option<LatestInstance>) -> AnyView {
    match latest {
        Some(instance) => view! {
            <A href=instance_href(instance.id)>
                <span class=state_badge(instance.state)>{state_label(instance.state)}</span>
            </A>
            " "
            {progress_bar(instance.decided, instance.items)}
        }
        .into_any(),
        None => view! { <span class="item-meta">"Not started yet"</span> }.into_any(),
    }
}

#[component]
pub fn AdminReviewsPage() -> impl IntoView {
    let definitions = PagedList::new(DEFAULT_PAGE_SIZE, |page| async move {
        api::reviews::definitions(&page)
            .await
            .map(|page| (page.items, page.next_cursor))
    });
    view! {
        <PageHeader
            title="Access reviews"
            lead="Ask reviewers, once or regularly, whether people should keep their access."
        />
        <AdminNav />
        <section class="section" aria-labelledby="definitions-heading">
            <div class="section-heading">
                <h2 id="definitions-heading">"Review definitions"</h2>
                <a class="btn btn-primary" href=routes::ADMIN_REVIEWS_NEW>"New access review"</a>
            </div>
            {move || match definitions.shape() {
                Shape::Loading => view! { <Loading label="Loading access reviews…" /> }.into_any(),
                Shape::Failed(error) => {
                    view! { <ErrorState error=error retry=Callback::new(move |_| definitions.reload()) /> }
                        .into_any()
                }
                Shape::Empty => view! {
                    <EmptyState title="There are no access reviews yet.">
                        <p>"Create one to ask managers, owners or the people themselves whether access is still needed."</p>
                    </EmptyState>
                }
                .into_any(),
                Shape::Filled => view! {
                    <div class="table-wrap" role="group" aria-labelledby="definitions-heading" tabindex="0">
                        <table class="table table-wrapping">
                            <thead>
                                <tr>
                                    <th scope="col">"Name"</th>
                                    <th scope="col">"Scope"</th>
                                    <th scope="col">"Schedule"</th>
                                    <th scope="col">"Latest review"</th>
                                    <th scope="col">"Next start"</th>
                                </tr>
                            </thead>
                            <tbody>
                                <For
                                    each=move || definitions.with_items(Vec::clone)
                                    key=|view| (view.id, view.updated_at, view.occurrences_started)
                                    let(view)
                                >
                                    {
                                        let name = view.definition.name.clone();
                                        view! {
                                            <tr>
                                                <th scope="row">
                                                    <A href=definition_href(view.id)>{name}</A>
                                                </th>
                                                <td>{scope_summary(&view.definition.scope)}</td>
                                                <td>{schedule_summary(&view.definition.schedule)}</td>
                                                <td>{latest_instance(view.latest_instance)}</td>
                                                <td>{next_start(&view)}</td>
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
            <LoadMore list=definitions />
        </section>
    }
}

/// Goes to `target` once `saved` is set: from an effect, after the action that set it has
/// finished, never from inside the action (whose owner the navigation disposes).
fn navigate_when<T: Clone + Send + Sync + 'static>(
    saved: RwSignal<Option<T>>,
    target: impl Fn(&T) -> String + 'static,
) {
    let navigate = use_navigate();
    Effect::new(move || {
        if let Some(done) = saved.get() {
            navigate(&target(&done), Default::default());
        }
    });
}

#[component]
pub fn NewReviewPage() -> impl IntoView {
    let saved = RwSignal::new(None::<ReviewDefinitionView>);
    navigate_when(saved, |view| definition_href(view.id));
    let cancelled = RwSignal::new(None::<()>);
    navigate_when(cancelled, |_| routes::ADMIN_REVIEWS.to_string());
    view! {
        <PageHeader title="New access review" />
        <AdminNav />
        <p class="breadcrumb"><A href=routes::ADMIN_REVIEWS>"All access reviews"</A></p>
        <ReviewEditor
            existing=None
            on_saved=Callback::new(move |view| saved.set(Some(view)))
            on_cancel=Callback::new(move |_| cancelled.set(Some(())))
        />
    }
}

#[component]
pub fn EditReviewPage() -> impl IntoView {
    let id = param_id::<ReviewDefinitionId>("id");
    let loaded = LocalResource::new(move || {
        let id = id.get();
        async move {
            match id {
                Some(id) => api::reviews::definition(id).await,
                None => Err(ApiError::from_response(404, "", None)),
            }
        }
    });
    let saved = RwSignal::new(None::<ReviewDefinitionView>);
    navigate_when(saved, |view| definition_href(view.id));
    let cancelled = RwSignal::new(None::<ReviewDefinitionId>);
    navigate_when(cancelled, |id| definition_href(*id));
    view! {
        <PageHeader title="Change the access review" />
        <AdminNav />
        <Transition fallback=|| view! { <Loading label="Loading the access review…" /> }>
            {move || Suspend::new(async move {
                match loaded.await {
                    Ok(view) => {
                        let id = view.id;
                        let name = view.definition.name.clone();
                        view! {
                            <p class="breadcrumb"><A href=definition_href(id)>{name}</A></p>
                            <ReviewEditor
                                existing=Some(view)
                                on_saved=Callback::new(move |view| saved.set(Some(view)))
                                on_cancel=Callback::new(move |_| cancelled.set(Some(id)))
                            />
                        }
                        .into_any()
                    }
                    Err(error) => view! {
                        <ErrorState error=error retry=Callback::new(move |_| loaded.refetch()) />
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
pub fn ReviewDefinitionPage() -> impl IntoView {
    let id = param_id::<ReviewDefinitionId>("id");
    let loaded = LocalResource::new(move || {
        let id = id.get();
        async move {
            match id {
                Some(id) => api::reviews::definition(id).await,
                None => Err(ApiError::from_response(404, "", None)),
            }
        }
    });
    // Outside the details, which are drawn again when the definition is read again.
    let confirming = RwSignal::new(false);
    let deleted = RwSignal::new(None::<()>);
    navigate_when(deleted, |_| routes::ADMIN_REVIEWS.to_string());
    let delete = Action::new_local(move |id: &ReviewDefinitionId| {
        let id = *id;
        async move {
            api::reviews::delete(id).await?;
            deleted.set(Some(()));
            Ok::<(), ApiError>(())
        }
    });
    let delete_error = action_error(delete);
    view! {
        <Transition fallback=|| view! { <Loading label="Loading the access review…" /> }>
            {move || Suspend::new(async move {
                match loaded.await {
                    Ok(view) => view! {
                        <DefinitionDetails view=view confirming=confirming delete=delete />
                    }
                    .into_any(),
                    Err(error) => view! {
                        <PageHeader title="Access review" />
                        <AdminNav />
                        <ErrorState error=error retry=Callback::new(move |_| loaded.refetch()) />
                    }
                    .into_any(),
                }
            })}
        </Transition>
        {move || delete_error.get().map(|error| view! { <ErrorAlert error=error title="The access review was not deleted." /> })}
        {move || id.get().map(|id| view! { <InstancesSection id=id /> })}
    }
}

/// The names of the resources a definition reviews, as far as the caller may read them:
/// groups and applications are listed to administrators only.
async fn resource_names(resources: ResourcesInput) -> Vec<String> {
    let mut names = Vec::new();
    match resources {
        ResourcesInput::Groups { group_ids } => {
            // One request for all of them, in the definition's order.
            let found = api::directory::group_names(&group_ids)
                .await
                .unwrap_or_default();
            for id in group_ids {
                names.push(match found.iter().find(|group| group.id == id) {
                    Some(group) => group.name.to_string(),
                    None => format!("Group {id}"),
                });
            }
        }
        ResourcesInput::Applications { application_ids } => {
            for id in application_ids {
                names.push(match api::directory::application(id).await {
                    Ok(app) => app.name.to_string(),
                    Err(_) => format!("Application {id}"),
                });
            }
        }
        ResourcesInput::AccessPackage {
            access_package_id,
            policy_id,
        } => {
            let package = api::packages::get(access_package_id).await.ok();
            names.push(
                package
                    .as_ref()
                    .map(|p| p.name.to_string())
                    .unwrap_or_else(|| format!("Access package {access_package_id}")),
            );
            if let Some(policy_id) = policy_id {
                let policy = api::packages::policies(access_package_id)
                    .await
                    .ok()
                    .and_then(|all| all.into_iter().find(|p| p.id == policy_id));
                names.push(match policy {
                    Some(policy) => format!("policy {}", policy.definition.name),
                    None => format!("policy {policy_id}"),
                });
            }
        }
    }
    names
}

#[component]
fn DefinitionDetails(
    view: ReviewDefinitionView,
    confirming: RwSignal<bool>,
    delete: Action<ReviewDefinitionId, Result<(), ApiError>>,
) -> impl IntoView {
    let id = view.id;
    let name = view.definition.name.clone();
    view! {
        <PageHeader title=name lead="Access review" />
        <AdminNav />
        <p class="breadcrumb"><A href=routes::ADMIN_REVIEWS>"All access reviews"</A></p>
        <section class="section" aria-labelledby="definition-heading">
            <div class="section-heading">
                <h2 id="definition-heading">"Definition"</h2>
                <a class="btn btn-secondary" href=edit_href(id)>"Edit access review"</a>
            </div>
            <DefinitionFacts view=view with_resources=true />
            <div class="danger-zone">
                <AskBeforeDeleting
                    ask="Delete access review"
                    question="Delete this access review and the history of its reviews? This cannot be undone."
                    confirm="Yes, delete the access review"
                    confirming=confirming
                    pending=delete.pending()
                    on_confirm=Callback::new(move |_| {
                        delete.dispatch(id);
                    })
                />
            </div>
        </section>
    }
}

/// What a definition is, as a list of facts: who is reviewed, when, by whom, and how. The
/// scope and the names of its resources are left out where the page already says them, as on
/// a policy, which carries the review of its own assignments.
#[component]
pub fn DefinitionFacts(view: ReviewDefinitionView, with_resources: bool) -> impl IntoView {
    let definition = view.definition.clone();
    let settings = definition.settings;
    let resources = definition.scope.resources.clone();
    let names =
        with_resources.then(|| LocalResource::new(move || resource_names(resources.clone())));
    // The stages name their users and groups by id; their names come after.
    let reviewers = DirectoryNames::default();
    let (people, groups) = named_reviewers(&definition.stages);
    reviewers.load(people, groups);
    let ends = match &definition.schedule {
        ScheduleInput::OneTime { .. } => None,
        ScheduleInput::Recurring { end, .. } => Some(match end {
            EndInput::Never {} => "Never".to_string(),
            EndInput::OnDate { at } => {
                format!("No review starts after {}", crate::format::timestamp(at))
            }
            EndInput::AfterOccurrences { occurrences } => format!("After {occurrences} reviews"),
        }),
    };
    view! {
        <dl class="facts">
            {names.map(|names| view! {
                <dt>"Scope"</dt>
                <dd>{scope_summary(&definition.scope)}</dd>
                <dt>"Resources"</dt>
                <dd>{move || names.get().map(|names| names.join(", ")).unwrap_or_else(|| "…".to_string())}</dd>
            })}
            <dt>"People"</dt>
            <dd>{filter_summary(definition.scope.filter)}</dd>
            <dt>"Schedule"</dt>
            <dd>{schedule_summary(&definition.schedule)}</dd>
            {ends.map(|ends| view! { <dt>"Ends"</dt> <dd>{ends}</dd> })}
            <dt>"Next start"</dt>
            <dd>{next_start(&view)}</dd>
            <dt>"Reviews started"</dt>
            <dd>{view.occurrences_started}</dd>
            <dt>"Each review lasts"</dt>
            <dd>{format!("{} days", view.instance_duration_days)}</dd>
            {definition
                .stages
                .iter()
                .enumerate()
                .map(|(index, stage)| {
                    let stage = stage.clone();
                    view! {
                        <dt>{format!("Stage {}", index + 1)}</dt>
                        <dd>{move || reviewers.with(|known| stage_summary(&stage, known))}</dd>
                    }
                })
                .collect_view()}
            <dt>"Justification required"</dt>
            <dd>{yes_no(settings.justification_required)}</dd>
            <dt>"Recommendations"</dt>
            <dd>{recommendations_summary(settings.recommendations)}</dd>
            <dt>"If reviewers don't respond"</dt>
            <dd>{no_response_label(settings.if_no_response)}</dd>
            <dt>"Results applied automatically"</dt>
            <dd>{yes_no(settings.auto_apply)}</dd>
            <dt>"Reminders"</dt>
            <dd>{yes_no(settings.reminders)}</dd>
            {(definition.stages.len() > 1).then(|| view! {
                <dt>"Earlier decisions shown"</dt>
                <dd>{yes_no(settings.show_earlier_decisions)}</dd>
            })}
            {(!definition.description_for_reviewers.is_empty()).then(|| view! {
                <dt>"Description for reviewers"</dt>
                <dd class="prose">{definition.description_for_reviewers.clone()}</dd>
            })}
        </dl>
    }
}

#[component]
fn InstancesSection(id: ReviewDefinitionId) -> impl IntoView {
    let instances = PagedList::new(DEFAULT_PAGE_SIZE, move |page| async move {
        api::reviews::instances(id, &page)
            .await
            .map(|page| (page.items, page.next_cursor))
    });
    view! {
        <section class="section" aria-labelledby="instances-heading">
            <h2 id="instances-heading">"Reviews"</h2>
            <p class="section-lead">"Each start of the schedule reviews every resource of the scope on its own; newest first."</p>
            {move || match instances.shape() {
                Shape::Loading => view! { <Loading label="Loading the reviews…" /> }.into_any(),
                Shape::Failed(error) => {
                    view! { <ErrorState error=error retry=Callback::new(move |_| instances.reload()) /> }.into_any()
                }
                Shape::Empty => view! {
                    <EmptyState title="No review has started yet.">
                        <p>"Reviews start on schedule, within a minute of their start."</p>
                    </EmptyState>
                }
                .into_any(),
                Shape::Filled => view! {
                    <div class="table-wrap" role="group" aria-labelledby="instances-heading" tabindex="0">
                        <table class="table table-wrapping">
                            <thead>
                                <tr>
                                    <th scope="col">"Review"</th>
                                    <th scope="col">"Resource"</th>
                                    <th scope="col">"State"</th>
                                    <th scope="col">"Starts"</th>
                                    <th scope="col">"Ends"</th>
                                    <th scope="col">"Progress"</th>
                                </tr>
                            </thead>
                            <tbody>
                                <For
                                    each=move || instances.with_items(Vec::clone)
                                    key=|instance| (instance.id, instance.state, instance.progress.decided)
                                    let(instance)
                                >
                                    <tr>
                                        <th scope="row">
                                            <A href=instance_href(instance.id)>{format!("Review {}", instance.occurrence + 1)}</A>
                                        </th>
                                        <td>
                                            {instance.resource_name.clone()}
                                            <span class="choice-hint">{resource_kind_label(&instance.resource)}</span>
                                        </td>
                                        <td>
                                            <span class=state_badge(instance.state)>{state_label(instance.state)}</span>
                                            {stage_text(&instance).map(|stage| view! { <span class="choice-hint">{stage}</span> })}
                                        </td>
                                        <td>{when(instance.starts_at)}</td>
                                        <td>{when(instance.ends_at)}</td>
                                        <td>{progress_bar(instance.progress.decided, instance.progress.total)}</td>
                                    </tr>
                                </For>
                            </tbody>
                        </table>
                    </div>
                }
                .into_any(),
            }}
            <LoadMore list=instances />
        </section>
    }
}

#[component]
pub fn ReviewInstanceAdminPage() -> impl IntoView {
    let id = param_id::<ReviewInstanceId>("id");
    let loaded = LocalResource::new(move || {
        let id = id.get();
        async move {
            match id {
                Some(id) => api::reviews::instance(id).await,
                None => Err(ApiError::from_response(404, "", None)),
            }
        }
    });
    // Outside the details, which are drawn again when the instance is read again.
    let confirming = RwSignal::new(false);
    let notice = RwSignal::new(None::<String>);
    // Counts changes of the instance; the results are read again after each.
    let changed = RwSignal::new(0_u32);
    let stop = Action::new_local(move |id: &ReviewInstanceId| {
        let id = *id;
        async move {
            let instance = api::reviews::stop(id).await?;
            confirming.set(false);
            notice.set(Some(if instance.applied_at.is_some() {
                "The review was stopped and its results applied.".to_string()
            } else {
                "The review was stopped. Its results are ready to apply.".to_string()
            }));
            changed.update(|n| *n += 1);
            loaded.refetch();
            Ok::<(), ApiError>(())
        }
    });
    let apply = Action::new_local(move |id: &ReviewInstanceId| {
        let id = *id;
        async move {
            api::reviews::apply(id).await?;
            notice.set(Some(
                "The results were applied: denied access was removed.".to_string(),
            ));
            changed.update(|n| *n += 1);
            loaded.refetch();
            Ok::<(), ApiError>(())
        }
    });
    let stop_error = action_error(stop);
    let apply_error = action_error(apply);
    view! {
        <Transition fallback=|| view! { <Loading label="Loading the review…" /> }>
            {move || Suspend::new(async move {
                match loaded.await {
                    Ok(instance) => view! {
                        <InstanceDetails instance=instance confirming=confirming stop=stop apply=apply />
                    }
                    .into_any(),
                    Err(error) => view! {
                        <PageHeader title="Access review" />
                        <AdminNav />
                        <ErrorState error=error retry=Callback::new(move |_| loaded.refetch()) />
                    }
                    .into_any(),
                }
            })}
        </Transition>
        {move || notice.get().map(|text| view! { <Notice tone=Tone::Success>{text}</Notice> })}
        {move || stop_error.get().map(|error| view! { <ErrorAlert error=error title="The review was not stopped." /> })}
        {move || apply_error.get().map(|error| view! { <ErrorAlert error=error title="The results were not applied." /> })}
        {move || id.get().map(|id| view! { <ResultsSection id=id changed=changed /> })}
    }
}

#[component]
fn InstanceDetails(
    instance: ReviewInstanceView,
    confirming: RwSignal<bool>,
    stop: Action<ReviewInstanceId, Result<(), ApiError>>,
    apply: Action<ReviewInstanceId, Result<(), ApiError>>,
) -> impl IntoView {
    let id = instance.id;
    let progress = instance.progress;
    let stoppable = can_stop(&instance);
    let appliable = can_apply(&instance);
    let title = format!("{} – {}", instance.name, instance.resource_name);
    let name = instance.name.clone();
    view! {
        <PageHeader title=title lead="Access review" />
        <AdminNav />
        <p class="breadcrumb">
            "Definition: " <A href=definition_href(instance.definition_id)>{name}</A>
        </p>
        <section class="section" aria-labelledby="instance-heading">
            <h2 id="instance-heading">{format!("Review {}", instance.occurrence + 1)}</h2>
            <dl class="facts">
                <dt>"Resource"</dt>
                <dd>{instance.resource_name.clone()} " (" {resource_kind_label(&instance.resource).to_lowercase()} ")"</dd>
                <dt>"State"</dt>
                <dd>
                    <span class=state_badge(instance.state)>{state_label(instance.state)}</span>
                    {stage_text(&instance).map(|stage| view! { " " {stage} })}
                </dd>
                <dt>"Starts"</dt>
                <dd>{when(instance.starts_at)}</dd>
                <dt>"Ends"</dt>
                <dd>{when(instance.ends_at)}</dd>
                {instance.current_stage_ends_at.map(|at| view! { <dt>"Current stage ends"</dt> <dd>{when(at)}</dd> })}
                {instance.completed_at.map(|at| view! { <dt>"Completed"</dt> <dd>{when(at)}</dd> })}
                {instance.stopped.map(|stop| view! {
                    <dt>"Stopped"</dt>
                    <dd>{when(stop.at)} {format!(" in stage {}", stop.stage)}</dd>
                })}
                {instance.applied_at.map(|at| view! { <dt>"Applied"</dt> <dd>{when(at)}</dd> })}
                <dt>"Progress"</dt>
                <dd>{progress_bar(progress.decided, progress.total)}</dd>
            </dl>
            <ul class="review-counts" aria-label="Outcomes so far">
                <li><span class="badge badge-success">{format!("{} approved", progress.approved)}</span></li>
                <li><span class="badge badge-danger">{format!("{} denied", progress.denied)}</span></li>
                <li><span class="badge badge-info">{format!("{} don't know", progress.dont_know)}</span></li>
                <li><span class="badge badge-neutral">{format!("{} not reviewed", progress.not_reviewed)}</span></li>
                {(progress.by_no_response_rule > 0).then(|| view! {
                    <li><span class="badge badge-neutral">{format!("{} by the no-response rule", progress.by_no_response_rule)}</span></li>
                })}
            </ul>
            {stoppable.then(|| view! {
                <Show
                    when=move || confirming.get()
                    fallback=move || view! {
                        <button type="button" class="btn btn-danger-outline" on:click=move |_| confirming.set(true)>
                            "Stop review"
                        </button>
                    }
                >
                    <div class="confirm" role="group" aria-label="Stop the review">
                        <p>"Stop this review now? Reviewers can no longer decide; items nobody decided take the no-response rule. If results apply automatically, they apply now."</p>
                        <div class="row-actions">
                            <button
                                type="button"
                                class="btn btn-danger"
                                aria-disabled=move || busy(stop.pending().get())
                                on:click=move |_| {
                                    if !stop.pending().get_untracked() {
                                        stop.dispatch(id);
                                    }
                                }
                            >
                                "Yes, stop the review"
                            </button>
                            <button type="button" class="btn btn-secondary" on:click=move |_| confirming.set(false)>
                                "Keep it running"
                            </button>
                        </div>
                    </div>
                </Show>
            })}
            {appliable.then(|| view! {
                <div class="row-actions">
                    <p>"The review is complete. Applying its results removes the access that was denied."</p>
                    <button
                        type="button"
                        class="btn btn-primary"
                        aria-disabled=move || busy(apply.pending().get())
                        on:click=move |_| {
                            if !apply.pending().get_untracked() {
                                apply.dispatch(id);
                            }
                        }
                    >
                        "Apply results"
                    </button>
                </div>
            })}
        </section>
    }
}

#[component]
fn ResultsSection(id: ReviewInstanceId, changed: RwSignal<u32>) -> impl IntoView {
    let outcome = RwSignal::new(OutcomeChoice::All);
    let search = RwSignal::new(String::new());
    let results = PagedList::new(DEFAULT_PAGE_SIZE, move |page| {
        let query = ItemQuery {
            mine: false,
            outcome: outcome.get_untracked(),
            q: search.get_untracked(),
        };
        async move {
            api::reviews::items(id, &query, &page)
                .await
                .map(|page| (page.items, page.next_cursor))
        }
    });
    Effect::watch(
        move || changed.get(),
        move |_, _, _| results.reload(),
        false,
    );
    let on_search = move |ev: SubmitEvent| {
        ev.prevent_default();
        results.reload();
    };
    view! {
        <section class="section" aria-labelledby="results-heading">
            <h2 id="results-heading">"Results"</h2>
            <form class="form-inline search-form assignment-filters" role="search" on:submit=on_search>
                <div class="field">
                    <label for="results-outcome">"Outcome"</label>
                    <select
                        id="results-outcome"
                        prop:value=move || outcome.get().value()
                        on:change=move |ev| outcome.set(OutcomeChoice::parse(&event_target_value(&ev)))
                    >
                        {OutcomeChoice::ALL
                            .into_iter()
                            .map(|choice| view! {
                                <option value=choice.value() selected=move || outcome.get() == choice>{choice.label()}</option>
                            })
                            .collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="results-search">"Search by name"</label>
                    <input id="results-search" type="search" autocomplete="off" bind:value=search />
                </div>
                <div class="form-actions">
                    <button type="submit" class="btn btn-secondary">"Show results"</button>
                    <a
                        class="btn btn-ghost"
                        href=move || results_csv_href(id, &ItemQuery {
                            mine: false,
                            outcome: outcome.get(),
                            q: search.get(),
                        })
                        download=""
                    >
                        "Download CSV"
                    </a>
                </div>
            </form>
            {move || match results.shape() {
                Shape::Loading => view! { <Loading label="Loading the results…" /> }.into_any(),
                Shape::Failed(error) => {
                    view! { <ErrorState error=error retry=Callback::new(move |_| results.reload()) /> }.into_any()
                }
                Shape::Empty => view! { <EmptyState title="No item matches these filters." /> }.into_any(),
                Shape::Filled => view! {
                    <div class="table-wrap" role="group" aria-labelledby="results-heading" tabindex="0">
                        <table class="table table-wrapping">
                            <thead>
                                <tr>
                                    <th scope="col">"Person"</th>
                                    <th scope="col">"Last sign-in"</th>
                                    <th scope="col">"Recommendation"</th>
                                    <th scope="col">"Decision"</th>
                                    <th scope="col">"Outcome"</th>
                                    <th scope="col">"Applied"</th>
                                </tr>
                            </thead>
                            <tbody>
                                <For
                                    each=move || results.with_items(Vec::clone)
                                    key=|item| (item.id, item.stage, item.decision.as_ref().map(|d| d.at), item.applied)
                                    let(item)
                                >
                                    <ResultRow item=item />
                                </For>
                            </tbody>
                        </table>
                    </div>
                }
                .into_any(),
            }}
            <LoadMore list=results />
        </section>
    }
}

#[component]
fn ResultRow(item: ReviewItemView) -> impl IntoView {
    let outcome = item
        .final_outcome
        .map(|final_outcome| final_outcome.outcome)
        .unwrap_or_else(|| {
            item.decision
                .as_ref()
                .map_or(tessera_domain::review::ReviewOutcome::NotReviewed, |d| {
                    d.verdict.outcome()
                })
        });
    let decision = item.decision.clone();
    let earlier: Vec<String> = item
        .earlier_decisions
        .iter()
        .map(|earlier| {
            format!(
                "Stage {}: {}",
                earlier.stage,
                outcome_label(earlier.outcome)
            )
        })
        .collect();
    view! {
        <tr>
            <th scope="row">{person(&item.person)}</th>
            <td>{match item.last_sign_in_at {
                Some(at) => when(at).into_any(),
                None => "Never".into_any(),
            }}</td>
            <td>
                {recommended_label(item.recommendation.verdict)}
                <span class="choice-hint">{sentence(&item.recommendation.message)}</span>
            </td>
            <td>
                {match decision {
                    None => "Not decided".into_any(),
                    Some(decision) => view! {
                        {decided_label(decision.verdict)}
                        {source_label(decision.source)}
                        <span class="choice-hint">{format!("Stage {}, ", item.stage)} {when(decision.at)}</span>
                        {decision.justification.map(|why| view! { <span class="choice-hint">"“" {why.as_str().to_string()} "”"</span> })}
                    }
                    .into_any(),
                }}
                {earlier.into_iter().map(|line| view! { <span class="choice-hint">{line}</span> }).collect_view()}
            </td>
            <td>
                <span class=outcome_badge(outcome)>{outcome_label(outcome)}</span>
                {item.final_outcome.is_none().then(|| view! { <span class="choice-hint">"so far"</span> })}
            </td>
            <td>{item.applied.map(apply_label).unwrap_or("—")}</td>
        </tr>
    }
}

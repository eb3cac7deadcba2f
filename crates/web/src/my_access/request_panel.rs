//! The request panel of one access package (`/access-packages/{id}`), opened from the list or
//! by a direct link (hidden packages too): what stands in the way, in words, or the policy to
//! ask under, its questions, a justification, dates when the policy lets requesters choose
//! them, and, for managers, a direct report to ask for. `?resubmit={request}` fills it in from
//! an earlier request that was denied, expired or canceled.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use tessera_domain::access::{
    Blocker, NewRequestInput, PackageCard, RequestOptions, RequestView, RequestablePolicy,
};
use tessera_domain::assignment::PersonSummary;
use tessera_domain::policy::QuestionDefinition;
use tessera_domain::{AccessPackageId, RequestId, UserId};

use super::access_packages::{JustificationField, RefusalAlert};
use super::questions::{AnsweredIn, PolicyQuestions};
use super::requests::request_href;
use crate::api::{self, ApiError};
use crate::assignments::{AnswerDraft, expiry_hint};
use crate::components::{
    ErrorState, Loading, Notice, PageHeader, TextField, Tone, busy, described_by,
};
use crate::forms::sentence;
use crate::my_access::{
    PackagesTab, RequestForm, Whom, approval_words, describe_blocker, drafts_from, joined,
    on_behalf, submitted_words,
};
use crate::pages::browser_clock::browser_time;
use crate::pages::common::param_id;
use crate::routes;

#[component]
pub fn RequestPackagePage() -> impl IntoView {
    let id = param_id::<AccessPackageId>("id");
    let query = use_query_map();
    move || {
        let resubmit = query
            .with_untracked(|q| q.get("resubmit"))
            .and_then(|raw| raw.parse::<RequestId>().ok());
        let report = query
            .with_untracked(|q| q.get(routes::FOR_PARAM))
            .and_then(|raw| raw.parse::<UserId>().ok());
        match id.get() {
            Some(package) => {
                view! { <RequestPanel package=package resubmit=resubmit report=report /> }
                    .into_any()
            }
            None => view! {
                <PageHeader title="Access package" />
                <ErrorState error=ApiError::from_response(404, "", None) />
            }
            .into_any(),
        }
    }
}

/// Reads the earlier request to fill the panel in from, if any. One that cannot be read, or
/// was for another package, fills in nothing. `report` is the direct report chosen before
/// (`?for=`, from "My team").
#[component]
fn RequestPanel(
    package: AccessPackageId,
    resubmit: Option<RequestId>,
    report: Option<UserId>,
) -> impl IntoView {
    let earlier = LocalResource::new(move || async move {
        match resubmit {
            Some(id) => api::requests::get(id)
                .await
                .ok()
                .filter(|request| request.access_package_id == package),
            None => None,
        }
    });
    view! {
        <Suspense fallback=|| view! { <Loading label="Loading the access package…" /> }>
            {move || Suspend::new(async move {
                let earlier = earlier.await;
                view! { <PanelBody package=package earlier=earlier chosen_report=report /> }
            })}
        </Suspense>
    }
}

/// Who the panel asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Myself,
    Report(UserId),
    /// "Someone who reports to me" is chosen, but not the person yet.
    NobodyYet,
}

impl Target {
    fn user(self) -> Option<UserId> {
        match self {
            Target::Report(id) => Some(id),
            Target::Myself | Target::NobodyYet => None,
        }
    }
}

#[component]
fn PanelBody(
    package: AccessPackageId,
    earlier: Option<RequestView>,
    chosen_report: Option<UserId>,
) -> impl IntoView {
    let earlier_report = earlier
        .as_ref()
        .filter(|request| on_behalf(request))
        .map(|request| request.target.id.to_string())
        .or_else(|| chosen_report.map(|id| id.to_string()));
    let for_report = RwSignal::new(earlier_report.is_some());
    let report = RwSignal::new(earlier_report.unwrap_or_default());
    // Only the person's direct reports can be asked for: the choice is offered to managers.
    let reports = LocalResource::new(api::people::my_reports);
    let my_reports = Memo::new(move |_| {
        reports
            .get()
            .and_then(Result::ok)
            .map(|page| page.items)
            .unwrap_or_default()
    });
    let target = Memo::new(move |_| {
        if !for_report.get() {
            Target::Myself
        } else {
            report
                .with(|id| id.parse::<UserId>().ok())
                .map_or(Target::NobodyYet, Target::Report)
        }
    });
    let options = LocalResource::new(move || {
        let target = target.get();
        async move {
            match target {
                Target::NobodyYet => Ok(None),
                Target::Myself | Target::Report(_) => {
                    api::access::request_options(package, target.user())
                        .await
                        .map(Some)
                }
            }
        }
    });
    let loaded = move || options.get().and_then(Result::ok).flatten();
    // The package as last read, kept while another person's options load.
    let card = Memo::new(move |previous: Option<&Option<PackageCard>>| {
        loaded()
            .map(|options| options.package)
            .or_else(|| previous.cloned().flatten())
    });
    // Offered to managers once any answer shows a policy that lets them ask for their reports.
    let offers_on_behalf = Memo::new(move |previous: Option<&bool>| {
        previous.copied().unwrap_or(false)
            || for_report.get()
            || (!my_reports.with(Vec::is_empty)
                && loaded().is_some_and(|options| {
                    options
                        .policies
                        .iter()
                        .any(|policy| policy.definition.requester.on_behalf_of_direct_reports)
                }))
    });
    let report_error =
        Signal::derive(move || options.get()?.err()?.field_message("target_user_id"));
    let report_name = Signal::derive(move || {
        let id = report.get();
        my_reports
            .with(|people| {
                people
                    .iter()
                    .find(|person| person.id.to_string() == id)
                    .map(report_label)
            })
            .unwrap_or_else(|| "this person".to_string())
    });
    let earlier = StoredValue::new(earlier);
    view! {
        {move || {
            let title = card.with(|card| card.as_ref().map(|card| card.name.clone()));
            view! { <PageHeader title=title.unwrap_or_else(|| "Access package".to_string()) /> }
        }}
        <p class="breadcrumb">
            <A href=routes::asking_for(routes::ACCESS_PACKAGES, chosen_report)>"Access packages"</A>
        </p>
        {move || card.get().map(|card| view! { <PackageFacts card=card /> })}
        <Show when=move || offers_on_behalf.get()>
            <fieldset class="field request-for">
                <legend>"Request for"</legend>
                <div class="choices">
                    <label class="choice">
                        <input
                            type="radio"
                            name="request-for"
                            value="myself"
                            prop:checked=move || !for_report.get()
                            on:change=move |_| for_report.set(false)
                        />
                        <span>"Myself"</span>
                    </label>
                    <label class="choice">
                        <input
                            type="radio"
                            name="request-for"
                            value="report"
                            prop:checked=move || for_report.get()
                            on:change=move |_| for_report.set(true)
                        />
                        <span>
                            "Someone who reports to me"
                            <span class="choice-hint">"One of your direct reports. You answer the policy's questions for them."</span>
                        </span>
                    </label>
                </div>
                <Show when=move || for_report.get()>
                    <ReportSelect value=report reports=my_reports error=report_error />
                </Show>
            </fieldset>
        </Show>
        <Transition fallback=|| view! { <Loading label="Checking what you can request…" /> }>
            {move || Suspend::new(async move {
                match options.await {
                    Ok(None) => view! {
                        <p class="section-lead">"Choose the person you ask for."</p>
                    }
                    .into_any(),
                    Ok(Some(options)) => {
                        let target = target.get_untracked();
                        let whom = match target {
                            Target::Report(_) => Some(report_name.get_untracked()),
                            Target::Myself | Target::NobodyYet => None,
                        };
                        view! {
                            <RequestBody
                                package=package
                                options=options
                                target=target.user()
                                whom=whom
                                earlier=earlier.get_value()
                            />
                        }
                        .into_any()
                    }
                    // Shown at the person picker.
                    Err(error) if error.field_message("target_user_id").is_some() => ().into_any(),
                    Err(error) => view! {
                        <ErrorState error=error retry=Callback::new(move |_| options.refetch()) />
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}

/// The direct report to ask for: a labelled `<select>` of the person's reports only.
#[component]
fn ReportSelect(
    /// The chosen person's id ("" for none).
    value: RwSignal<String>,
    reports: Memo<Vec<PersonSummary>>,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let invalid = move || error.with(Option::is_some);
    view! {
        <div class="field" class:field-invalid=invalid>
            <label for="request-target">"Person"</label>
            <select
                id="request-target"
                aria-invalid=move || invalid().then_some("true")
                aria-describedby=described_by(
                    String::new(),
                    || false,
                    "request-target-error".to_string(),
                    invalid,
                )
                prop:value=move || value.get()
                on:change=move |ev| value.set(event_target_value(&ev))
            >
                <option value="">"Choose the person…"</option>
                {move || {
                    let chosen = value.get();
                    reports
                        .get()
                        .into_iter()
                        .map(|person| {
                            let id = person.id.to_string();
                            let selected = id == chosen;
                            view! {
                                <option value=id selected=selected>
                                    {report_label(&person)}
                                </option>
                            }
                        })
                        .collect_view()
                }}
            </select>
            {move || {
                error
                    .get()
                    .map(|message| {
                        view! {
                            <p class="field-error" id="request-target-error">
                                {sentence(&message)}
                            </p>
                        }
                    })
            }}
        </div>
    }
}

/// A report as the list and the sentences name them: `Bob Builder (bob)`.
fn report_label(person: &PersonSummary) -> String {
    format!("{} ({})", person.display_name, person.username)
}

#[component]
fn PackageFacts(card: PackageCard) -> impl IntoView {
    view! {
        {(!card.description.is_empty()).then(|| view! { <p class="lead package-lead">{card.description.clone()}</p> })}
        <dl class="facts package-facts">
            <dt>"Catalog"</dt>
            <dd>{card.catalog_name.clone()}</dd>
            <dt>"Gives"</dt>
            <dd>
                {if card.resources.is_empty() {
                    "Nothing yet".to_string()
                } else {
                    joined(&card.resources)
                }}
            </dd>
        </dl>
    }
}

#[component]
fn RequestBody(
    package: AccessPackageId,
    options: RequestOptions,
    target: Option<UserId>,
    /// The direct report's name, when asking for one.
    whom: Option<String>,
    earlier: Option<RequestView>,
) -> impl IntoView {
    if !options.blockers.is_empty() {
        return view! { <Blockers blockers=options.blockers whom=whom /> }.into_any();
    }
    view! {
        <RequestFormPanel
            package=package
            policies=options.policies
            target=target
            earlier=earlier
        />
    }
    .into_any()
}

/// What stands in the way, each reason in words, with a link where one helps.
#[component]
fn Blockers(blockers: Vec<Blocker>, whom: Option<String>) -> impl IntoView {
    let title = match &whom {
        None => "You can't request this package now".to_string(),
        Some(name) => format!("You can't request this package for {name} now"),
    };
    view! {
        <section class="section" aria-labelledby="blockers-heading">
            <div class="alert alert-info blockers">
                <h2 class="alert-title" id="blockers-heading">{title}</h2>
                <ul>
                    {blockers
                        .into_iter()
                        .map(|blocker| {
                            let words = describe_blocker(
                                &blocker,
                                whom.as_deref().map_or(Whom::Myself, Whom::Other),
                            );
                            let link = match &blocker {
                                Blocker::PendingRequest { request_id } => Some(
                                    view! { " " <A href=request_href(*request_id)>"See the request"</A> }
                                        .into_any(),
                                ),
                                Blocker::AlreadyAssigned { .. } if whom.is_none() => Some(
                                    view! {
                                        " "
                                        <a href=PackagesTab::Active.href(routes::ACCESS_PACKAGES)>
                                            "See your access"
                                        </a>
                                    }
                                    .into_any(),
                                ),
                                Blocker::NotInScope
                                | Blocker::AlreadyAssigned { .. }
                                | Blocker::Conflict { .. }
                                | Blocker::CatalogDisabled => None,
                            };
                            view! { <li>{words} {link}</li> }
                        })
                        .collect_view()}
                </ul>
            </div>
        </section>
    }
}

/// The form of a request: policy, questions, justification, dates. Sent with one
/// `Idempotency-Key` for this form, reused when a submission is tried again (after a lost
/// answer, or refused fields corrected), so that the same form never makes two requests.
#[component]
fn RequestFormPanel(
    package: AccessPackageId,
    policies: Vec<RequestablePolicy>,
    target: Option<UserId>,
    earlier: Option<RequestView>,
) -> impl IntoView {
    let first = earlier
        .as_ref()
        .and_then(|request| request.policy_id)
        .filter(|id| policies.iter().any(|policy| policy.id == *id))
        .or_else(|| policies.first().map(|policy| policy.id))
        .map(|id| id.to_string())
        .unwrap_or_default();
    let several = policies.len() > 1;
    let policies = StoredValue::new(policies);
    let policy_id = RwSignal::new(first);
    let chosen = Memo::new(move |_| {
        let id = policy_id.get();
        policies.with_value(|all| {
            all.iter()
                .find(|policy| policy.id.to_string() == id)
                .cloned()
        })
    });
    let questions_of = move |policy: Option<&RequestablePolicy>| -> Vec<QuestionDefinition> {
        policy.map_or_else(Vec::new, |policy| {
            policy.definition.requester.questions.clone()
        })
    };
    let initial_answers = chosen.with_untracked(|policy| {
        let questions = questions_of(policy.as_ref());
        match &earlier {
            Some(earlier) => drafts_from(&questions, &earlier.answers),
            None => vec![AnswerDraft::default(); questions.len()],
        }
    });
    let answers = RwSignal::new(initial_answers);
    let justification = RwSignal::new(
        earlier
            .as_ref()
            .and_then(|request| request.justification.clone())
            .unwrap_or_default(),
    );
    let starts_at = RwSignal::new(String::new());
    let ends_at = RwSignal::new(String::new());

    let key = StoredValue::new(api::requests::new_idempotency_key());
    let submit = Action::new_local(move |input: &NewRequestInput| {
        let input = input.clone();
        let key = key.get_value();
        async move { api::requests::submit(&input, &key).await }
    });
    let submitted = Memo::new(move |_| submit.value().get().and_then(Result::ok));
    let refused_here = RwSignal::new(None::<ApiError>);
    let error = Signal::derive(move || {
        refused_here
            .get()
            .or_else(|| submit.value().get().and_then(Result::err))
    });
    let field = move |name: &'static str| Signal::derive(move || error.get()?.field_message(name));

    let choose_policy = move |id: String| {
        policy_id.set(id);
        let count = chosen.with_untracked(|policy| questions_of(policy.as_ref()).len());
        answers.set(vec![AnswerDraft::default(); count]);
    };
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if submit.pending().get_untracked() {
            return;
        }
        let form = RequestForm {
            policy_id: policy_id.get_untracked(),
            target_user_id: target,
            justification: justification.get_untracked(),
            starts_at: starts_at.get_untracked(),
            ends_at: ends_at.get_untracked(),
            answers: answers.get_untracked(),
        };
        match policies.with_value(|all| form.parse(package, all, browser_time)) {
            Ok(input) => {
                refused_here.set(None);
                submit.value().set(None);
                submit.dispatch(input);
            }
            Err(refusal) => refused_here.set(Some(refusal)),
        }
    };

    let policy_error = field("policy_id");
    let required = Signal::derive(move || {
        chosen.with(|policy| {
            policy
                .as_ref()
                .is_some_and(|policy| policy.definition.requester.justification_required)
        })
    });
    let may_choose_dates = Memo::new(move |_| {
        chosen.with(|policy| {
            policy
                .as_ref()
                .is_some_and(|policy| policy.definition.requester.may_choose_dates)
        })
    });
    let target_error = field("target_user_id");

    let form = move || {
        view! {
            <form class="form request-form" novalidate on:submit=on_submit aria-labelledby="request-heading">
                <h2 id="request-heading">"Request access"</h2>
                {move || error.get().map(|error| view! { <RefusalAlert error=error title="Your request was not submitted." /> })}
                {move || target_error.get().map(|message| view! { <p class="field-error">{sentence(&message)}</p> })}
                {if several {
                    view! {
                        <fieldset
                            class="field"
                            class:field-invalid=move || policy_error.with(Option::is_some)
                            aria-describedby=move || policy_error.with(Option::is_some).then_some("request-policy-error")
                        >
                            <legend>"Policy"</legend>
                            <div class="choices">
                                {policies
                                    .get_value()
                                    .into_iter()
                                    .map(|policy| {
                                        let value = policy.id.to_string();
                                        let checked = value.clone();
                                        let chosen_value = value.clone();
                                        view! {
                                            <label class="choice">
                                                <input
                                                    type="radio"
                                                    name="request-policy"
                                                    value=value
                                                    prop:checked=move || policy_id.with(|id| *id == checked)
                                                    on:change=move |_| choose_policy(chosen_value.clone())
                                                />
                                                <span>
                                                    {policy.definition.name.clone()}
                                                    {(!policy.definition.description.is_empty()).then(|| view! {
                                                        <span class="choice-hint">{policy.definition.description.clone()}</span>
                                                    })}
                                                    <span class="choice-hint">
                                                        {approval_words(&policy)} " " {expiry_hint(&policy.definition)}
                                                    </span>
                                                </span>
                                            </label>
                                        }
                                    })
                                    .collect_view()}
                            </div>
                            {move || policy_error.get().map(|m| view! { <p class="field-error" id="request-policy-error">{sentence(&m)}</p> })}
                        </fieldset>
                    }
                    .into_any()
                } else {
                    view! {
                        <div class="policy-summary">
                            {move || chosen.get().map(|policy| view! {
                                <dl class="facts">
                                    <dt>"Policy"</dt>
                                    <dd>
                                        {policy.definition.name.clone()}
                                        {(!policy.definition.description.is_empty()).then(|| view! {
                                            <span class="choice-hint">{policy.definition.description.clone()}</span>
                                        })}
                                    </dd>
                                    <dt>"Approval"</dt>
                                    <dd>{approval_words(&policy)}</dd>
                                    <dt>"Access"</dt>
                                    <dd>{expiry_hint(&policy.definition)}</dd>
                                </dl>
                            })}
                            {move || policy_error.get().map(|m| view! { <p class="field-error">{sentence(&m)}</p> })}
                        </div>
                    }
                    .into_any()
                }}
                {move || {
                    let questions = chosen.with(|policy| questions_of(policy.as_ref()));
                    view! {
                        <PolicyQuestions
                            answered_in=AnsweredIn::Request
                            questions=questions
                            answers=answers
                            error=error
                        />
                    }
                }}
                <JustificationField
                    id="request-justification"
                    label="Justification"
                    value=justification
                    required=required
                    error=field("justification")
                    hint="Why you need this access. Approvers read it."
                />
                <Show when=move || may_choose_dates.get()>
                    <TextField
                        id="request-starts"
                        label="Starts"
                        input_type="datetime-local"
                        value=starts_at
                        error=field("starts_at")
                        hint="Optional, in your time zone. Left empty, access starts once the request is granted."
                    />
                    <TextField
                        id="request-ends"
                        label="Ends"
                        input_type="datetime-local"
                        value=ends_at
                        error=field("ends_at")
                        hint="Optional, in your time zone. Left empty, the policy decides; it may not be later than the policy allows."
                    />
                </Show>
                <div class="form-actions">
                    <button type="submit" class="btn btn-primary" aria-disabled=move || busy(submit.pending().get())>
                        {move || if submit.pending().get() { "Submitting…" } else { "Submit request" }}
                    </button>
                </div>
            </form>
        }
    };

    view! {
        <section class="section" aria-labelledby="request-heading">
            {move || match submitted.get() {
                Some(request) => view! { <Submitted request=request /> }.into_any(),
                None => form().into_any(),
            }}
        </section>
    }
}

#[component]
fn Submitted(request: RequestView) -> impl IntoView {
    view! {
        <h2 id="request-heading">"Request submitted"</h2>
        <Notice tone=Tone::Success>
            <p>{submitted_words(&request)}</p>
            <p>
                <A href=request_href(request.id)>"Follow it in Request history"</A>
            </p>
        </Notice>
    }
}

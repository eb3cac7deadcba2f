//! The access review a policy carries for its own assignments, on the package's page: whether
//! the policy carries one and what it is (reviewers, stages, schedule, settings), setting it up
//! or changing it with the review editor, and removing it.
//!
//! Anyone who may read the package sees it; catalog owners, access package managers and
//! administrators change it. The link to the review definition's own page is for those who
//! manage reviews there: administrators and catalog owners.

use leptos::prelude::*;
use leptos_router::components::A;
use tessera_domain::AccessPackageId;
use tessera_domain::package::PolicyView;
use tessera_domain::review::ReviewDefinitionView;

use super::admin::{DefinitionFacts, definition_href};
use super::editor::{ReviewEditor, ReviewedPolicy};
use crate::api::{self, ApiError};
use crate::components::{ErrorAlert, ErrorState, Loading, Notice, Tone};
use crate::pages::common::action_error;
use crate::pages::confirm_delete::AskBeforeDeleting;

/// What the section shows.
#[derive(Clone, Debug, PartialEq)]
enum Showing {
    /// Whether the policy carries a review, and what it is.
    Review,
    /// The editor, for the stored review or a new one.
    Editor(Option<Box<ReviewDefinitionView>>),
}

#[component]
pub fn PolicyReviewSection(
    package: AccessPackageId,
    policy: PolicyView,
    /// Whether the signed-in person may set up, change and remove the review.
    editable: bool,
    /// Whether they may open the review definition's own page.
    may_open_definition: bool,
    on_close: Callback<()>,
) -> impl IntoView {
    let target = ReviewedPolicy {
        package,
        policy: policy.id,
    };
    let review = LocalResource::new(move || api::packages::policy_review(package, target.policy));
    // Outside the review's Suspend, which is drawn again whenever the review is read again:
    // the editor closes itself from its own action, and the removal changes the review.
    let showing = RwSignal::new(Showing::Review);
    let notice = RwSignal::new(None::<&'static str>);
    let confirming = RwSignal::new(false);
    let remove = Action::new_local(move |_: &()| async move {
        api::packages::delete_policy_review(package, target.policy).await?;
        confirming.set(false);
        notice.set(Some("The access review was removed."));
        review.refetch();
        Ok::<(), ApiError>(())
    });
    let remove_error = action_error(remove);
    let name = policy.definition.name.clone();
    let heading = format!("Access review of {name}");
    view! {
        <section class="subform" aria-labelledby="policy-review-heading">
            <div class="section-heading">
                <h3 id="policy-review-heading">{heading}</h3>
                <button type="button" class="btn btn-ghost btn-small" on:click=move |_| on_close.run(())>
                    "Close"
                </button>
            </div>
            <p class="section-lead">
                "Asks reviewers, once or regularly, whether each person assigned this package under this policy still needs it."
            </p>
            {move || notice.get().map(|text| view! { <Notice tone=Tone::Success>{text}</Notice> })}
            {move || remove_error.get().map(|error| view! { <ErrorAlert error=error title="The access review was not removed." /> })}
            {move || match showing.get() {
                Showing::Editor(existing) => view! {
                    <ReviewEditor
                        existing=existing.map(|view| *view)
                        policy=target
                        on_saved=Callback::new(move |_| {
                            notice.set(Some("The access review was saved."));
                            showing.set(Showing::Review);
                            review.refetch();
                        })
                        on_cancel=Callback::new(move |_| showing.set(Showing::Review))
                    />
                }
                .into_any(),
                Showing::Review => view! {
                    <Transition fallback=|| view! { <Loading label="Loading the access review…" /> }>
                        {move || Suspend::new(async move {
                            match review.await {
                                Err(error) => view! {
                                    <ErrorState error=error retry=Callback::new(move |_| review.refetch()) />
                                }
                                .into_any(),
                                Ok(None) => view! {
                                    <NoReview editable=editable showing=showing notice=notice />
                                }
                                .into_any(),
                                Ok(Some(view)) => view! {
                                    <CarriedReview
                                        view=view
                                        editable=editable
                                        may_open_definition=may_open_definition
                                        showing=showing
                                        notice=notice
                                        confirming=confirming
                                        remove=remove
                                    />
                                }
                                .into_any(),
                            }
                        })}
                    </Transition>
                }
                .into_any(),
            }}
        </section>
    }
}

#[component]
fn NoReview(
    editable: bool,
    showing: RwSignal<Showing>,
    notice: RwSignal<Option<&'static str>>,
) -> impl IntoView {
    view! {
        <p>"This policy carries no access review."</p>
        {editable.then(|| view! {
            <button
                type="button"
                class="btn btn-primary"
                on:click=move |_| {
                    notice.set(None);
                    showing.set(Showing::Editor(None));
                }
            >
                "Set up an access review"
            </button>
        })}
    }
}

#[component]
fn CarriedReview(
    view: ReviewDefinitionView,
    editable: bool,
    may_open_definition: bool,
    showing: RwSignal<Showing>,
    notice: RwSignal<Option<&'static str>>,
    confirming: RwSignal<bool>,
    remove: Action<(), Result<(), ApiError>>,
) -> impl IntoView {
    let id = view.id;
    let name = view.definition.name.clone();
    let stored = StoredValue::new(view.clone());
    view! {
        <p>
            "This policy carries the access review "
            {if may_open_definition {
                view! { <A href=definition_href(id)>{name}</A> }.into_any()
            } else {
                view! { <strong>{name}</strong> }.into_any()
            }}
            "."
        </p>
        <DefinitionFacts view=view with_resources=false />
        {editable.then(|| view! {
            <div class="row-actions">
                <button
                    type="button"
                    class="btn btn-secondary"
                    on:click=move |_| {
                        notice.set(None);
                        showing.set(Showing::Editor(Some(Box::new(stored.get_value()))));
                    }
                >
                    "Change the access review"
                </button>
            </div>
            <div class="danger-zone">
                <AskBeforeDeleting
                    ask="Remove the access review"
                    question="Remove this access review, with its reviews in progress and the history of their results? This cannot be undone."
                    confirm="Yes, remove the access review"
                    confirming=confirming
                    pending=remove.pending()
                    on_confirm=Callback::new(move |_| {
                        remove.dispatch(());
                    })
                    on_ask=Callback::new(move |_| notice.set(None))
                />
            </div>
        })}
    }
}

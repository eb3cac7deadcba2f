//! A policy's custom extensions as the package page shows them, and its signing secret: shown
//! once after the save that made it, and made anew (shown once again) by "Rotate extension
//! secret".

use leptos::prelude::*;
use tessera_domain::AccessPackageId;
use tessera_domain::package::PolicyView;

use super::draft::{mode_label, stage_label, wait_words};
use crate::api::{self, ApiError};
use crate::components::{ErrorAlert, ShownOnce};
use crate::pages::common::action_error;
use crate::pages::confirm_delete::AskBeforeDeleting;
use crate::pages::lists::Table;

/// What receivers of a policy's calls do with its secret.
#[component]
pub fn SecretUse() -> impl IntoView {
    view! {
        <p>
            "The endpoints verify each call's " <code>"webhook-signature"</code>
            " header with it, as webhook receivers do (any Standard Webhooks library)."
        </p>
    }
}

/// The secret a save gave a policy, shown this once.
#[component]
pub fn FirstExtensionSecret(
    policy_name: String,
    secret: String,
    on_done: Callback<()>,
) -> impl IntoView {
    view! {
        <ShownOnce
            id="first-extension-secret"
            title=format!("Extension signing secret of {policy_name}")
            secret=secret
            on_done=on_done
        >
            <SecretUse />
        </ShownOnce>
    }
}

#[component]
pub fn PolicyExtensions(
    package: AccessPackageId,
    policy: PolicyView,
    /// Whether the signed-in person may change the policy, and so rotate its secret.
    editable: bool,
    on_close: Callback<()>,
) -> impl IntoView {
    let name = policy.definition.name.clone();
    let policy_id = policy.id;
    let extensions = policy.definition.custom_extensions.clone();
    let secret = RwSignal::new(None::<String>);
    let confirming = RwSignal::new(false);
    let rotate = Action::new_local(move |_: &()| async move {
        let answer = api::packages::rotate_extension_secret(package, policy_id).await?;
        confirming.set(false);
        secret.set(Some(answer.secret));
        Ok::<(), ApiError>(())
    });
    let error = action_error(rotate);
    view! {
        <section class="subform" aria-labelledby="policy-extensions-heading">
            <div class="section-heading">
                <h3 id="policy-extensions-heading">{format!("Custom extensions of {name}")}</h3>
                <button type="button" class="btn btn-ghost btn-small" on:click=move |_| on_close.run(())>
                    "Close"
                </button>
            </div>
            <Table labelled_by="policy-extensions-heading" columns=&["Extension", "When it is called", "Mode", "Wait", "Endpoint URL"]>
                {extensions
                    .into_iter()
                    .map(|extension| {
                        let wait = wait_words(&extension).unwrap_or_else(|| "Does not wait".into());
                        view! {
                            <tr>
                                <th scope="row">{extension.name.clone()}</th>
                                <td>{stage_label(extension.stage)}</td>
                                <td>{mode_label(extension.mode)}</td>
                                <td>{wait}</td>
                                <td><code>{extension.url.clone()}</code></td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </Table>
            <p class="section-lead">
                "Tessera signs every call with the policy's secret. Rotating makes a new secret, shown once; for the next 24 hours (the overlap window) every call is signed with both, so give the new one to the endpoints within that time."
            </p>
            {move || secret.get().map(|secret_value| view! {
                <ShownOnce
                    id="rotated-extension-secret"
                    title=format!("New extension signing secret of {name}")
                    secret=secret_value
                    on_done=Callback::new(move |_| secret.set(None))
                >
                    <SecretUse />
                </ShownOnce>
            })}
            {move || error.get().map(|error| view! { <ErrorAlert error=error title="The secret was not rotated." /> })}
            {editable.then(|| view! {
                <AskBeforeDeleting
                    ask="Rotate extension secret"
                    question="Make a new signing secret for this policy's extensions? The current one keeps signing calls beside it during the overlap window (24 hours by default)."
                    confirm="Yes, make a new secret"
                    confirming=confirming
                    pending=rotate.pending()
                    on_confirm=Callback::new(move |_| {
                        rotate.dispatch(());
                    })
                    on_ask=Callback::new(move |_| secret.set(None))
                />
            })}
        </section>
    }
}

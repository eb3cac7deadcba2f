//! Deleting something in two clicks: a button, a question and a second button. `AskBeforeDeleting`
//! is those clicks for any deletion; `ConfirmDelete` deletes a catalog, an access package, a
//! group or an application with them, then goes back to the list it was in.

use leptos::ev::KeyboardEvent;
use leptos::html;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use tessera_domain::{AccessPackageId, ApplicationId, CatalogId, GroupId};

use super::catalogs::catalog_href;
use super::common::action_error;
use crate::api::{self, ApiError};
use crate::components::{ErrorAlert, busy, focus_on_mount};
use crate::routes;

/// What a `ConfirmDelete` deletes.
#[derive(Clone, Copy, Debug)]
pub enum Deletable {
    Catalog(CatalogId),
    AccessPackage {
        id: AccessPackageId,
        catalog: CatalogId,
    },
    Group(GroupId),
    Application(ApplicationId),
}

impl Deletable {
    /// How the page names it: "catalog", "access package".
    pub fn noun(self) -> &'static str {
        match self {
            Deletable::Catalog(_) => "catalog",
            Deletable::AccessPackage { .. } => "access package",
            Deletable::Group(_) => "group",
            Deletable::Application(_) => "application",
        }
    }

    /// The question the second button answers.
    fn question(self) -> String {
        match self {
            Deletable::AccessPackage { .. } => {
                "Delete this access package and its policies? This cannot be undone.".to_string()
            }
            Deletable::Catalog(_) | Deletable::Group(_) | Deletable::Application(_) => {
                format!("Delete this {}? This cannot be undone.", self.noun())
            }
        }
    }

    /// Deletes it, and answers the path of the list it was in.
    async fn delete(self) -> Result<String, ApiError> {
        match self {
            Deletable::Catalog(id) => {
                api::catalogs::delete(id).await?;
                Ok(routes::ADMIN_CATALOGS.to_string())
            }
            Deletable::AccessPackage { id, catalog } => {
                api::packages::delete(id).await?;
                Ok(catalog_href(catalog))
            }
            Deletable::Group(id) => {
                api::directory::delete_group(id).await?;
                Ok(routes::ADMIN_GROUPS.to_string())
            }
            Deletable::Application(id) => {
                api::directory::delete_application(id).await?;
                Ok(routes::ADMIN_APPLICATIONS.to_string())
            }
        }
    }
}

/// Deletes `target` after a second click, then goes back to the list it was in. The caller
/// puts it in its danger zone.
#[component]
pub fn ConfirmDelete(target: Deletable) -> impl IntoView {
    let noun = target.noun();
    let navigate = use_navigate();
    let confirming = RwSignal::new(false);
    let delete = Action::new_local(move |_: &()| {
        let navigate = navigate.clone();
        async move {
            let back = target.delete().await?;
            navigate(&back, Default::default());
            Ok::<(), ApiError>(())
        }
    });
    let error = action_error(delete);
    view! {
        {move || error.get().map(|error| view! { <ErrorAlert error=error title=format!("The {noun} was not deleted.") /> })}
        <AskBeforeDeleting
            ask=format!("Delete {noun}")
            question=target.question()
            confirm=format!("Yes, delete the {noun}")
            confirming=confirming
            pending=delete.pending()
            on_confirm=Callback::new(move |_| {
                delete.dispatch(());
            })
        />
    }
}

/// Asks before deleting: the `ask` button opens `question`, whose `confirm` button runs
/// `on_confirm` (ignored while `pending`) and whose "Keep it" closes it again. `on_ask` runs
/// with the first click, for a page that clears what it said before.
#[component]
pub fn AskBeforeDeleting(
    /// "Delete catalog".
    #[prop(into)]
    ask: String,
    #[prop(into)] question: String,
    /// "Yes, delete the catalog".
    #[prop(into)]
    confirm: String,
    confirming: RwSignal<bool>,
    #[prop(into)] pending: Signal<bool>,
    on_confirm: Callback<()>,
    #[prop(optional)] on_ask: Option<Callback<()>>,
) -> impl IntoView {
    let opener = NodeRef::<html::Button>::new();
    let asking = NodeRef::<html::Div>::new();
    // The question takes focus as it opens; closing it (Keep it, Escape) returns focus to the
    // button that opened it, drawn again.
    focus_on_mount(asking);
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
    let label = question.clone();
    view! {
        <Show
            when=move || confirming.get()
            fallback=move || view! {
                <button
                    type="button"
                    class="btn btn-danger-outline"
                    node_ref=opener
                    on:click=move |_| {
                        if let Some(on_ask) = on_ask {
                            on_ask.run(());
                        }
                        confirming.set(true);
                    }
                >
                    {ask.clone()}
                </button>
            }
        >
            <div
                class="inline-confirm"
                role="group"
                aria-label=label.clone()
                tabindex="-1"
                node_ref=asking
                on:keydown=move |ev: KeyboardEvent| {
                    if ev.key() == "Escape" {
                        ev.prevent_default();
                        close();
                    }
                }
            >
            <p>{question.clone()}</p>
            <div class="row-actions">
                <button
                    type="button"
                    class="btn btn-danger"
                    aria-disabled=move || busy(pending.get())
                    on:click=move |_| {
                        if !pending.get_untracked() {
                            on_confirm.run(());
                        }
                    }
                >
                    {confirm.clone()}
                </button>
                <button type="button" class="btn btn-secondary" on:click=move |_| close()>
                    "Keep it"
                </button>
            </div>
            </div>
        </Show>
    }
}

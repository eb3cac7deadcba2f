//! The details section of a catalog and of an access package, which share the rules of their
//! names and descriptions (`NamedForm`): facts, and for those who may change it a form for its
//! name, description and switch, and a button that deletes it.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use tessera_domain::{AccessPackageId, CatalogId};

use super::common::{action_error, field_of, field_or_conflict};
use super::confirm_delete::{ConfirmDelete, Deletable};
use crate::api::{self, ApiError};
use crate::components::{CheckboxField, ErrorAlert, Notice, TextAreaField, TextField, Tone, busy};
use crate::forms::NamedForm;

/// What the `hidden` switch of an access package does.
pub const HIDDEN_HINT: &str =
    "Hidden packages are not listed to requesters; a direct link still works.";

/// Whose details a `DetailsSection` shows.
#[derive(Clone, Copy, Debug)]
pub enum Named {
    Catalog(CatalogId),
    AccessPackage {
        id: AccessPackageId,
        catalog: CatalogId,
    },
}

impl Named {
    fn deletable(self) -> Deletable {
        match self {
            Named::Catalog(id) => Deletable::Catalog(id),
            Named::AccessPackage { id, catalog } => Deletable::AccessPackage { id, catalog },
        }
    }

    /// The start of the ids of the name and description inputs.
    fn id_prefix(self) -> &'static str {
        match self {
            Named::Catalog(_) => "catalog",
            Named::AccessPackage { .. } => "package",
        }
    }

    /// The switch's id and label, and what it does when that needs saying.
    fn switch(self) -> (&'static str, &'static str, Option<&'static str>) {
        match self {
            Named::Catalog(_) => ("catalog-enabled", "Enabled", None),
            Named::AccessPackage { .. } => ("package-hidden", "Hidden", Some(HIDDEN_HINT)),
        }
    }

    async fn save(self, form: NamedForm) -> Result<(), ApiError> {
        match self {
            Named::Catalog(id) => api::catalogs::update(id, &form.catalog_changes()?)
                .await
                .map(drop),
            Named::AccessPackage { id, .. } => api::packages::update(id, &form.package_changes()?)
                .await
                .map(drop),
        }
    }
}

/// The `#details` section: the facts given as children, the description, and for those who may
/// change it the form and the danger zone.
#[component]
pub fn DetailsSection(
    named: Named,
    /// Its name, description and switch as they are stored.
    stored: NamedForm,
    editable: bool,
    /// Outside the section, which is drawn again when the page reads what was saved.
    saved: RwSignal<bool>,
    /// Reads what was saved.
    reload: Callback<()>,
    /// The facts above the form, a `dl.facts`.
    children: Children,
) -> impl IntoView {
    let noun = named.deletable().noun();
    let prefix = named.id_prefix();
    let (switch_id, switch_label, switch_hint) = named.switch();
    let name = RwSignal::new(stored.name);
    let description = RwSignal::new(stored.description.clone());
    let flag = RwSignal::new(stored.flag);
    let save = Action::new_local(move |form: &NamedForm| {
        let form = form.clone();
        async move {
            named.save(form).await?;
            saved.set(true);
            reload.run(());
            Ok::<(), ApiError>(())
        }
    });
    let error = action_error(save);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if save.pending().get_untracked() {
            return;
        }
        saved.set(false);
        save.dispatch(NamedForm {
            name: name.get_untracked(),
            description: description.get_untracked(),
            flag: flag.get_untracked(),
        });
    };
    view! {
        <section class="section" id="details" aria-labelledby="details-heading">
            <h2 id="details-heading">"Details"</h2>
            {children()}
            {(!editable).then(|| view! { <p>{stored.description}</p> })}
            <Show when=move || editable>
                {move || saved.get().then(|| view! { <Notice tone=Tone::Success>{format!("The {noun} was saved.")}</Notice> })}
                {move || error.get().map(|error| view! { <ErrorAlert error=error title=format!("The {noun} was not saved.") /> })}
                <form class="form form-grid" novalidate on:submit=on_submit>
                    <TextField id=format!("{prefix}-name") label="Name" value=name error=field_or_conflict(error, "name") required=true autocomplete="off" />
                    <TextAreaField id=format!("{prefix}-description") label="Description" value=description error=field_of(error, "description") />
                    {match switch_hint {
                        Some(hint) => view! { <CheckboxField id=switch_id label=switch_label checked=flag hint=hint /> }.into_any(),
                        None => view! { <CheckboxField id=switch_id label=switch_label checked=flag /> }.into_any(),
                    }}
                    <div class="form-actions">
                        <button type="submit" class="btn btn-primary" aria-disabled=move || busy(save.pending().get())>
                            {format!("Save {noun}")}
                        </button>
                    </div>
                </form>
                <div class="danger-zone">
                    <ConfirmDelete target=named.deletable() />
                </div>
            </Show>
        </section>
    }
}

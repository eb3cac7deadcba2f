//! The review editor's "What is reviewed" section: groups, applications, or an access
//! package and one of its policies, and the people filter.

use leptos::prelude::*;
use tessera_domain::page::{MAX_PAGE_SIZE, PageQuery};
use tessera_domain::{AccessPackageId, CatalogId};

use crate::api;
use crate::components::{
    CheckboxField, Combobox, DirectoryKind, ErrorAlert, Model, TextField, directory_search,
};
use crate::forms::sentence;
use crate::pages::common::is_admin;
use crate::reviews::{DefinitionDraftStoreFields, ScopeKind};

use super::editor::Errors;
use super::editor::*;

#[component]
pub(super) fn ScopeSection(
    draft: Draft,
    errors: Errors,
    shared: StoredValue<Shared>,
) -> impl IntoView {
    let admin = is_admin();
    let catalog_id = RwSignal::new(String::new());
    view! {
        <fieldset class="panel">
            <legend>"What is reviewed"</legend>
            <div class="choices" role="radiogroup" aria-label="What is reviewed">
                {radios(
                    "review-scope",
                    draft.scope().into(),
                    vec![
                        (ScopeKind::Groups, "Members of groups", Some("Each group is reviewed on its own.")),
                        (ScopeKind::Applications, "People assigned roles of applications", Some("Each application is reviewed on its own.")),
                        (ScopeKind::AccessPackage, "Assignments of an access package", Some("Optionally only those given under one of its policies.")),
                    ],
                )}
            </div>
            {(!admin).then(|| view! {
                <p class="field-hint">"Only administrators can list groups and applications: as a catalog owner, you review the access packages of your catalogs."</p>
            })}
            {move || match draft.scope().get() {
                ScopeKind::Groups => view! {
                    <ResourceChips
                        kind=DirectoryKind::Groups
                        ids=draft.group_ids().into()
                        path="scope.resources.group_ids"
                        noun="group"
                        errors=errors
                        shared=shared
                    />
                }
                .into_any(),
                ScopeKind::Applications => view! {
                    <ResourceChips
                        kind=DirectoryKind::Applications
                        ids=draft.application_ids().into()
                        path="scope.resources.application_ids"
                        noun="application"
                        errors=errors
                        shared=shared
                    />
                }
                .into_any(),
                ScopeKind::AccessPackage => view! { <PackageScope draft=draft catalog_id=catalog_id errors=errors /> }.into_any(),
            }}
            <PeopleFilter draft=draft errors=errors />
        </fieldset>
    }
}

/// Who of a policy's assignees is reviewed: the resources are the policy's own.
#[component]
pub(super) fn PolicyScopeSection(draft: Draft, errors: Errors) -> impl IntoView {
    view! {
        <fieldset class="panel">
            <legend>"Who is reviewed"</legend>
            <p class="field-hint">"The people assigned this access package under this policy."</p>
            <PeopleFilter draft=draft errors=errors />
        </fieldset>
    }
}

/// Which of the holders are reviewed: only guests, only the inactive, or both at once.
#[component]
pub(super) fn PeopleFilter(draft: Draft, errors: Errors) -> impl IntoView {
    view! {
        <CheckboxField
            id="review-guests-only"
            label="Only guests"
            checked=draft.guests_only()
            hint="Review only people from outside the organisation, as they are when each review starts."
        />
        <CheckboxField
            id="review-inactive-only"
            label="Only people who have been inactive"
            checked=draft.inactive_only()
            hint="Review only people with no sign-in for a number of days, decided when each review starts."
        />
        <Show when=move || draft.inactive_only().get()>
            <TextField
                id="review-inactive-days"
                label="Days without sign-in"
                value=draft.inactive_days()
                error=at(errors, "scope.filter".into())
                hint="1 to 730 days."
                inputmode="numeric"
            />
        </Show>
    }
}

/// The chosen groups or applications, as chips, and a picker to add one.
#[component]
pub(super) fn ResourceChips(
    kind: DirectoryKind,
    /// The chosen ids; each is chosen once, so it is its chip's key.
    ids: Model<Vec<String>>,
    path: &'static str,
    noun: &'static str,
    errors: Errors,
    shared: StoredValue<Shared>,
) -> impl IntoView {
    let (names, applications) = shared.with_value(|s| (s.names, s.applications));
    let filter = RwSignal::new(String::new());
    let choice = RwSignal::new(String::new());
    let found = directory_search(kind, filter, Signal::derive(|| true));
    let add = move |_| {
        let id = choice.get_untracked();
        if id.is_empty() {
            return;
        }
        if let Some(name) = found.name_of(&id) {
            match kind {
                DirectoryKind::Groups => names.learn_group(&id, name),
                DirectoryKind::Applications => applications.update(|all| {
                    all.insert(id.clone(), name);
                }),
            }
        }
        let mut chosen = ids.get_untracked();
        if !chosen.contains(&id) {
            chosen.push(id);
            ids.set(chosen);
        }
        choice.set(String::new());
    };
    let name_of = move |id: &str| {
        let known = match kind {
            DirectoryKind::Groups => names.group_name(id),
            DirectoryKind::Applications => applications.with(|all| all.get(id).cloned()),
        };
        known.unwrap_or_else(|| format!("{} {id}", sentence(noun)))
    };
    let heading = format!("Chosen {noun}s");
    let picker_id = format!("review-{noun}");
    let heading_id = format!("{picker_id}-chosen");
    let label = format!("{} to review", sentence(noun));
    let button = format!("Add {noun}");
    view! {
        // The list's title is no heading: the editor sits under an h2 on its own page and under
        // an h4 on a policy's, so no one level would keep the page's outline in order.
        <div class="picked">
            <p class="picked-title" id=heading_id.clone()>{heading}</p>
            {group_error(format!("{picker_id}-list-error"), exact(errors, path.to_string()))}
            <ul class="chips" aria-labelledby=heading_id>
                {move || {
                    ids.get()
                        .into_iter()
                        .enumerate()
                        .map(|(index, id)| {
                            let name = name_of(&id);
                            let error = at(errors, format!("{path}[{index}]"));
                            view! {
                                <li class="chip">
                                    <span>{name.clone()}</span>
                                    <button type="button" class="btn btn-ghost btn-small" aria-label=format!("Remove {name}") on:click={
                                        let id = id.clone();
                                        move |_| {
                                            let mut chosen = ids.get_untracked();
                                            chosen.retain(|one| *one != id);
                                            ids.set(chosen);
                                        }
                                    }>
                                        "Remove"
                                    </button>
                                    {move || error.get().map(|m| view! { <span class="field-error">{m}</span> })}
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
            <div class="form-inline">
                <Combobox id=picker_id label=label value=choice search=found />
                <div class="form-actions">
                    <button type="button" class="btn btn-secondary" on:click=add>{button}</button>
                </div>
            </div>
        </div>
    }
}

/// An access package, picked through its catalog, and optionally one of its policies.
#[component]
pub(super) fn PackageScope(
    draft: Draft,
    /// The catalog the package is picked from: not part of the definition.
    catalog_id: RwSignal<String>,
    errors: Errors,
) -> impl IntoView {
    let all = PageQuery {
        limit: Some(MAX_PAGE_SIZE),
        cursor: None,
    };
    let page = all.clone();
    let catalogs = LocalResource::new(move || {
        let page = page.clone();
        async move { api::catalogs::list("", &page).await.map(|page| page.items) }
    });
    // A stored definition names its package only: find its catalog.
    if catalog_id.get_untracked().is_empty()
        && let Ok(package) = draft
            .access_package_id()
            .get_untracked()
            .parse::<AccessPackageId>()
    {
        leptos::task::spawn_local(async move {
            if let Ok(package) = api::packages::get(package).await {
                catalog_id.try_set(package.catalog_id.to_string());
            }
        });
    }
    let packages = LocalResource::new(move || {
        let catalog = catalog_id.get().parse::<CatalogId>().ok();
        let page = all.clone();
        async move {
            match catalog {
                None => Ok(Vec::new()),
                Some(catalog) => api::catalogs::packages(catalog, &page)
                    .await
                    .map(|page| page.items),
            }
        }
    });
    let policies = LocalResource::new(move || {
        let package = draft
            .access_package_id()
            .get()
            .parse::<AccessPackageId>()
            .ok();
        async move {
            match package {
                None => Ok(Vec::new()),
                Some(package) => api::packages::policies(package).await,
            }
        }
    });
    let package_error = at(errors, "scope.resources.access_package_id".into());
    let policy_error = at(errors, "scope.resources.policy_id".into());
    let catalog_choices = move || {
        catalogs
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .map(|catalog| {
                let value = catalog.id.to_string();
                let selected = value == catalog_id.get_untracked();
                view! { <option value=value selected=selected>{catalog.name.to_string()}</option> }
            })
            .collect_view()
    };
    let package_choices = move || {
        packages
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .map(|package| {
                let value = package.id.to_string();
                let selected = value == draft.access_package_id().get_untracked();
                view! { <option value=value selected=selected>{package.name.to_string()}</option> }
            })
            .collect_view()
    };
    let policy_choices = move || {
        policies
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .map(|policy| {
                let value = policy.id.to_string();
                let selected = value == draft.policy_id().get_untracked();
                view! { <option value=value selected=selected>{policy.definition.name.clone()}</option> }
            })
            .collect_view()
    };
    let load_error = move || {
        catalogs
            .get()
            .and_then(Result::err)
            .or_else(|| packages.get().and_then(Result::err))
            .or_else(|| policies.get().and_then(Result::err))
            .map(|error| view! { <ErrorAlert error=error title="The catalogs could not be read." /> })
    };
    view! {
        {load_error}
        <div class="field">
            <label for="review-catalog">"Catalog"</label>
            <select
                id="review-catalog"
                prop:value=move || catalog_id.get()
                on:change=move |ev| {
                    catalog_id.set(event_target_value(&ev));
                    draft.access_package_id().set(String::new());
                    draft.policy_id().set(String::new());
                }
            >
                <option value="">"Choose…"</option>
                {catalog_choices}
            </select>
        </div>
        <div class="field" class:field-invalid=move || package_error.with(Option::is_some)>
            <label for="review-package">"Access package"</label>
            <select
                id="review-package"
                aria-invalid=move || package_error.with(Option::is_some).then_some("true")
                aria-describedby=move || package_error.with(Option::is_some).then_some("review-package-error")
                prop:value=move || draft.access_package_id().get()
                on:change=move |ev| {
                    draft.access_package_id().set(event_target_value(&ev));
                    draft.policy_id().set(String::new());
                }
            >
                <option value="">"Choose…"</option>
                {package_choices}
            </select>
            {move || package_error.get().map(|m| view! { <p class="field-error" id="review-package-error">{m}</p> })}
        </div>
        <div class="field" class:field-invalid=move || policy_error.with(Option::is_some)>
            <label for="review-policy">"Policy"</label>
            <select
                id="review-policy"
                aria-invalid=move || policy_error.with(Option::is_some).then_some("true")
                aria-describedby=move || policy_error.with(Option::is_some).then_some("review-policy-error")
                prop:value=move || draft.policy_id().get()
                on:change=move |ev| draft.policy_id().set(event_target_value(&ev))
            >
                <option value="">"All policies"</option>
                {policy_choices}
            </select>
            {move || policy_error.get().map(|m| view! { <p class="field-error" id="review-policy-error">{m}</p> })}
        </div>
    }
}

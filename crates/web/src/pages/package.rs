//! One access package: its details, the resource roles it hands out, its assignment policies
//! with the policy editor and the access review each policy carries (`policy_review.rs`),
//! (see `assignments.rs`) who holds it and the separation-of-duties report, and (see
//! `admin_requests/package_section.rs`) its pending requests.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use tessera_domain::catalog::{CatalogPermission, CatalogView, ResourceKind};
use tessera_domain::package::{AccessPackageView, NewResourceRole, PolicyView, ResourceRoleKind};
use tessera_domain::{AccessPackageId, ApplicationId, GroupId};

use super::catalogs::{catalog_href, may};
use super::common::{action_error, read_param_id, refusal, whole_list};
use super::details::{DetailsSection, Named};
use super::lists::{ItemButton, Table, WholeList, item_action};
use crate::admin_requests::package_section::PackageRequestsSection;
use crate::api::{self, ApiError};
use crate::assignments::page::{ConflictsSection, PackageAssignmentsSection, ReprocessSection};
use crate::components::{
    AdminNav, EmptyState, ErrorAlert, ErrorState, Loading, Notice, PageHeader, Tone, busy,
};
use crate::format::{timestamp, yes_no};
use crate::forms::NamedForm;
use crate::my_access::access_packages::package_href;
use crate::policies::editor::{PolicyEditor, can_pick_groups, summary};
use crate::policies::extensions_view::{FirstExtensionSecret, PolicyExtensions};
use crate::reviews::policy_review::PolicyReviewSection;

fn role_kind_label(kind: ResourceRoleKind) -> &'static str {
    match kind {
        ResourceRoleKind::GroupMember => "Group member",
        ResourceRoleKind::GroupOwner => "Group owner",
        ResourceRoleKind::AppRole => "Application role",
    }
}

#[component]
pub fn PackagePage() -> impl IntoView {
    // Outside the sections, which are drawn again when the package is read again after a save.
    let saved = RwSignal::new(false);
    // The package, and its catalog (for the person's roles and the catalog's resources).
    let loaded = read_param_id(|id: AccessPackageId| async move {
        let package = api::packages::get(id).await?;
        let catalog = api::catalogs::get(package.catalog_id).await?;
        Ok::<_, ApiError>((package, catalog))
    });
    view! {
        <Transition fallback=|| view! { <Loading label="Loading the access package…" /> }>
            {move || Suspend::new(async move {
                match loaded.await {
                    Ok((package, catalog)) => view! {
                        <PackageSections package=package catalog=catalog saved=saved reload=Callback::new(move |_| loaded.refetch()) />
                    }
                    .into_any(),
                    Err(error) => view! {
                        <PageHeader title="Access package" />
                        <AdminNav />
                        <ErrorState error=error retry=Callback::new(move |_| loaded.refetch()) />
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn PackageSections(
    package: AccessPackageView,
    catalog: CatalogView,
    saved: RwSignal<bool>,
    reload: Callback<()>,
) -> impl IntoView {
    let editable = may(&catalog, CatalogPermission::ManagePackages);
    let manage_assignments = may(&catalog, CatalogPermission::ManageAssignments);
    let manage_catalog = may(&catalog, CatalogPermission::ManageCatalog);
    // Counts assignments made or removed here; the conflicts report is read again after each.
    let assignments_changed = RwSignal::new(0_u32);
    let package_id = package.id;
    let stored = NamedForm {
        name: package.name.to_string(),
        description: package.description.as_str().to_string(),
        flag: package.hidden,
    };
    view! {
        <PageHeader title=package.name.to_string() lead="Access package" />
        <AdminNav />
        <p class="breadcrumb">
            "Catalog: " <A href=catalog_href(catalog.id)>{catalog.name.to_string()}</A>
        </p>
        <nav class="tabs" aria-label="Sections of this access package">
            <a href="#details">"Details"</a>
            <a href="#resource-roles">"Resource roles"</a>
            <a href="#policies">"Policies"</a>
            {manage_assignments.then(|| view! {
                <a href="#assignments">"Assignments"</a>
                <a href="#pending-requests">"Pending requests"</a>
                <a href="#conflicts">"Separation of duties"</a>
            })}
        </nav>
        <DetailsSection
            named=Named::AccessPackage { id: package_id, catalog: catalog.id }
            stored=stored
            editable=editable
            saved=saved
            reload=reload
        >
            <dl class="facts">
                <dt>"Hidden"</dt>
                <dd>{yes_no(package.hidden)}</dd>
                {package.hidden.then(|| view! {
                    <dt>"Direct link"</dt>
                    <dd><DirectLink package=package_id /></dd>
                })}
                <dt>"Created"</dt>
                <dd>{timestamp(&package.created_at)}</dd>
            </dl>
        </DetailsSection>
        <ResourceRolesSection package=package.clone() editable=editable reload=reload />
        <PoliciesSection
            package=package.clone()
            editable=editable
            manage_catalog=manage_catalog
        />
        {manage_assignments.then(|| view! {
            <PackageAssignmentsSection package=package changed=assignments_changed />
            <PackageRequestsSection package=package_id changed=assignments_changed />
            <ReprocessSection package=package_id changed=assignments_changed />
            <ConflictsSection package=package_id changed=assignments_changed />
        })}
    }
}

/// The address that opens a hidden package's request panel, with a button that copies it:
/// hidden packages are not listed, so people reach them only through such a link.
#[component]
fn DirectLink(package: AccessPackageId) -> impl IntoView {
    let origin = web_sys::window()
        .and_then(|window| window.location().origin().ok())
        .unwrap_or_default();
    let link = format!("{origin}{}", package_href(package));
    let copied = RwSignal::new(None::<bool>);
    let copy = {
        let link = link.clone();
        move |_| {
            let Some(clipboard) = web_sys::window().map(|window| window.navigator().clipboard())
            else {
                copied.set(Some(false));
                return;
            };
            let promise = clipboard.write_text(&link);
            leptos::task::spawn_local(async move {
                let done = wasm_bindgen_futures::JsFuture::from(promise).await.is_ok();
                copied.set(Some(done));
            });
        }
    };
    view! {
        <p class="field-hint" id="direct-link-hint">
            "This package is not listed under Available: send this link to the people who may request it."
        </p>
        <div class="direct-link">
            <input
                id="direct-link"
                type="text"
                readonly
                aria-label="Direct link to request this package"
                aria-describedby="direct-link-hint"
                value=link
            />
            <button type="button" class="btn btn-secondary btn-small" on:click=copy>
                "Copy link"
            </button>
        </div>
        <p class="field-hint" role="status">
            {move || match copied.get() {
                Some(true) => "Copied to the clipboard.",
                Some(false) => "Could not copy: select the link and copy it yourself.",
                None => "",
            }}
        </p>
    }
}

/// What can be added: a group's membership or ownership, or one role of an application.
#[derive(Clone, Debug, PartialEq)]
struct RoleChoice {
    value: String,
    label: String,
    role: NewResourceRole,
}

async fn role_choices(catalog: tessera_domain::CatalogId) -> Result<Vec<RoleChoice>, ApiError> {
    let resources = api::catalogs::resources(catalog).await?;
    let mut choices = Vec::new();
    for resource in resources {
        match resource.kind {
            ResourceKind::Group => {
                let group_id = GroupId::from_uuid(resource.id);
                choices.push(RoleChoice {
                    value: format!("member:{group_id}"),
                    label: format!("Member of {}", resource.name),
                    role: NewResourceRole::GroupMember { group_id },
                });
                choices.push(RoleChoice {
                    value: format!("owner:{group_id}"),
                    label: format!("Owner of {}", resource.name),
                    role: NewResourceRole::GroupOwner { group_id },
                });
            }
            ResourceKind::Application => {
                let app = ApplicationId::from_uuid(resource.id);
                let roles = api::directory::app_roles(app, &whole_list()).await?;
                for role in roles.items {
                    choices.push(RoleChoice {
                        value: format!("app:{}", role.id),
                        label: format!("{} in {}", role.name, resource.name),
                        role: NewResourceRole::AppRole {
                            app_role_id: role.id,
                        },
                    });
                }
            }
        }
    }
    Ok(choices)
}

#[component]
fn ResourceRolesSection(
    package: AccessPackageView,
    editable: bool,
    reload: Callback<()>,
) -> impl IntoView {
    let id = package.id;
    let catalog = package.catalog_id;
    let remove = item_action(move |role| api::packages::remove_role(id, role), reload);
    let remove_error = action_error(remove);
    let roles = package.resource_roles.clone();
    view! {
        <section class="section" id="resource-roles" aria-labelledby="resource-roles-heading">
            <h2 id="resource-roles-heading">"Resource roles"</h2>
            <p class="section-lead">"What someone assigned this package receives. Only resources of the catalog can be used."</p>
            {move || remove_error.get().map(|error| view! { <ErrorAlert error=error title="The resource role was not removed." /> })}
            {if roles.is_empty() {
                view! { <EmptyState title="This package hands out nothing yet." /> }.into_any()
            } else {
                view! {
                    <Table labelled_by="resource-roles-heading" columns=&["Resource", "Role", "Kind"] actions=true>
                        {roles
                            .into_iter()
                            .map(|role| {
                                let label = format!("Remove {} of {}", role.role_name, role.resource_name);
                                view! {
                                    <tr>
                                        <th scope="row">{role.resource_name.clone()}</th>
                                        <td>{role.role_name.clone()}</td>
                                        <td>{role_kind_label(role.kind)}</td>
                                        <td class="cell-actions">
                                            {editable.then(|| view! { <ItemButton action=remove item=role.id label=label text="Remove" /> })}
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </Table>
                }
                .into_any()
            }}
            <Show when=move || editable>
                <AddRoleForm id=id catalog=catalog reload=reload />
            </Show>
        </section>
    }
}

#[component]
fn AddRoleForm(
    id: AccessPackageId,
    catalog: tessera_domain::CatalogId,
    reload: Callback<()>,
) -> impl IntoView {
    let choices = LocalResource::new(move || role_choices(catalog));
    let chosen = RwSignal::new(String::new());
    let add = Action::new_local(move |value: &String| {
        let role = choices
            .get_untracked()
            .and_then(Result::ok)
            .and_then(|all| all.into_iter().find(|c| c.value == *value))
            .map(|c| c.role);
        async move {
            let Some(role) = role else {
                return Err(refusal(
                    "kind",
                    "choose a role of one of the catalog's resources",
                ));
            };
            api::packages::add_role(id, &role).await?;
            reload.run(());
            Ok::<(), ApiError>(())
        }
    });
    let error = action_error(add);
    let role_error = Signal::derive(move || {
        let error = error.get()?;
        error
            .problem()
            .and_then(|p| p.errors.first().map(|e| e.message.clone()))
            .or_else(|| (error.status() == Some(409)).then(|| error.message()))
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if !add.pending().get_untracked() {
            add.dispatch(chosen.get_untracked());
        }
    };
    view! {
        <form class="form form-inline subform" novalidate on:submit=on_submit aria-labelledby="add-role-heading">
            <h3 id="add-role-heading">"Add a resource role"</h3>
            {move || error.get().map(|error| view! { <ErrorAlert error=error title="The resource role was not added." /> })}
            <Transition fallback=|| view! { <Loading label="Loading the catalog's resources…" /> }>
                {move || Suspend::new(async move {
                    match choices.await {
                        Err(error) => view! { <ErrorState error=error retry=Callback::new(move |_| choices.refetch()) /> }.into_any(),
                        Ok(list) if list.is_empty() => view! {
                            <p class="field-hint">"The catalog has no resources yet: add a group or an application to the catalog first."</p>
                        }
                        .into_any(),
                        Ok(list) => view! {
                            <div class="field" class:field-invalid=move || role_error.with(Option::is_some)>
                                <label for="add-role">"Resource role"</label>
                                <select
                                    id="add-role"
                                    aria-describedby=move || role_error.with(Option::is_some).then_some("add-role-error")
                                    prop:value=move || chosen.get()
                                    on:change=move |ev| chosen.set(event_target_value(&ev))
                                >
                                    <option value="">"Choose…"</option>
                                    {list
                                        .into_iter()
                                        .map(|c| view! { <option value=c.value>{c.label}</option> })
                                        .collect_view()}
                                </select>
                                {move || role_error.get().map(|m| view! { <p class="field-error" id="add-role-error">{crate::forms::sentence(&m)}</p> })}
                            </div>
                            <div class="form-actions">
                                <button type="submit" class="btn btn-primary" aria-disabled=move || busy(add.pending().get())>
                                    "Add resource role"
                                </button>
                            </div>
                        }
                        .into_any(),
                    }
                })}
            </Transition>
        </form>
    }
}

/// What the policies section shows under its list.
#[derive(Clone, Debug, PartialEq)]
enum Editing {
    Nothing,
    New,
    Existing(PolicyView),
    /// The access review the policy carries.
    Review(PolicyView),
    /// The policy's custom extensions and their signing secret.
    Extensions(PolicyView),
}

#[component]
fn PoliciesSection(
    package: AccessPackageView,
    /// Whether the signed-in person may change the package's policies and their reviews.
    editable: bool,
    /// Whether they may manage the catalog, and so open the pages of its reviews.
    manage_catalog: bool,
) -> impl IntoView {
    let id = package.id;
    let policies = LocalResource::new(move || api::packages::policies(id));
    let editing = RwSignal::new(Editing::Nothing);
    let saved = RwSignal::new(None::<String>);
    // The signing secret a save gave a policy with its first extension: shown once.
    let first_secret = RwSignal::new(None::<(String, String)>);
    let remove = item_action(
        move |policy| api::packages::delete_policy(id, policy),
        Callback::new(move |_| policies.refetch()),
    );
    let remove_error = action_error(remove);
    let package = StoredValue::new(package);
    let table = move |list: Vec<PolicyView>| {
        view! {
            <Table labelled_by="policies-heading" columns=&["Policy", "Who can request", "Approval", "Access", "Enabled"] actions=true>
                {list
                    .into_iter()
                    .map(|policy| {
                        let (who, approval, expiry) = summary(&policy.definition);
                        let name = policy.definition.name.clone();
                        let policy_id = policy.id;
                        let extended = policy.clone();
                        view! {
                            <tr>
                                <th scope="row">{name.clone()}</th>
                                <td>{who}</td>
                                <td>{approval}</td>
                                <td>{expiry}</td>
                                <td>{yes_no(policy.definition.enabled)}</td>
                                <td class="cell-actions">
                                    <div class="row-actions">
                                        {editable.then(|| {
                                            let policy = policy.clone();
                                            view! {
                                                <button
                                                    type="button"
                                                    class="btn btn-secondary btn-small"
                                                    aria-label=format!("Edit {name}")
                                                    on:click=move |_| editing.set(Editing::Existing(policy.clone()))
                                                >
                                                    "Edit"
                                                </button>
                                            }
                                        })}
                                        <button
                                            type="button"
                                            class="btn btn-secondary btn-small"
                                            aria-label=format!("Access review of {name}")
                                            on:click=move |_| {
                                                saved.set(None);
                                                editing.set(Editing::Review(policy.clone()));
                                            }
                                        >
                                            "Access review"
                                        </button>
                                        {(!extended.definition.custom_extensions.is_empty()).then(|| {
                                            let policy = extended.clone();
                                            view! {
                                                <button
                                                    type="button"
                                                    class="btn btn-secondary btn-small"
                                                    aria-label=format!("Custom extensions of {name}")
                                                    on:click=move |_| {
                                                        saved.set(None);
                                                        editing.set(Editing::Extensions(policy.clone()));
                                                    }
                                                >
                                                    "Extensions"
                                                </button>
                                            }
                                        })}
                                        {editable.then(|| view! {
                                            <ItemButton action=remove item=policy_id label=format!("Delete {name}") text="Delete" />
                                        })}
                                    </div>
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </Table>
        }
    };
    view! {
        <section class="section" id="policies" aria-labelledby="policies-heading">
            <h2 id="policies-heading">"Policies"</h2>
            <p class="section-lead">"A policy says who may request this package, who approves, how long access lasts, and which custom extensions it calls."</p>
            {move || saved.get().map(|name| view! { <Notice tone=Tone::Success>"Policy “" {name} "” was saved."</Notice> })}
            {move || first_secret.get().map(|(name, secret)| view! {
                <FirstExtensionSecret policy_name=name secret=secret on_done=Callback::new(move |_| first_secret.set(None)) />
            })}
            {move || remove_error.get().map(|error| view! { <ErrorAlert error=error title="The policy was not deleted." /> })}
            <WholeList
                list=policies
                loading="Loading policies…"
                empty="This package has no policies yet, so nobody can request it."
                show=table
            />
            {move || match editing.get() {
                Editing::Review(policy) => view! {
                    <PolicyReviewSection
                        package=package.with_value(|p| p.id)
                        policy=policy
                        editable=editable
                        may_open_definition=manage_catalog
                        on_close=Callback::new(move |_| editing.set(Editing::Nothing))
                    />
                }
                .into_any(),
                Editing::Extensions(policy) => view! {
                    <PolicyExtensions
                        package=package.with_value(|p| p.id)
                        policy=policy
                        editable=editable
                        on_close=Callback::new(move |_| editing.set(Editing::Nothing))
                    />
                }
                .into_any(),
                _ if !editable => ().into_any(),
                Editing::Nothing => view! {
                    <button type="button" class="btn btn-primary" on:click=move |_| { saved.set(None); editing.set(Editing::New) }>
                        "New policy"
                    </button>
                    {(!can_pick_groups()).then(|| view! {
                        <p class="field-hint">"Only administrators can list groups, so you can choose people, managers, sponsors and the package's group owners as approvers, but not other groups."</p>
                    })}
                }
                .into_any(),
                state => {
                    let existing = match state {
                        Editing::Existing(policy) => Some(policy),
                        Editing::New
                        | Editing::Nothing
                        | Editing::Review(_)
                        | Editing::Extensions(_) => None,
                    };
                    view! {
                        <PolicyEditor
                            package=package.get_value()
                            existing=existing
                            on_saved=Callback::new(move |policy: PolicyView| {
                                saved.set(Some(policy.definition.name.clone()));
                                first_secret.set(
                                    policy
                                        .extension_secret
                                        .clone()
                                        .map(|secret| (policy.definition.name.clone(), secret)),
                                );
                                editing.set(Editing::Nothing);
                                policies.refetch();
                            })
                            on_cancel=Callback::new(move |_| editing.set(Editing::Nothing))
                        />
                    }
                    .into_any()
                }
            }}
        </section>
    }
}

//! Catalogs: the list (searched, paged), a new catalog, and one catalog with its details,
//! resources, delegated roles, access packages and (see `assignments.rs`) assignments.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use tessera_domain::CatalogId;
use tessera_domain::catalog::{
    CatalogPermission, CatalogResource, CatalogRole, CatalogRoleHolder, CatalogView,
    NewCatalogResource, ResourceKind,
};
use tessera_domain::page::{AccessPackagePage, DEFAULT_PAGE_SIZE};
use tessera_domain::roles::GlobalRoleHolder;

use super::common::{
    action_error, choose_a_person, chosen_person, field_of, field_or_conflict, is_admin,
    may_create_catalogs, read_param_id, refusal, whole_list,
};
use super::details::{DetailsSection, HIDDEN_HINT, Named};
use super::lists::{ItemButton, PagedItems, Table, WholeList, item_action};
use super::people::AddPersonForm;
use crate::api::{self, ApiError};
use crate::assignments::page::CatalogAssignmentsSection;
use crate::components::{
    AdminNav, CheckboxField, Combobox, DirectoryKind, ErrorAlert, ErrorState, Loading, Notice,
    PageHeader, PersonPicker, TextAreaField, TextField, Tone, busy, directory_search,
};
use crate::format::{timestamp, yes_no};
use crate::forms::NamedForm;
use crate::routes;
use crate::state::PagedList;

pub fn role_label(role: CatalogRole) -> &'static str {
    match role {
        CatalogRole::Owner => "Owner",
        CatalogRole::Reader => "Reader",
        CatalogRole::AccessPackageManager => "Access package manager",
        CatalogRole::AccessPackageAssignmentManager => "Access package assignment manager",
    }
}

fn kind_label(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::Group => "Group",
        ResourceKind::Application => "Application",
    }
}

/// Whether the signed-in person may do `permission` in a catalog: administrators may do all.
pub fn may(catalog: &CatalogView, permission: CatalogPermission) -> bool {
    is_admin() || permission.granted_by(&catalog.my_roles)
}

pub fn catalog_href(id: CatalogId) -> String {
    format!("{}/{id}", routes::ADMIN_CATALOGS)
}

/// The signed-in person's roles in a catalog, in words, or "" when they hold none.
fn my_roles(catalog: &CatalogView) -> String {
    catalog
        .my_roles
        .iter()
        .map(|role| role_label(*role))
        .collect::<Vec<_>>()
        .join(", ")
}

#[component]
pub fn CatalogsPage() -> impl IntoView {
    let query = RwSignal::new(String::new());
    let catalogs = PagedList::new(DEFAULT_PAGE_SIZE, move |page| {
        let q = query.get_untracked();
        async move {
            api::catalogs::list(&q, &page)
                .await
                .map(|page| (page.items, page.next_cursor))
        }
    });
    let on_search = move |ev: SubmitEvent| {
        ev.prevent_default();
        catalogs.reload();
    };
    view! {
        <PageHeader title="Catalogs" lead="A catalog groups the resources that access packages hand out, and names who manages them." />
        <AdminNav />
        <section class="section" aria-labelledby="catalogs-heading">
            <h2 id="catalogs-heading">"Catalogs"</h2>
            <form class="form-inline search-form" role="search" on:submit=on_search>
                <TextField id="catalog-search" label="Search catalogs" input_type="search" value=query />
                <div class="form-actions">
                    <button type="submit" class="btn btn-secondary">"Search"</button>
                </div>
            </form>
            <PagedItems list=catalogs loading="Loading catalogs…" empty="No catalogs to show.">
                <CatalogTable catalogs=catalogs />
            </PagedItems>
        </section>
        <Show when=may_create_catalogs>
            <NewCatalogSection catalogs=catalogs />
        </Show>
        <Show when=is_admin>
            <CatalogCreatorsSection />
        </Show>
    }
}

/// Who may create catalogs besides administrators.
#[component]
fn CatalogCreatorsSection() -> impl IntoView {
    let creators = LocalResource::new(api::catalogs::creators);
    let remove = item_action(
        api::catalogs::remove_creator,
        Callback::new(move |_| creators.refetch()),
    );
    let remove_error = action_error(remove);
    let chips = move |list: Vec<GlobalRoleHolder>| {
        view! {
            <ul class="chips">
                {list
                    .into_iter()
                    .map(|holder| {
                        let name = format!("{} ({})", holder.display_name, holder.username);
                        view! {
                            <li class="chip">
                                <span>{name.clone()}</span>
                                <ItemButton
                                    action=remove
                                    item=holder.user_id
                                    label=format!("Remove {name} as catalog creator")
                                    text="Remove"
                                    class="btn btn-ghost btn-small"
                                />
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
    };
    view! {
        <section class="section" aria-labelledby="creators-heading">
            <h2 id="creators-heading">"Catalog creators"</h2>
            <p class="section-lead">"People who may create catalogs without being administrators. They become owners of the catalogs they create."</p>
            {move || remove_error.get().map(|error| view! { <ErrorAlert error=error title="The person was not removed." /> })}
            <WholeList list=creators loading="Loading catalog creators…" empty="Only administrators create catalogs." show=chips />
            <AddPersonForm
                id="new-creator"
                label="New catalog creator"
                button="Add catalog creator"
                failed="The person was not added."
                add=api::catalogs::add_creator
                on_added=Callback::new(move |_| creators.refetch())
            />
        </section>
    }
}

#[component]
fn CatalogTable(catalogs: PagedList<CatalogView>) -> impl IntoView {
    view! {
        <Table labelled_by="catalogs-heading" columns=&["Name", "Description", "Enabled", "Your roles"]>
            {move || {
                catalogs
                    .with_items(|all| all.clone())
                    .into_iter()
                    .map(|catalog| {
                        let roles = my_roles(&catalog);
                        view! {
                            <tr>
                                <th scope="row">
                                    <A href=catalog_href(catalog.id)>{catalog.name.to_string()}</A>
                                </th>
                                <td>{catalog.description.as_str().to_string()}</td>
                                <td>{yes_no(catalog.enabled)}</td>
                                <td>{if roles.is_empty() { "—".to_string() } else { roles }}</td>
                            </tr>
                        }
                    })
                    .collect_view()
            }}
        </Table>
    }
}

#[component]
fn NewCatalogSection(catalogs: PagedList<CatalogView>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let enabled = RwSignal::new(true);
    let created = RwSignal::new(None::<CatalogView>);
    let create = Action::new_local(move |form: &NamedForm| {
        let new = form.new_catalog();
        async move {
            let catalog = api::catalogs::create(&new?).await?;
            name.set(String::new());
            description.set(String::new());
            enabled.set(true);
            catalogs.prepend(catalog.clone());
            created.set(Some(catalog));
            Ok::<(), ApiError>(())
        }
    });
    let error = action_error(create);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if create.pending().get_untracked() {
            return;
        }
        created.set(None);
        create.dispatch(NamedForm {
            name: name.get_untracked(),
            description: description.get_untracked(),
            flag: enabled.get_untracked(),
        });
    };
    view! {
        <section class="section" aria-labelledby="new-catalog-heading">
            <h2 id="new-catalog-heading">"New catalog"</h2>
            {move || {
                created
                    .get()
                    .map(|catalog| {
                        view! {
                            <Notice tone=Tone::Success>
                                "Catalog “" {catalog.name.to_string()} "” was created. "
                                <A href=catalog_href(catalog.id)>"Open it"</A>
                            </Notice>
                        }
                    })
            }}
            {move || error.get().map(|error| view! { <ErrorAlert error=error title="The catalog was not created." /> })}
            <form class="form form-grid" novalidate on:submit=on_submit>
                <TextField id="new-catalog-name" label="Name" value=name error=field_or_conflict(error, "name") required=true autocomplete="off" />
                <TextAreaField id="new-catalog-description" label="Description" value=description error=field_of(error, "description") />
                <CheckboxField id="new-catalog-enabled" label="Enabled" checked=enabled hint="Packages of a disabled catalog cannot be requested." />
                <div class="form-actions">
                    <button type="submit" class="btn btn-primary" aria-disabled=move || busy(create.pending().get())>
                        {move || if create.pending().get() { "Creating…" } else { "Create catalog" }}
                    </button>
                </div>
            </form>
        </section>
    }
}

#[component]
pub fn CatalogPage() -> impl IntoView {
    // Outside the sections, which are drawn again when the catalog is read again after a save.
    let saved = RwSignal::new(false);
    let catalog = read_param_id(api::catalogs::get);
    view! {
        <Transition fallback=|| view! { <Loading label="Loading the catalog…" /> }>
            {move || Suspend::new(async move {
                match catalog.await {
                    Ok(view) => view! { <CatalogSections catalog=view saved=saved reload=Callback::new(move |_| catalog.refetch()) /> }.into_any(),
                    Err(error) => view! {
                        <PageHeader title="Catalog" />
                        <AdminNav />
                        <ErrorState error=error retry=Callback::new(move |_| catalog.refetch()) />
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn CatalogSections(
    catalog: CatalogView,
    saved: RwSignal<bool>,
    reload: Callback<()>,
) -> impl IntoView {
    let manage_catalog = may(&catalog, CatalogPermission::ManageCatalog);
    let manage_packages = may(&catalog, CatalogPermission::ManagePackages);
    let manage_assignments = may(&catalog, CatalogPermission::ManageAssignments);
    let id = catalog.id;
    let stored = NamedForm {
        name: catalog.name.to_string(),
        description: catalog.description.as_str().to_string(),
        flag: catalog.enabled,
    };
    let roles = my_roles(&catalog);
    view! {
        <PageHeader title=catalog.name.to_string() lead="Catalog" />
        <AdminNav />
        <p class="breadcrumb">
            <A href=routes::ADMIN_CATALOGS>"All catalogs"</A>
        </p>
        <nav class="tabs" aria-label="Sections of this catalog">
            <a href="#details">"Details"</a>
            <a href="#resources">"Resources"</a>
            <a href="#roles">"Roles"</a>
            <a href="#packages">"Access packages"</a>
            {manage_assignments.then(|| view! { <a href="#assignments">"Assignments"</a> })}
        </nav>
        <DetailsSection named=Named::Catalog(id) stored=stored editable=manage_catalog saved=saved reload=reload>
            <dl class="facts">
                <dt>"Enabled"</dt>
                <dd>{yes_no(catalog.enabled)}</dd>
                <dt>"Your roles"</dt>
                <dd>{if roles.is_empty() { "None (administrator)".to_string() } else { roles }}</dd>
                <dt>"Created"</dt>
                <dd>{timestamp(&catalog.created_at)}</dd>
            </dl>
        </DetailsSection>
        <ResourcesSection id=id editable=manage_catalog />
        <RolesSection id=id editable=manage_catalog />
        <PackagesSection id=id editable=manage_packages />
        {manage_assignments.then(|| view! { <CatalogAssignmentsSection catalog=id /> })}
    }
}

#[component]
fn ResourcesSection(id: CatalogId, editable: bool) -> impl IntoView {
    let resources = LocalResource::new(move || api::catalogs::resources(id));
    let remove = item_action(
        move |resource: CatalogResource| {
            api::catalogs::remove_resource(id, resource.kind, resource.id)
        },
        Callback::new(move |_| resources.refetch()),
    );
    let remove_error = action_error(remove);
    let admin = is_admin();
    let table = move |list: Vec<CatalogResource>| {
        view! {
            <Table labelled_by="resources-heading" columns=&["Name", "Kind", "Added"] actions=true>
                {list
                    .into_iter()
                    .map(|resource| {
                        let label = format!("Remove {}", resource.name);
                        view! {
                            <tr>
                                <th scope="row">{resource.name.clone()}</th>
                                <td>{kind_label(resource.kind)}</td>
                                <td>{timestamp(&resource.added_at)}</td>
                                <td class="cell-actions">
                                    {editable.then(|| view! { <ItemButton action=remove item=resource.clone() label=label text="Remove" /> })}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </Table>
        }
    };
    view! {
        <section class="section" id="resources" aria-labelledby="resources-heading">
            <h2 id="resources-heading">"Resources"</h2>
            <p class="section-lead">"Groups and applications whose roles this catalog's access packages may hand out."</p>
            {move || remove_error.get().map(|error| view! { <ErrorAlert error=error title="The resource was not removed." /> })}
            <WholeList list=resources loading="Loading resources…" empty="This catalog has no resources yet." show=table />
            <Show when=move || editable && admin>
                <AddResourceForm id=id on_added=Callback::new(move |_| resources.refetch()) />
            </Show>
        </section>
    }
}

#[component]
fn AddResourceForm(id: CatalogId, on_added: Callback<()>) -> impl IntoView {
    let kind = RwSignal::new(ResourceKind::Group);
    let group_filter = RwSignal::new(String::new());
    let app_filter = RwSignal::new(String::new());
    let chosen = RwSignal::new(String::new());
    let groups = directory_search(
        DirectoryKind::Groups,
        group_filter,
        Signal::derive(move || kind.get() == ResourceKind::Group),
    );
    let apps = directory_search(
        DirectoryKind::Applications,
        app_filter,
        Signal::derive(move || kind.get() == ResourceKind::Application),
    );
    let added = RwSignal::new(None::<String>);
    let add = Action::new_local(move |(kind, raw): &(ResourceKind, String)| {
        let kind = *kind;
        let parsed = raw.parse::<uuid::Uuid>();
        async move {
            let Ok(resource_id) = parsed else {
                return Err(refusal("id", "choose a group or an application"));
            };
            let resource = api::catalogs::add_resource(
                id,
                &NewCatalogResource {
                    kind,
                    id: resource_id,
                },
            )
            .await?;
            added.set(Some(resource.name));
            chosen.set(String::new());
            on_added.run(());
            Ok::<(), ApiError>(())
        }
    });
    let error = action_error(add);
    let chosen_error = field_or_conflict(error, "id");
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if add.pending().get_untracked() {
            return;
        }
        added.set(None);
        add.dispatch((kind.get_untracked(), chosen.get_untracked()));
    };
    let set_kind = move |new: ResourceKind| {
        kind.set(new);
        chosen.set(String::new());
    };
    view! {
        <form class="form subform" novalidate on:submit=on_submit aria-labelledby="add-resource-heading">
            <h3 id="add-resource-heading">"Add a resource"</h3>
            {move || added.get().map(|name| view! { <Notice tone=Tone::Success>"“" {name} "” was added."</Notice> })}
            {move || error.get().map(|error| view! { <ErrorAlert error=error title="The resource was not added." /> })}
            <fieldset class="choices">
                <legend>"Kind"</legend>
                <label class="choice">
                    <input type="radio" name="resource-kind" prop:checked=move || kind.get() == ResourceKind::Group on:change=move |_| set_kind(ResourceKind::Group) />
                    "Group"
                </label>
                <label class="choice">
                    <input type="radio" name="resource-kind" prop:checked=move || kind.get() == ResourceKind::Application on:change=move |_| set_kind(ResourceKind::Application) />
                    "Application"
                </label>
            </fieldset>
            {move || match kind.get() {
                ResourceKind::Group => view! {
                    <Combobox
                        id="resource-group"
                        label="Group"
                        value=chosen
                        search=groups
                        error=chosen_error
                    />
                }
                .into_any(),
                ResourceKind::Application => view! {
                    <Combobox
                        id="resource-application"
                        label="Application"
                        value=chosen
                        search=apps
                        error=chosen_error
                    />
                }
                .into_any(),
            }}
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" aria-disabled=move || busy(add.pending().get())>
                    "Add resource"
                </button>
            </div>
        </form>
    }
}

#[component]
fn RolesSection(id: CatalogId, editable: bool) -> impl IntoView {
    let holders = LocalResource::new(move || api::catalogs::roles(id));
    let revoke = item_action(
        move |(role, user)| api::catalogs::revoke(id, role, user),
        Callback::new(move |_| holders.refetch()),
    );
    let revoke_error = action_error(revoke);
    let table = move |list: Vec<CatalogRoleHolder>| {
        view! {
            <Table labelled_by="roles-heading" columns=&["Person", "Role", "Since"] actions=true>
                {list
                    .into_iter()
                    .map(|holder| {
                        let label = format!("Remove {} as {}", holder.username, role_label(holder.role).to_lowercase());
                        view! {
                            <tr>
                                <th scope="row">{format!("{} ({})", holder.display_name, holder.username)}</th>
                                <td>{role_label(holder.role)}</td>
                                <td>{timestamp(&holder.granted_at)}</td>
                                <td class="cell-actions">
                                    {editable.then(|| view! { <ItemButton action=revoke item=(holder.role, holder.user_id) label=label text="Remove" /> })}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </Table>
        }
    };
    view! {
        <section class="section" id="roles" aria-labelledby="roles-heading">
            <h2 id="roles-heading">"Roles"</h2>
            <p class="section-lead">
                "Owners manage the catalog; access package managers manage its packages; assignment managers assign them; readers see everything."
            </p>
            {move || revoke_error.get().map(|error| view! { <ErrorAlert error=error title="The role was not removed." /> })}
            <WholeList list=holders loading="Loading roles…" empty="Nobody holds a role in this catalog yet." show=table />
            <Show when=move || editable>
                <GrantRoleForm id=id on_granted=Callback::new(move |_| holders.refetch()) />
            </Show>
        </section>
    }
}

#[component]
fn GrantRoleForm(id: CatalogId, on_granted: Callback<()>) -> impl IntoView {
    let user = RwSignal::new(String::new());
    let role = RwSignal::new(CatalogRole::Owner.as_str().to_string());
    let grant = Action::new_local(move |(role, user): &(String, String)| {
        let role = CatalogRole::parse(role);
        let user = chosen_person(user);
        async move {
            // The select always holds a role: the person is what is left to choose.
            let (Some(role), Ok(user)) = (role, user) else {
                return Err(choose_a_person());
            };
            api::catalogs::grant(id, role, user).await?;
            on_granted.run(());
            Ok::<(), ApiError>(())
        }
    });
    let error = action_error(grant);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if !grant.pending().get_untracked() {
            grant.dispatch((role.get_untracked(), user.get_untracked()));
        }
    };
    view! {
        <form class="form subform" novalidate on:submit=on_submit aria-labelledby="grant-heading">
            <h3 id="grant-heading">"Grant a role"</h3>
            {move || error.get().map(|error| view! { <ErrorAlert error=error title="The role was not granted." /> })}
            <PersonPicker id="grant-user" label="Person" value=user error=field_of(error, "user_id") />
            <div class="field">
                <label for="grant-role">"Role"</label>
                <select id="grant-role" on:change=move |ev| role.set(event_target_value(&ev)) prop:value=move || role.get()>
                    {CatalogRole::ALL
                        .into_iter()
                        .map(|r| view! { <option value=r.as_str()>{role_label(r)}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" aria-disabled=move || busy(grant.pending().get())>
                    "Grant role"
                </button>
            </div>
        </form>
    }
}

#[component]
fn PackagesSection(id: CatalogId, editable: bool) -> impl IntoView {
    let packages =
        LocalResource::new(move || async move { api::catalogs::packages(id, &whole_list()).await });
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let hidden = RwSignal::new(false);
    let create = Action::new_local(move |form: &NamedForm| {
        let new = form.new_package();
        async move {
            api::catalogs::create_package(id, &new?).await?;
            name.set(String::new());
            description.set(String::new());
            hidden.set(false);
            packages.refetch();
            Ok::<(), ApiError>(())
        }
    });
    let error = action_error(create);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if !create.pending().get_untracked() {
            create.dispatch(NamedForm {
                name: name.get_untracked(),
                description: description.get_untracked(),
                flag: hidden.get_untracked(),
            });
        }
    };
    let table = |page: AccessPackagePage| {
        view! {
            <Table labelled_by="packages-heading" columns=&["Name", "Description", "Hidden", "Resource roles"]>
                {page
                    .items
                    .into_iter()
                    .map(|package| view! {
                        <tr>
                            <th scope="row">
                                <A href=format!("{}/{}", routes::ADMIN_PACKAGES, package.id)>{package.name.to_string()}</A>
                            </th>
                            <td>{package.description.as_str().to_string()}</td>
                            <td>{yes_no(package.hidden)}</td>
                            <td>{package.resource_roles.len()}</td>
                        </tr>
                    })
                    .collect_view()}
            </Table>
            {page.next_cursor.is_some().then(|| view! { <p class="table-note">"Only the first 200 packages are shown."</p> })}
        }
    };
    view! {
        <section class="section" id="packages" aria-labelledby="packages-heading">
            <h2 id="packages-heading">"Access packages"</h2>
            <WholeList list=packages loading="Loading access packages…" empty="This catalog has no access packages yet." show=table />
            <Show when=move || editable>
                <form class="form subform" novalidate on:submit=on_submit aria-labelledby="new-package-heading">
                    <h3 id="new-package-heading">"New access package"</h3>
                    {move || error.get().map(|error| view! { <ErrorAlert error=error title="The access package was not created." /> })}
                    <TextField id="new-package-name" label="Package name" value=name error=field_or_conflict(error, "name") required=true autocomplete="off" />
                    <TextAreaField id="new-package-description" label="Package description" value=description error=field_of(error, "description") />
                    <CheckboxField id="new-package-hidden" label="Hidden" checked=hidden hint=HIDDEN_HINT />
                    <div class="form-actions">
                        <button type="submit" class="btn btn-primary" aria-disabled=move || busy(create.pending().get())>
                            "Create access package"
                        </button>
                    </div>
                </form>
            </Show>
        </section>
    }
}

//! The directory, for administrators: groups with their members and owners, applications with
//! their roles.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use tessera_domain::directory::{ApplicationView, GroupRole, GroupView};
use tessera_domain::page::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageQuery};
use tessera_domain::{AppRoleId, ApplicationId, GroupId, UserId};

use super::catalogs::LoadMore;
use super::common::{action_error, field_of, is_admin, param_id};
use crate::api::{self, ApiError};
use crate::components::{
    AdminNav, EmptyState, ErrorAlert, ErrorState, Loading, Notice, PageHeader, PersonPicker,
    TextAreaField, TextField, Tone, busy,
};
use crate::format::timestamp;
use crate::forms::DirectoryForm;
use crate::routes;
use crate::state::{PagedList, Shape};

/// Administrators only; others are told so instead of meeting a 403.
#[component]
fn AdminsOnly(children: ChildrenFn) -> impl IntoView {
    view! {
        <Show
            when=is_admin
            fallback=|| view! { <EmptyState title="Only administrators manage the directory." /> }
        >
            {children()}
        </Show>
    }
}

/// A name-and-description form that creates something, and its message.
#[component]
fn CreateForm(
    heading_id: &'static str,
    heading: &'static str,
    prefix: &'static str,
    button: &'static str,
    create: Action<DirectoryForm, Result<String, ApiError>>,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let error = action_error(create);
    let name_error = Signal::derive(move || {
        let error = error.get()?;
        error
            .field_message("name")
            .or_else(|| (error.status() == Some(409)).then(|| error.message()))
    });
    // Clear the inputs once something was created.
    Effect::new(move || {
        if let Some(Ok(_)) = create.value().get() {
            name.set(String::new());
            description.set(String::new());
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if !create.pending().get_untracked() {
            create.dispatch(DirectoryForm {
                name: name.get_untracked(),
                description: description.get_untracked(),
            });
        }
    };
    view! {
        <section class="section" aria-labelledby=heading_id>
            <h2 id=heading_id>{heading}</h2>
            {move || {
                create
                    .value()
                    .get()
                    .and_then(Result::ok)
                    .map(|name| view! { <Notice tone=Tone::Success>"“" {name} "” was created."</Notice> })
            }}
            {move || error.get().map(|error| view! { <ErrorAlert error=error title="Nothing was created." /> })}
            <form class="form form-grid" novalidate on:submit=on_submit>
                <TextField id=format!("{prefix}-name") label="Name" value=name error=name_error required=true autocomplete="off" />
                <TextAreaField id=format!("{prefix}-description") label="Description" value=description error=field_of(error, "description") />
                <div class="form-actions">
                    <button type="submit" class="btn btn-primary" aria-disabled=move || busy(create.pending().get())>
                        {button}
                    </button>
                </div>
            </form>
        </section>
    }
}

/// A searchable, paged table of names that link to their pages.
#[component]
fn NameList<T: Clone + Send + Sync + 'static>(
    heading_id: &'static str,
    heading: &'static str,
    search_label: &'static str,
    query: RwSignal<String>,
    list: PagedList<T>,
    row: fn(&T) -> (String, String, String),
) -> impl IntoView {
    let on_search = move |ev: SubmitEvent| {
        ev.prevent_default();
        list.reload();
    };
    view! {
        <section class="section" aria-labelledby=heading_id>
            <h2 id=heading_id>{heading}</h2>
            <form class="form-inline search-form" role="search" on:submit=on_search>
                <TextField id=format!("{heading_id}-search") label=search_label input_type="search" value=query />
                <div class="form-actions">
                    <button type="submit" class="btn btn-secondary">"Search"</button>
                </div>
            </form>
            {move || match list.shape() {
                Shape::Loading => view! { <Loading /> }.into_any(),
                Shape::Failed(error) => view! { <ErrorState error=error retry=Callback::new(move |_| list.reload()) /> }.into_any(),
                Shape::Empty => view! { <EmptyState title="Nothing to show." /> }.into_any(),
                Shape::Filled => view! {
                    <div class="table-wrap" role="group" aria-labelledby=heading_id tabindex="0">
                        <table class="table">
                            <thead>
                                <tr>
                                    <th scope="col">"Name"</th>
                                    <th scope="col">"Description"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {move || list.with_items(|all| {
                                    all.iter()
                                        .map(|item| {
                                            let (href, name, description) = row(item);
                                            view! {
                                                <tr>
                                                    <th scope="row"><A href=href>{name}</A></th>
                                                    <td>{description}</td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()
                                })}
                            </tbody>
                        </table>
                    </div>
                }
                .into_any(),
            }}
            <LoadMore list=list />
        </section>
    }
}

#[component]
pub fn GroupsPage() -> impl IntoView {
    let query = RwSignal::new(String::new());
    let groups = PagedList::new(DEFAULT_PAGE_SIZE, move |page| {
        let q = query.get_untracked();
        async move {
            api::directory::groups(&q, &page)
                .await
                .map(|page| (page.items, page.next_cursor))
        }
    });
    let create = Action::new_local(move |form: &DirectoryForm| {
        let new = form.new_group();
        async move {
            let group = api::directory::create_group(&new?).await?;
            groups.prepend(group.clone());
            Ok::<String, ApiError>(group.name.to_string())
        }
    });
    view! {
        <PageHeader title="Groups" lead="Groups of the directory. Access packages can make people members or owners of a group." />
        <AdminNav />
        <AdminsOnly>
            <NameList
                heading_id="groups-heading"
                heading="Groups"
                search_label="Search groups"
                query=query
                list=groups
                row=|group: &GroupView| {
                    (
                        format!("{}/{}", routes::ADMIN_GROUPS, group.id),
                        group.name.to_string(),
                        group.description.as_str().to_string(),
                    )
                }
            />
            <CreateForm heading_id="new-group-heading" heading="New group" prefix="new-group" button="Create group" create=create />
        </AdminsOnly>
    }
}

#[component]
pub fn GroupPage() -> impl IntoView {
    let id = param_id::<GroupId>("id");
    let group = LocalResource::new(move || {
        let id = id.get();
        async move {
            match id {
                Some(id) => api::directory::group(id).await,
                None => Err(ApiError::from_response(404, "", None)),
            }
        }
    });
    view! {
        <Transition fallback=|| view! { <Loading label="Loading the group…" /> }>
            {move || Suspend::new(async move {
                match group.await {
                    Ok(group) => {
                        let id = group.id;
                        view! {
                            <PageHeader title=group.name.to_string() lead="Group" />
                            <AdminNav />
                            <p class="breadcrumb"><A href=routes::ADMIN_GROUPS>"All groups"</A></p>
                            <p>{group.description.as_str().to_string()}</p>
                            <GroupLinks id=id role=GroupRole::Member />
                            <GroupLinks id=id role=GroupRole::Owner />
                            <DeleteButton what="group" run=DeleteTarget::Group(id) />
                        }
                        .into_any()
                    }
                    Err(error) => view! {
                        <PageHeader title="Group" />
                        <AdminNav />
                        <ErrorState error=error retry=Callback::new(move |_| group.refetch()) />
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}

#[derive(Clone, Copy)]
enum DeleteTarget {
    Group(GroupId),
    Application(ApplicationId),
}

/// Deletes a group or an application after a second click, then returns to its list.
#[component]
fn DeleteButton(what: &'static str, run: DeleteTarget) -> impl IntoView {
    let navigate = use_navigate();
    let confirming = RwSignal::new(false);
    let action = Action::new_local(move |_: &()| {
        let navigate = navigate.clone();
        async move {
            let back = match run {
                DeleteTarget::Group(id) => {
                    api::directory::delete_group(id).await?;
                    routes::ADMIN_GROUPS
                }
                DeleteTarget::Application(id) => {
                    api::directory::delete_application(id).await?;
                    routes::ADMIN_APPLICATIONS
                }
            };
            navigate(back, Default::default());
            Ok::<(), ApiError>(())
        }
    });
    let error = action_error(action);
    view! {
        <section class="section danger-zone" aria-label=format!("Delete this {what}")>
            {move || error.get().map(|error| view! { <ErrorAlert error=error title=format!("The {what} was not deleted.") /> })}
            <Show
                when=move || confirming.get()
                fallback=move || view! {
                    <button type="button" class="btn btn-danger-outline" on:click=move |_| confirming.set(true)>
                        {format!("Delete {what}")}
                    </button>
                }
            >
                <p>{format!("Delete this {what}? This cannot be undone.")}</p>
                <div class="row-actions">
                    <button
                        type="button"
                        class="btn btn-danger"
                        aria-disabled=move || busy(action.pending().get())
                        on:click=move |_| {
                            if !action.pending().get_untracked() {
                                action.dispatch(());
                            }
                        }
                    >
                        {format!("Yes, delete the {what}")}
                    </button>
                    <button type="button" class="btn btn-secondary" on:click=move |_| confirming.set(false)>
                        "Keep it"
                    </button>
                </div>
            </Show>
        </section>
    }
}

/// The members or the owners of a group, with a person to add and a button to remove each.
#[component]
fn GroupLinks(id: GroupId, role: GroupRole) -> impl IntoView {
    let (heading, noun) = match role {
        GroupRole::Member => ("Members", "member"),
        GroupRole::Owner => ("Owners", "owner"),
    };
    let heading_id = format!("{}-heading", role.as_str());
    let list = PagedList::new(DEFAULT_PAGE_SIZE, move |page| async move {
        api::directory::group_links(id, role, &page)
            .await
            .map(|page| (page.items, page.next_cursor))
    });
    let chosen = RwSignal::new(String::new());
    let add = Action::new_local(move |raw: &String| {
        let user = raw.parse::<UserId>();
        async move {
            let Ok(user) = user else {
                return Err(ApiError::invalid(vec![
                    tessera_domain::problem::FieldError {
                        field: "user_id".into(),
                        message: "choose a person".into(),
                    },
                ]));
            };
            api::directory::add_group_link(id, role, user).await?;
            chosen.set(String::new());
            list.reload();
            Ok::<(), ApiError>(())
        }
    });
    let remove = Action::new_local(move |user: &UserId| {
        let user = *user;
        async move {
            api::directory::remove_group_link(id, role, user).await?;
            list.reload();
            Ok::<(), ApiError>(())
        }
    });
    let add_error = action_error(add);
    let remove_error = action_error(remove);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if !add.pending().get_untracked() {
            add.dispatch(chosen.get_untracked());
        }
    };
    let table_label = heading_id.clone();
    view! {
        <section class="section" aria-labelledby=heading_id.clone()>
            <h2 id=heading_id.clone()>{heading}</h2>
            {move || remove_error.get().map(|error| view! { <ErrorAlert error=error title=format!("The {noun} was not removed.") /> })}
            {move || match list.shape() {
                Shape::Loading => view! { <Loading /> }.into_any(),
                Shape::Failed(error) => view! { <ErrorState error=error retry=Callback::new(move |_| list.reload()) /> }.into_any(),
                Shape::Empty => view! { <EmptyState title=format!("No {noun}s yet.") /> }.into_any(),
                Shape::Filled => view! {
                    <div class="table-wrap" role="group" aria-labelledby=table_label.clone() tabindex="0">
                        <table class="table">
                            <thead>
                                <tr>
                                    <th scope="col">"Person"</th>
                                    <th scope="col">"Since"</th>
                                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                </tr>
                            </thead>
                            <tbody>
                                {move || list.with_items(|all| {
                                    all.iter()
                                        .map(|member| {
                                            let user = member.user_id;
                                            let label = format!("Remove {} as {noun}", member.username);
                                            view! {
                                                <tr>
                                                    <th scope="row">{format!("{} ({})", member.display_name, member.username)}</th>
                                                    <td>{timestamp(&member.since)}</td>
                                                    <td class="cell-actions">
                                                        <button
                                                            type="button"
                                                            class="btn btn-danger-outline btn-small"
                                                            aria-label=label
                                                            on:click=move |_| {
                                                                if !remove.pending().get_untracked() {
                                                                    remove.dispatch(user);
                                                                }
                                                            }
                                                        >
                                                            "Remove"
                                                        </button>
                                                    </td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()
                                })}
                            </tbody>
                        </table>
                    </div>
                }
                .into_any(),
            }}
            <LoadMore list=list />
            <form class="form form-inline subform" novalidate on:submit=on_submit>
                {move || add_error.get().map(|error| view! { <ErrorAlert error=error title=format!("The {noun} was not added.") /> })}
                <PersonPicker
                    id=format!("add-{}", role.as_str())
                    label=format!("New {noun}")
                    value=chosen
                    error=field_of(add_error, "user_id")
                />
                <div class="form-actions">
                    <button type="submit" class="btn btn-secondary" aria-disabled=move || busy(add.pending().get())>
                        {format!("Add {noun}")}
                    </button>
                </div>
            </form>
        </section>
    }
}

#[component]
pub fn ApplicationsPage() -> impl IntoView {
    let query = RwSignal::new(String::new());
    let apps = PagedList::new(DEFAULT_PAGE_SIZE, move |page| {
        let q = query.get_untracked();
        async move {
            api::directory::applications(&q, &page)
                .await
                .map(|page| (page.items, page.next_cursor))
        }
    });
    let create = Action::new_local(move |form: &DirectoryForm| {
        let new = form.new_application();
        async move {
            let app = api::directory::create_application(&new?).await?;
            apps.prepend(app.clone());
            Ok::<String, ApiError>(app.name.to_string())
        }
    });
    view! {
        <PageHeader title="Applications" lead="Applications of the directory and their roles. Access packages can assign an application role." />
        <AdminNav />
        <AdminsOnly>
            <NameList
                heading_id="applications-heading"
                heading="Applications"
                search_label="Search applications"
                query=query
                list=apps
                row=|app: &ApplicationView| {
                    (
                        format!("{}/{}", routes::ADMIN_APPLICATIONS, app.id),
                        app.name.to_string(),
                        app.description.as_str().to_string(),
                    )
                }
            />
            <CreateForm heading_id="new-application-heading" heading="New application" prefix="new-application" button="Create application" create=create />
        </AdminsOnly>
    }
}

#[component]
pub fn ApplicationPage() -> impl IntoView {
    let id = param_id::<ApplicationId>("id");
    let app = LocalResource::new(move || {
        let id = id.get();
        async move {
            match id {
                Some(id) => api::directory::application(id).await,
                None => Err(ApiError::from_response(404, "", None)),
            }
        }
    });
    view! {
        <Transition fallback=|| view! { <Loading label="Loading the application…" /> }>
            {move || Suspend::new(async move {
                match app.await {
                    Ok(app) => {
                        let id = app.id;
                        view! {
                            <PageHeader title=app.name.to_string() lead="Application" />
                            <AdminNav />
                            <p class="breadcrumb"><A href=routes::ADMIN_APPLICATIONS>"All applications"</A></p>
                            <p>{app.description.as_str().to_string()}</p>
                            <AppRoles id=id />
                            <DeleteButton what="application" run=DeleteTarget::Application(id) />
                        }
                        .into_any()
                    }
                    Err(error) => view! {
                        <PageHeader title="Application" />
                        <AdminNav />
                        <ErrorState error=error retry=Callback::new(move |_| app.refetch()) />
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn AppRoles(id: ApplicationId) -> impl IntoView {
    let roles = LocalResource::new(move || async move {
        api::directory::app_roles(
            id,
            &PageQuery {
                limit: Some(MAX_PAGE_SIZE),
                cursor: None,
            },
        )
        .await
    });
    let create = Action::new_local(move |form: &DirectoryForm| {
        let new = form.new_app_role();
        async move {
            let role = api::directory::create_app_role(id, &new?).await?;
            roles.refetch();
            Ok::<String, ApiError>(role.name.to_string())
        }
    });
    let remove = Action::new_local(move |role: &AppRoleId| {
        let role = *role;
        async move {
            api::directory::delete_app_role(id, role).await?;
            roles.refetch();
            Ok::<(), ApiError>(())
        }
    });
    let remove_error = action_error(remove);
    view! {
        <section class="section" aria-labelledby="app-roles-heading">
            <h2 id="app-roles-heading">"Roles"</h2>
            {move || remove_error.get().map(|error| view! { <ErrorAlert error=error title="The role was not deleted." /> })}
            <Transition fallback=|| view! { <Loading label="Loading roles…" /> }>
                {move || Suspend::new(async move {
                    match roles.await {
                        Err(error) => view! { <ErrorState error=error retry=Callback::new(move |_| roles.refetch()) /> }.into_any(),
                        Ok(page) if page.items.is_empty() => view! { <EmptyState title="This application has no roles yet." /> }.into_any(),
                        Ok(page) => view! {
                            <div class="table-wrap" role="group" aria-labelledby="app-roles-heading" tabindex="0">
                                <table class="table">
                                    <thead>
                                        <tr>
                                            <th scope="col">"Role"</th>
                                            <th scope="col">"Description"</th>
                                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {page.items.into_iter().map(|role| {
                                            let role_id = role.id;
                                            let label = format!("Delete role {}", role.name);
                                            view! {
                                                <tr>
                                                    <th scope="row">{role.name.to_string()}</th>
                                                    <td>{role.description.as_str().to_string()}</td>
                                                    <td class="cell-actions">
                                                        <button
                                                            type="button"
                                                            class="btn btn-danger-outline btn-small"
                                                            aria-label=label
                                                            on:click=move |_| {
                                                                if !remove.pending().get_untracked() {
                                                                    remove.dispatch(role_id);
                                                                }
                                                            }
                                                        >
                                                            "Delete"
                                                        </button>
                                                    </td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }
                        .into_any(),
                    }
                })}
            </Transition>
        </section>
        <CreateForm heading_id="new-app-role-heading" heading="New role" prefix="new-app-role" button="Create role" create=create />
    }
}

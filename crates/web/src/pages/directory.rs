//! The directory, for administrators: groups with their members and owners, applications with
//! their roles.

use std::fmt::Display;
use std::str::FromStr;

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use tessera_domain::directory::{AppRoleView, ApplicationView, GroupManager, GroupRole, GroupView};
use tessera_domain::page::{DEFAULT_PAGE_SIZE, PageQuery};
use tessera_domain::{ApplicationId, GroupId};

use super::common::{
    action_error, field_of, field_or_conflict, is_admin, read_param_id, whole_list,
};
use super::confirm_delete::{ConfirmDelete, Deletable};
use super::lists::{ItemButton, PagedItems, Table, WholeList, item_action};
use super::people::AddPersonForm;
use crate::api::{self, ApiError};
use crate::components::{
    AdminNav, EmptyState, ErrorAlert, ErrorState, Loading, Notice, PageHeader, TextAreaField,
    TextField, Tone, busy,
};
use crate::format::timestamp;
use crate::forms::DirectoryForm;
use crate::routes;
use crate::state::PagedList;

/// A group or an application. Their list pages, and the pages of one of them, differ only in
/// these words and calls, and in the sections under an entry's description.
trait Entry: Clone + Send + Sync + 'static {
    type Id: FromStr + Display + PartialEq + Copy + Send + Sync + 'static;
    /// "group": in headings, labels and ids.
    const NOUN: &'static str;
    /// "Group": the lead of an entry's page, and its title when it cannot be read.
    const TITLE: &'static str;
    /// "Groups": the title of the list's page and the heading of the list.
    const PLURAL: &'static str;
    /// What the list's page says under its title.
    const LEAD: &'static str;
    /// The path of the list's page.
    const LIST: &'static str;

    async fn list(q: String, page: PageQuery) -> Result<(Vec<Self>, Option<String>), ApiError>;
    async fn create(form: DirectoryForm) -> Result<Self, ApiError>;
    async fn get(id: Self::Id) -> Result<Self, ApiError>;
    fn id(&self) -> Self::Id;
    fn name(&self) -> String;
    fn description(&self) -> String;
    /// A short label shown next to the name (who manages the entry), if any.
    fn badge(&self) -> Option<&'static str> {
        None
    }
    fn deletable(id: Self::Id) -> Deletable;
    /// The sections of an entry's page between its description and the button that deletes it.
    fn sections(id: Self::Id) -> AnyView;
}

impl Entry for GroupView {
    type Id = GroupId;
    const NOUN: &'static str = "group";
    const TITLE: &'static str = "Group";
    const PLURAL: &'static str = "Groups";
    const LEAD: &'static str =
        "Groups of the directory. Access packages can make people members or owners of a group.";
    const LIST: &'static str = routes::ADMIN_GROUPS;

    async fn list(q: String, page: PageQuery) -> Result<(Vec<Self>, Option<String>), ApiError> {
        let page = api::directory::groups(&q, &page).await?;
        Ok((page.items, page.next_cursor))
    }

    async fn create(form: DirectoryForm) -> Result<Self, ApiError> {
        api::directory::create_group(&form.new_group()?).await
    }

    async fn get(id: GroupId) -> Result<Self, ApiError> {
        api::directory::group(id).await
    }

    fn id(&self) -> GroupId {
        self.id
    }

    fn name(&self) -> String {
        self.name.to_string()
    }

    fn description(&self) -> String {
        self.description.as_str().to_string()
    }

    fn badge(&self) -> Option<&'static str> {
        (self.managed_by == GroupManager::Scim).then_some("Managed by SCIM")
    }

    fn deletable(id: GroupId) -> Deletable {
        Deletable::Group(id)
    }

    fn sections(id: GroupId) -> AnyView {
        view! {
            <GroupLinks id=id role=GroupRole::Member />
            <GroupLinks id=id role=GroupRole::Owner />
        }
        .into_any()
    }
}

impl Entry for ApplicationView {
    type Id = ApplicationId;
    const NOUN: &'static str = "application";
    const TITLE: &'static str = "Application";
    const PLURAL: &'static str = "Applications";
    const LEAD: &'static str = "Applications of the directory and their roles. Access packages can assign an application role.";
    const LIST: &'static str = routes::ADMIN_APPLICATIONS;

    async fn list(q: String, page: PageQuery) -> Result<(Vec<Self>, Option<String>), ApiError> {
        let page = api::directory::applications(&q, &page).await?;
        Ok((page.items, page.next_cursor))
    }

    async fn create(form: DirectoryForm) -> Result<Self, ApiError> {
        api::directory::create_application(&form.new_application()?).await
    }

    async fn get(id: ApplicationId) -> Result<Self, ApiError> {
        api::directory::application(id).await
    }

    fn id(&self) -> ApplicationId {
        self.id
    }

    fn name(&self) -> String {
        self.name.to_string()
    }

    fn description(&self) -> String {
        self.description.as_str().to_string()
    }

    fn deletable(id: ApplicationId) -> Deletable {
        Deletable::Application(id)
    }

    fn sections(id: ApplicationId) -> AnyView {
        view! { <AppRoles id=id /> }.into_any()
    }
}

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
    #[prop(into)] heading_id: String,
    #[prop(into)] heading: String,
    #[prop(into)] prefix: String,
    #[prop(into)] button: String,
    create: Action<DirectoryForm, Result<String, ApiError>>,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let error = action_error(create);
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
        <section class="section" aria-labelledby=heading_id.clone()>
            <h2 id=heading_id.clone()>{heading}</h2>
            {move || {
                create
                    .value()
                    .get()
                    .and_then(Result::ok)
                    .map(|name| view! { <Notice tone=Tone::Success>"“" {name} "” was created."</Notice> })
            }}
            {move || error.get().map(|error| view! { <ErrorAlert error=error title="Nothing was created." /> })}
            <form class="form form-grid" novalidate on:submit=on_submit>
                <TextField id=format!("{prefix}-name") label="Name" value=name error=field_or_conflict(error, "name") required=true autocomplete="off" />
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

/// The groups or the applications: searched, paged, with links to their pages, and a form that
/// creates one.
fn entries_page<E: Entry>() -> impl IntoView {
    let query = RwSignal::new(String::new());
    let list = PagedList::new(DEFAULT_PAGE_SIZE, move |page| {
        E::list(query.get_untracked(), page)
    });
    let create = Action::new_local(move |form: &DirectoryForm| {
        let created = E::create(form.clone());
        async move {
            let entry = created.await?;
            list.prepend(entry.clone());
            Ok::<String, ApiError>(entry.name())
        }
    });
    let plural = E::PLURAL.to_lowercase();
    let heading_id = format!("{plural}-heading");
    let noun = E::NOUN;
    view! {
        <PageHeader title=E::PLURAL lead=E::LEAD />
        <AdminNav />
        <AdminsOnly>
            <EntryList heading_id=heading_id.clone() search_label=format!("Search {plural}") query=query list=list />
            <CreateForm
                heading_id=format!("new-{noun}-heading")
                heading=format!("New {noun}")
                prefix=format!("new-{noun}")
                button=format!("Create {noun}")
                create=create
            />
        </AdminsOnly>
    }
}

/// A searchable, paged table of names that link to their pages.
#[component]
fn EntryList<E: Entry>(
    heading_id: String,
    search_label: String,
    query: RwSignal<String>,
    list: PagedList<E>,
) -> impl IntoView {
    let on_search = move |ev: SubmitEvent| {
        ev.prevent_default();
        list.reload();
    };
    let table_label = heading_id.clone();
    view! {
        <section class="section" aria-labelledby=heading_id.clone()>
            <h2 id=heading_id.clone()>{E::PLURAL}</h2>
            <form class="form-inline search-form" role="search" on:submit=on_search>
                <TextField id=format!("{heading_id}-search") label=search_label input_type="search" value=query />
                <div class="form-actions">
                    <button type="submit" class="btn btn-secondary">"Search"</button>
                </div>
            </form>
            <PagedItems list=list empty="Nothing to show.">
                <Table labelled_by=table_label.clone() columns=&["Name", "Description"]>
                    {move || list.with_items(|all| {
                        all.iter()
                            .map(|entry| {
                                let name = entry.name();
                                let badge = entry.badge().map(|label| view! { " " <span class="badge badge-neutral">{label}</span> });
                                view! {
                                    <tr>
                                        <th scope="row"><A href=format!("{}/{}", E::LIST, entry.id())>{name}</A>{badge}</th>
                                        <td>{entry.description()}</td>
                                    </tr>
                                }
                            })
                            .collect_view()
                    })}
                </Table>
            </PagedItems>
        </section>
    }
}

/// The page of one group or application: its name and description, its own sections, and the
/// button that deletes it.
fn entry_page<E: Entry>() -> impl IntoView {
    let entry = read_param_id(E::get);
    let noun = E::NOUN;
    view! {
        <Transition fallback=move || view! { <Loading label=format!("Loading the {noun}…") /> }>
            {move || Suspend::new(async move {
                match entry.await {
                    Ok(entry) => {
                        let id = entry.id();
                        view! {
                            <PageHeader title=entry.name() lead=E::TITLE />
                            <AdminNav />
                            <p class="breadcrumb"><A href=E::LIST>{format!("All {}", E::PLURAL.to_lowercase())}</A></p>
                            {entry.badge().map(|label| view! {
                                <p><span class="badge badge-neutral">{label}</span>" The identity provider manages its members through SCIM; they cannot be changed here or by access packages."</p>
                            })}
                            <p>{entry.description()}</p>
                            {E::sections(id)}
                            <section class="section danger-zone" aria-label=format!("Delete this {noun}")>
                                <ConfirmDelete target=E::deletable(id) />
                            </section>
                        }
                        .into_any()
                    }
                    Err(error) => view! {
                        <PageHeader title=E::TITLE />
                        <AdminNav />
                        <ErrorState error=error retry=Callback::new(move |_| entry.refetch()) />
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
pub fn GroupsPage() -> impl IntoView {
    entries_page::<GroupView>()
}

#[component]
pub fn GroupPage() -> impl IntoView {
    entry_page::<GroupView>()
}

#[component]
pub fn ApplicationsPage() -> impl IntoView {
    entries_page::<ApplicationView>()
}

#[component]
pub fn ApplicationPage() -> impl IntoView {
    entry_page::<ApplicationView>()
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
    let remove = item_action(
        move |user| api::directory::remove_group_link(id, role, user),
        Callback::new(move |_| list.reload()),
    );
    let remove_error = action_error(remove);
    let table_label = heading_id.clone();
    view! {
        <section class="section" aria-labelledby=heading_id.clone()>
            <h2 id=heading_id.clone()>{heading}</h2>
            {move || remove_error.get().map(|error| view! { <ErrorAlert error=error title=format!("The {noun} was not removed.") /> })}
            <PagedItems list=list empty=format!("No {noun}s yet.")>
                <Table labelled_by=table_label.clone() columns=&["Person", "Since"] actions=true>
                    {move || list.with_items(|all| {
                        all.iter()
                            .map(|member| view! {
                                <tr>
                                    <th scope="row">
                                        {format!("{} ({})", member.display_name, member.username)}
                                        {member.guest.then(|| view! { " " <span class="badge badge-info">"Guest"</span> })}
                                    </th>
                                    <td>{timestamp(&member.since)}</td>
                                    <td class="cell-actions">
                                        <ItemButton action=remove item=member.user_id label=format!("Remove {} as {noun}", member.username) text="Remove" />
                                    </td>
                                </tr>
                            })
                            .collect_view()
                    })}
                </Table>
            </PagedItems>
            <AddPersonForm
                id=format!("add-{}", role.as_str())
                label=format!("New {noun}")
                button=format!("Add {noun}")
                failed=format!("The {noun} was not added.")
                add=move |user| api::directory::add_group_link(id, role, user)
                on_added=Callback::new(move |_| list.reload())
            />
        </section>
    }
}

#[component]
fn AppRoles(id: ApplicationId) -> impl IntoView {
    let roles = LocalResource::new(move || async move {
        api::directory::app_roles(id, &whole_list())
            .await
            .map(|page| page.items)
    });
    let create = Action::new_local(move |form: &DirectoryForm| {
        let new = form.new_app_role();
        async move {
            let role = api::directory::create_app_role(id, &new?).await?;
            roles.refetch();
            Ok::<String, ApiError>(role.name.to_string())
        }
    });
    let remove = item_action(
        move |role| api::directory::delete_app_role(id, role),
        Callback::new(move |_| roles.refetch()),
    );
    let remove_error = action_error(remove);
    let table = move |list: Vec<AppRoleView>| {
        view! {
            <Table labelled_by="app-roles-heading" columns=&["Role", "Description"] actions=true>
                {list
                    .into_iter()
                    .map(|role| view! {
                        <tr>
                            <th scope="row">{role.name.to_string()}</th>
                            <td>{role.description.as_str().to_string()}</td>
                            <td class="cell-actions">
                                <ItemButton action=remove item=role.id label=format!("Delete role {}", role.name) text="Delete" />
                            </td>
                        </tr>
                    })
                    .collect_view()}
            </Table>
        }
    };
    view! {
        <section class="section" aria-labelledby="app-roles-heading">
            <h2 id="app-roles-heading">"Roles"</h2>
            {move || remove_error.get().map(|error| view! { <ErrorAlert error=error title="The role was not deleted." /> })}
            <WholeList list=roles loading="Loading roles…" empty="This application has no roles yet." show=table />
        </section>
        <CreateForm heading_id="new-app-role-heading" heading="New role" prefix="new-app-role" button="Create role" create=create />
    }
}

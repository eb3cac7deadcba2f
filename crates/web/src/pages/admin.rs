//! Administration: for now, the directory's users: people, members of the organisation or
//! guests from outside it, and service accounts.

use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use leptos_router::components::A;
use tessera_domain::UserId;
use tessera_domain::identity::IdentityLink;
use tessera_domain::page::DEFAULT_PAGE_SIZE;
use tessera_domain::user::{UserChanges, UserKind, UserType, UserView};

use crate::api::{self, ApiError};
use crate::components::{
    AdminNav, CheckboxField, EmptyState, ErrorAlert, ErrorState, Loading, Notice, PageHeader,
    TextField, Tone, busy,
};
use crate::format::{maybe_timestamp, timestamp, yes_no};
use crate::forms::{NewUserForm, SetPasswordForm};
use crate::pages::common::action_error;
use crate::pages::confirm_delete::AskBeforeDeleting;
use crate::people::person_href;
use crate::state::{PagedList, Session, Shape};

#[component]
pub fn AdminPage() -> impl IntoView {
    let session = Session::expect();
    let is_admin = Memo::new(move |_| session.is_admin());
    view! {
        <PageHeader title="Administration" />
        <AdminNav />
        <Show
            when=move || is_admin.get()
            fallback=|| {
                view! {
                    <EmptyState title="You need to be an administrator to manage users.">
                        <p>"Ask a Tessera administrator if your work needs it. Catalogs you hold a role in are under “Catalogs”."</p>
                    </EmptyState>
                }
            }
        >
            <UsersSection />
        </Show>
    }
}

fn kind_label(kind: UserKind) -> &'static str {
    match kind {
        UserKind::Person => "Person",
        UserKind::ServiceAccount => "Service account",
    }
}

/// A person's type with an article, as a notice says it: "is now a guest".
fn user_type_phrase(user_type: UserType) -> &'static str {
    match user_type {
        UserType::Member => "a member",
        UserType::Guest => "a guest",
    }
}

#[component]
fn UsersSection() -> impl IntoView {
    let users = PagedList::new(DEFAULT_PAGE_SIZE, |page| async move {
        api::users::list(&page)
            .await
            .map(|page| (page.items, page.next_cursor))
    });
    let changed = RwSignal::new(None::<String>);
    let set_enabled = Action::new_local(move |change: &(UserId, bool)| {
        let (id, enabled) = *change;
        let changes = UserChanges {
            enabled: Some(enabled),
            ..UserChanges::default()
        };
        async move {
            let user = api::users::update(id, &changes).await?;
            changed.set(Some(format!(
                "{} is now {}.",
                user.username,
                if user.enabled { "enabled" } else { "disabled" }
            )));
            users.replace(user, |row| row.id == id);
            Ok::<(), ApiError>(())
        }
    });
    let set_type = Action::new_local(move |change: &(UserId, UserType)| {
        let (id, user_type) = *change;
        let changes = UserChanges {
            user_type: Some(user_type),
            ..UserChanges::default()
        };
        async move {
            let user = api::users::update(id, &changes).await?;
            changed.set(Some(format!(
                "{} is now {}.",
                user.username,
                user_type_phrase(user.user_type)
            )));
            users.replace(user, |row| row.id == id);
            Ok::<(), ApiError>(())
        }
    });

    // The person whose password the administrator is setting, if any.
    let password_for = RwSignal::new(None::<(UserId, String)>);
    // The person whose identity provider accounts the administrator is looking at, if any.
    let links_for = RwSignal::new(None::<(UserId, String)>);

    view! {
        <section class="section" aria-labelledby="users-heading">
            <h2 id="users-heading">"Users"</h2>
            {move || changed.get().map(|message| view! { <Notice tone=Tone::Success>{message}</Notice> })}
            {move || {
                set_enabled
                    .value()
                    .get()
                    .and_then(Result::err)
                    .or_else(|| set_type.value().get().and_then(Result::err))
                    .map(|error| view! { <ErrorAlert error=error title="The user was not changed." /> })
            }}
            {move || {
                match users.shape() {
                    Shape::Loading => view! { <Loading label="Loading users…" /> }.into_any(),
                    Shape::Failed(error) => {
                        view! {
                            <ErrorState error=error retry=Callback::new(move |_| users.reload()) />
                        }
                            .into_any()
                    }
                    Shape::Empty => {
                        view! { <EmptyState title="There are no users yet." /> }.into_any()
                    }
                    Shape::Filled => {
                        view! { <UsersTable users=users set_enabled=set_enabled set_type=set_type password_for=password_for links_for=links_for /> }
                            .into_any()
                    }
                }
            }}
            <Show when=move || users.loaded() && users.error().is_some()>
                {move || users.error().map(|error| view! { <ErrorAlert error=error title="More users could not be loaded." /> })}
            </Show>
            <Show when=move || users.has_more()>
                <div class="load-more">
                    <button
                        type="button"
                        class="btn btn-secondary"
                        aria-disabled=move || busy(users.pending())
                        on:click=move |_| users.load_more()
                    >
                        {move || if users.pending() { "Loading…" } else { "Load more" }}
                    </button>
                </div>
            </Show>
            {move || {
                password_for
                    .get()
                    .map(|(id, username)| {
                        view! { <SetPasswordPanel id=id username=username password_for=password_for /> }
                    })
            }}
            {move || {
                links_for
                    .get()
                    .map(|(id, username)| {
                        view! { <IdentityLinksPanel id=id username=username links_for=links_for /> }
                    })
            }}
        </section>
        <NewUserSection users=users />
    }
}

/// Sets the password of one person; their sessions end. Shown below the users table.
#[component]
fn SetPasswordPanel(
    id: UserId,
    username: String,
    password_for: RwSignal<Option<(UserId, String)>>,
) -> impl IntoView {
    let password = RwSignal::new(String::new());
    let done = RwSignal::new(false);
    let set = Action::new_local(move |form: &SetPasswordForm| {
        let input = form.parse();
        async move {
            api::users::set_password(id, &input?).await?;
            Ok::<(), ApiError>(())
        }
    });
    Effect::new(move || {
        if matches!(set.value().get(), Some(Ok(()))) {
            password.set(String::new());
            done.set(true);
        }
    });
    let error = Signal::derive(move || set.value().get().and_then(Result::err));
    let heading_ref = NodeRef::<html::H3>::new();
    Effect::new(move || {
        if let Some(heading) = heading_ref.get() {
            let _ = heading.focus();
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if !set.pending().get_untracked() {
            done.set(false);
            set.dispatch(SetPasswordForm {
                password: password.get_untracked(),
            });
        }
    };
    let title = format!("Set password for {username}");
    view! {
        <div class="panel" role="region" aria-labelledby="set-password-heading">
            <h3 id="set-password-heading" tabindex="-1" node_ref=heading_ref>{title}</h3>
            <p>"Their sessions end; they sign in with the new password. API tokens keep working."</p>
            {move || {
                done.get()
                    .then(|| view! { <Notice tone=Tone::Success>{format!("The password of {username} was set.")}</Notice> })
            }}
            {move || {
                error
                    .get()
                    .map(|error| view! { <ErrorAlert error=error title="The password was not set." /> })
            }}
            <form class="form form-inline" novalidate on:submit=on_submit>
                <TextField
                    id="set_password"
                    label="New password"
                    input_type="password"
                    autocomplete="new-password"
                    value=password
                    error=Signal::derive(move || error.get()?.field_message("password"))
                    hint="12 to 256 characters."
                    required=true
                />
                <div class="form-actions">
                    <button type="submit" class="btn btn-primary" aria-disabled=move || busy(set.pending().get())>
                        {move || if set.pending().get() { "Setting…" } else { "Set password" }}
                    </button>
                    <button type="button" class="btn btn-secondary" on:click=move |_| password_for.set(None)>
                        "Close"
                    </button>
                </div>
            </form>
        </div>
    }
}

/// The person's accounts at identity providers, each with a way to unlink it. Shown below the
/// users table.
#[component]
fn IdentityLinksPanel(
    id: UserId,
    username: String,
    links_for: RwSignal<Option<(UserId, String)>>,
) -> impl IntoView {
    let user = LocalResource::new(move || api::users::get(id));
    let unlinked = RwSignal::new(None::<String>);
    let unlink = Action::new_local(move |link: &IdentityLink| {
        let link = link.clone();
        async move {
            api::users::unlink_identity(id, &link.provider_id).await?;
            unlinked.set(Some(format!(
                "The {} account {} was unlinked.",
                link.provider_name, link.subject
            )));
            user.refetch();
            Ok::<(), ApiError>(())
        }
    });
    let error = action_error(unlink);
    let heading_ref = NodeRef::<html::H3>::new();
    Effect::new(move || {
        if let Some(heading) = heading_ref.get() {
            let _ = heading.focus();
        }
    });
    let title = format!("Identity links of {username}");
    view! {
        <div class="panel" role="region" aria-labelledby="identity-links-heading">
            <h3 id="identity-links-heading" tabindex="-1" node_ref=heading_ref>{title}</h3>
            <p>"Accounts at identity providers this person signs in with. Unlinking one does not end their sessions; their next sign-in with it links it again if it still matches them."</p>
            {move || unlinked.get().map(|message| view! { <Notice tone=Tone::Success>{message}</Notice> })}
            {move || error.get().map(|error| view! { <ErrorAlert error=error title="The account was not unlinked." /> })}
            {move || match user.get() {
                None => view! { <Loading label="Loading identity links…" /> }.into_any(),
                Some(Err(error)) => {
                    view! { <ErrorState error=error retry=Callback::new(move |_| user.refetch()) /> }
                        .into_any()
                }
                Some(Ok(user)) => {
                    let links = user.identity_links;
                    if links.is_empty() {
                        view! { <EmptyState title="No identity provider accounts are linked." /> }
                            .into_any()
                    } else {
                        view! { <IdentityLinksTable links=links unlink=unlink /> }.into_any()
                    }
                }
            }}
            <div class="form-actions">
                <button type="button" class="btn btn-secondary" on:click=move |_| links_for.set(None)>
                    "Close"
                </button>
            </div>
        </div>
    }
}

#[component]
fn IdentityLinksTable(
    links: Vec<IdentityLink>,
    unlink: Action<IdentityLink, Result<(), ApiError>>,
) -> impl IntoView {
    view! {
        <div class="table-wrap" role="group" aria-labelledby="identity-links-heading" tabindex="0">
            <table class="table">
                <thead>
                    <tr>
                        <th scope="col">"Provider"</th>
                        <th scope="col">"Subject"</th>
                        <th scope="col">"Linked"</th>
                        <th scope="col">
                            <span class="visually-hidden">"Actions"</span>
                        </th>
                    </tr>
                </thead>
                <tbody>
                    {links
                        .into_iter()
                        .map(|link| {
                            let confirming = RwSignal::new(false);
                            let linked = timestamp(&link.linked_at);
                            let ask = format!("Unlink {}", link.provider_name);
                            let question = format!(
                                "Unlink the {} account {}?",
                                link.provider_name,
                                link.subject,
                            );
                            let confirm = format!("Yes, unlink {}", link.provider_name);
                            let provider = link.provider_name.clone();
                            let subject = link.subject.clone();
                            view! {
                                <tr>
                                    <th scope="row">{provider}</th>
                                    <td><code>{subject}</code></td>
                                    <td>{linked}</td>
                                    <td class="cell-actions">
                                        <AskBeforeDeleting
                                            ask=ask
                                            question=question
                                            confirm=confirm
                                            confirming=confirming
                                            pending=unlink.pending()
                                            on_confirm=Callback::new(move |_| {
                                                unlink.dispatch(link.clone());
                                            })
                                        />
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn UsersTable(
    users: PagedList<UserView>,
    set_enabled: Action<(UserId, bool), Result<(), ApiError>>,
    set_type: Action<(UserId, UserType), Result<(), ApiError>>,
    password_for: RwSignal<Option<(UserId, String)>>,
    links_for: RwSignal<Option<(UserId, String)>>,
) -> impl IntoView {
    let ids = move || users.with_items(|all| all.iter().map(|user| user.id).collect::<Vec<_>>());
    view! {
        <div class="table-wrap" role="group" aria-labelledby="users-heading" tabindex="0">
            <table class="table">
                <thead>
                    <tr>
                        <th scope="col">"Username"</th>
                        <th scope="col">"Display name"</th>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Kind"</th>
                        <th scope="col">"Enabled"</th>
                        <th scope="col">"Last sign-in"</th>
                        <th scope="col">
                            <span class="visually-hidden">"Actions"</span>
                        </th>
                    </tr>
                </thead>
                <tbody>
                    <For each=ids key=|id| *id let(id)>
                        <UserRow id=id users=users set_enabled=set_enabled set_type=set_type password_for=password_for links_for=links_for />
                    </For>
                </tbody>
            </table>
        </div>
    }
}

/// One row. It reads its user from the list by id, so a change redraws its cells but keeps
/// the row, and the focus on its button.
#[component]
fn UserRow(
    id: UserId,
    users: PagedList<UserView>,
    set_enabled: Action<(UserId, bool), Result<(), ApiError>>,
    set_type: Action<(UserId, UserType), Result<(), ApiError>>,
    password_for: RwSignal<Option<(UserId, String)>>,
    links_for: RwSignal<Option<(UserId, String)>>,
) -> impl IntoView {
    let user =
        Memo::new(move |_| users.with_items(|all| all.iter().find(|user| user.id == id).cloned()));
    let cell = move |read: fn(&UserView) -> String| {
        move || user.with(|user| user.as_ref().map(read).unwrap_or_default())
    };
    let enabled = move || user.with(|user| user.as_ref().is_some_and(|user| user.enabled));
    let pending = move || {
        set_enabled.pending().get()
            && set_enabled
                .input()
                .with(|input| matches!(input, Some((pending_id, _)) if *pending_id == id))
    };
    // Only people are members or guests: service accounts belong to the organisation.
    let person = move || {
        user.with(|user| {
            user.as_ref()
                .is_some_and(|user| user.kind == UserKind::Person)
        })
    };
    let guest = move || {
        user.with(|user| {
            user.as_ref()
                .is_some_and(|user| user.user_type == UserType::Guest)
        })
    };
    let type_pending = move || {
        set_type.pending().get()
            && set_type
                .input()
                .with(|input| matches!(input, Some((pending_id, _)) if *pending_id == id))
    };
    view! {
        <tr class:row-disabled=move || !enabled()>
            <th scope="row">{cell(|user| user.username.to_string())}</th>
            <td>
                <A href=person_href(id)>{cell(|user| user.display_name.to_string())}</A>
            </td>
            <td>{cell(|user| user.email.to_string())}</td>
            <td>
                {cell(|user| kind_label(user.kind).to_string())}
                {move || guest().then(|| view! { " " <span class="badge badge-info">"Guest"</span> })}
                {move || {
                    user.with(|user| user.as_ref().is_some_and(|user| user.is_admin))
                        .then(|| view! { " " <span class="badge badge-neutral">"Administrator"</span> })
                }}
            </td>
            <td>
                <span class=move || {
                    if enabled() { "badge badge-success" } else { "badge badge-neutral" }
                }>{move || yes_no(enabled())}</span>
                {move || user.with(|user| user.as_ref().and_then(blocked_note)).map(|note| view! {
                    " " <span class="badge badge-danger" title=note>"Blocked"</span>
                })}
            </td>
            <td>{cell(|user| maybe_timestamp(user.last_sign_in_at.as_ref(), "Never"))}</td>
            <td class="cell-actions">
                <div class="row-actions row-actions-nowrap">
                {move || person().then(|| view! {
                    <button
                        type="button"
                        class="btn btn-secondary btn-small"
                        aria-label=move || {
                            let username = cell(|user| user.username.to_string())();
                            if guest() {
                                format!("Make {username} a member")
                            } else {
                                format!("Make {username} a guest")
                            }
                        }
                        aria-disabled=move || busy(type_pending())
                        on:click=move |_| {
                            if !set_type.pending().get_untracked() {
                                let to = if guest() { UserType::Member } else { UserType::Guest };
                                set_type.dispatch((id, to));
                            }
                        }
                    >
                        {move || if guest() { "Make member" } else { "Make guest" }}
                    </button>
                })}
                {move || person().then(|| view! {
                    <button
                        type="button"
                        class="btn btn-secondary btn-small"
                        aria-label=move || format!("Set password for {}", cell(|user| user.username.to_string())())
                        on:click=move |_| {
                            password_for.set(Some((id, cell(|user| user.username.to_string())())));
                        }
                    >
                        "Set password"
                    </button>
                })}
                {move || person().then(|| view! {
                    <button
                        type="button"
                        class="btn btn-secondary btn-small"
                        aria-label=move || format!("Identity links of {}", cell(|user| user.username.to_string())())
                        on:click=move |_| {
                            links_for.set(Some((id, cell(|user| user.username.to_string())())));
                        }
                    >
                        "Identity links"
                    </button>
                })}
                <button
                    type="button"
                    class=move || {
                        if enabled() {
                            "btn btn-danger-outline btn-small"
                        } else {
                            "btn btn-secondary btn-small"
                        }
                    }
                    aria-label=move || {
                        let verb = if enabled() { "Disable" } else { "Enable" };
                        format!("{verb} {}", cell(|user| user.username.to_string())())
                    }
                    aria-disabled=move || busy(pending())
                    on:click=move |_| {
                        if !set_enabled.pending().get_untracked() {
                            set_enabled.dispatch((id, !enabled()));
                        }
                    }
                >
                    {move || if enabled() { "Disable" } else { "Enable" }}
                </button>
                </div>
            </td>
        </tr>
    }
}

#[component]
fn NewUserSection(users: PagedList<UserView>) -> impl IntoView {
    let username = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let user_type = RwSignal::new(UserType::Member);
    let is_admin = RwSignal::new(false);
    let created = RwSignal::new(None::<String>);

    let create = Action::new_local(move |form: &NewUserForm| {
        let new_user = form.parse();
        async move {
            let user = api::users::create(&new_user?).await?;
            created.set(Some(user.username.to_string()));
            username.set(String::new());
            display_name.set(String::new());
            email.set(String::new());
            password.set(String::new());
            user_type.set(UserType::Member);
            is_admin.set(false);
            users.prepend(user);
            Ok::<(), ApiError>(())
        }
    });

    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    let field_error = move |field: &'static str| {
        Signal::derive(move || {
            let error = error.get()?;
            error.field_message(field).or_else(|| {
                // A taken username comes back as a conflict without field errors.
                (field == "username" && error.status() == Some(409)).then(|| error.message())
            })
        })
    };

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if create.pending().get_untracked() {
            return;
        }
        created.set(None);
        create.dispatch(NewUserForm {
            username: username.get_untracked(),
            display_name: display_name.get_untracked(),
            email: email.get_untracked(),
            password: password.get_untracked(),
            user_type: user_type.get_untracked(),
            is_admin: is_admin.get_untracked(),
        });
    };

    view! {
        <section class="section" aria-labelledby="new-user-heading">
            <h2 id="new-user-heading">"New user"</h2>
            <p class="section-lead">"A person who signs in with a password. Every field is required."</p>
            {move || {
                created
                    .get()
                    .map(|name| view! { <Notice tone=Tone::Success>"User “" {name} "” was created."</Notice> })
            }}
            {move || {
                error
                    .get()
                    .map(|error| view! { <ErrorAlert error=error title="The user was not created." /> })
            }}
            <form class="form form-grid" novalidate on:submit=on_submit>
                <TextField
                    id="new-username"
                    label="Username"
                    value=username
                    error=field_error("username")
                    hint="2 to 64 lowercase letters, digits, “.”, “_”, “-” or “@”."
                    required=true
                    autocomplete="off"
                />
                <TextField
                    id="new-display-name"
                    label="Display name"
                    value=display_name
                    error=field_error("display_name")
                    required=true
                    autocomplete="off"
                />
                <TextField
                    id="new-email"
                    label="Email"
                    input_type="email"
                    value=email
                    error=field_error("email")
                    required=true
                    autocomplete="off"
                />
                <TextField
                    id="new-password"
                    label="Password"
                    input_type="password"
                    value=password
                    error=field_error("password")
                    hint="At least 12 characters."
                    required=true
                    autocomplete="new-password"
                />
                <UserTypeChoice value=user_type error=field_error("user_type") />
                <CheckboxField
                    id="new-is-admin"
                    label="Administrator"
                    checked=is_admin
                    hint="May configure everything and act on anyone's behalf."
                />
                <div class="form-actions">
                    <button type="submit" class="btn btn-primary" aria-disabled=move || busy(create.pending().get())>
                        {move || if create.pending().get() { "Creating…" } else { "Create user" }}
                    </button>
                </div>
            </form>
        </section>
    }
}

/// Member or guest, for a person.
#[component]
fn UserTypeChoice(value: RwSignal<UserType>, error: Signal<Option<String>>) -> impl IntoView {
    let options = [
        (UserType::Member, "Member", "Of the organisation."),
        (
            UserType::Guest,
            "Guest",
            "From outside the organisation. Signs in like anyone else; policies for “All members” leave guests out.",
        ),
    ];
    view! {
        <fieldset class="choices" aria-describedby=move || error.with(Option::is_some).then_some("new-user-type-error")>
            <legend>"Type"</legend>
            {options
                .into_iter()
                .map(|(option, label, hint)| {
                    let id = format!("new-user-type-{}", option.as_str());
                    view! {
                        <label class="choice">
                            <input
                                type="radio"
                                id=id
                                name="new-user-type"
                                prop:checked=move || value.get() == option
                                on:change=move |_| value.set(option)
                            />
                            <span>
                                {label}
                                <span class="choice-hint">{hint}</span>
                            </span>
                        </label>
                    }
                })
                .collect_view()}
            {move || error.get().map(|message| view! {
                <p class="field-error" id="new-user-type-error">{crate::forms::sentence(&message)}</p>
            })}
        </fieldset>
    }
}

/// Why a guest shows as blocked, for the badge's title: their last access ended, and when they
/// will be removed. `None` when they are not blocked.
fn blocked_note(user: &UserView) -> Option<String> {
    let blocked = user.blocked_at.as_ref()?;
    let removal = match &user.removal_due_at {
        Some(due) => format!("; to be removed on {}", timestamp(due)),
        None => String::new(),
    };
    Some(format!(
        "Blocked from signing in since {}: their last access ended{removal}",
        timestamp(blocked)
    ))
}

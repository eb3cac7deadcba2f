//! The administrators' pages of connected systems: the list, the form that creates or changes
//! one (its secret write-only), "Test connection", its bindings and its deletion.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use reactive_stores::Store;
use tessera_domain::connector::{ConnectorBindingView, ConnectorView, NewConnectorBinding};
use tessera_domain::page::DEFAULT_PAGE_SIZE;
use tessera_domain::{AppRoleId, ApplicationId, ConnectorId, GroupId};

use super::{
    ConnectorDraft, ConnectorDraftStoreFields, MEMBERSHIPS, PERSON_KEYS, Protocol, connector_href,
    endpoint, membership_label, membership_value, parse_membership, parse_person_key,
    person_key_label, person_key_value, reconciliation_href, secret_hint, secret_label,
};
use crate::api::{self, ApiError};
use crate::components::{
    AdminNav, CheckboxField, Combobox, DirectoryKind, EmptyState, ErrorAlert, ErrorState, Loading,
    Model, Notice, PageHeader, TextAreaField, TextField, Tone, busy, directory_search,
};
use crate::format::yes_no;
use crate::pages::common::{
    action_error, field_of, field_or_conflict, is_admin, read_param_id, refusal, whole_list,
};
use crate::pages::confirm_delete::AskBeforeDeleting;
use crate::pages::lists::{ItemButton, PagedItems, Table, WholeList, item_action};
use crate::routes;
use crate::state::PagedList;

const LEAD: &str =
    "Directories and applications that Tessera pushes granted and removed access to.";

/// Administrators only; others are told so instead of meeting a 403.
#[component]
fn AdminsOnly(children: ChildrenFn) -> impl IntoView {
    view! {
        <Show
            when=is_admin
            fallback=|| view! { <EmptyState title="Only administrators manage connected systems." /> }
        >
            {children()}
        </Show>
    }
}

#[component]
pub fn ConnectorsPage() -> impl IntoView {
    let list = PagedList::new(DEFAULT_PAGE_SIZE, |page| async move {
        api::connectors::list(&page)
            .await
            .map(|page| (page.items, page.next_cursor))
    });
    view! {
        <PageHeader title="Connected systems" lead=LEAD />
        <AdminNav />
        <AdminsOnly>
            <section class="section" aria-labelledby="connectors-heading">
                <div class="section-heading">
                    <h2 id="connectors-heading">"Connectors"</h2>
                    <A href=routes::ADMIN_CONNECTORS_NEW attr:class="btn btn-primary btn-small">"New connector"</A>
                </div>
                <PagedItems list=list empty="No connected systems yet.">
                    <Table labelled_by="connectors-heading" columns=&["Name", "Protocol", "Endpoint", "Enabled", "Secret"]>
                        {move || list.with_items(|all| {
                            all.iter()
                                .map(|connector| {
                                    let href = connector_href(connector.id);
                                    let name = connector.name.as_str().to_string();
                                    let protocol = Protocol::of(&connector.settings).label();
                                    let endpoint = endpoint(&connector.settings).to_string();
                                    let enabled = yes_no(connector.enabled);
                                    let secret = if connector.has_secret { "Stored" } else { "None" };
                                    view! {
                                        <tr>
                                            <th scope="row"><A href=href>{name}</A></th>
                                            <td>{protocol}</td>
                                            <td><code>{endpoint}</code></td>
                                            <td>{enabled}</td>
                                            <td>{secret}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()
                        })}
                    </Table>
                </PagedItems>
            </section>
        </AdminsOnly>
    }
}

#[component]
pub fn NewConnectorPage() -> impl IntoView {
    let navigate = use_navigate();
    let on_saved = Callback::new(move |saved: ConnectorView| {
        navigate(&connector_href(saved.id), Default::default());
    });
    view! {
        <PageHeader title="New connector" lead=LEAD />
        <AdminNav />
        <p class="breadcrumb"><A href=routes::ADMIN_CONNECTORS>"All connected systems"</A></p>
        <AdminsOnly>
            <ConnectorForm stored=None on_saved=on_saved />
        </AdminsOnly>
    }
}

#[component]
pub fn ConnectorPage() -> impl IntoView {
    let connector = read_param_id(api::connectors::get);
    view! {
        <Transition fallback=|| view! { <Loading label="Loading the connector…" /> }>
            {move || Suspend::new(async move {
                match connector.await {
                    Ok(stored) => {
                        let id = stored.id;
                        let protocol = Protocol::of(&stored.settings);
                        view! {
                            <PageHeader title=stored.name.as_str().to_string() lead="Connected system" />
                            <AdminNav />
                            <p class="breadcrumb"><A href=routes::ADMIN_CONNECTORS>"All connected systems"</A></p>
                            <TestSection id=id />
                            <ConnectorForm stored=Some(stored) on_saved=Callback::new(|_| ()) />
                            <BindingsSection id=id protocol=protocol />
                            <DeleteSection id=id />
                        }
                        .into_any()
                    }
                    Err(error) => view! {
                        <PageHeader title="Connected system" />
                        <AdminNav />
                        <ErrorState error=error retry=Callback::new(move |_| connector.refetch()) />
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}

/// A labelled `<select>` of fixed choices.
#[component]
fn SelectField(
    #[prop(into)] id: String,
    #[prop(into)] label: String,
    choices: Vec<(&'static str, &'static str)>,
    #[prop(into)] value: Signal<String>,
    on_change: Callback<String>,
    #[prop(optional)] hint: Option<&'static str>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            {hint.map(|hint| view! { <p class="field-hint" id=hint_id.clone()>{hint}</p> })}
            <select
                id=id.clone()
                name=id
                aria-describedby=hint.map(|_| hint_id.clone())
                prop:value=move || value.get()
                on:change=move |ev| on_change.run(event_target_value(&ev))
            >
                {choices
                    .into_iter()
                    .map(|(choice, text)| {
                        view! { <option value=choice selected=move || value.get() == choice>{text}</option> }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}

/// Creates a connector (`stored` is `None`) or changes a stored one. The secret is typed, sent,
/// and never shown: the field says whether one is stored.
#[component]
fn ConnectorForm(
    stored: Option<ConnectorView>,
    on_saved: Callback<ConnectorView>,
) -> impl IntoView {
    let editing = stored.as_ref().map(|stored| stored.id);
    let has_secret = RwSignal::new(stored.as_ref().is_some_and(|stored| stored.has_secret));
    let draft = Store::new(stored.as_ref().map(ConnectorDraft::of).unwrap_or_default());
    let saved = RwSignal::new(false);
    let save = Action::new_local(move |form: &ConnectorDraft| {
        let form = form.clone();
        async move {
            let view = match editing {
                Some(id) => api::connectors::update(id, &form.update()?).await?,
                None => api::connectors::create(&form.new_connector()?).await?,
            };
            has_secret.set(view.has_secret);
            draft.secret().set(String::new());
            saved.set(true);
            on_saved.run(view);
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
        save.dispatch(draft.get_untracked());
    };
    let protocol = draft.protocol();
    let person_keys: Vec<(&'static str, &'static str)> = PERSON_KEYS
        .into_iter()
        .map(|key| (person_key_value(key), person_key_label(key)))
        .collect();
    let scim_person_keys = person_keys.clone();
    let memberships: Vec<(&'static str, &'static str)> = MEMBERSHIPS
        .into_iter()
        .map(|membership| (membership_value(membership), membership_label(membership)))
        .collect();
    let secret: Model<String> = draft.secret().into();
    let secret_field = move || {
        let current = protocol.get();
        view! {
            <div class="field" class:field-invalid=move || field_of(error, "secret").with(Option::is_some)>
                <label for="connector-secret">{secret_label(current)}</label>
                <p class="field-hint" id="connector-secret-hint">{move || secret_hint(has_secret.get())}</p>
                <input
                    id="connector-secret"
                    name="connector-secret"
                    type="password"
                    autocomplete="new-password"
                    aria-describedby=move || if field_of(error, "secret").with(Option::is_some) { "connector-secret-hint connector-secret-error" } else { "connector-secret-hint" }
                    aria-invalid=move || field_of(error, "secret").with(Option::is_some).then_some("true")
                    bind:value=secret.split()
                />
                {move || field_of(error, "secret").get().map(|message| view! { <p class="field-error" id="connector-secret-error">{crate::forms::sentence(&message)}</p> })}
            </div>
        }
    };
    let (heading, button) = if editing.is_some() {
        ("Settings", "Save connector")
    } else {
        ("Settings", "Create connector")
    };
    view! {
        <section class="section" aria-labelledby="connector-settings-heading">
            <h2 id="connector-settings-heading">{heading}</h2>
            {move || saved.get().then(|| view! { <Notice tone=Tone::Success>"The connector was saved."</Notice> })}
            {move || error.get().map(|error| view! { <ErrorAlert error=error title="The connector was not saved." /> })}
            <form class="form form-grid" novalidate on:submit=on_submit>
                <TextField id="connector-name" label="Name" value=draft.name() error=field_or_conflict(error, "name") required=true autocomplete="off" />
                <fieldset class="choices">
                    <legend>"Protocol"</legend>
                    <label class="choice">
                        <input type="radio" name="connector-protocol" prop:checked=move || protocol.get() == Protocol::Ldap on:change=move |_| protocol.set(Protocol::Ldap) />
                        "LDAP directory"
                    </label>
                    <label class="choice">
                        <input type="radio" name="connector-protocol" prop:checked=move || protocol.get() == Protocol::Scim on:change=move |_| protocol.set(Protocol::Scim) />
                        "SCIM application"
                    </label>
                </fieldset>
                <CheckboxField id="connector-enabled" label="Enabled" checked=draft.enabled() hint="A disabled connector's operations wait until it is enabled." />
                <Show
                    when=move || protocol.get() == Protocol::Ldap
                    fallback=move || {
                        let scim_person_keys = scim_person_keys.clone();
                        view! {
                            <TextField id="connector-base-url" label="SCIM base URL" value=draft.scim_base_url() error=field_of(error, "settings.base_url") required=true hint="Such as https://app.example.org/scim/v2" autocomplete="off" />
                            {secret_field}
                            <SelectField
                                id="connector-scim-match-by"
                                label="Match people by"
                                hint="The Tessera value compared with the SCIM userName."
                                choices=scim_person_keys
                                value=Signal::derive(move || person_key_value(draft.scim_match_by().get()).to_string())
                                on_change=Callback::new(move |raw: String| draft.scim_match_by().set(parse_person_key(&raw)))
                            />
                            <CheckboxField id="connector-create-users" label="Create users" checked=draft.create_users() hint="Create the person in the application when they are missing." />
                            <CheckboxField id="connector-deactivate" label="Deactivate on leave" checked=draft.deactivate_on_leave() hint="Set the person inactive in the application when they leave." />
                            <TextField id="connector-timeout" label="Timeout (seconds)" value=draft.timeout_seconds() error=field_of(error, "settings.timeout_seconds") inputmode="numeric" />
                        }
                    }
                >
                    <TextField id="connector-url" label="LDAP URL" value=draft.ldap_url() error=field_of(error, "settings.url") required=true hint="ldap://host:port or ldaps://host:port" autocomplete="off" />
                    <CheckboxField id="connector-start-tls" label="Use StartTLS" checked=draft.start_tls() />
                    <TextField id="connector-bind-dn" label="Bind DN" value=draft.bind_dn() error=field_of(error, "settings.bind_dn") required=true autocomplete="off" />
                    {secret_field}
                    <TextAreaField id="connector-ca" label="CA certificate (PEM)" value=draft.ca_certificate() error=field_of(error, "settings.ca_certificate") hint="Trusted in addition to the system's roots for ldaps:// and StartTLS. Leave empty to trust the system's roots only." rows=4 />
                    <TextField id="connector-users-base-dn" label="Users base DN" value=draft.users_base_dn() error=field_of(error, "settings.users_base_dn") required=true hint="Where people are searched for, such as ou=people,dc=example,dc=org" autocomplete="off" />
                    <TextField id="connector-match-attribute" label="Match attribute" value=draft.match_attribute() error=field_of(error, "settings.match_attribute") required=true hint="The LDAP attribute that holds the person's key, such as uid or mail." autocomplete="off" />
                    <SelectField
                        id="connector-match-by"
                        label="Match people by"
                        hint="The Tessera value compared with the match attribute."
                        choices=person_keys.clone()
                        value=Signal::derive(move || person_key_value(draft.ldap_match_by().get()).to_string())
                        on_change=Callback::new(move |raw: String| draft.ldap_match_by().set(parse_person_key(&raw)))
                    />
                    <SelectField
                        id="connector-membership"
                        label="Membership attribute"
                        hint="How the bound groups list their members."
                        choices=memberships.clone()
                        value=Signal::derive(move || membership_value(draft.membership().get()).to_string())
                        on_change=Callback::new(move |raw: String| draft.membership().set(parse_membership(&raw)))
                    />
                </Show>
                <div class="form-actions">
                    <button type="submit" class="btn btn-primary" aria-disabled=move || busy(save.pending().get())>
                        {button}
                    </button>
                </div>
            </form>
        </section>
    }
}

/// "Test connection": connects, binds and reads, and says what was checked or what the target
/// answered.
#[component]
fn TestSection(id: ConnectorId) -> impl IntoView {
    let test = Action::new_local(move |_: &()| api::connectors::test(id));
    view! {
        <section class="section" aria-labelledby="connection-heading">
            <div class="section-heading">
                <h2 id="connection-heading">"Connection"</h2>
                <button
                    type="button"
                    class="btn btn-secondary"
                    aria-disabled=move || busy(test.pending().get())
                    on:click=move |_| {
                        if !test.pending().get_untracked() {
                            test.dispatch(());
                        }
                    }
                >
                    {move || if test.pending().get() { "Testing…" } else { "Test connection" }}
                </button>
            </div>
            <p class="section-lead">"Connects with the saved settings, signs in and reads where people are found."</p>
            {move || match test.value().get() {
                None => None,
                Some(Ok(report)) => Some(view! {
                    <Notice tone=Tone::Success><p class="alert-title">"The connection works."</p><p>{report.summary}</p></Notice>
                }.into_any()),
                Some(Err(error)) => Some(view! { <ErrorAlert error=error title="The connection failed." /> }.into_any()),
            }}
        </section>
    }
}

/// Which kind of resource a new binding binds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BindingKind {
    Group,
    AppRole,
}

/// The groups and app roles bound to targets of this connector, with a form that binds one.
#[component]
fn BindingsSection(id: ConnectorId, protocol: Protocol) -> impl IntoView {
    let bindings = LocalResource::new(move || async move {
        api::connectors::bindings(id).await.map(|page| page.items)
    });
    let unbind = item_action(
        move |binding| api::connectors::unbind(id, binding),
        Callback::new(move |_| bindings.refetch()),
    );
    let unbind_error = action_error(unbind);
    let target_column = match protocol {
        Protocol::Ldap => "LDAP group DN",
        Protocol::Scim => "SCIM group",
    };
    let table = move |list: Vec<ConnectorBindingView>| {
        let columns: &'static [&'static str] = match protocol {
            Protocol::Ldap => &["Tessera group or role", "LDAP group DN"],
            Protocol::Scim => &["Tessera group or role", "SCIM group"],
        };
        view! {
            <Table labelled_by="bindings-heading" columns=columns actions=true>
                {list
                    .into_iter()
                    .map(|binding| view! {
                        <tr>
                            <th scope="row">{binding.resource_name.clone()}</th>
                            <td><code>{binding.target.clone()}</code></td>
                            <td class="cell-actions">
                                <div class="row-actions">
                                    <A
                                        href=reconciliation_href(id, binding.id)
                                        attr:class="btn btn-secondary btn-small"
                                        attr:aria-label=format!("Reconcile {}", binding.resource_name)
                                    >
                                        "Reconcile"
                                    </A>
                                    <ItemButton action=unbind item=binding.id label=format!("Remove the binding of {}", binding.resource_name) text="Remove" />
                                </div>
                            </td>
                        </tr>
                    })
                    .collect_view()}
            </Table>
        }
    };
    view! {
        <section class="section" id="bindings" aria-labelledby="bindings-heading">
            <h2 id="bindings-heading">"Bindings"</h2>
            <p class="section-lead">
                "People who become members of a bound group, or receive a bound application role, through an access package are added to its " {target_column} "; they are removed when the access ends."
            </p>
            {move || unbind_error.get().map(|error| view! { <ErrorAlert error=error title="The binding was not removed." /> })}
            <WholeList list=bindings loading="Loading bindings…" empty="Nothing is bound to this connector yet." show=table />
            <BindForm id=id protocol=protocol on_bound=Callback::new(move |_| bindings.refetch()) />
        </section>
    }
}

#[component]
fn BindForm(id: ConnectorId, protocol: Protocol, on_bound: Callback<()>) -> impl IntoView {
    let kind = RwSignal::new(BindingKind::Group);
    let group_filter = RwSignal::new(String::new());
    let app_filter = RwSignal::new(String::new());
    let group = RwSignal::new(String::new());
    let application = RwSignal::new(String::new());
    let role = RwSignal::new(String::new());
    let target = RwSignal::new(String::new());
    let groups = directory_search(
        DirectoryKind::Groups,
        group_filter,
        Signal::derive(move || kind.get() == BindingKind::Group),
    );
    let apps = directory_search(
        DirectoryKind::Applications,
        app_filter,
        Signal::derive(move || kind.get() == BindingKind::AppRole),
    );
    let roles = LocalResource::new(move || {
        let app = application.get().parse::<ApplicationId>().ok();
        async move {
            match app {
                Some(app) => api::directory::app_roles(app, &whole_list())
                    .await
                    .map(|page| page.items),
                None => Ok(Vec::new()),
            }
        }
    });
    let bound = RwSignal::new(None::<String>);
    let bind = Action::new_local(move |_: &()| {
        let kind = kind.get_untracked();
        let group = group.get_untracked();
        let role = role.get_untracked();
        let chosen_target = target.get_untracked();
        async move {
            let new = match kind {
                BindingKind::Group => NewConnectorBinding {
                    group_id: Some(
                        group
                            .parse::<GroupId>()
                            .map_err(|_| refusal("group_id", "choose a group"))?,
                    ),
                    app_role_id: None,
                    target: chosen_target,
                },
                BindingKind::AppRole => NewConnectorBinding {
                    group_id: None,
                    app_role_id: Some(
                        role.parse::<AppRoleId>()
                            .map_err(|_| refusal("app_role_id", "choose an application role"))?,
                    ),
                    target: chosen_target,
                },
            };
            let binding = api::connectors::bind(id, &new).await?;
            bound.set(Some(binding.resource_name));
            target.set(String::new());
            on_bound.run(());
            Ok::<(), ApiError>(())
        }
    });
    let error = action_error(bind);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if bind.pending().get_untracked() {
            return;
        }
        bound.set(None);
        bind.dispatch(());
    };
    let (target_label, target_hint) = match protocol {
        Protocol::Ldap => (
            "LDAP group DN",
            "Such as cn=sales,ou=groups,dc=example,dc=org",
        ),
        Protocol::Scim => ("SCIM group id", "The id of the group in the application."),
    };
    view! {
        <form class="form subform" novalidate on:submit=on_submit aria-labelledby="bind-heading">
            <h3 id="bind-heading">"Bind a group or an application role"</h3>
            {move || bound.get().map(|name| view! { <Notice tone=Tone::Success>"“" {name} "” was bound."</Notice> })}
            {move || error.get().map(|error| view! { <ErrorAlert error=error title="Nothing was bound." /> })}
            <fieldset class="choices">
                <legend>"Bind"</legend>
                <label class="choice">
                    <input type="radio" name="binding-kind" prop:checked=move || kind.get() == BindingKind::Group on:change=move |_| kind.set(BindingKind::Group) />
                    "Group"
                </label>
                <label class="choice">
                    <input type="radio" name="binding-kind" prop:checked=move || kind.get() == BindingKind::AppRole on:change=move |_| kind.set(BindingKind::AppRole) />
                    "Application role"
                </label>
            </fieldset>
            {move || match kind.get() {
                BindingKind::Group => view! {
                    <Combobox
                        id="binding-group"
                        label="Group"
                        value=group
                        search=groups
                        error=field_or_conflict(error, "group_id")
                    />
                }
                .into_any(),
                BindingKind::AppRole => view! {
                    <Combobox
                        id="binding-application"
                        label="Application"
                        value=application
                        search=apps
                    />
                    <div class="field" class:field-invalid=move || field_or_conflict(error, "app_role_id").with(Option::is_some)>
                        <label for="binding-role">"Role"</label>
                        <select
                            id="binding-role"
                            aria-describedby=move || field_or_conflict(error, "app_role_id").with(Option::is_some).then_some("binding-role-error")
                            prop:value=move || role.get()
                            on:change=move |ev| role.set(event_target_value(&ev))
                        >
                            <option value="">"Choose…"</option>
                            {move || {
                                let chosen = role.get();
                                roles
                                    .get()
                                    .and_then(Result::ok)
                                    .unwrap_or_default()
                                    .into_iter()
                                    .map(|item| {
                                        let value = item.id.to_string();
                                        let selected = value == chosen;
                                        view! { <option value=value selected=selected>{item.name.to_string()}</option> }
                                    })
                                    .collect_view()
                            }}
                        </select>
                        {move || field_or_conflict(error, "app_role_id").get().map(|message| view! { <p class="field-error" id="binding-role-error">{crate::forms::sentence(&message)}</p> })}
                    </div>
                }
                .into_any(),
            }}
            <TextField id="binding-target" label=target_label value=target error=field_of(error, "target") required=true hint=target_hint autocomplete="off" />
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" aria-disabled=move || busy(bind.pending().get())>
                    "Bind"
                </button>
            </div>
        </form>
    }
}

/// Deleting the connector, after a second click; then back to the list.
#[component]
fn DeleteSection(id: ConnectorId) -> impl IntoView {
    let navigate = use_navigate();
    let confirming = RwSignal::new(false);
    let delete = Action::new_local(move |_: &()| {
        let navigate = navigate.clone();
        async move {
            api::connectors::delete(id).await?;
            navigate(routes::ADMIN_CONNECTORS, Default::default());
            Ok::<(), ApiError>(())
        }
    });
    let error = action_error(delete);
    view! {
        <section class="section danger-zone" aria-label="Delete this connector">
            {move || error.get().map(|error| view! { <ErrorAlert error=error title="The connector was not deleted." /> })}
            <AskBeforeDeleting
                ask="Delete connector"
                question="Delete this connector and its bindings? Nothing more is pushed to it. This cannot be undone."
                confirm="Yes, delete the connector"
                confirming=confirming
                pending=delete.pending()
                on_confirm=Callback::new(move |_| {
                    delete.dispatch(());
                })
            />
        </section>
    }
}

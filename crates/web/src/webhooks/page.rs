//! The webhook pages of the administration area: the subscriptions with a form for a new one,
//! and one subscription with its settings, its signing secret (rotated and shown once), a
//! test event, its delivery log with Replay, and its deletion.

use std::time::Duration;

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use tessera_domain::page::{DEFAULT_PAGE_SIZE, PageQuery};
use tessera_domain::webhook::{
    CreatedWebhookSubscription, RotatedWebhookSecret, WebhookDeliveryView, WebhookEventType,
    WebhookSubscriptionView,
};
use tessera_domain::{WebhookDeliveryId, WebhookSubscriptionId};

use super::logic::*;
use crate::api::{self, ApiError};
use crate::components::{
    AdminNav, CheckboxField, ErrorAlert, ErrorState, Loading, Notice, PageHeader, ShownOnce,
    TextAreaField, TextField, Tone, busy,
};
use crate::format::{maybe_timestamp, timestamp, yes_no};
use crate::pages::common::{action_error, field_of, read_param_id};
use crate::pages::confirm_delete::AskBeforeDeleting;
use crate::pages::lists::{PagedItems, Table};
use crate::routes;
use crate::state::PagedList;

/// How often a delivery log with a pending delivery is read again.
const PENDING_POLL: Duration = Duration::from_secs(2);

const LEAD: &str = "Tessera posts its events to these URLs as they happen, signed as the Standard \
                    Webhooks specification says, retried with backoff until the receiver answers 2xx.";

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let list = PagedList::new(DEFAULT_PAGE_SIZE, |page: PageQuery| async move {
        let page = api::webhooks::list(&page).await?;
        Ok((page.items, page.next_cursor))
    });
    // The secret of the subscription just created: in memory until dismissed, never stored.
    let created = RwSignal::new(None::<CreatedWebhookSubscription>);
    view! {
        <PageHeader title="Webhooks" lead=LEAD />
        <AdminNav />
        <section class="section" aria-labelledby="webhooks-heading">
            <h2 id="webhooks-heading">"Subscriptions"</h2>
            <PagedItems list=list loading="Loading the subscriptions…" empty="There are no webhook subscriptions yet.">
                <SubscriptionTable list=list />
            </PagedItems>
        </section>
        <NewSubscriptionSection created=created reload=Callback::new(move |_| list.reload()) />
    }
}

#[component]
fn SubscriptionTable(list: PagedList<WebhookSubscriptionView>) -> impl IntoView {
    view! {
        <Table labelled_by="webhooks-heading" columns=&["URL", "Events", "Enabled", "Created"]>
            {move || {
                list.with_items(|items| {
                    items
                        .iter()
                        .map(|subscription| {
                            let description = subscription.description.as_str().to_string();
                            let href = subscription_href(subscription.id);
                            let url = subscription.url.clone();
                            view! {
                                <tr>
                                    <th scope="row">
                                        <A href=href>{url}</A>
                                        {(!description.is_empty()).then(|| view! { <span class="item-meta">{description}</span> })}
                                    </th>
                                    <td>{selection_summary(&subscription.event_types)}</td>
                                    <td>{yes_no(subscription.enabled)}</td>
                                    <td>{timestamp(&subscription.created_at)}</td>
                                </tr>
                            }
                        })
                        .collect_view()
                })
            }}
        </Table>
    }
}

/// The subscription form's controls, one signal each; an event type's box is its own signal.
#[derive(Clone, Copy)]
struct FormState {
    url: RwSignal<String>,
    all_events: RwSignal<bool>,
    events: StoredValue<Vec<(WebhookEventType, RwSignal<bool>)>>,
    enabled: RwSignal<bool>,
    description: RwSignal<String>,
}

impl FormState {
    fn new(form: SubscriptionForm) -> Self {
        let events = subscribable()
            .into_iter()
            .map(|kind| (kind, RwSignal::new(form.events.contains(&kind))))
            .collect();
        FormState {
            url: RwSignal::new(form.url),
            all_events: RwSignal::new(form.all_events),
            events: StoredValue::new(events),
            enabled: RwSignal::new(form.enabled),
            description: RwSignal::new(form.description),
        }
    }

    fn set(&self, form: SubscriptionForm) {
        self.url.set(form.url);
        self.all_events.set(form.all_events);
        self.events.with_value(|events| {
            for (kind, checked) in events {
                checked.set(form.events.contains(kind));
            }
        });
        self.enabled.set(form.enabled);
        self.description.set(form.description);
    }

    fn read(&self) -> SubscriptionForm {
        SubscriptionForm {
            url: self.url.get_untracked(),
            all_events: self.all_events.get_untracked(),
            events: self.events.with_value(|events| {
                events
                    .iter()
                    .filter(|(_, checked)| checked.get_untracked())
                    .map(|(kind, _)| *kind)
                    .collect()
            }),
            enabled: self.enabled.get_untracked(),
            description: self.description.get_untracked(),
        }
    }
}

/// The URL, the events, the description and whether it is enabled, with the last refusal's
/// message at each.
#[component]
fn SubscriptionFields(
    /// Prefix of the controls' ids.
    prefix: &'static str,
    state: FormState,
    error: Signal<Option<ApiError>>,
) -> impl IntoView {
    let events_error = field_of(error, "event_types");
    let events_error_id = format!("{prefix}-events-error");
    view! {
        <TextField
            id=format!("{prefix}-url")
            label="URL"
            value=state.url
            error=field_of(error, "url")
            hint="Where deliveries are posted: an https URL (plain http only to this machine, for tests)."
            required=true
            autocomplete="off"
            inputmode="url"
        />
        <fieldset class="choices" aria-describedby=move || events_error.with(Option::is_some).then(|| events_error_id.clone())>
            <legend>"Events"</legend>
            <CheckboxField
                id=format!("{prefix}-all-events")
                label="All events"
                checked=state.all_events
                hint="Every kind of event, including kinds added to Tessera later."
            />
            <Show when=move || !state.all_events.get()>
                {state
                    .events
                    .get_value()
                    .into_iter()
                    .map(|(kind, checked)| {
                        view! {
                            <CheckboxField
                                id=format!("{prefix}-event-{}", kind.as_str().replace('.', "-"))
                                label=event_label(kind)
                                checked=checked
                                hint=event_hint(kind)
                            />
                        }
                    })
                    .collect_view()}
            </Show>
            {move || events_error.get().map(|message| view! {
                <p class="field-error" id=format!("{prefix}-events-error")>{crate::forms::sentence(&message)}</p>
            })}
        </fieldset>
        <TextAreaField
            id=format!("{prefix}-description")
            label="Description (optional)"
            value=state.description
            error=field_of(error, "description")
            hint="What the receiver is, for the administrators who come after you."
            rows=2
        />
        <CheckboxField
            id=format!("{prefix}-enabled")
            label="Enabled"
            checked=state.enabled
            hint="While disabled, nothing is delivered and no deliveries are queued for it."
        />
    }
}

#[component]
fn NewSubscriptionSection(
    created: RwSignal<Option<CreatedWebhookSubscription>>,
    reload: Callback<()>,
) -> impl IntoView {
    let state = FormState::new(SubscriptionForm::default());
    let create = Action::new_local(move |form: &SubscriptionForm| {
        let input = form.new_subscription();
        async move {
            let input = input.map_err(ApiError::invalid)?;
            let answer = api::webhooks::create(&input).await?;
            state.set(SubscriptionForm::default());
            created.set(Some(answer));
            reload.run(());
            Ok::<(), ApiError>(())
        }
    });
    let error = action_error(create);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if !create.pending().get_untracked() {
            create.dispatch(state.read());
        }
    };
    view! {
        <section class="section" aria-labelledby="new-webhook-heading">
            <h2 id="new-webhook-heading">"New subscription"</h2>
            {move || created.get().map(|answer| {
                let href = subscription_href(answer.subscription.id);
                let title = format!("Signing secret of {}", answer.subscription.url);
                view! {
                    <ShownOnce
                        id="new-webhook-secret"
                        title=title
                        secret=answer.secret
                        on_done=Callback::new(move |_| created.set(None))
                    >
                        <p>
                            "The receiver verifies each delivery's " <code>"webhook-signature"</code>
                            " header with it, as any Standard Webhooks library does. "
                            <A href=href>"Open the subscription"</A>
                            " to see its deliveries."
                        </p>
                    </ShownOnce>
                }
            })}
            {move || error.get().map(|error| view! { <ErrorAlert error=error title="The subscription was not created." /> })}
            <form class="form" novalidate on:submit=on_submit aria-labelledby="new-webhook-heading">
                <SubscriptionFields prefix="new-webhook" state=state error=error />
                <div class="form-actions">
                    <button type="submit" class="btn btn-primary" aria-disabled=move || busy(create.pending().get())>
                        {move || if create.pending().get() { "Creating…" } else { "Create subscription" }}
                    </button>
                </div>
            </form>
        </section>
    }
}

#[component]
pub fn WebhookPage() -> impl IntoView {
    let loaded = read_param_id(api::webhooks::get);
    // The heading stands outside the loading state, so that it is in the page, and takes the
    // focus, as the route changes.
    view! {
        <PageHeader title="Webhook subscription" />
        <AdminNav />
        <p class="breadcrumb"><A href=routes::ADMIN_WEBHOOKS>"Webhooks"</A></p>
        <Transition fallback=|| view! { <Loading label="Loading the subscription…" /> }>
            {move || Suspend::new(async move {
                match loaded.await {
                    Ok(subscription) => view! { <SubscriptionSections subscription=subscription /> }.into_any(),
                    Err(error) => view! {
                        <ErrorState error=error retry=Callback::new(move |_| loaded.refetch()) />
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn SubscriptionSections(subscription: WebhookSubscriptionView) -> impl IntoView {
    let id = subscription.id;
    // The subscription as the server last answered it: saves and rotations answer it whole.
    let current = RwSignal::new(subscription);
    let deliveries = PagedList::new(DEFAULT_PAGE_SIZE, move |page: PageQuery| async move {
        let page = api::webhooks::deliveries(id, &page).await?;
        Ok((page.items, page.next_cursor))
    });
    view! {
        <SettingsSection current=current />
        <SecretSection current=current deliveries=deliveries />
        <DeliveriesSection id=id deliveries=deliveries />
        <DeleteSection id=id />
    }
}

#[component]
fn SettingsSection(current: RwSignal<WebhookSubscriptionView>) -> impl IntoView {
    let id = current.with_untracked(|s| s.id);
    let state = FormState::new(current.with_untracked(SubscriptionForm::of));
    let saved = RwSignal::new(false);
    let save = Action::new_local(move |form: &SubscriptionForm| {
        let changes = form.update();
        async move {
            let changes = changes.map_err(ApiError::invalid)?;
            let answer = api::webhooks::update(id, &changes).await?;
            state.set(SubscriptionForm::of(&answer));
            current.set(answer);
            saved.set(true);
            Ok::<(), ApiError>(())
        }
    });
    let error = action_error(save);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if !save.pending().get_untracked() {
            saved.set(false);
            save.dispatch(state.read());
        }
    };
    view! {
        <section class="section" aria-labelledby="webhook-settings-heading">
            <h2 id="webhook-settings-heading">"Settings"</h2>
            <dl class="facts">
                <dt>"Events"</dt>
                <dd>{move || current.with(|s| selection_summary(&s.event_types))}</dd>
                <dt>"Created"</dt>
                <dd>{move || current.with(|s| timestamp(&s.created_at))}</dd>
                <dt>"Changed"</dt>
                <dd>{move || current.with(|s| timestamp(&s.updated_at))}</dd>
            </dl>
            {move || saved.get().then(|| view! { <Notice tone=Tone::Success>"The subscription was saved."</Notice> })}
            {move || error.get().map(|error| view! { <ErrorAlert error=error title="The subscription was not saved." /> })}
            <form class="form" novalidate on:submit=on_submit aria-labelledby="webhook-settings-heading">
                <SubscriptionFields prefix="webhook" state=state error=error />
                <div class="form-actions">
                    <button type="submit" class="btn btn-primary" aria-disabled=move || busy(save.pending().get())>
                        {move || if save.pending().get() { "Saving…" } else { "Save subscription" }}
                    </button>
                </div>
            </form>
        </section>
    }
}

#[component]
fn SecretSection(
    current: RwSignal<WebhookSubscriptionView>,
    deliveries: PagedList<WebhookDeliveryView>,
) -> impl IntoView {
    let id = current.with_untracked(|s| s.id);
    let rotated = RwSignal::new(None::<RotatedWebhookSecret>);
    let confirming = RwSignal::new(false);
    let rotate = Action::new_local(move |_: &()| async move {
        let answer = api::webhooks::rotate_secret(id).await?;
        current.set(answer.subscription.clone());
        confirming.set(false);
        rotated.set(Some(answer));
        Ok::<(), ApiError>(())
    });
    let rotate_error = action_error(rotate);
    let test_sent = RwSignal::new(false);
    let send_test = Action::new_local(move |_: &()| async move {
        api::webhooks::send_test(id).await?;
        test_sent.set(true);
        deliveries.reload();
        Ok::<(), ApiError>(())
    });
    let test_error = action_error(send_test);
    let overlap = move || {
        current.with(|s| s.previous_secret_expires_at).map(|until| {
            view! {
                <p class="field-hint">
                    "Both secrets are valid now: the previous one also signs deliveries until "
                    {timestamp(&until)} "."
                </p>
            }
        })
    };
    view! {
        <section class="section" aria-labelledby="webhook-secret-heading">
            <h2 id="webhook-secret-heading">"Signing secret"</h2>
            <p class="section-lead">
                "Every delivery carries a " <code>"webhook-signature"</code>
                " made with this subscription's secret. Rotating it makes a new secret, shown once. "
                "For an overlap window (24 hours unless configured otherwise) deliveries are signed with both the new and the previous secret, "
                "so the receiver can switch to the new one without missing a delivery; after that only the new one is valid."
            </p>
            {overlap}
            {move || rotated.get().map(|answer| view! {
                <ShownOnce
                    id="rotated-webhook-secret"
                    title="The new signing secret"
                    secret=answer.secret
                    on_done=Callback::new(move |_| rotated.set(None))
                >
                    <p>"Give it to the receiver before the previous secret stops being valid."</p>
                </ShownOnce>
            })}
            {move || rotate_error.get().map(|error| view! { <ErrorAlert error=error title="The secret was not rotated." /> })}
            <AskBeforeDeleting
                ask="Rotate secret"
                question="Make a new signing secret? The current one stays valid for the overlap window only."
                confirm="Yes, make a new secret"
                confirming=confirming
                pending=rotate.pending()
                on_confirm=Callback::new(move |_| {
                    rotate.dispatch(());
                })
                on_ask=Callback::new(move |_| rotated.set(None))
            />
            <h3>"Test event"</h3>
            <p class="field-hint">"Queues a " <code>"webhook.test"</code> " event for this subscription only, whatever events it asked for."</p>
            {move || test_sent.get().then(|| view! { <Notice tone=Tone::Success>"A test event was queued; its delivery is in the log below."</Notice> })}
            {move || test_error.get().map(|error| view! { <ErrorAlert error=error title="The test event was not sent." /> })}
            <button
                type="button"
                class="btn btn-secondary"
                aria-disabled=move || busy(send_test.pending().get())
                on:click=move |_| {
                    if !send_test.pending().get_untracked() {
                        test_sent.set(false);
                        send_test.dispatch(());
                    }
                }
            >
                "Send a test event"
            </button>
        </section>
    }
}

#[component]
fn DeliveriesSection(
    id: WebhookSubscriptionId,
    deliveries: PagedList<WebhookDeliveryView>,
) -> impl IntoView {
    // While a delivery is due the log changes by itself: read it again every few seconds.
    Effect::new(move || {
        if deliveries.with_items(|items| any_pending(items)) {
            let handle = set_timeout_with_handle(move || deliveries.reload(), PENDING_POLL).ok();
            on_cleanup(move || {
                if let Some(handle) = handle {
                    handle.clear();
                }
            });
        }
    });
    let replayed = RwSignal::new(false);
    let replay = Action::new_local(move |delivery: &WebhookDeliveryId| {
        let delivery = *delivery;
        async move {
            api::webhooks::replay(id, delivery).await?;
            replayed.set(true);
            deliveries.reload();
            Ok::<(), ApiError>(())
        }
    });
    let replay_error = action_error(replay);
    view! {
        <section class="section" aria-labelledby="webhook-deliveries-heading">
            <h2 id="webhook-deliveries-heading">"Deliveries"</h2>
            <p class="section-lead">
                "Newest first. A delivery is retried with backoff until the receiver answers 2xx, then given up. "
                "Replay sends a delivery's event again, as a new delivery with the same " <code>"webhook-id"</code> "."
            </p>
            {move || replayed.get().then(|| view! { <Notice tone=Tone::Success>"The event was queued again; the new delivery is at the top of the log."</Notice> })}
            {move || replay_error.get().map(|error| view! { <ErrorAlert error=error title="The delivery was not replayed." /> })}
            <div class="form-actions">
                <button
                    type="button"
                    class="btn btn-secondary btn-small"
                    aria-disabled=move || busy(deliveries.pending())
                    on:click=move |_| {
                        replayed.set(false);
                        deliveries.reload();
                    }
                >
                    "Refresh"
                </button>
            </div>
            <PagedItems list=deliveries loading="Loading the deliveries…" empty="Nothing has been delivered to this subscription yet.">
                <Table labelled_by="webhook-deliveries-heading" columns=&["Event", "Queued", "State", "Attempts", "Last answer", "Next attempt"] actions=true>
                    {move || {
                        deliveries.with_items(|items| {
                            items
                                .iter()
                                .map(|delivery| view! { <DeliveryRow delivery=delivery.clone() replay=replay /> })
                                .collect_view()
                        })
                    }}
                </Table>
            </PagedItems>
        </section>
    }
}

#[component]
fn DeliveryRow(
    delivery: WebhookDeliveryView,
    replay: Action<WebhookDeliveryId, Result<(), ApiError>>,
) -> impl IntoView {
    let event = event_label(delivery.event_type);
    let queued = timestamp(&delivery.created_at);
    let label = format!("Replay {event} queued {queued}");
    let delivery_id = delivery.id;
    let pending =
        move || replay.pending().get() && replay.input().with(|input| *input == Some(delivery_id));
    view! {
        <tr>
            <th scope="row">
                {event}
                <span class="item-meta"><code>{delivery.event_id.to_string()}</code></span>
            </th>
            <td>{queued.clone()}</td>
            <td><span class=delivery_state_badge(delivery.state)>{delivery_state_label(delivery.state)}</span></td>
            <td>{delivery.attempts}</td>
            <td>{last_answer(&delivery)}</td>
            <td>{maybe_timestamp(delivery.next_attempt_at.as_ref(), "—")}</td>
            <td class="cell-actions">
                <button
                    type="button"
                    class="btn btn-secondary btn-small"
                    aria-label=label
                    aria-disabled=move || busy(pending())
                    on:click=move |_| {
                        if !replay.pending().get_untracked() {
                            replay.dispatch(delivery_id);
                        }
                    }
                >
                    {move || if pending() { "Replaying…" } else { "Replay" }}
                </button>
            </td>
        </tr>
    }
}

#[component]
fn DeleteSection(id: WebhookSubscriptionId) -> impl IntoView {
    let navigate = use_navigate();
    let confirming = RwSignal::new(false);
    let delete = Action::new_local(move |_: &()| {
        let navigate = navigate.clone();
        async move {
            api::webhooks::delete(id).await?;
            navigate(routes::ADMIN_WEBHOOKS, Default::default());
            Ok::<(), ApiError>(())
        }
    });
    let error = action_error(delete);
    view! {
        <section class="section danger-zone" aria-label="Delete this subscription">
            {move || error.get().map(|error| view! { <ErrorAlert error=error title="The subscription was not deleted." /> })}
            <AskBeforeDeleting
                ask="Delete subscription"
                question="Delete this subscription and its delivery log? Pending deliveries are dropped. This cannot be undone."
                confirm="Yes, delete the subscription"
                confirming=confirming
                pending=delete.pending()
                on_confirm=Callback::new(move |_| {
                    delete.dispatch(());
                })
            />
        </section>
    }
}

//! Where an assignment's access was pushed: one row per connected system and target, read when
//! someone opens it (a list of assignments asks nothing until then). Administrators may retry
//! or skip an operation that is stuck.

use std::time::Duration;

use leptos::prelude::*;
use tessera_domain::AssignmentId;
use tessera_domain::connector::{DeliveryView, ProvisioningState};

use super::{
    delivery_action_label, delivery_state_badge, delivery_state_label, may_retry, may_skip,
};
use crate::api;
use crate::components::{EmptyState, ErrorAlert, ErrorState, Loading};
use crate::format::{moment, timestamp};
use crate::pages::common::action_error;
use crate::pages::lists::{ItemButton, item_action};
use crate::state::Session;

/// How long a panel with pending operations waits before it reads them again.
const REFRESH_PENDING: Duration = Duration::from_secs(3);

/// What an administrator decided on one operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Decision {
    Retry,
    Skip,
}

/// The button that opens an assignment's [`DeliveryStatus`] in the row under it.
#[component]
pub fn DeliveryToggle(
    /// Whether the delivery is shown.
    open: RwSignal<bool>,
    /// The id of the row that shows it.
    #[prop(into)]
    controls: String,
    /// Which assignment, for screen readers: "Delivery of Sales tools".
    #[prop(into)]
    label: String,
) -> impl IntoView {
    view! {
        <button
            type="button"
            class="btn btn-secondary btn-small"
            aria-label=label
            aria-controls=controls
            aria-expanded=move || if open.get() { "true" } else { "false" }
            on:click=move |_| open.update(|open| *open = !*open)
        >
            "Delivery"
        </button>
    }
}

/// The delivery of one assignment to connected systems, read as it appears and again every
/// few seconds while something is pending.
#[component]
pub fn DeliveryStatus(
    assignment: AssignmentId,
    /// Names the table: "Delivery of Sales tools to Ada".
    #[prop(into)]
    label: String,
) -> impl IntoView {
    let admin = untrack(|| Session::expect().is_admin());
    let deliveries = LocalResource::new(move || async move {
        api::connectors::deliveries(assignment)
            .await
            .map(|page| page.items)
    });
    // Pending operations move on their own (the workers push them): read them again until
    // none is pending. The timer ends with the panel.
    Effect::new(move || {
        let pending = deliveries.with(|read| {
            read.as_ref().is_some_and(|read| {
                read.as_ref().is_ok_and(|items| {
                    items
                        .iter()
                        .any(|item| item.state == ProvisioningState::Pending)
                })
            })
        });
        if pending
            && let Ok(timer) =
                set_timeout_with_handle(move || deliveries.refetch(), REFRESH_PENDING)
        {
            on_cleanup(move || timer.clear());
        }
    });
    let decide = item_action(
        move |(operation, decision): (tessera_domain::ProvisioningOperationId, Decision)| async move {
            match decision {
                Decision::Retry => api::connectors::retry(operation).await.map(drop),
                Decision::Skip => api::connectors::skip(operation).await.map(drop),
            }
        },
        Callback::new(move |_| deliveries.refetch()),
    );
    let decide_error = action_error(decide);
    let table_label = label.clone();
    let rows = move |items: Vec<DeliveryView>| {
        items
            .into_iter()
            .map(|item| {
                let where_to = format!("{} ({})", item.connector_name, item.target);
                let details = delivery_details(&item);
                let actions = admin.then(|| {
                    let retry = may_retry(item.state).then(|| view! {
                        <ItemButton
                            action=decide
                            item=(item.id, Decision::Retry)
                            label=format!("Retry the delivery to {where_to}")
                            text="Retry"
                            class="btn btn-secondary btn-small"
                        />
                    });
                    let skip = may_skip(item.state).then(|| view! {
                        <ItemButton
                            action=decide
                            item=(item.id, Decision::Skip)
                            label=format!("Skip the delivery to {where_to}")
                            text="Skip"
                        />
                    });
                    view! { <td class="cell-actions"><div class="row-actions">{retry}{skip}</div></td> }
                });
                view! {
                    <tr>
                        <th scope="row">{item.connector_name.clone()}</th>
                        <td><code>{item.target.clone()}</code></td>
                        <td>{delivery_action_label(item.action)}</td>
                        <td><span class=delivery_state_badge(item.state)>{delivery_state_label(item.state)}</span></td>
                        <td>{item.attempts}</td>
                        <td>{details}</td>
                        {actions}
                    </tr>
                }
            })
            .collect_view()
    };
    view! {
        <div class="delivery" role="group" aria-label=label>
            {move || decide_error.get().map(|error| view! { <ErrorAlert error=error title="The operation was not changed." /> })}
            <Transition fallback=|| view! { <Loading label="Loading the delivery…" /> }>
                {move || {
                    let table_label = table_label.clone();
                    Suspend::new(async move {
                        match deliveries.await {
                            Err(error) => view! { <ErrorState error=error retry=Callback::new(move |_| deliveries.refetch()) /> }.into_any(),
                            Ok(items) if items.is_empty() => view! {
                                <EmptyState title="Nothing is pushed to connected systems for this assignment." />
                            }
                            .into_any(),
                            Ok(items) => view! {
                                <table class="table delivery-table" aria-label=table_label>
                                    <thead>
                                        <tr>
                                            <th scope="col">"Connected system"</th>
                                            <th scope="col">"Target"</th>
                                            <th scope="col">"Change"</th>
                                            <th scope="col">"Status"</th>
                                            <th scope="col">"Attempts"</th>
                                            <th scope="col">"Details"</th>
                                            {admin.then(|| view! { <th scope="col"><span class="visually-hidden">"Actions"</span></th> })}
                                        </tr>
                                    </thead>
                                    <tbody>{rows(items)}</tbody>
                                </table>
                            }
                            .into_any(),
                        }
                    })
                }}
            </Transition>
            <div class="row-actions">
                <button type="button" class="btn btn-ghost btn-small" on:click=move |_| deliveries.refetch()>
                    "Refresh delivery status"
                </button>
            </div>
        </div>
    }
}

/// What the details column says: the target's error, when the next attempt is due, when it was
/// done.
fn delivery_details(item: &DeliveryView) -> AnyView {
    let error = item
        .last_error
        .clone()
        .map(|error| view! { <p class="delivery-error">"Error: " {error}</p> });
    let next = item
        .next_attempt_at
        .map(|at| view! { <p>{format!("Next attempt {}", moment(&at))}</p> });
    let done = item
        .done_at
        .map(|at| view! { <p>{format!("Done {}", timestamp(&at))}</p> });
    view! { {error}{next}{done} }.into_any()
}

//! The reconciliation of one binding: what its target holds compared with what Tessera expects
//! (a dry run, also as CSV), and applying the difference after a confirmation that says what
//! will change.

use leptos::prelude::*;
use leptos_router::components::A;
use tessera_domain::reconcile::{ReconciliationAction, ReconciliationReport};
use tessera_domain::{ConnectorBindingId, ConnectorId};

use super::{apply_question, connector_href, reconciliation_csv_href};
use crate::api::{self, ApiError};
use crate::components::{
    AdminNav, ErrorAlert, ErrorState, Loading, Notice, PageHeader, Tone, busy,
};
use crate::pages::common::{action_error, param_id};
use crate::pages::confirm_delete::AskBeforeDeleting;

#[component]
pub fn ReconciliationPage() -> impl IntoView {
    let connector = param_id::<ConnectorId>("id");
    let binding = param_id::<ConnectorBindingId>("binding_id");
    let report = LocalResource::new(move || {
        let ids = connector.get().zip(binding.get());
        async move {
            match ids {
                Some((connector, binding)) => {
                    api::connectors::reconciliation(connector, binding).await
                }
                None => Err(ApiError::from_response(404, "", None)),
            }
        }
    });
    let back = move || {
        connector
            .get()
            .map(|id| view! { <p class="breadcrumb"><A href=connector_href(id)>"Back to the connector"</A></p> })
    };
    view! {
        <PageHeader title="Reconciliation" lead="What the target holds, compared with what Tessera expects." />
        <AdminNav />
        {back}
        <Transition fallback=|| view! { <Loading label="Reading the target…" /> }>
            {move || Suspend::new(async move {
                match (report.await, connector.get_untracked().zip(binding.get_untracked())) {
                    (Ok(found), Some((connector, binding))) => view! {
                        <DryRun report=found connector=connector binding=binding on_applied=Callback::new(move |_| report.refetch()) />
                    }
                    .into_any(),
                    (Err(error), _) => view! {
                        <ErrorState error=error retry=Callback::new(move |_| report.refetch()) />
                    }
                    .into_any(),
                    (Ok(_), None) => view! {
                        <ErrorState error=ApiError::from_response(404, "", None) />
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}

/// The report of a dry run, its CSV link, and "Apply fix".
#[component]
fn DryRun(
    report: ReconciliationReport,
    connector: ConnectorId,
    binding: ConnectorBindingId,
    on_applied: Callback<()>,
) -> impl IntoView {
    let missing = report.missing.len();
    let unexpected = report.unexpected.len();
    let target = report.target.clone();
    let question = apply_question(missing, unexpected, &target);
    let in_step = report.in_step();
    let confirming = RwSignal::new(false);
    let applied = RwSignal::new(None::<ReconciliationReport>);
    let apply = Action::new_local(move |_: &()| async move {
        let result = api::connectors::apply_reconciliation(connector, binding).await?;
        confirming.set(false);
        applied.set(Some(result));
        Ok::<(), ApiError>(())
    });
    let error = action_error(apply);
    let missing_rows = report
        .missing
        .iter()
        .map(|person| {
            view! {
                <tr>
                    <th scope="row">{format!("{} ({})", person.display_name, person.username)}</th>
                    <td>{person.key.clone().map(|key| view! { <code>{key}</code> }.into_any()).unwrap_or_else(|| "No key: cannot be found at the target".into_any())}</td>
                </tr>
            }
        })
        .collect_view();
    let unexpected_rows = report
        .unexpected
        .iter()
        .map(|key| view! { <tr><th scope="row"><code>{key.clone()}</code></th></tr> })
        .collect_view();
    view! {
        <section class="section" aria-labelledby="summary-heading">
            <div class="section-heading">
                <h2 id="summary-heading">"Summary"</h2>
                <a class="btn btn-secondary btn-small" href=reconciliation_csv_href(connector, binding) download="reconciliation.csv">
                    "Download CSV"
                </a>
            </div>
            <dl class="facts">
                <dt>"Target"</dt>
                <dd><code>{target.clone()}</code></dd>
                <dt>"Expected by Tessera"</dt>
                <dd>{report.expected_count}</dd>
                <dt>"Held by the target"</dt>
                <dd>{report.actual_count}</dd>
                <dt>"Missing"</dt>
                <dd>{missing}</dd>
                <dt>"Unexpected"</dt>
                <dd>{unexpected}</dd>
            </dl>
            {in_step.then(|| view! { <Notice tone=Tone::Info>"The target holds exactly what Tessera expects."</Notice> })}
        </section>
        <section class="section" aria-labelledby="missing-heading">
            <h2 id="missing-heading">{format!("Missing ({missing})")}</h2>
            <p class="section-lead">"People Tessera expects whom the target does not hold."</p>
            {if missing == 0 {
                view! { <p>"Nobody is missing."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap" role="group" aria-labelledby="missing-heading" tabindex="0">
                        <table class="table">
                            <thead><tr><th scope="col">"Person"</th><th scope="col">"Key"</th></tr></thead>
                            <tbody>{missing_rows}</tbody>
                        </table>
                    </div>
                }
                .into_any()
            }}
        </section>
        <section class="section" aria-labelledby="unexpected-heading">
            <h2 id="unexpected-heading">{format!("Unexpected ({unexpected})")}</h2>
            <p class="section-lead">"Members the target holds whom Tessera does not expect."</p>
            {if unexpected == 0 {
                view! { <p>"No unexpected members."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap" role="group" aria-labelledby="unexpected-heading" tabindex="0">
                        <table class="table">
                            <thead><tr><th scope="col">"Key"</th></tr></thead>
                            <tbody>{unexpected_rows}</tbody>
                        </table>
                    </div>
                }
                .into_any()
            }}
        </section>
        <section class="section" aria-labelledby="apply-heading">
            <h2 id="apply-heading">"Apply fix"</h2>
            {move || applied.get().map(|result| view! { <AppliedReport report=result /> })}
            {move || error.get().map(|error| view! { <ErrorAlert error=error title="The fix was not applied." /> })}
            {if in_step {
                view! { <p>"There is nothing to fix."</p> }.into_any()
            } else {
                view! {
                    <p>"Adds the missing people to the target and removes the unexpected members from it."</p>
                    <AskBeforeDeleting
                        ask="Apply fix"
                        question=question.clone()
                        confirm="Yes, apply the fix"
                        confirming=confirming
                        pending=apply.pending()
                        on_confirm=Callback::new(move |_| {
                            apply.dispatch(());
                        })
                    />
                }
                .into_any()
            }}
            {move || applied.get().is_some().then(|| view! {
                <div class="row-actions">
                    <button type="button" class="btn btn-secondary" aria-disabled=move || busy(apply.pending().get()) on:click=move |_| on_applied.run(())>
                        "Compare again"
                    </button>
                </div>
            })}
        </section>
    }
}

/// What applying did: how many changes were made, and those the target refused.
#[component]
fn AppliedReport(report: ReconciliationReport) -> impl IntoView {
    let failed_adds = report
        .errors
        .iter()
        .filter(|error| error.action == ReconciliationAction::Add)
        .count();
    let failed_removes = report.errors.len() - failed_adds;
    let added = report.missing.len().saturating_sub(failed_adds);
    let removed = report.unexpected.len().saturating_sub(failed_removes);
    let summary = format!("Added {added}, removed {removed}.");
    if report.errors.is_empty() {
        view! { <Notice tone=Tone::Success><p class="alert-title">"The fix was applied."</p><p>{summary}</p></Notice> }
            .into_any()
    } else {
        let rows = report
            .errors
            .iter()
            .map(|error| {
                let action = match error.action {
                    ReconciliationAction::Add => "Add",
                    ReconciliationAction::Remove => "Remove",
                };
                view! {
                    <tr>
                        <th scope="row">{error.key.clone().unwrap_or_else(|| "—".to_string())}</th>
                        <td>{action}</td>
                        <td>{error.message.clone()}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="alert alert-error" role="alert">
                <p class="alert-title">"The fix was applied in part."</p>
                <p>{summary} {format!(" {} changes were refused:", report.errors.len())}</p>
            </div>
            <div class="table-wrap" role="group" aria-label="Changes that were refused" tabindex="0">
                <table class="table">
                    <thead><tr><th scope="col">"Key"</th><th scope="col">"Change"</th><th scope="col">"What the target said"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
        .into_any()
    }
}

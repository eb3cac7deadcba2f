//! Importing the directory from a file, for administrators: a JSON document or a CSV file is
//! read in the browser and sent as it is; the answer says what was created, updated and left
//! unchanged, and which rows were refused and why.

use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use tessera_domain::directory::{IMPORT_CSV_COLUMNS, ImportReport};
use tessera_domain::problem::FieldError;
use wasm_bindgen_futures::JsFuture;

use crate::api::{self, ApiError};
use crate::components::{AdminNav, EmptyState, ErrorAlert, Notice, PageHeader, Tone, busy};
use crate::import::{
    FILE_FIELD, ImportFormat, SECTIONS, count, problem_lines, section_label, summary,
};
use crate::pages::common::{action_error, is_admin};

const CSV_EXAMPLE: &str = "type,username,display_name,email,name,group,role
user,ada,Ada Lovelace,ada@example.org,,,
group,,,,Engineering,,
membership,ada,,,,Engineering,member";

#[component]
pub fn ImportPage() -> impl IntoView {
    view! {
        <PageHeader
            title="Import"
            lead="Add or update users, groups, memberships and applications from a JSON or CSV file."
        />
        <AdminNav />
        <Show
            when=is_admin
            fallback=|| view! { <EmptyState title="Only administrators import into the directory." /> }
        >
            <ImportSection />
        </Show>
    }
}

/// What one import answered, with the file it was for.
#[derive(Clone, Debug, PartialEq)]
struct Imported {
    file_name: String,
    format: ImportFormat,
    report: ImportReport,
}

fn refuse_file(message: &str) -> ApiError {
    ApiError::invalid(vec![FieldError {
        field: FILE_FIELD.into(),
        message: message.into(),
    }])
}

/// Reads the chosen file and sends it. Nothing is sent when no file is chosen or when its
/// format cannot be told.
async fn import_chosen(file: Option<web_sys::File>) -> Result<Imported, ApiError> {
    let Some(file) = file else {
        return Err(refuse_file("choose a JSON or CSV file"));
    };
    let file_name = file.name();
    let Some(format) = ImportFormat::of(&file_name, &file.type_()) else {
        return Err(refuse_file(
            "must be a JSON file (.json) or a CSV file (.csv)",
        ));
    };
    let bytes = JsFuture::from(file.array_buffer())
        .await
        .map(|buffer| js_sys::Uint8Array::new(&buffer))
        .map_err(|_| refuse_file("could not be read; choose it again"))?;
    let report = api::imports::import(format, &bytes).await?;
    Ok(Imported {
        file_name,
        format,
        report,
    })
}

#[component]
fn ImportSection() -> impl IntoView {
    let input = NodeRef::<html::Input>::new();
    let import = Action::new_local(move |_: &()| {
        let file = input
            .get_untracked()
            .and_then(|input| input.files())
            .and_then(|files| files.get(0));
        import_chosen(file)
    });
    let error = action_error(import);
    let file_lines = Signal::derive(move || {
        error
            .get()
            .and_then(|error| error.problem().map(problem_lines))
            .unwrap_or_default()
    });
    let invalid = move || file_lines.with(|lines| !lines.is_empty());
    let described_by = move || {
        if invalid() {
            "import-file-hint import-file-error"
        } else {
            "import-file-hint"
        }
    };
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if !import.pending().get_untracked() {
            import.dispatch(());
        }
    };
    let columns = IMPORT_CSV_COLUMNS.join(", ");

    view! {
        <section class="section" aria-labelledby="import-heading">
            <h2 id="import-heading">"Import a file"</h2>
            <p class="section-lead">
                "Users are matched by username, groups and applications by name: a row creates what is missing, updates what differs and leaves the rest, so importing a file twice changes nothing the second time. Imported users get no password."
            </p>
            <details class="import-help">
                <summary>"What the file holds"</summary>
                <p>
                    "JSON: an object with the lists " <code>"users"</code> ", " <code>"groups"</code>
                    ", " <code>"memberships"</code> " and " <code>"applications"</code> "."
                </p>
                <p>
                    "CSV: a header row, then one row per line with a " <code>"type"</code>
                    " column of user, group, membership or application. The columns are "
                    {columns} ". Empty cells are left as they are."
                </p>
                <pre class="code-block">{CSV_EXAMPLE}</pre>
            </details>
            {move || {
                error
                    .get()
                    .map(|error| view! { <ErrorAlert error=error title="The file was not imported." /> })
            }}
            <form class="form" novalidate on:submit=on_submit>
                <div class="field" class:field-invalid=invalid>
                    <label for="import-file">"File (JSON or CSV)"</label>
                    <p class="field-hint" id="import-file-hint">
                        "A .json or .csv file, as described above."
                    </p>
                    <input
                        id="import-file"
                        name="file"
                        type="file"
                        accept=".json,.csv,application/json,text/csv"
                        aria-required="true"
                        aria-invalid=move || invalid().then_some("true")
                        aria-describedby=described_by
                        node_ref=input
                    />
                    <Show when=invalid>
                        <div class="field-error" id="import-file-error">
                            {move || {
                                file_lines
                                    .get()
                                    .into_iter()
                                    .map(|line| view! { <p>{line}</p> })
                                    .collect_view()
                            }}
                        </div>
                    </Show>
                </div>
                <div class="form-actions">
                    <button
                        type="submit"
                        class="btn btn-primary"
                        aria-disabled=move || busy(import.pending().get())
                    >
                        {move || if import.pending().get() { "Importing…" } else { "Import file" }}
                    </button>
                </div>
            </form>
        </section>
        {move || {
            import
                .value()
                .get()
                .and_then(Result::ok)
                .map(|imported| view! { <ImportResult imported=imported /> })
        }}
    }
}

#[component]
fn ImportResult(imported: Imported) -> impl IntoView {
    let Imported {
        file_name,
        format,
        report,
    } = imported;
    let tone = if report.rejected.is_empty() {
        Tone::Success
    } else {
        Tone::Info
    };
    let line_or_row = match format {
        ImportFormat::Csv => "Line",
        ImportFormat::Json => "Row",
    };
    let counts = SECTIONS
        .into_iter()
        .map(|section| {
            view! {
                <tr>
                    <th scope="row">{section_label(section)}</th>
                    <td>{count(&report.created, section)}</td>
                    <td>{count(&report.updated, section)}</td>
                    <td>{count(&report.unchanged, section)}</td>
                </tr>
            }
        })
        .collect_view();
    let rejected = (!report.rejected.is_empty()).then(|| {
        let rows = report
            .rejected
            .iter()
            .map(|rejection| {
                view! {
                    <tr>
                        <th scope="row">{rejection.row}</th>
                        <td>{section_label(rejection.section)}</td>
                        <td>
                            {rejection
                                .field
                                .clone()
                                .map(|field| view! { <code>{field}</code> }.into_any())
                                .unwrap_or_else(|| view! { "—" }.into_any())}
                        </td>
                        <td class="cell-wrap">{rejection.reason.clone()}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="table-wrap" role="group" aria-labelledby="import-rejected-heading" tabindex="0">
                <table class="table">
                    <thead>
                        <tr>
                            <th scope="col">{line_or_row}</th>
                            <th scope="col">"Kind"</th>
                            <th scope="col">"Field"</th>
                            <th scope="col">"Reason"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
    });
    view! {
        <section class="section" aria-labelledby="import-result-heading">
            <h2 id="import-result-heading">"Result"</h2>
            <Notice tone=tone>
                <p>
                    {format!("{file_name} ({}) was imported: {}", format.label(), summary(&report))}
                </p>
            </Notice>
            <div class="table-wrap" role="group" aria-labelledby="import-result-heading" tabindex="0">
                <table class="table">
                    <thead>
                        <tr>
                            <th scope="col">"Kind"</th>
                            <th scope="col">"Created"</th>
                            <th scope="col">"Updated"</th>
                            <th scope="col">"Unchanged"</th>
                        </tr>
                    </thead>
                    <tbody>{counts}</tbody>
                </table>
            </div>
            <h3 id="import-rejected-heading" class="subheading">"Rejected rows"</h3>
            {match rejected {
                Some(table) => table.into_any(),
                None => view! { <EmptyState title="No row was rejected." /> }.into_any(),
            }}
        </section>
    }
}

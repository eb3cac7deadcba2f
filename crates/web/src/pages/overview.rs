use leptos::prelude::*;

use crate::components::PageHeader;
use crate::state::Session;

/// The parts of the overview, each waiting for its API.
const CARDS: [(&str, &str); 4] = [
    (
        "Approvals waiting",
        "Requests that wait for your decision will be counted here.",
    ),
    (
        "Reviews waiting",
        "Access reviews that you need to complete will be counted here.",
    ),
    (
        "Your requests in progress",
        "Access you asked for that is not yet delivered will be listed here.",
    ),
    (
        "Access expiring soon",
        "Access of yours that ends in the coming days will be listed here, so you can extend it.",
    ),
];

#[component]
pub fn OverviewPage() -> impl IntoView {
    let session = Session::expect();
    view! {
        <PageHeader title="Overview" />
        <p class="welcome">"Welcome, " {move || session.display_name()} "."</p>
        <div class="card-grid">
            {CARDS
                .into_iter()
                .enumerate()
                .map(|(index, (title, what))| {
                    let heading_id = format!("overview-card-{index}");
                    let labelled_by = heading_id.clone();
                    view! {
                        <section class="card" aria-labelledby=labelled_by>
                            <h2 id=heading_id>{title}</h2>
                            <p>{what}</p>
                            <p class="card-note">
                                "Not built yet: this part of Tessera arrives in a later release."
                            </p>
                        </section>
                    }
                })
                .collect_view()}
        </div>
    }
}

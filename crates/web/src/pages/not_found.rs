use leptos::prelude::*;

use crate::components::PageHeader;
use crate::routes;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <PageHeader title="Page not found" />
        <div class="state state-empty">
            <p>"There is no page at this address."</p>
            <p>
                <a href=routes::OVERVIEW>"Go to the overview"</a>
            </p>
        </div>
    }
}

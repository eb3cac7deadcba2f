//! The sub-navigation of the administration area.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::routes;
use crate::state::Session;

#[component]
pub fn AdminNav() -> impl IntoView {
    let session = Session::expect();
    let is_admin = Memo::new(move |_| session.is_admin());
    view! {
        <nav class="subnav" aria-label="Administration">
            <ul>
                <Show when=move || is_admin.get()>
                    <li>
                        <A href=routes::ADMIN exact=true>"Users"</A>
                    </li>
                </Show>
                <li>
                    <A href=routes::ADMIN_CATALOGS>"Catalogs"</A>
                </li>
                <li>
                    <A href=routes::ADMIN_REVIEWS>"Access reviews"</A>
                </li>
                <li>
                    <A href=routes::ADMIN_REQUESTS>"Requests"</A>
                </li>
                <Show when=move || is_admin.get()>
                    <li>
                        <A href=routes::ADMIN_GROUPS>"Groups"</A>
                    </li>
                    <li>
                        <A href=routes::ADMIN_APPLICATIONS>"Applications"</A>
                    </li>
                    <li>
                        <A href=routes::ADMIN_IMPORT>"Import"</A>
                    </li>
                    <li>
                        <A href=routes::ADMIN_AUDIT>"Audit"</A>
                    </li>
                    <li>
                        <A href=routes::ADMIN_CONNECTORS>"Connected systems"</A>
                    </li>
                    <li>
                        <A href=routes::ADMIN_WEBHOOKS>"Webhooks"</A>
                    </li>
                </Show>
            </ul>
        </nav>
    }
}

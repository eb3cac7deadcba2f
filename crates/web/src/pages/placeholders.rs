//! Pages whose APIs arrive in later issues. They say so plainly.

use leptos::prelude::*;

use crate::components::NotBuiltYet;

#[component]
pub fn AccessPackagesPage() -> impl IntoView {
    view! {
        <NotBuiltYet
            title="Access packages"
            what="Here you will find the access packages you can request, such as a group, an application role or a site."
        />
    }
}

#[component]
pub fn RequestHistoryPage() -> impl IntoView {
    view! {
        <NotBuiltYet
            title="Request history"
            what="Here you will follow the access you asked for, and cancel a request that is still pending."
        />
    }
}

#[component]
pub fn ApprovalsPage() -> impl IntoView {
    view! {
        <NotBuiltYet
            title="Approvals"
            what="Here you will approve or deny requests that wait for your decision."
        />
    }
}

#[component]
pub fn ReviewsPage() -> impl IntoView {
    view! {
        <NotBuiltYet
            title="Access reviews"
            what="Here you will confirm whether people still need the access they have."
        />
    }
}

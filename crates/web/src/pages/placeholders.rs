//! Pages whose APIs arrive in later issues. They say so plainly.

use leptos::prelude::*;

use crate::components::NotBuiltYet;

#[component]
pub fn ReviewsPage() -> impl IntoView {
    view! {
        <NotBuiltYet
            title="Access reviews"
            what="Here you will confirm whether people still need the access they have."
        />
    }
}

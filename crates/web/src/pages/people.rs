//! Adding a person to a list of people: the creators of catalogs, the members or the owners of
//! a group.

use std::future::Future;

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use tessera_domain::UserId;

use super::common::{action_error, chosen_person, field_of};
use crate::api::ApiError;
use crate::components::{ErrorAlert, PersonPicker, busy};

/// A person picker and a button that runs `add` for the chosen person; the picker is cleared
/// once they are added.
#[component]
pub fn AddPersonForm<F, Fut>(
    /// The picker's id.
    #[prop(into)]
    id: String,
    #[prop(into)] label: String,
    #[prop(into)] button: String,
    /// The alert's title when adding failed: "The member was not added."
    #[prop(into)]
    failed: String,
    add: F,
    /// After someone was added, to read the list again.
    on_added: Callback<()>,
) -> impl IntoView
where
    F: Fn(UserId) -> Fut + 'static,
    Fut: Future<Output = Result<(), ApiError>> + 'static,
{
    let chosen = RwSignal::new(String::new());
    let add = Action::new_local(move |raw: &String| {
        let adding = chosen_person(raw).map(&add);
        async move {
            adding?.await?;
            chosen.set(String::new());
            on_added.run(());
            Ok::<(), ApiError>(())
        }
    });
    let error = action_error(add);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if !add.pending().get_untracked() {
            add.dispatch(chosen.get_untracked());
        }
    };
    view! {
        <form class="form form-inline subform" novalidate on:submit=on_submit>
            {move || error.get().map(|error| view! { <ErrorAlert error=error title=failed.clone() /> })}
            <PersonPicker id=id label=label value=chosen error=field_of(error, "user_id") />
            <div class="form-actions">
                <button type="submit" class="btn btn-secondary" aria-disabled=move || busy(add.pending().get())>
                    {button}
                </button>
            </div>
        </form>
    }
}

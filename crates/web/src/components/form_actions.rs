//! The row of buttons that closes a form: submit, and leave without submitting.

use leptos::prelude::*;

use super::busy;

/// A form's submit button and the button that closes the form unsubmitted. While `pending`,
/// the submit button is `aria-disabled` (see [`busy`]) and named `working` when given.
#[component]
pub fn FormActions(
    /// The submit button's name: "Save details".
    submit: &'static str,
    /// Its name while the action is under way: "Saving…". Without one it keeps `submit`.
    #[prop(optional)]
    working: Option<&'static str>,
    /// Whether the submitted action is under way.
    #[prop(into)]
    pending: Signal<bool>,
    /// Closes the form, nothing submitted.
    #[prop(into)]
    on_cancel: Callback<()>,
    /// The closing button's name: "Cancel", or "Keep it" where the form itself cancels or
    /// removes something.
    #[prop(default = "Cancel")]
    cancel: &'static str,
    /// A submit that takes something away (`btn-danger`) rather than saves (`btn-primary`).
    #[prop(optional)]
    danger: bool,
) -> impl IntoView {
    let class = if danger {
        "btn btn-danger"
    } else {
        "btn btn-primary"
    };
    let name = move || match working {
        Some(working) if pending.get() => working,
        _ => submit,
    };
    view! {
        <div class="form-actions">
            <button type="submit" class=class aria-disabled=move || busy(pending.get())>
                {name}
            </button>
            <button type="button" class="btn btn-secondary" on:click=move |_| on_cancel.run(())>
                {cancel}
            </button>
        </div>
    }
}

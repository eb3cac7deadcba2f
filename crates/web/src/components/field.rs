use leptos::prelude::*;
use reactive_stores::{Field, StoreField, Subfield};

use crate::forms::sentence;

/// What a form control edits: a signal of its own, or a field of an editor's store.
///
/// A field of a row reads as the default value once its row is removed: the row's view may
/// still be asked for it before the list is drawn again without it.
pub struct Model<T: Send + Sync + 'static> {
    read: Signal<T>,
    write: SignalSetter<T>,
}

impl<T: Send + Sync + 'static> Clone for Model<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Model<T> {}

impl<T: Clone + Send + Sync + 'static> Model<T> {
    pub fn get(&self) -> T {
        self.read.get()
    }

    pub fn get_untracked(&self) -> T {
        self.read.get_untracked()
    }

    pub fn set(&self, value: T) {
        self.write.set(value);
    }

    /// The pair `bind:` takes.
    pub fn split(&self) -> (Signal<T>, SignalSetter<T>) {
        (self.read, self.write)
    }
}

impl<T: Clone + Send + Sync + 'static> From<RwSignal<T>> for Model<T> {
    fn from(signal: RwSignal<T>) -> Self {
        Model {
            read: signal.into(),
            write: signal.write_only().into(),
        }
    }
}

impl<T: Clone + Default + Send + Sync + 'static> From<Field<T>> for Model<T> {
    fn from(field: Field<T>) -> Self {
        Model {
            read: Signal::derive(move || field.try_get().unwrap_or_default()),
            write: SignalSetter::map(move |value| {
                field.try_set(value);
            }),
        }
    }
}

impl<Inner, Prev, T> From<Subfield<Inner, Prev, T>> for Model<T>
where
    Subfield<Inner, Prev, T>: StoreField<Value = T>,
    Field<T>: From<Subfield<Inner, Prev, T>>,
    T: Clone + Default + Send + Sync + 'static,
{
    fn from(field: Subfield<Inner, Prev, T>) -> Self {
        Field::from(field).into()
    }
}

/// The `aria-describedby` of an input: its hint's id while it has a hint, then its error's id
/// while it is invalid; `None` when neither.
pub fn described_by(
    hint_id: String,
    has_hint: impl Fn() -> bool + Clone + Send + Sync + 'static,
    error_id: String,
    invalid: impl Fn() -> bool + Clone + Send + Sync + 'static,
) -> impl Fn() -> Option<String> + Clone + Send + Sync + 'static {
    move || {
        let ids: Vec<&str> = [
            has_hint().then_some(hint_id.as_str()),
            invalid().then_some(error_id.as_str()),
        ]
        .into_iter()
        .flatten()
        .collect();
        (!ids.is_empty()).then(|| ids.join(" "))
    }
}

/// A labelled input with its error underneath, tied together with `aria-describedby`.
#[component]
pub fn TextField(
    /// The input's `id` and `name`; the error's id is `{id}-error`.
    #[prop(into)]
    id: String,
    #[prop(into)] label: String,
    #[prop(into)] value: Model<String>,
    /// The message for this field, from the form's last refusal.
    #[prop(into, optional)]
    error: Signal<Option<String>>,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] hint: Option<&'static str>,
    /// Marked with `aria-required` only: the browser's own validation bubbles would hide the
    /// form's messages (forms use `novalidate`).
    #[prop(optional)]
    required: bool,
    #[prop(optional)] min: Option<&'static str>,
    #[prop(optional)] max: Option<&'static str>,
    #[prop(optional)] inputmode: Option<&'static str>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let invalid = move || error.with(Option::is_some);
    let has_hint = hint.is_some();
    let described_by = described_by(hint_id.clone(), move || has_hint, error_id.clone(), invalid);
    view! {
        <div class="field" class:field-invalid=invalid>
            <label for=id.clone()>{label}</label>
            {hint.map(|hint| view! { <p class="field-hint" id=hint_id.clone()>{hint}</p> })}
            <input
                id=id.clone()
                name=id
                type=input_type
                autocomplete=autocomplete
                inputmode=inputmode
                min=min
                max=max
                aria-required=required.then_some("true")
                aria-invalid=move || invalid().then_some("true")
                aria-describedby=described_by
                bind:value=value.split()
            />
            {move || {
                error
                    .get()
                    .map(|message| {
                        view! {
                            <p class="field-error" id=error_id.clone()>
                                {sentence(&message)}
                            </p>
                        }
                    })
            }}
        </div>
    }
}

/// A checkbox with its label beside it.
#[component]
pub fn CheckboxField(
    #[prop(into)] id: String,
    #[prop(into)] label: String,
    #[prop(into)] checked: Model<bool>,
    #[prop(optional)] hint: Option<&'static str>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    view! {
        <div class="field field-check">
            <input
                type="checkbox"
                id=id.clone()
                name=id.clone()
                aria-describedby=hint.map(|_| hint_id.clone())
                bind:checked=checked.split()
            />
            <label for=id>{label}</label>
            {hint.map(|hint| view! { <p class="field-hint" id=hint_id>{hint}</p> })}
        </div>
    }
}

/// A labelled multi-line input with its error underneath.
#[component]
pub fn TextAreaField(
    #[prop(into)] id: String,
    #[prop(into)] label: String,
    #[prop(into)] value: Model<String>,
    #[prop(into, optional)] error: Signal<Option<String>>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(default = 3)] rows: u32,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let invalid = move || error.with(Option::is_some);
    let has_hint = hint.is_some();
    let described_by = described_by(hint_id.clone(), move || has_hint, error_id.clone(), invalid);
    view! {
        <div class="field" class:field-invalid=invalid>
            <label for=id.clone()>{label}</label>
            {hint.map(|hint| view! { <p class="field-hint" id=hint_id.clone()>{hint}</p> })}
            <textarea
                id=id.clone()
                name=id
                rows=rows
                aria-invalid=move || invalid().then_some("true")
                aria-describedby=described_by
                bind:value=value.split()
            ></textarea>
            {move || {
                error
                    .get()
                    .map(|message| {
                        view! { <p class="field-error" id=error_id.clone()>{sentence(&message)}</p> }
                    })
            }}
        </div>
    }
}

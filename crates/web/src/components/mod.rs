//! Reusable pieces of the portal. The look comes from `static/app.css`; these components
//! only choose classes, never inline styles (the CSP forbids them).

mod admin_nav;
mod alert;
mod field;
mod form_actions;
mod page;
mod picker;
mod secret;
mod shell;
mod states;

pub use admin_nav::AdminNav;
pub use alert::{ErrorAlert, Notice, Tone, focus_on_mount};
pub use field::{CheckboxField, Model, TextAreaField, TextField, described_by};
pub use form_actions::FormActions;
pub use page::{Arrival, PageHeader};
pub use picker::{
    Combobox, DirectoryKind, DirectoryNames, Found, PersonPicker, Search, directory_search,
};
pub use secret::ShownOnce;
pub use shell::Shell;
pub use states::{EmptyState, ErrorState, Loading};

/// `aria-disabled` for a button whose action is under way. Not `disabled`: a disabled button
/// drops the keyboard focus, and the person would have to find their place again. Handlers
/// ignore clicks while the action is pending.
pub fn busy(pending: bool) -> Option<&'static str> {
    pending.then_some("true")
}

//! Reusable pieces of the portal. The look comes from `static/app.css`; these components
//! only choose classes, never inline styles (the CSP forbids them).

mod alert;
mod field;
mod page;
mod shell;
mod states;

pub use alert::{ErrorAlert, Notice, Tone};
pub use field::{CheckboxField, TextField};
pub use page::{NotBuiltYet, PageHeader};
pub use shell::Shell;
pub use states::{EmptyState, ErrorState, Loading};

//! State shared across pages.

mod paged;
mod session;

pub use paged::PagedList;
pub use session::{Auth, Session, SignedOutReason};

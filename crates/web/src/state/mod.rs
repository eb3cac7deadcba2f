//! State shared across pages.

mod paged;
mod session;

pub use paged::{PagedList, Shape};
pub use session::{Auth, Session, SignedOutReason};

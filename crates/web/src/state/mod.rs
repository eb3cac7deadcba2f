//! State shared across pages.

mod inbox;
mod paged;
mod session;

pub use inbox::Inbox;
pub use paged::{PagedList, Shape};
pub use session::{Auth, Session, SignedOutReason};

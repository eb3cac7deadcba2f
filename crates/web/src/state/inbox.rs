//! How many of the signed-in person's notifications are unread, for the badge in the menu.
//! The shell reads it again on every page change; the inbox sets it after marking.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tessera_domain::page::PageQuery;

use crate::api;

/// A handle on the unread count; cheap to copy into closures.
#[derive(Clone, Copy)]
pub struct Inbox {
    unread: RwSignal<Option<u64>>,
}

impl Inbox {
    /// Creates the count, unknown until [`Inbox::refresh`] answers, for the components below.
    pub fn provide() -> Self {
        let inbox = Self {
            unread: RwSignal::new(None),
        };
        provide_context(inbox);
        inbox
    }

    pub fn expect() -> Self {
        expect_context::<Inbox>()
    }

    /// How many are unread; `None` before the first answer.
    pub fn unread(&self) -> Option<u64> {
        self.unread.get()
    }

    /// Keeps the count an answer of the inbox carries.
    pub fn set_unread(&self, count: u64) {
        self.unread.set(Some(count));
    }

    /// Asks the server for the count. A failed read keeps the last count: the badge is a hint,
    /// and the inbox page shows its own errors.
    pub fn refresh(&self) {
        let unread = self.unread;
        spawn_local(async move {
            let first = PageQuery {
                limit: Some(1),
                cursor: None,
            };
            if let Ok(page) = api::notifications::list(&first).await {
                unread.set(Some(page.unread_count));
            }
        });
    }
}

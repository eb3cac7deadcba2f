//! Who is signed in, shared by every page through a context.
//!
//! The session itself is an `HttpOnly` cookie that this code never sees; what is kept here is
//! the answer of `GET /api/v1/me` (or of the sign-in), so pages can show the person's name and
//! hide what they may not use. The server still checks every request.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tessera_domain::roles::GlobalRole;
use tessera_domain::user::Me;

use crate::api::{self, ApiError};

#[derive(Clone, Debug, PartialEq)]
pub enum Auth {
    /// Asking the server whether the session cookie is still good.
    Checking,
    SignedIn(Me),
    SignedOut(SignedOutReason),
    /// The server could not be asked; the person may try again.
    Unreachable(ApiError),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignedOutReason {
    /// There was no session when the portal opened.
    NoSession,
    /// The server stopped accepting the session while the portal was open.
    Expired,
    /// The person signed out.
    ByThemselves,
}

/// A handle on the shared sign-in state; cheap to copy into closures.
#[derive(Clone, Copy)]
pub struct Session {
    auth: RwSignal<Auth>,
}

impl Session {
    /// Creates the state, makes it available to every component below, and asks the server
    /// whether the browser already has a session.
    pub fn provide() -> Self {
        let session = Self {
            auth: RwSignal::new(Auth::Checking),
        };
        provide_context(session);
        session.check();
        session
    }

    pub fn expect() -> Self {
        expect_context::<Session>()
    }

    pub fn auth(&self) -> Auth {
        self.auth.get()
    }

    /// Asks `GET /me` who the session cookie belongs to.
    pub fn check(&self) {
        let auth = self.auth;
        auth.set(Auth::Checking);
        spawn_local(async move {
            let answer = match api::session::me().await {
                Ok(me) => Auth::SignedIn(me),
                Err(error) if error.is_unauthorized() => {
                    Auth::SignedOut(SignedOutReason::NoSession)
                }
                Err(error) => Auth::Unreachable(error),
            };
            // A sign-in that finished while the check was under way has the last word.
            auth.update(|current| {
                if *current == Auth::Checking {
                    *current = answer;
                }
            });
        });
    }

    pub fn signed_in(&self, me: Me) {
        self.auth.set(Auth::SignedIn(me));
    }

    pub fn signed_out(&self) {
        self.auth
            .set(Auth::SignedOut(SignedOutReason::ByThemselves));
    }

    /// Called when any request answers `401`. Only a signed-in portal can expire: on the
    /// sign-in page a `401` just means wrong credentials.
    pub fn expired(&self) {
        self.auth.update(|current| {
            if matches!(current, Auth::SignedIn(_)) {
                *current = Auth::SignedOut(SignedOutReason::Expired);
            }
        });
    }

    /// Looks at an error from any request, and ends the session in the UI on a `401`.
    pub fn notice(&self, error: &ApiError) {
        if error.is_unauthorized() {
            self.expired();
        }
    }

    pub fn is_signed_in(&self) -> bool {
        self.auth.with(|auth| matches!(auth, Auth::SignedIn(_)))
    }

    pub fn signed_out_reason(&self) -> Option<SignedOutReason> {
        self.auth.with(|auth| match auth {
            Auth::SignedOut(reason) => Some(*reason),
            Auth::Checking | Auth::SignedIn(_) | Auth::Unreachable(_) => None,
        })
    }

    /// Reads the signed-in person, if any (tracked).
    pub fn with_me<R>(&self, read: impl FnOnce(&Me) -> R) -> Option<R> {
        self.auth.with(|auth| match auth {
            Auth::SignedIn(me) => Some(read(me)),
            Auth::Checking | Auth::SignedOut(_) | Auth::Unreachable(_) => None,
        })
    }

    pub fn display_name(&self) -> String {
        self.with_me(|me| me.display_name.to_string())
            .unwrap_or_default()
    }

    /// Whether to offer administration. Hiding it is a courtesy: the API refuses non-admins.
    pub fn is_admin(&self) -> bool {
        self.with_me(|me| me.roles.contains(&GlobalRole::GlobalAdmin))
            .unwrap_or(false)
    }
}

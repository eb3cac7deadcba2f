//! Small helpers shared by the administration pages.

use leptos::prelude::*;
use tessera_domain::roles::GlobalRole;

use crate::api::ApiError;
use crate::state::Session;

/// The error of an action's last run, if it failed.
pub fn action_error<I, O>(action: Action<I, Result<O, ApiError>>) -> Signal<Option<ApiError>>
where
    I: Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(Result::err))
}

/// What the last refusal said about one field, for the message under its input.
pub fn field_of(error: Signal<Option<ApiError>>, field: &'static str) -> Signal<Option<String>> {
    Signal::derive(move || error.get().and_then(|error| error.field_message(field)))
}

/// Whether the signed-in person is an administrator (tracked).
pub fn is_admin() -> bool {
    Session::expect()
        .with_me(|me| me.roles.contains(&GlobalRole::GlobalAdmin))
        .unwrap_or(false)
}

/// A route parameter parsed into a typed id; `None` when it is absent or malformed.
pub fn param_id<T>(name: &'static str) -> Memo<Option<T>>
where
    T: std::str::FromStr + PartialEq + Send + Sync + 'static,
{
    let params = leptos_router::hooks::use_params_map();
    Memo::new(move |_| params.with(|params| params.get(name)?.parse::<T>().ok()))
}

/// Whether the signed-in person may create catalogs: administrators and catalog creators.
pub fn may_create_catalogs() -> bool {
    Session::expect()
        .with_me(|me| {
            me.roles
                .iter()
                .any(|role| matches!(role, GlobalRole::GlobalAdmin | GlobalRole::CatalogCreator))
        })
        .unwrap_or(false)
}

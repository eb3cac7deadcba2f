//! Small helpers shared by the administration pages.

use std::future::Future;

use leptos::prelude::*;
use tessera_domain::UserId;
use tessera_domain::page::{MAX_PAGE_SIZE, PageQuery};
use tessera_domain::problem::FieldError;
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

/// Whether the signed-in person is an administrator, as the session says now.
///
/// Untracked on purpose: pages read it while they are drawn (often inside a `Suspend`), and a
/// tracked read made the page draw itself again when the person signed out, while the router
/// was tearing it down ("reactive value already disposed", then "RefCell already borrowed").
/// The shell leaves the page when the session ends; the menus track the session themselves.
pub fn is_admin() -> bool {
    untrack(|| Session::expect().is_admin())
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
/// Untracked, as [`is_admin`] is.
pub fn may_create_catalogs() -> bool {
    untrack(|| {
        Session::expect()
            .with_me(|me| {
                me.roles.iter().any(|role| {
                    matches!(role, GlobalRole::GlobalAdmin | GlobalRole::CatalogCreator)
                })
            })
            .unwrap_or(false)
    })
}

/// What the last refusal said about one field or, when the server answered with a conflict
/// (409: the name is taken), its message, so that it shows under the input that caused it.
pub fn field_or_conflict(
    error: Signal<Option<ApiError>>,
    field: &'static str,
) -> Signal<Option<String>> {
    Signal::derive(move || {
        let error = error.get()?;
        error
            .field_message(field)
            .or_else(|| (error.status() == Some(409)).then(|| error.message()))
    })
}

/// A refusal of one field, made here before anything is sent.
pub fn refusal(field: &str, message: &str) -> ApiError {
    ApiError::invalid(vec![FieldError {
        field: field.into(),
        message: message.into(),
    }])
}

/// The refusal of a person picker left empty.
pub fn choose_a_person() -> ApiError {
    refusal("user_id", "choose a person")
}

/// The person chosen in a person picker.
pub fn chosen_person(raw: &str) -> Result<UserId, ApiError> {
    raw.parse().map_err(|_| choose_a_person())
}

/// The first page, as large as the API serves one: for lists shown whole.
pub fn whole_list() -> PageQuery {
    PageQuery {
        limit: Some(MAX_PAGE_SIZE),
        cursor: None,
    }
}

/// What the route's `id` parameter names, read with `get`: a 404 when the parameter is absent
/// or malformed.
pub fn read_param_id<I, T, F, Fut>(get: F) -> LocalResource<Result<T, ApiError>>
where
    I: std::str::FromStr + PartialEq + Copy + Send + Sync + 'static,
    T: 'static,
    F: Fn(I) -> Fut + 'static,
    Fut: Future<Output = Result<T, ApiError>> + 'static,
{
    let id = param_id::<I>("id");
    LocalResource::new(move || {
        let read = id.get().map(&get);
        async move {
            match read {
                Some(read) => read.await,
                None => Err(ApiError::from_response(404, "", None)),
            }
        }
    })
}

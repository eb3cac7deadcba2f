//! The pieces of the administration pages' lists: a list read whole or page by page with its
//! states and its "Load more", the table that shows one, and the button that acts on one of its
//! items.

use std::future::Future;
use std::sync::Arc;

use leptos::prelude::*;
use tessera_domain::page::AccessPackagePage;

use crate::api::ApiError;
use crate::components::{EmptyState, ErrorAlert, ErrorState, Loading, busy};
use crate::state::{PagedList, Shape};

/// What `WholeList` reads: a list, or the first page of one.
pub trait Listing {
    fn is_empty(&self) -> bool;
}

impl<T> Listing for Vec<T> {
    fn is_empty(&self) -> bool {
        Vec::is_empty(self)
    }
}

impl Listing for AccessPackagePage {
    fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// A list read whole: `loading` while it is read, the error with a way to try again, `empty`
/// when there is nothing, else what `show` makes of it.
#[component]
pub fn WholeList<T, F, V>(
    list: LocalResource<Result<T, ApiError>>,
    loading: &'static str,
    empty: &'static str,
    show: F,
) -> impl IntoView
where
    T: Listing + Clone + 'static,
    F: Fn(T) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let show = Arc::new(show);
    view! {
        <Transition fallback=move || view! { <Loading label=loading /> }>
            {move || {
                let show = Arc::clone(&show);
                Suspend::new(async move {
                    match list.await {
                        Err(error) => view! { <ErrorState error=error retry=Callback::new(move |_| list.refetch()) /> }.into_any(),
                        Ok(items) if items.is_empty() => view! { <EmptyState title=empty /> }.into_any(),
                        Ok(items) => show(items).into_any(),
                    }
                })
            }}
        </Transition>
    }
}

/// A list read page by page: loading, the error of its first page with a way to try again,
/// `empty` when there is nothing, else `children`; then "Load more".
#[component]
pub fn PagedItems<T>(
    list: PagedList<T>,
    #[prop(default = "Loading…")] loading: &'static str,
    #[prop(into)] empty: String,
    children: ChildrenFn,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
{
    view! {
        {move || match list.shape() {
            Shape::Loading => view! { <Loading label=loading /> }.into_any(),
            Shape::Failed(error) => view! { <ErrorState error=error retry=Callback::new(move |_| list.reload()) /> }.into_any(),
            Shape::Empty => view! { <EmptyState title=empty.clone() /> }.into_any(),
            Shape::Filled => children().into_any(),
        }}
        <LoadMore list=list />
    }
}

/// "Load more" under a paged list, with the error of the last page.
#[component]
pub fn LoadMore<T: Clone + Send + Sync + 'static>(list: PagedList<T>) -> impl IntoView {
    view! {
        <Show when=move || list.loaded() && list.error().is_some()>
            {move || list.error().map(|error| view! { <ErrorAlert error=error title="More could not be loaded." /> })}
        </Show>
        <Show when=move || list.has_more()>
            <div class="load-more">
                <button
                    type="button"
                    class="btn btn-secondary"
                    aria-disabled=move || busy(list.pending())
                    on:click=move |_| list.load_more()
                >
                    {move || if list.pending() { "Loading…" } else { "Load more" }}
                </button>
            </div>
        </Show>
    }
}

/// A table in a box that scrolls on its own when it is wider than the page, named by the
/// heading of its section.
#[component]
pub fn Table(
    /// The id of the heading that names the table.
    #[prop(into)]
    labelled_by: String,
    columns: &'static [&'static str],
    /// A last column, its header for screen readers only, for the buttons of each row.
    #[prop(optional)]
    actions: bool,
    /// The rows.
    children: Children,
) -> impl IntoView {
    view! {
        <div class="table-wrap" role="group" aria-labelledby=labelled_by tabindex="0">
            <table class="table">
                <thead>
                    <tr>
                        {columns.iter().map(|column| view! { <th scope="col">{*column}</th> }).collect_view()}
                        {actions.then(|| view! { <th scope="col"><span class="visually-hidden">"Actions"</span></th> })}
                    </tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}

/// The action of the `ItemButton`s of a list: `run` on one item, then `reload` to read the list
/// again.
pub fn item_action<I, F, Fut>(run: F, reload: Callback<()>) -> Action<I, Result<(), ApiError>>
where
    I: Clone + 'static,
    F: Fn(I) -> Fut + 'static,
    Fut: Future<Output = Result<(), ApiError>> + 'static,
{
    Action::new_local(move |item: &I| {
        let running = run(item.clone());
        async move {
            running.await?;
            reload.run(());
            Ok(())
        }
    })
}

/// A small button that runs `action` on one item of a list (a table row, a chip). Clicks while
/// the action is under way are ignored.
#[component]
pub fn ItemButton<I, O>(
    action: Action<I, O>,
    item: I,
    /// The button's name for screen readers, saying which item: "Remove alice as owner".
    label: String,
    /// What the button shows: "Remove", "Delete".
    text: &'static str,
    #[prop(default = "btn btn-danger-outline btn-small")] class: &'static str,
) -> impl IntoView
where
    I: Clone + Send + Sync + 'static,
    O: Send + Sync + 'static,
{
    view! {
        <button
            type="button"
            class=class
            aria-label=label
            on:click=move |_| {
                if !action.pending().get_untracked() {
                    action.dispatch(item.clone());
                }
            }
        >
            {text}
        </button>
    }
}

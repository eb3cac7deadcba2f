//! A list read page by page with `?limit=&cursor=`, growing with "Load more".
//!
//! Pages accumulate and single rows change after writes (a user enabled, a user created), so
//! the list is plain state fed by an action rather than a resource that would replace it.

use std::future::Future;

use leptos::prelude::*;
use tessera_domain::page::PageQuery;

use crate::api::ApiError;

/// One page as the API answers it: its items and the cursor of the next page.
pub type Page<T> = (Vec<T>, Option<String>);

/// What a list shows as a whole. Changes far less often than its items, so a view that picks
/// between "loading", "empty" and the table is not rebuilt when one row changes.
#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    Loading,
    /// The first page could not be read.
    Failed(ApiError),
    Empty,
    Filled,
}

pub struct PagedList<T: Send + Sync + 'static> {
    items: RwSignal<Vec<T>>,
    shape: Memo<Shape>,
    next_cursor: RwSignal<Option<String>>,
    loaded: RwSignal<bool>,
    load: Action<Option<String>, Result<(), ApiError>>,
}

impl<T: Send + Sync + 'static> Clone for PagedList<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for PagedList<T> {}

impl<T: Clone + Send + Sync + 'static> PagedList<T> {
    /// `fetch` reads one page; the first page is requested at once.
    pub fn new<F, Fut>(page_size: u32, fetch: F) -> Self
    where
        F: Fn(PageQuery) -> Fut + 'static,
        Fut: Future<Output = Result<Page<T>, ApiError>> + 'static,
    {
        let items = RwSignal::new(Vec::new());
        let next_cursor = RwSignal::new(None);
        let loaded = RwSignal::new(false);
        let load = Action::new_local(move |cursor: &Option<String>| {
            let cursor = cursor.clone();
            let first_page = cursor.is_none();
            let page = fetch(PageQuery {
                limit: Some(page_size),
                cursor,
            });
            async move {
                let (page_items, next) = page.await?;
                if first_page {
                    items.set(page_items);
                } else {
                    items.update(|all| all.extend(page_items));
                }
                next_cursor.set(next);
                loaded.set(true);
                Ok(())
            }
        });
        let shape = Memo::new(move |_| {
            if loaded.get() {
                if items.with(Vec::is_empty) {
                    Shape::Empty
                } else {
                    Shape::Filled
                }
            } else {
                match load.value().get() {
                    Some(Err(error)) => Shape::Failed(error),
                    Some(Ok(())) | None => Shape::Loading,
                }
            }
        });
        let list = Self {
            items,
            shape,
            next_cursor,
            loaded,
            load,
        };
        list.reload();
        list
    }

    /// Reads the first page again, replacing everything shown.
    pub fn reload(&self) {
        self.load.dispatch(None);
    }

    pub fn load_more(&self) {
        if self.load.pending().get_untracked() {
            return;
        }
        if let Some(cursor) = self.next_cursor.get_untracked() {
            self.load.dispatch(Some(cursor));
        }
    }

    pub fn with_items<R>(&self, read: impl FnOnce(&Vec<T>) -> R) -> R {
        self.items.with(read)
    }

    pub fn shape(&self) -> Shape {
        self.shape.get()
    }

    /// Whether the first page has arrived.
    pub fn loaded(&self) -> bool {
        self.loaded.get()
    }

    pub fn has_more(&self) -> bool {
        self.next_cursor.with(Option::is_some)
    }

    pub fn pending(&self) -> bool {
        self.load.pending().get()
    }

    /// Why the last page could not be read.
    pub fn error(&self) -> Option<ApiError> {
        self.load.value().get().and_then(Result::err)
    }

    /// Replaces the items that `same` matches, after a write answered with a fresh copy.
    pub fn replace(&self, fresh: T, same: impl Fn(&T) -> bool) {
        self.items.update(|all| {
            for item in all.iter_mut().filter(|item| same(item)) {
                *item = fresh.clone();
            }
        });
    }

    /// Shows a newly created item first.
    pub fn prepend(&self, item: T) {
        self.items.update(|all| all.insert(0, item));
    }
}

//! The signed-in person's inbox: their notifications, newest first, each linking to where to
//! act on it, with "Mark as read" for one and for all.

use leptos::prelude::*;
use leptos_router::components::A;
use tessera_domain::NotificationId;
use tessera_domain::notification::NotificationView;
use tessera_domain::page::DEFAULT_PAGE_SIZE;

use crate::api::{self, ApiError};
use crate::components::{
    EmptyState, ErrorAlert, ErrorState, Loading, Notice, PageHeader, Tone, busy,
};
use crate::format;
use crate::my_access::requests::when;
use crate::pages::lists::LoadMore;
use crate::state::{Inbox, PagedList, Shape};

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let inbox = Inbox::expect();
    let notifications = PagedList::new(DEFAULT_PAGE_SIZE, move |page| async move {
        let page = api::notifications::list(&page).await?;
        inbox.set_unread(page.unread_count);
        Ok((page.items, page.next_cursor))
    });
    let all_read = RwSignal::new(false);

    let mark_read = Action::new_local(move |notification: &NotificationView| {
        let notification = notification.clone();
        async move {
            api::notifications::mark_read(notification.id).await?;
            let id = notification.id;
            notifications.replace(
                NotificationView {
                    read_at: Some(format::now()),
                    ..notification
                },
                |item| item.id == id,
            );
            inbox.refresh();
            Ok::<(), ApiError>(())
        }
    });
    let mark_all_read = Action::new_local(move |_: &()| async move {
        api::notifications::mark_all_read().await?;
        all_read.set(true);
        notifications.reload();
        Ok::<(), ApiError>(())
    });
    let any_unread = move || inbox.unread().is_some_and(|count| count > 0);

    view! {
        <PageHeader
            title="Notifications"
            lead="What happened that you should know or act on, newest first."
        />
        <section class="section" aria-labelledby="notifications-heading">
            <div class="section-heading">
                <h2 id="notifications-heading">
                    {move || match inbox.unread() {
                        Some(0) | None => "Your notifications".to_string(),
                        Some(1) => "Your notifications (1 unread)".to_string(),
                        Some(count) => format!("Your notifications ({count} unread)"),
                    }}
                </h2>
                <Show when=any_unread>
                    <button
                        type="button"
                        class="btn btn-secondary btn-small"
                        aria-disabled=move || busy(mark_all_read.pending().get())
                        on:click=move |_| {
                            if !mark_all_read.pending().get_untracked() {
                                mark_all_read.dispatch(());
                            }
                        }
                    >
                        "Mark all as read"
                    </button>
                </Show>
            </div>
            {move || {
                all_read
                    .get()
                    .then(|| view! { <Notice tone=Tone::Success>"All your notifications are marked read."</Notice> })
            }}
            {move || {
                mark_all_read
                    .value()
                    .get()
                    .and_then(Result::err)
                    .map(|error| view! { <ErrorAlert error=error title="Your notifications were not marked read." /> })
            }}
            {move || {
                mark_read
                    .value()
                    .get()
                    .and_then(Result::err)
                    .map(|error| view! { <ErrorAlert error=error title="The notification was not marked read." /> })
            }}
            {move || match notifications.shape() {
                Shape::Loading => view! { <Loading label="Loading your notifications…" /> }.into_any(),
                Shape::Failed(error) => view! {
                    <ErrorState error=error retry=Callback::new(move |_| notifications.reload()) />
                }
                .into_any(),
                Shape::Empty => view! {
                    <EmptyState title="You have no notifications.">
                        <p>"Decisions on your requests, approvals waiting for you and reviews to do appear here."</p>
                    </EmptyState>
                }
                .into_any(),
                Shape::Filled => view! { <NotificationList notifications=notifications mark_read=mark_read /> }.into_any(),
            }}
            <LoadMore list=notifications />
        </section>
    }
}

#[component]
fn NotificationList(
    notifications: PagedList<NotificationView>,
    mark_read: Action<NotificationView, Result<(), ApiError>>,
) -> impl IntoView {
    view! {
        <ul class="inbox" aria-labelledby="notifications-heading">
            <For
                each=move || notifications.with_items(Vec::clone)
                key=|notification| (notification.id, notification.read_at.is_some())
                let(notification)
            >
                <NotificationItem notification=notification mark_read=mark_read />
            </For>
        </ul>
    }
}

#[component]
fn NotificationItem(
    notification: NotificationView,
    mark_read: Action<NotificationView, Result<(), ApiError>>,
) -> impl IntoView {
    let unread = notification.read_at.is_none();
    let heading_id = heading_id(notification.id);
    // Following the link reads the notification: mark it so on the way.
    let on_follow = {
        let notification = notification.clone();
        move |_| {
            if notification.read_at.is_none() {
                mark_read.dispatch(notification.clone());
            }
        }
    };
    let mark_button = unread.then(|| {
        let notification = notification.clone();
        view! {
            <button
                type="button"
                class="btn btn-ghost btn-small"
                aria-describedby=heading_id.clone()
                aria-disabled=move || busy(mark_read.pending().get())
                on:click=move |_| {
                    if !mark_read.pending().get_untracked() {
                        mark_read.dispatch(notification.clone());
                    }
                }
            >
                "Mark as read"
            </button>
        }
    });
    view! {
        <li class="inbox-item" class:inbox-unread=unread>
            <div class="inbox-text">
                <p class="inbox-subject" id=heading_id.clone()>
                    {unread.then(|| view! { <span class="badge badge-info">"Unread"</span> " " })}
                    <A href=notification.link.clone() on:click=on_follow>
                        {notification.subject.clone()}
                    </A>
                </p>
                <p class="inbox-meta">{when(notification.created_at)}</p>
            </div>
            {mark_button}
        </li>
    }
}

fn heading_id(id: NotificationId) -> String {
    format!("notification-{id}")
}

//! The pages that are not in the portal's first download. Each area is one split point: all of
//! its pages are drawn by one function marked `#[wasm_split(area)]`, so `scripts/build-web.sh`
//! (wasm-split) moves that function and everything only it reaches into the area's own module,
//! fetched the first time one of its pages opens and kept after that. One split point per area,
//! not per page: every split point adds modules for the code that split points share, and a
//! build that splits per page makes hundreds of them.
//!
//! - `my_access`: the access packages and the request form, request history, approvals, and a
//!   manager's team (`/team`).
//! - `admin`: everything under `/admin`, the policy and review editors with it.
//! - `reviewer`: the reviewer's workspace (`/reviews`).
//! - `account`: notifications, API tokens, the password form.
//!
//! The first download holds the frame ([`crate::components::Shell`]), the sign-in page and the
//! Overview, the page everyone lands on. Each page here is a [`LazyRoute`] for the router:
//! `view={Lazy::<Catalogs>::new()}`.

use leptos::prelude::*;
use leptos_router::LazyRoute;
use wasm_split_helpers::wasm_split;

use crate::admin_requests::page::AdminRequestsPage;
use crate::audit::page::AuditPage;
use crate::connectors::page::{ConnectorPage, ConnectorsPage, NewConnectorPage};
use crate::connectors::reconciliation::ReconciliationPage;
use crate::import::page::ImportPage;
use crate::my_access::access_packages::AccessPackagesPage;
use crate::my_access::approvals::ApprovalsPage;
use crate::my_access::request_panel::RequestPackagePage;
use crate::my_access::requests::{RequestHistoryPage, RequestPage};
use crate::pages::{
    AdminPage, ApplicationPage, ApplicationsPage, CatalogPage, CatalogsPage, GroupPage, GroupsPage,
    NotificationsPage, PackagePage, PasswordPage, TokensPage,
};
use crate::people::page::PersonPage;
use crate::reviews::admin::{
    AdminReviewsPage, EditReviewPage, NewReviewPage, ReviewDefinitionPage, ReviewInstanceAdminPage,
};
use crate::reviews::reviewer::{ReviewPage, ReviewsPage};
use crate::team::page::TeamPage;
use crate::webhooks::page::{WebhookPage, WebhooksPage};

/// One area: `$draw`, its split point, draws any of its pages, named by `$pages`; each page is
/// also a unit struct that implements [`LazyRoute`] by awaiting `$draw`.
macro_rules! lazy_area {
    (
        $(#[$doc:meta])*
        $area:ident: fn $draw:ident($pages:ident) {
            $( $route:ident => $page:ident, )+
        }
    ) => {
        #[derive(Clone, Copy)]
        enum $pages {
            $( $route, )+
        }

        $(#[$doc])*
        #[wasm_split($area)]
        fn $draw(page: $pages) -> AnyView {
            match page {
                $( $pages::$route => view! { <$page /> }.into_any(), )+
            }
        }

        $(
            #[doc = concat!("[`", stringify!($page), "`], loaded with its area.")]
            pub struct $route;

            impl LazyRoute for $route {
                fn data() -> Self {
                    Self
                }

                async fn view(_: Self) -> AnyView {
                    $draw($pages::$route).await
                }
            }
        )+
    };
}

lazy_area! {
    /// My Access past the Overview: finding and requesting access, requests, approvals, and
    /// a manager's team.
    my_access: fn draw_my_access(MyAccessPages) {
        AccessPackages => AccessPackagesPage,
        RequestPackage => RequestPackagePage,
        RequestHistory => RequestHistoryPage,
        Request => RequestPage,
        Approvals => ApprovalsPage,
        Team => TeamPage,
    }
}

lazy_area! {
    /// The administration area, with the policy and review editors.
    admin: fn draw_admin(AdminPages) {
        Admin => AdminPage,
        Catalogs => CatalogsPage,
        Catalog => CatalogPage,
        Package => PackagePage,
        Groups => GroupsPage,
        Group => GroupPage,
        Applications => ApplicationsPage,
        Application => ApplicationPage,
        Import => ImportPage,
        Audit => AuditPage,
        AdminRequests => AdminRequestsPage,
        Person => PersonPage,
        AdminReviews => AdminReviewsPage,
        NewReview => NewReviewPage,
        ReviewDefinition => ReviewDefinitionPage,
        EditReview => EditReviewPage,
        ReviewInstance => ReviewInstanceAdminPage,
        Connectors => ConnectorsPage,
        NewConnector => NewConnectorPage,
        Connector => ConnectorPage,
        Reconciliation => ReconciliationPage,
        Webhooks => WebhooksPage,
        Webhook => WebhookPage,
    }
}

lazy_area! {
    /// The reviewer's workspace.
    reviewer: fn draw_reviewer(ReviewerPages) {
        Reviews => ReviewsPage,
        Review => ReviewPage,
    }
}

lazy_area! {
    /// A person's own settings and notices.
    account: fn draw_account(AccountPages) {
        Notifications => NotificationsPage,
        Tokens => TokensPage,
        Password => PasswordPage,
    }
}

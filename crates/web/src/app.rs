use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::path;

use crate::admin_requests::page::AdminRequestsPage;
use crate::audit::page::AuditPage;
use crate::components::Shell;
use crate::connectors::page::{ConnectorPage, ConnectorsPage, NewConnectorPage};
use crate::connectors::reconciliation::ReconciliationPage;
use crate::import::page::ImportPage;
use crate::my_access::access_packages::AccessPackagesPage;
use crate::my_access::approvals::ApprovalsPage;
use crate::my_access::overview::OverviewPage;
use crate::my_access::request_panel::RequestPackagePage;
use crate::my_access::requests::{RequestHistoryPage, RequestPage};
use crate::pages::{
    AdminPage, ApplicationPage, ApplicationsPage, CatalogPage, CatalogsPage, GroupPage, GroupsPage,
    NotFoundPage, NotificationsPage, PackagePage, PasswordPage, SignInPage, TokensPage,
};
use crate::reviews::admin::{
    AdminReviewsPage, EditReviewPage, NewReviewPage, ReviewDefinitionPage, ReviewInstanceAdminPage,
};
use crate::reviews::reviewer::{ReviewPage, ReviewsPage};
use crate::state::Session;
use crate::team::page::TeamPage;
use crate::webhooks::page::{WebhookPage, WebhooksPage};

/// The whole portal. Every page but sign-in sits inside [`Shell`], which sends people without a
/// session to the sign-in page.
#[component]
pub fn App() -> impl IntoView {
    Session::provide();
    view! {
        <Router>
            <Routes fallback=NotFoundPage>
                <Route path=path!("/sign-in") view=SignInPage />
                <ParentRoute path=path!("") view=Shell>
                    <Route path=path!("") view=OverviewPage />
                    <Route path=path!("/access-packages") view=AccessPackagesPage />
                    <Route path=path!("/access-packages/:id") view=RequestPackagePage />
                    <Route path=path!("/requests") view=RequestHistoryPage />
                    <Route path=path!("/requests/:id") view=RequestPage />
                    <Route path=path!("/approvals") view=ApprovalsPage />
                    <Route path=path!("/reviews") view=ReviewsPage />
                    <Route path=path!("/reviews/:id") view=ReviewPage />
                    <Route path=path!("/team") view=TeamPage />
                    <Route path=path!("/notifications") view=NotificationsPage />
                    <Route path=path!("/tokens") view=TokensPage />
                    <Route path=path!("/password") view=PasswordPage />
                    <Route path=path!("/admin") view=AdminPage />
                    <Route path=path!("/admin/catalogs") view=CatalogsPage />
                    <Route path=path!("/admin/catalogs/:id") view=CatalogPage />
                    <Route path=path!("/admin/access-packages/:id") view=PackagePage />
                    <Route path=path!("/admin/groups") view=GroupsPage />
                    <Route path=path!("/admin/groups/:id") view=GroupPage />
                    <Route path=path!("/admin/applications") view=ApplicationsPage />
                    <Route path=path!("/admin/applications/:id") view=ApplicationPage />
                    <Route path=path!("/admin/import") view=ImportPage />
                    <Route path=path!("/admin/audit") view=AuditPage />
                    <Route path=path!("/admin/requests") view=AdminRequestsPage />
                    <Route path=path!("/admin/access-reviews") view=AdminReviewsPage />
                    <Route path=path!("/admin/access-reviews/new") view=NewReviewPage />
                    <Route path=path!("/admin/access-reviews/:id") view=ReviewDefinitionPage />
                    <Route path=path!("/admin/access-reviews/:id/edit") view=EditReviewPage />
                    <Route
                        path=path!("/admin/access-review-instances/:id")
                        view=ReviewInstanceAdminPage
                    />
                    <Route path=path!("/admin/connectors") view=ConnectorsPage />
                    <Route path=path!("/admin/connectors/new") view=NewConnectorPage />
                    <Route path=path!("/admin/connectors/:id") view=ConnectorPage />
                    <Route
                        path=path!("/admin/connectors/:id/bindings/:binding_id/reconciliation")
                        view=ReconciliationPage
                    />
                    <Route path=path!("/admin/webhooks") view=WebhooksPage />
                    <Route path=path!("/admin/webhooks/:id") view=WebhookPage />
                    <Route path=path!("/*any") view=NotFoundPage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

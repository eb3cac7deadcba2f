use leptos::prelude::*;
use leptos_router::Lazy;
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::path;

use crate::components::Shell;
use crate::lazy_pages::{
    AccessPackages, Admin, AdminRequests, AdminReviews, Application, Applications, Approvals,
    Audit, Catalog, Catalogs, Connector, Connectors, EditReview, Group, Groups, Import,
    NewConnector, NewReview, Notifications, Package, Password, Person, Reconciliation, Request,
    RequestHistory, RequestPackage, Review, ReviewDefinition, ReviewInstance, Reviews, Team,
    Tokens, Webhook, Webhooks,
};
use crate::my_access::overview::OverviewPage;
use crate::pages::{NotFoundPage, SignInPage};
use crate::state::Session;

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
                    <Route path=path!("/access-packages") view={Lazy::<AccessPackages>::new()} />
                    <Route path=path!("/access-packages/:id") view={Lazy::<RequestPackage>::new()} />
                    <Route path=path!("/requests") view={Lazy::<RequestHistory>::new()} />
                    <Route path=path!("/requests/:id") view={Lazy::<Request>::new()} />
                    <Route path=path!("/approvals") view={Lazy::<Approvals>::new()} />
                    <Route path=path!("/reviews") view={Lazy::<Reviews>::new()} />
                    <Route path=path!("/reviews/:id") view={Lazy::<Review>::new()} />
                    <Route path=path!("/team") view={Lazy::<Team>::new()} />
                    <Route path=path!("/notifications") view={Lazy::<Notifications>::new()} />
                    <Route path=path!("/tokens") view={Lazy::<Tokens>::new()} />
                    <Route path=path!("/password") view={Lazy::<Password>::new()} />
                    <Route path=path!("/admin") view={Lazy::<Admin>::new()} />
                    <Route path=path!("/admin/catalogs") view={Lazy::<Catalogs>::new()} />
                    <Route path=path!("/admin/catalogs/:id") view={Lazy::<Catalog>::new()} />
                    <Route path=path!("/admin/access-packages/:id") view={Lazy::<Package>::new()} />
                    <Route path=path!("/admin/groups") view={Lazy::<Groups>::new()} />
                    <Route path=path!("/admin/groups/:id") view={Lazy::<Group>::new()} />
                    <Route path=path!("/admin/applications") view={Lazy::<Applications>::new()} />
                    <Route path=path!("/admin/applications/:id") view={Lazy::<Application>::new()} />
                    <Route path=path!("/admin/import") view={Lazy::<Import>::new()} />
                    <Route path=path!("/admin/audit") view={Lazy::<Audit>::new()} />
                    <Route path=path!("/admin/requests") view={Lazy::<AdminRequests>::new()} />
                    <Route path=path!("/admin/people/:id") view={Lazy::<Person>::new()} />
                    <Route path=path!("/admin/access-reviews") view={Lazy::<AdminReviews>::new()} />
                    <Route path=path!("/admin/access-reviews/new") view={Lazy::<NewReview>::new()} />
                    <Route path=path!("/admin/access-reviews/:id") view={Lazy::<ReviewDefinition>::new()} />
                    <Route path=path!("/admin/access-reviews/:id/edit") view={Lazy::<EditReview>::new()} />
                    <Route
                        path=path!("/admin/access-review-instances/:id")
                        view={Lazy::<ReviewInstance>::new()}
                    />
                    <Route path=path!("/admin/connectors") view={Lazy::<Connectors>::new()} />
                    <Route path=path!("/admin/connectors/new") view={Lazy::<NewConnector>::new()} />
                    <Route path=path!("/admin/connectors/:id") view={Lazy::<Connector>::new()} />
                    <Route
                        path=path!("/admin/connectors/:id/bindings/:binding_id/reconciliation")
                        view={Lazy::<Reconciliation>::new()}
                    />
                    <Route path=path!("/admin/webhooks") view={Lazy::<Webhooks>::new()} />
                    <Route path=path!("/admin/webhooks/:id") view={Lazy::<Webhook>::new()} />
                    <Route path=path!("/*any") view=NotFoundPage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

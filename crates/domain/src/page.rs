//! Cursor pagination: `?limit=&cursor=` answered with `next_cursor`.

use serde::{Deserialize, Serialize};

use crate::assignment::PersonSummary;
use crate::catalog::CatalogView;
use crate::directory::{AppRoleView, ApplicationView, GroupView, MemberView};
use crate::package::AccessPackageView;
use crate::token::TokenView;
use crate::user::UserView;

pub const DEFAULT_PAGE_SIZE: u32 = 50;
pub const MAX_PAGE_SIZE: u32 = 200;

/// The longest search text (`q`) any list takes, in characters. The OpenAPI document states it
/// as each `q`'s `maxLength` (a test holds them equal).
pub const MAX_SEARCH_LEN: usize = 100;

/// The query of every list endpoint.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "server", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// Items per page, 1 to 200 (default 50).
    #[cfg_attr(feature = "server", param(minimum = 1, maximum = 200))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page.
    #[cfg_attr(feature = "server", param(max_length = 512))]
    pub cursor: Option<String>,
}

macro_rules! page_type {
    ($name:ident, $item:ty) => {
        /// One page of a list. `next_cursor` is always present: null on the last page.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
        pub struct $name {
            pub items: Vec<$item>,
            /// The `cursor` of the next page; null on the last page.
            #[cfg_attr(feature = "server", schema(required = true))]
            pub next_cursor: Option<String>,
        }
    };
}

page_type!(UserPage, UserView);
page_type!(PersonPage, PersonSummary);
page_type!(TokenPage, TokenView);
page_type!(
    WebhookSubscriptionPage,
    crate::webhook::WebhookSubscriptionView
);
page_type!(WebhookDeliveryPage, crate::webhook::WebhookDeliveryView);
page_type!(ConnectorPage, crate::connector::ConnectorView);
page_type!(ConnectorBindingPage, crate::connector::ConnectorBindingView);
page_type!(DeliveryPage, crate::connector::DeliveryView);
page_type!(
    ProvisioningOperationPage,
    crate::connector::ProvisioningOperationView
);
page_type!(CatalogPage, CatalogView);
page_type!(AccessPackagePage, AccessPackageView);
page_type!(GroupPage, GroupView);
page_type!(ApplicationPage, ApplicationView);
page_type!(AppRolePage, AppRoleView);
page_type!(MemberPage, MemberView);

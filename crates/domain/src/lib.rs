#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod access;
pub mod assignment;
pub mod audit;
pub mod catalog;
pub mod connector;
pub mod directory;
pub mod identity;
pub mod ids;
pub mod incompatibility;
pub mod notification;
pub mod package;
pub mod page;
pub mod policy;
pub mod problem;
pub mod reconcile;
pub mod request;
pub mod review;
pub mod roles;
pub mod scim;
pub mod team;
pub mod token;
pub mod user;
pub mod values;
mod variants;
pub mod webhook;

pub use ids::NotificationId;
pub use ids::{
    AccessPackageId, AppRoleId, ApplicationId, AssignmentId, CatalogId, GroupId, PolicyId,
    RequestId, TokenId, UserId,
};
pub use ids::{ConnectorBindingId, ConnectorId, ProvisioningOperationId};
pub use ids::{ReviewDefinitionId, ReviewInstanceId, ReviewItemId};
pub use ids::{WebhookDeliveryId, WebhookEventId, WebhookSubscriptionId};
pub use values::{DisplayName, Email, Password, Username, ValueError};

#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod audit;
pub mod catalog;
pub mod directory;
pub mod ids;
pub mod incompatibility;
pub mod package;
pub mod page;
pub mod policy;
pub mod problem;
pub mod roles;
pub mod token;
pub mod user;
pub mod values;

pub use ids::{
    AccessPackageId, AppRoleId, ApplicationId, CatalogId, GroupId, PolicyId, TokenId, UserId,
};
pub use values::{DisplayName, Email, Password, Username, ValueError};

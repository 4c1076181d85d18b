//! Server functions, one file per verb. Each is thin: it finds the portal's services in
//! context, calls one of them and hands back a typed [`ApiError`](crate::model::ApiError).

mod activity;
mod admin;
mod domain;
mod glossary;
mod notifications;
#[cfg(feature = "ssr")]
pub mod ports;
mod projects;
mod publishing;
mod reports;
mod session;
mod subscriptions;
mod tokens;

pub use activity::*;
pub use admin::*;
pub use domain::*;
pub use glossary::*;
pub use notifications::*;
pub use projects::*;
pub use publishing::*;
pub use reports::*;
pub use session::*;
pub use subscriptions::*;
pub use tokens::*;

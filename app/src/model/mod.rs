//! Types shared by the server and the browser: plain data, serde, no I/O.

mod activity;
mod admin;
mod caller;
mod domain;
mod error;
mod forms;
mod notifications;
mod paths;
mod projects;
mod publishing;
mod reports;
mod subscriptions;
mod tokens;

pub use activity::{AuditEntry, AuditLogPage, AuditQuery, AuditRow};
pub use admin::*;
pub use caller::{Caller, Role};
pub use domain::DomainInfo;
pub use error::{capped, ApiError, ID_MAX, SEARCH_MAX};
pub use forms::*;
pub use notifications::*;
pub use paths::local_path;
pub use projects::*;
pub use publishing::*;
pub use reports::*;
pub use subscriptions::*;
pub use tokens::*;

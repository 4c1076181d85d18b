//! Types shared by the server and the browser: plain data, serde, no I/O.

mod activity;
mod caller;
mod domain;
mod error;

pub use activity::AuditEntry;
pub use caller::{Caller, Role};
pub use domain::DomainInfo;
pub use error::ApiError;

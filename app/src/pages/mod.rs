//! One module per page.

mod admin;
mod approvals;
mod audit;
mod glossary;
mod home;
mod live;
mod not_found;
mod projects;
mod request;
mod sign_in;
mod url;

pub use admin::{AdminPage, UnitPage};
pub use approvals::ApprovalsPage;
pub use audit::AuditPage;
pub use glossary::{GlossaryPage, TermPage};
pub use home::HomePage;
pub use not_found::NotFound;
pub use projects::{MyProjectsPage, NewProjectPage};
pub use request::RequestPage;
pub use sign_in::{SignInPage, SignedOutPage};

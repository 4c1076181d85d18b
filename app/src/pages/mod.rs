//! One module per page.

mod access;
mod admin;
mod approvals;
mod audit;
mod catalog;
mod data;
mod glossary;
mod home;
mod inbox;
mod live;
mod not_found;
mod products;
mod projects;
mod reports;
mod request;
mod rules;
mod sign_in;
mod tokens;
mod url;

pub use access::MyAccessPage;
pub use admin::{AdminPage, UnitPage};
pub use approvals::ApprovalsPage;
pub use audit::AuditPage;
pub use catalog::{AssetPage, CatalogSearchPage};
pub use data::{MyDataPage, ProducerAssetPage};
pub use glossary::{GlossaryPage, TermPage};
pub use home::HomePage;
pub use inbox::{InboxPage, SubscriptionRequestPage};
pub use not_found::NotFound;
pub use products::ProductPage;
pub use projects::{MyProjectsPage, NewProjectPage};
pub use reports::{AccessReportPage, DashboardPage, DriftPage, UsagePage};
pub use request::RequestPage;
pub use rules::RulesPage;
pub use sign_in::{SignInPage, SignedOutPage};
pub use tokens::{DevelopersPage, TokensPage};

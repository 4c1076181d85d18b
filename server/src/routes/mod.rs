//! Plain HTTP endpoints beside the Leptos pages (health, readiness) and the browser
//! protections around all of them.

pub mod audit;
pub mod health;
pub mod security;

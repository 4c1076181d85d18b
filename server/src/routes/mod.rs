//! Plain HTTP endpoints beside the Leptos pages: health, readiness and metrics.

pub mod health;

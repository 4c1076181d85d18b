//! The Meshgate server: configuration, state, HTTP routes around the Leptos app, Postgres.

pub mod access;
pub mod auth;
pub mod aws;
pub mod config;
pub mod error;
pub mod jobs;
pub mod notify;
pub mod routes;
pub mod services;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;

pub use config::Config;
pub use startup::Application;

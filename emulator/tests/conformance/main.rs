//! Conformance of Meshgate's emulator, checked with the official AWS SDK clients over real HTTP.

mod binary;
mod catalog;
mod common;
mod faults;
mod governance;
mod identity;
mod products;
mod projects;
mod sqs;
mod subscriptions;

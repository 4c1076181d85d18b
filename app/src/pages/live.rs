//! Pages that follow work in progress refresh themselves; this is their timer.

use std::sync::Arc;
use std::time::Duration;

use leptos::prelude::*;

/// Calls `tick` every `seconds` while the page is shown (in the browser only: effects do
/// not run during server rendering).
pub fn every(seconds: u64, tick: impl Fn() + Send + Sync + 'static) {
    let tick = Arc::new(tick);
    Effect::new(move |_| {
        let tick = tick.clone();
        if let Ok(handle) = set_interval_with_handle(move || tick(), Duration::from_secs(seconds)) {
            on_cleanup(move || handle.clear());
        }
    });
}

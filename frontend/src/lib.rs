//! The browser entry point: hydrates the server-rendered page into the interactive app.

use std::time::Duration;

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// The page's inline script (app/src/components/replay.js): notes what the person
    /// typed before hydration, which resets fields to the page's state.
    #[wasm_bindgen(js_namespace = meshgateReplay, js_name = before, catch)]
    fn replay_before() -> Result<(), JsValue>;

    /// Restores that typing and replays the clicks held while the wasm loaded.
    #[wasm_bindgen(js_namespace = meshgateReplay, js_name = after, catch)]
    fn replay_after() -> Result<(), JsValue>;
}

#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // A page without the script (none is served so) still hydrates; it just has nothing to replay.
    let _ = replay_before();
    leptos::mount::hydrate_body(app::App);
    // After the tasks hydration queued (suspended content wiring itself up) have run.
    leptos::prelude::set_timeout(
        || {
            let _ = replay_after();
        },
        Duration::ZERO,
    );
}

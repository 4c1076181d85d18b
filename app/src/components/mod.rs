//! Reusable view pieces: the page frame and the empty, loading and error states every list uses.

mod feedback;
mod layout;
mod picker;
mod session;
mod ui;

pub use feedback::{on_result, EmptyState, ErrorPanel, FormState, Loaded, LoadingRows};
pub use layout::Layout;
pub use picker::PrincipalPicker;
pub use session::{page_resource, CurrentUser, RequireRole, SignInLink, SignInPrompt, UserMenu};
pub use ui::*;

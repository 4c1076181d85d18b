//! Reusable view pieces: the page frame and the empty, loading and error states every list uses.

mod feedback;
mod layout;
mod session;
mod ui;

pub use feedback::{EmptyState, ErrorPanel, LoadingRows};
pub use layout::Layout;
pub use session::{CurrentUser, RequireRole, SignInLink, SignInPrompt, UserMenu};
pub use ui::*;

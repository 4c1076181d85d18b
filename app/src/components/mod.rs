//! Reusable view pieces: the page frame and the empty, loading and error states every list uses.

mod feedback;
mod layout;

pub use feedback::{EmptyState, ErrorPanel, LoadingRows};
pub use layout::Layout;

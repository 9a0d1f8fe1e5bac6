//! The interactive parts of the UI: the only components the browser downloads and runs.
//!
//! trustdesk renders every page on the server, and every form posts without JavaScript. In the
//! islands build (Leptos' `islands` feature) nothing hydrates but the `#[island]`s below, each
//! small, each enhancing server-rendered HTML around it: what they need of the page arrives as
//! their (serialised) props, or is read from the form controls they name by element id.

pub mod chain_check;
pub mod copy;
pub mod dom;
pub mod file_picker;
#[cfg(feature = "hydrate")]
mod filters;
#[cfg(feature = "hydrate")]
mod forms;
#[cfg(feature = "hydrate")]
mod keys;
pub mod page;
pub mod rule_warnings;
pub mod show_when;
pub mod tag_rows;
pub mod timeline;
#[cfg(feature = "hydrate")]
mod toasts;

pub use chain_check::ChainCheck;
pub use copy::CopyButton;
pub use file_picker::FilePicker;
pub use page::PageEnhancements;
pub use rule_warnings::{LiveRuleWarnings, TypedTags};
pub use show_when::ShowWhen;
pub use tag_rows::TagRows;
pub use timeline::ExpiryTimeline;

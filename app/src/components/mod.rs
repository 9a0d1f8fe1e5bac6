//! Reusable pieces of the UI.

pub mod create_page;
pub mod csrf;
pub mod form;
pub mod layout;
pub mod rule_warnings;
pub mod tags_field;
pub mod text_file;
pub mod time;
pub mod timeline;

pub use create_page::{CreatePage, TargetSelect};
pub use csrf::{use_csrf_token, CsrfToken, RequestCsrfToken};
pub use form::{ActionAlert, CsrfField, FieldMessage, SubmitButton, TextField};
pub use layout::{use_session, SessionContext, Shell};
pub use rule_warnings::RuleWarnings;
pub use tags_field::TagsField;
pub use text_file::TextFileField;
pub use time::LocalTime;
pub use timeline::ExpiryTimeline;

//! Reusable pieces of the UI.

pub mod card;
pub mod create_page;
pub mod csrf;
pub mod filter;
pub mod form;
pub mod layout;
pub mod loaded;
pub mod rule_warnings;
pub mod table;
pub mod tags_field;
pub mod text_file;
pub mod time;

pub use card::Card;
pub use create_page::{
    prefilled, CreateForm, CreatePage, FormState, IamNameAndPath, IntentButtons, NewItemPage,
    TargetSelect,
};
pub use csrf::{use_csrf_token, CsrfToken, RequestCsrfToken};
pub use filter::{FilterSelect, FILTER_INPUT};
pub use form::TextField;
pub use form::{ActionAlert, CsrfField, FieldMessage, NewPasswordFields, SubmitButton};
pub use layout::{use_session, SessionContext, Shell};
pub use loaded::Loaded;
pub use rule_warnings::RuleWarnings;
pub use table::{DataTable, ACTIONS};
pub use tags_field::TagsField;
pub use text_file::TextFileField;
pub use time::LocalTime;

//! Types shared by the browser and the server, and validators that mirror the server's rules.

pub mod audit;
pub mod error;
pub mod session;
pub mod user;

pub use audit::{AuditEntry, AuditPage, BrokenLink, ChainReport, Outcome, AUDIT_PAGE_SIZE};
pub use error::{AppError, ErrorKind, FieldError, FieldErrors};
pub use session::{AwsTarget, Dashboard, DatabaseStatus, SessionInfo, SetupLinkState};
pub use user::{CurrentUser, NewUser, Role, UserSummary};

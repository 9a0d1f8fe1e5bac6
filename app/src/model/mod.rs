//! Types shared by the browser and the server, and validators that mirror the server's rules.

pub mod alerts;
pub mod audit;
pub mod aws_rules;
pub mod bulk;
pub mod compliance;
pub mod endpoint;
pub mod error;
pub mod expiry;
pub mod export;
pub mod inventory;
pub mod resource;
pub mod search;
pub mod secret;
pub mod session;
pub mod share;
pub mod sync;
pub mod tag_warnings;
pub mod user;

pub use audit::{
    state_lines, Anchor, AtRange, AuditDetail, AuditEntry, AuditPage, AuditQuery, BrokenLink,
    ChainCursor, ChainProgress, ChainReport, ItemHistory, ItemState, Outcome, Recorded, StateLine,
    AUDIT_PAGE_SIZE, GENESIS,
};
pub use aws_rules::{is_aws_region, parse_ec2_tags};
pub use endpoint::{Access, Endpoint};
pub use error::{AppError, ErrorKind, FieldError, FieldErrors};
pub use expiry::{ExpiryOverview, ExpiryQuery, Urgency};
pub use export::ExportFormat;
pub use inventory::{
    InventoryPage, InventoryQuery, RefreshReport, EXPIRY_WINDOWS, INVENTORY_PAGE_SIZE,
};
pub use resource::{
    AwsItem, CreateFormOptions, Field, FormIntent, KindInfo, LinkedItem, OnceSecret,
    PermissionCheck, Renewal, RenewalForm, RenewalLink, RenewalLinks, RenewedItem, ResourceKind,
    ResourceRef, Retirement, SecretValue, Service, Tag, TagRules, EXPIRY_WARNING_DAYS,
    GLOBAL_REGION,
};
pub use secret::Secret;
pub use session::{
    About, AwsTarget, Dashboard, DatabaseStatus, NavCounts, NavKind, SessionInfo, SetupLinkState,
    SignInOptions,
};
pub use sync::{AccountState, OrganizationAccount, OrganizationRead, SyncOverview, SyncScopeRun};
pub use user::{CurrentUser, NewUser, Role, UserSummary};

//! Background work: plain async functions over the database and the AWS clients, which the
//! scheduler calls and tests call directly. Each records what it did in its own tables, so a
//! crash or a second trustdesk process on the same database never does the same work twice.
pub mod alerts;
pub mod deliver;
pub mod scheduler;
pub mod sync;

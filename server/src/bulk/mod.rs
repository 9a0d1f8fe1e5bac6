//! Bulk tag edits once confirmed: reading the items again and sending the changes, as a job
//! beside the request that confirmed them. The requests' side is `crate::console::bulk_edits`.

pub mod apply;
pub mod send;

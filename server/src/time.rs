//! The one way trustdesk writes a moment: RFC 3339 in UTC with milliseconds, fixed width, so
//! that text order is time order in the database and every layer agrees on the form.

pub fn timestamp(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

pub fn now() -> String {
    timestamp(chrono::Utc::now())
}

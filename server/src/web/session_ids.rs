//! Sessions are stored under a digest of their id. The id in the browser's cookie is the
//! credential; the database (its WAL, a backup, a copy left readable) holds only SHA-256 of it,
//! from which no cookie that signs anyone in can be made.

use sha2::{Digest, Sha256};
use tower_sessions::{
    session::{Id, Record},
    session_store::{self, ExpiredDeletion, SessionStore},
};

/// A session store that keeps records under the digest of their id.
#[derive(Debug, Clone)]
pub struct DigestedIds<S>(pub S);

/// The id a session with `id` is stored under.
pub fn stored_id(id: &Id) -> Id {
    let digest = Sha256::digest(id.0.to_le_bytes());
    let mut half = [0u8; 16];
    half.copy_from_slice(&digest[..16]);
    Id(i128::from_le_bytes(half))
}

/// The stored id of the session a cookie value names (as the store writes ids: text), for
/// tools and tests that look at the table.
pub fn stored_id_of_cookie(cookie: &str) -> Option<String> {
    cookie
        .parse::<Id>()
        .ok()
        .map(|id| stored_id(&id).to_string())
}

#[async_trait::async_trait]
impl<S: SessionStore + Clone> SessionStore for DigestedIds<S> {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // The id is 128 random bits; a new one meeting a stored digest is as unlikely as two
        // ids meeting, which the inner store's own create does not guard against better.
        self.save(record).await
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let stored = Record {
            id: stored_id(&record.id),
            ..record.clone()
        };
        self.0.save(&stored).await
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        Ok(self
            .0
            .load(&stored_id(id))
            .await?
            .map(|record| Record { id: *id, ..record }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.0.delete(&stored_id(id)).await
    }
}

#[async_trait::async_trait]
impl<S: ExpiredDeletion + Clone> ExpiredDeletion for DigestedIds<S> {
    async fn delete_expired(&self) -> session_store::Result<()> {
        self.0.delete_expired().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stored_id_is_not_the_cookies() {
        let id = Id::default();
        let stored = stored_id(&id);
        assert_ne!(stored, id);
        assert_eq!(stored, stored_id(&id), "the same digest every time");
        assert_eq!(
            stored_id_of_cookie(&id.to_string()),
            Some(stored.to_string())
        );
        assert_eq!(stored_id_of_cookie("not a session id"), None);
    }
}

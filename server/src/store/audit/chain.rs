//! Walking the chain: row by row, oldest first, each checked against the one before it. The
//! whole trail at once for the command line and a page without JavaScript (streamed, never
//! loaded whole), or in chunks that a page drives with a progress bar.

use super::{
    seal::{self, Mismatch, Seal},
    StoredRow, GENESIS,
};
use crate::store::sql::SqlResult;
use app::model::{Anchor, BrokenLink, ChainCursor, ChainProgress, ChainReport};
use futures_util::TryStreamExt;
use sqlx::SqlitePool;

/// Rows per chunk of a walk driven by the page: a fraction of a second each.
pub const VERIFY_CHUNK_ROWS: u32 = 5_000;

/// One walk along the chain.
struct Walk<'a> {
    seal: &'a Seal,
    cursor: ChainCursor,
}

impl Walk<'_> {
    /// Checks the next row; on a break, says which row and why.
    fn step(&mut self, row: &StoredRow) -> Option<BrokenLink> {
        self.cursor.rows_checked += 1;
        let broken = |reason: String| Some(BrokenLink { id: row.id, reason });
        let expected = self.cursor.after_id + 1;
        if row.id != expected {
            return if expected + 1 == row.id {
                broken(format!("row {expected} is missing before it"))
            } else {
                broken(format!(
                    "rows {expected} to {} are missing before it",
                    row.id - 1
                ))
            };
        }
        if row.prev_hash != self.cursor.prev_hash {
            return broken("its link to the previous row does not match (a row before it was changed or deleted)".into());
        }
        if row.scheme == seal::PLAIN {
            if let Some(first) = self.cursor.keyed_from {
                return broken(format!(
                    "it is hashed with plain SHA-256 although the rows from {first} on are sealed with the audit key (rewritten by someone without the key)"
                ));
            }
        }
        match self.seal.check(&row.scheme, &row.canonical(), &row.hash) {
            Ok(()) => {}
            Err(Mismatch::Contents) => {
                return broken("its contents do not match its hash (the row was changed)".into())
            }
            Err(Mismatch::NoKey) => {
                return broken(
                    "it is sealed with the audit key, and trustdesk was started without one (audit_key_file): configure the key to verify it".into(),
                )
            }
            Err(Mismatch::UnknownScheme) => {
                return broken(format!("its hash scheme \"{}\" is unknown", row.scheme))
            }
        }
        if row.scheme == seal::KEYED && self.cursor.keyed_from.is_none() {
            self.cursor.keyed_from = Some(row.id);
        }
        self.cursor.after_id = row.id;
        self.cursor.prev_hash = row.hash.clone();
        None
    }

    /// Once the newest row is checked: with the key, a trail must hold keyed rows (trustdesk
    /// seals one as it starts with the key); a trail rewritten wholly in plain SHA-256 has none.
    fn finish(&self) -> Option<BrokenLink> {
        let all_plain = self.cursor.rows_checked > 0 && self.cursor.keyed_from.is_none();
        (self.seal.is_keyed() && all_plain).then(|| BrokenLink {
            id: self.cursor.after_id,
            reason: "no row is sealed with the audit key: trustdesk has not run with this key yet, or the trail was rewritten without it".into(),
        })
    }

    fn report(self, first_broken: Option<BrokenLink>) -> ChainReport {
        ChainReport {
            rows_checked: self.cursor.rows_checked,
            first_broken,
            keyed_from: self.cursor.keyed_from,
            head: self.cursor.prev_hash,
        }
    }
}

/// Walks the whole chain oldest first and names the first row that does not match.
pub async fn verify(pool: &SqlitePool, seal: &Seal) -> SqlResult<ChainReport> {
    let mut rows =
        sqlx::query_as::<_, StoredRow>("SELECT * FROM audit_log ORDER BY id").fetch(pool);
    let mut walk = Walk {
        seal,
        cursor: ChainCursor::default(),
    };
    while let Some(row) = rows.try_next().await? {
        if let Some(broken) = walk.step(&row) {
            return Ok(walk.report(Some(broken)));
        }
    }
    let broken = walk.finish();
    Ok(walk.report(broken))
}

/// Checks up to `limit` rows after `cursor`, and says where the next chunk starts.
pub async fn verify_chunk(
    pool: &SqlitePool,
    seal: &Seal,
    cursor: ChainCursor,
    limit: u32,
) -> SqlResult<ChainProgress> {
    let rows: Vec<StoredRow> =
        sqlx::query_as("SELECT * FROM audit_log WHERE id > ? ORDER BY id LIMIT ?")
            .bind(cursor.after_id)
            .bind(i64::from(limit.max(1)))
            .fetch_all(pool)
            .await?;
    // The newest id, not a count: it is read from the index's end, and in an intact chain the
    // two are the same.
    let newest: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM audit_log")
        .fetch_one(pool)
        .await?;
    let newest = newest.unwrap_or(0);
    let mut walk = Walk { seal, cursor };
    let mut first_broken = None;
    for row in &rows {
        if let Some(broken) = walk.step(row) {
            first_broken = Some(broken);
            break;
        }
    }
    let reached_end = rows.is_empty() || walk.cursor.after_id >= newest;
    if first_broken.is_none() && reached_end {
        first_broken = walk.finish();
    }
    Ok(ChainProgress {
        done: first_broken.is_some() || reached_end,
        total_rows: newest.max(0) as u64,
        cursor: walk.cursor,
        first_broken,
    })
}

/// After an intact walk: does the trail still hold the anchor's rows, ending in its hash? A
/// trail whose newest rows were removed is shorter; one rewritten up to there ends otherwise.
pub async fn check_anchor(
    pool: &SqlitePool,
    report: &ChainReport,
    anchor: &Anchor,
) -> SqlResult<Result<(), String>> {
    if report.rows_checked < anchor.rows {
        return Ok(Err(format!(
            "the trail has {} rows, fewer than the anchor's {}: rows were removed from its end",
            report.rows_checked, anchor.rows
        )));
    }
    let hash: Option<String> = if anchor.rows == 0 {
        Some(GENESIS.to_string())
    } else {
        sqlx::query_scalar("SELECT hash FROM audit_log WHERE id = ?")
            .bind(i64::try_from(anchor.rows).unwrap_or(i64::MAX))
            .fetch_optional(pool)
            .await?
    };
    Ok(match hash {
        Some(hash) if hash == anchor.head => Ok(()),
        _ => Err(format!(
            "row {} does not have the anchor's hash: the trail was rewritten up to that row",
            anchor.rows
        )),
    })
}

/// Whether this process can continue the chain, read at start from the newest row.
#[derive(Debug, PartialEq, Eq)]
pub enum HeadCheck {
    Empty,
    /// The newest row is plain SHA-256 (new rows are keyed from the next one when a key is set).
    Plain {
        newest: i64,
    },
    /// The newest row is keyed and the key checks it.
    Keyed {
        newest: i64,
    },
    /// The newest row is keyed and this process has no key.
    KeyNeeded {
        newest: i64,
    },
    /// The newest row is keyed and this key does not check it (another key, or the row changed).
    KeyMismatch {
        newest: i64,
    },
}

pub async fn head_check(pool: &SqlitePool, seal: &Seal) -> SqlResult<HeadCheck> {
    let Some(row) =
        sqlx::query_as::<_, StoredRow>("SELECT * FROM audit_log ORDER BY id DESC LIMIT 1")
            .fetch_optional(pool)
            .await?
    else {
        return Ok(HeadCheck::Empty);
    };
    let newest = row.id;
    if row.scheme != seal::KEYED {
        return Ok(HeadCheck::Plain { newest });
    }
    Ok(match seal.check(&row.scheme, &row.canonical(), &row.hash) {
        Ok(()) => HeadCheck::Keyed { newest },
        Err(Mismatch::NoKey) => HeadCheck::KeyNeeded { newest },
        Err(_) => HeadCheck::KeyMismatch { newest },
    })
}

#[cfg(test)]
mod tests {
    use super::super::{
        append,
        seal::{AuditKey, PLAIN},
        tests::{append_rows, db_with_rows},
        NewAuditRow,
    };
    use super::*;
    use crate::store::Db;

    fn key() -> Seal {
        Seal::keyed(AuditKey::from_bytes(b"0123456789abcdef0123456789abcdef".to_vec()).unwrap())
    }

    async fn verify_in_chunks(db: &Db, seal: &Seal, limit: u32) -> (ChainReport, usize) {
        let mut cursor = ChainCursor::default();
        let mut chunks = 0;
        loop {
            let progress = verify_chunk(db.pool(), seal, cursor, limit).await.unwrap();
            chunks += 1;
            if progress.done {
                return (progress.report(), chunks);
            }
            assert!(progress.cursor.rows_checked <= progress.total_rows);
            cursor = progress.cursor;
        }
    }

    #[tokio::test]
    async fn an_untouched_chain_verifies_whole_and_in_chunks() {
        let (_dir, db) = db_with_rows(5, &Seal::plain()).await;
        let report = verify(db.pool(), &Seal::plain()).await.unwrap();
        assert_eq!(report.rows_checked, 5);
        assert_eq!(report.first_broken, None);
        let head: String = sqlx::query_scalar("SELECT hash FROM audit_log WHERE id = 5")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(report.head, head);
        let (chunked, chunks) = verify_in_chunks(&db, &Seal::plain(), 2).await;
        assert_eq!(chunked, report);
        assert_eq!(chunks, 3, "2 + 2 + 1 rows");
    }

    /// Five plain rows, `tampering` done to them, and the first row verification finds broken.
    async fn first_broken_after(tampering: &str) -> (tempfile::TempDir, Db, BrokenLink) {
        let (dir, db) = db_with_rows(5, &Seal::plain()).await;
        sqlx::query(tampering).execute(db.pool()).await.unwrap();
        let report = verify(db.pool(), &Seal::plain()).await.unwrap();
        (dir, db, report.first_broken.expect("a broken row"))
    }

    #[tokio::test]
    async fn an_edited_row_is_named() {
        let (_dir, db, broken) =
            first_broken_after("UPDATE audit_log SET actor = 'mallory' WHERE id = 3").await;
        assert_eq!(broken.id, 3);
        let (chunked, _) = verify_in_chunks(&db, &Seal::plain(), 2).await;
        assert_eq!(chunked.first_broken, Some(broken));
    }

    #[tokio::test]
    async fn a_deleted_row_is_named_by_its_successor() {
        let (_dir, _db, broken) =
            first_broken_after("DELETE FROM audit_log WHERE id IN (1, 3)").await;
        assert_eq!(broken.id, 2);
        assert!(broken.reason.contains("row 1 is missing"), "{broken:?}");
    }

    /// What someone who can write the database but lacks the key can do: change a row, then
    /// recompute its plain SHA-256 and every later row's link and hash.
    async fn rewrite_with_plain_hashes(db: &Db, from: i64, set_scheme: Option<&str>) {
        sqlx::query("UPDATE audit_log SET actor = 'mallory' WHERE id = ?")
            .bind(from)
            .execute(db.pool())
            .await
            .unwrap();
        let mut prev: String = if from == 1 {
            GENESIS.into()
        } else {
            sqlx::query_scalar("SELECT hash FROM audit_log WHERE id = ?")
                .bind(from - 1)
                .fetch_one(db.pool())
                .await
                .unwrap()
        };
        let rows: Vec<StoredRow> =
            sqlx::query_as("SELECT * FROM audit_log WHERE id >= ? ORDER BY id")
                .bind(from)
                .fetch_all(db.pool())
                .await
                .unwrap();
        for mut row in rows {
            row.prev_hash = prev.clone();
            if let Some(scheme) = set_scheme {
                row.scheme = scheme.into();
            }
            let hash = row.canonical().plain_hash();
            sqlx::query("UPDATE audit_log SET prev_hash = ?, hash = ?, scheme = ? WHERE id = ?")
                .bind(&row.prev_hash)
                .bind(&hash)
                .bind(&row.scheme)
                .bind(row.id)
                .execute(db.pool())
                .await
                .unwrap();
            prev = hash;
        }
    }

    #[tokio::test]
    async fn a_plain_chain_cannot_tell_a_recomputed_rewrite() {
        // Why the key exists: without it, a rewrite that recomputes the hashes goes unnoticed.
        let (_dir, db) = db_with_rows(5, &Seal::plain()).await;
        rewrite_with_plain_hashes(&db, 3, None).await;
        let report = verify(db.pool(), &Seal::plain()).await.unwrap();
        assert_eq!(report.first_broken, None);
    }

    #[tokio::test]
    async fn the_keyed_chain_fails_at_a_row_rewritten_with_a_recomputed_plain_hash() {
        for scheme in [None, Some(PLAIN)] {
            let (_dir, db) = db_with_rows(5, &key()).await;
            assert_eq!(
                verify(db.pool(), &key()).await.unwrap().first_broken,
                None,
                "intact before the rewrite"
            );
            rewrite_with_plain_hashes(&db, 3, scheme).await;
            let broken = verify(db.pool(), &key())
                .await
                .unwrap()
                .first_broken
                .unwrap();
            assert_eq!(broken.id, 3, "{scheme:?}: {broken:?}");
            let (chunked, _) = verify_in_chunks(&db, &key(), 2).await;
            assert_eq!(chunked.first_broken, Some(broken));
        }
    }

    #[tokio::test]
    async fn a_trail_rewritten_wholly_in_plain_fails_with_the_key() {
        let (_dir, db) = db_with_rows(4, &key()).await;
        rewrite_with_plain_hashes(&db, 1, Some(PLAIN)).await;
        let report = verify(db.pool(), &key()).await.unwrap();
        let broken = report.first_broken.unwrap();
        assert!(broken.reason.contains("no row is sealed"), "{broken:?}");
    }

    #[tokio::test]
    async fn a_trail_switches_from_plain_to_keyed_once() {
        let (_dir, db) = db_with_rows(3, &Seal::plain()).await;
        append_rows(&db, 2, &key()).await;
        let report = verify(db.pool(), &key()).await.unwrap();
        assert_eq!(report.first_broken, None);
        assert_eq!(report.keyed_from, Some(4));
        let without_key = verify(db.pool(), &Seal::plain()).await.unwrap();
        let broken = without_key.first_broken.unwrap();
        assert_eq!(broken.id, 4);
        assert!(broken.reason.contains("audit_key_file"), "{broken:?}");
        // A plain row after keyed ones (written by hand, as append refuses to) is a break.
        let mut tx = db.begin_write().await.unwrap();
        sqlx::query("UPDATE audit_log SET scheme = 'sha256' WHERE id = 5")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let broken = verify(db.pool(), &key())
            .await
            .unwrap()
            .first_broken
            .unwrap();
        assert_eq!(broken.id, 5);
        assert!(broken.reason.contains("plain SHA-256"), "{broken:?}");
    }

    #[tokio::test]
    async fn an_anchor_catches_removed_newest_rows() {
        let (_dir, db) = db_with_rows(5, &Seal::plain()).await;
        let report = verify(db.pool(), &Seal::plain()).await.unwrap();
        let anchor = report.anchor().unwrap();
        assert_eq!(anchor.rows, 5);
        assert_eq!(
            check_anchor(db.pool(), &report, &anchor).await.unwrap(),
            Ok(())
        );
        append_rows(&db, 2, &Seal::plain()).await;
        let grown = verify(db.pool(), &Seal::plain()).await.unwrap();
        assert_eq!(
            check_anchor(db.pool(), &grown, &anchor).await.unwrap(),
            Ok(()),
            "rows added after the anchor are fine"
        );

        sqlx::query("DELETE FROM audit_log WHERE id >= 5")
            .execute(db.pool())
            .await
            .unwrap();
        let shortened = verify(db.pool(), &Seal::plain()).await.unwrap();
        assert_eq!(
            shortened.first_broken, None,
            "the chain alone cannot see it"
        );
        let refused = check_anchor(db.pool(), &shortened, &anchor)
            .await
            .unwrap()
            .unwrap_err();
        assert!(
            refused.contains("4 rows, fewer than the anchor's 5"),
            "{refused}"
        );
    }

    #[tokio::test]
    async fn an_anchor_catches_a_rewrite_up_to_its_row() {
        let (_dir, db) = db_with_rows(5, &Seal::plain()).await;
        let anchor = verify(db.pool(), &Seal::plain())
            .await
            .unwrap()
            .anchor()
            .unwrap();
        rewrite_with_plain_hashes(&db, 2, None).await;
        let report = verify(db.pool(), &Seal::plain()).await.unwrap();
        assert_eq!(report.first_broken, None);
        let refused = check_anchor(db.pool(), &report, &anchor)
            .await
            .unwrap()
            .unwrap_err();
        assert!(refused.contains("row 5"), "{refused}");
    }

    #[tokio::test]
    async fn the_head_says_whether_this_key_continues_the_chain() {
        let (_dir, db) = db_with_rows(0, &Seal::plain()).await;
        assert_eq!(
            head_check(db.pool(), &key()).await.unwrap(),
            HeadCheck::Empty
        );
        append_rows(&db, 1, &Seal::plain()).await;
        assert_eq!(
            head_check(db.pool(), &key()).await.unwrap(),
            HeadCheck::Plain { newest: 1 }
        );
        let mut tx = db.begin_write().await.unwrap();
        append(&mut tx, &key(), NewAuditRow::default(), "t")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            head_check(db.pool(), &key()).await.unwrap(),
            HeadCheck::Keyed { newest: 2 }
        );
        assert_eq!(
            head_check(db.pool(), &Seal::plain()).await.unwrap(),
            HeadCheck::KeyNeeded { newest: 2 }
        );
        let other = Seal::keyed(AuditKey::from_bytes(vec![9; 40]).unwrap());
        assert_eq!(
            head_check(db.pool(), &other).await.unwrap(),
            HeadCheck::KeyMismatch { newest: 2 }
        );
    }
}

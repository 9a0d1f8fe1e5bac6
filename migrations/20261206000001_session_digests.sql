-- Sessions were stored under the id their cookie carries; from now on they are stored under its
-- SHA-256 (server/src/web/session_ids.rs). The rows stored the old way hold live ids in clear:
-- they are dropped once, at the first start after this migration (everyone signs in again).
-- This table records that it was done (the session table itself is created by its store).
CREATE TABLE session_ids_digested (
    done_at TEXT NOT NULL
);

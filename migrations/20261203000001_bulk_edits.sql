-- Bulk tag edits: what an admin previewed, and each item's before, after and result. A
-- confirmation names the revision it saw; every re-preview (items changed in AWS since) bumps it.
CREATE TABLE bulk_edits (
    id           TEXT PRIMARY KEY,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    selection    TEXT NOT NULL,
    operations   TEXT NOT NULL,
    state        TEXT NOT NULL,
    revision     INTEGER NOT NULL DEFAULT 1,
    notice       TEXT NOT NULL DEFAULT '',
    confirmed_by TEXT NOT NULL DEFAULT '',
    finished_at  TEXT,
    -- The run applying the edit now (a random token) and when it last said it is alive: a run
    -- that stops writing it has stopped, and a run whose token is no longer here stops itself.
    runner       TEXT NOT NULL DEFAULT '',
    heartbeat_at TEXT
);
CREATE INDEX bulk_edits_by_time ON bulk_edits (created_at DESC);

CREATE TABLE bulk_edit_items (
    edit_id       TEXT NOT NULL REFERENCES bulk_edits (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    kind          TEXT NOT NULL,
    account       TEXT NOT NULL,
    region        TEXT NOT NULL,
    id            TEXT NOT NULL,
    name          TEXT NOT NULL,
    before        TEXT NOT NULL,
    after         TEXT NOT NULL,
    status        TEXT NOT NULL,
    message       TEXT NOT NULL DEFAULT '',
    breaks_before TEXT NOT NULL DEFAULT '[]',
    breaks_after  TEXT NOT NULL DEFAULT '[]',
    request_id    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (edit_id, position)
);
CREATE INDEX bulk_edit_items_by_status ON bulk_edit_items (edit_id, status, position);

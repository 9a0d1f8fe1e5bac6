-- The background sync: what each run read, which items AWS stopped listing, and one lease so
-- that two trustdesk processes on one database never sync at the same time.

-- When a sync found that AWS no longer lists the item; NULL while it does. Such items stay for
-- the configured retention, shown under "removed in AWS", then are deleted.
ALTER TABLE resources ADD COLUMN gone_at TEXT;
CREATE INDEX resources_gone ON resources (gone_at) WHERE gone_at IS NOT NULL;

-- The tag index answers tag filters without touching `resources`, so it carries the item's
-- presence too.
ALTER TABLE resource_tags ADD COLUMN gone INTEGER NOT NULL DEFAULT 0 CHECK (gone IN (0, 1));
DROP INDEX resource_tags_by_pair;
CREATE INDEX resource_tags_by_pair ON resource_tags (kind, gone, key, value);

-- One row per scope (a kind in one account and region) per sync run.
CREATE TABLE sync_runs (
    id          INTEGER PRIMARY KEY,
    run         TEXT    NOT NULL,          -- shared by the scopes of one sync
    kind        TEXT    NOT NULL,
    account     TEXT    NOT NULL,
    region      TEXT    NOT NULL,
    queued_at   TEXT    NOT NULL,
    started_at  TEXT,
    finished_at TEXT,
    items       INTEGER NOT NULL DEFAULT 0,
    aws_calls   INTEGER NOT NULL DEFAULT 0,
    outcome     TEXT    NOT NULL CHECK (outcome IN ('queued', 'running', 'ok', 'error', 'timeout', 'abandoned')),
    error       TEXT    NOT NULL DEFAULT ''  -- the sentence shown on the Sync page
);
CREATE INDEX sync_runs_by_scope ON sync_runs (kind, account, region, id);
CREATE INDEX sync_runs_by_run ON sync_runs (run);

-- Exclusive work across processes: the holder renews before `expires_at`; a crashed holder's
-- lease simply runs out.
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

-- When the next sync is due, and a pending "Sync now" (any process may pick it up).
CREATE TABLE sync_schedule (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    next_run_at  TEXT,
    requested_at TEXT,
    requested_by TEXT
);
INSERT INTO sync_schedule (id) VALUES (1);

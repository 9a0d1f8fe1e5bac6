-- The expiry overview's counts are kept as the cache changes, so that no view counts items.
-- For each kind and account, how many of its dated items still in AWS expire in each year,
-- month and day: `period` is the first `span` characters of `expires_at` (4: the year,
-- 7: the month, 10: the day; UTC, as stored). How many expire before any moment is then the
-- sum of a few dozen rows (the years before the moment's year, the months of its year before
-- its month, the days of its month before its day) and the items of the moment's own day read
-- from an index (server/src/store/expiry_counts.rs). The prefixes compare as the timestamps
-- do, so the sums agree with comparing `expires_at` itself, whatever a value looks like.
-- Triggers keep the rows: every writer counts (syncs, edits, bulk edits, another process).
CREATE TABLE expiry_counts (
    span    INTEGER NOT NULL,
    period  TEXT NOT NULL,
    kind    TEXT NOT NULL,
    account TEXT NOT NULL,
    items   INTEGER NOT NULL CHECK (items > 0),
    PRIMARY KEY (span, period, kind, account)
) WITHOUT ROWID;

INSERT INTO expiry_counts (span, period, kind, account, items)
SELECT spans.span, substr(r.expires_at, 1, spans.span), r.kind, r.account, COUNT(*)
FROM resources r, (SELECT 4 AS span UNION ALL SELECT 7 UNION ALL SELECT 10) spans
WHERE r.expires_at IS NOT NULL AND r.gone_at IS NULL
GROUP BY 1, 2, 3, 4;

CREATE TRIGGER expiry_counts_on_insert AFTER INSERT ON resources
WHEN NEW.expires_at IS NOT NULL AND NEW.gone_at IS NULL
BEGIN
    INSERT INTO expiry_counts (span, period, kind, account, items)
    SELECT spans.span, substr(NEW.expires_at, 1, spans.span), NEW.kind, NEW.account, 1
    FROM (SELECT 4 AS span UNION ALL SELECT 7 UNION ALL SELECT 10) spans WHERE true
    ON CONFLICT DO UPDATE SET items = items + 1;
END;

CREATE TRIGGER expiry_counts_on_delete AFTER DELETE ON resources
WHEN OLD.expires_at IS NOT NULL AND OLD.gone_at IS NULL
BEGIN
    DELETE FROM expiry_counts
    WHERE kind = OLD.kind AND account = OLD.account AND items = 1
      AND ((span = 4 AND period = substr(OLD.expires_at, 1, 4))
        OR (span = 7 AND period = substr(OLD.expires_at, 1, 7))
        OR (span = 10 AND period = substr(OLD.expires_at, 1, 10)));
    UPDATE expiry_counts SET items = items - 1
    WHERE kind = OLD.kind AND account = OLD.account
      AND ((span = 4 AND period = substr(OLD.expires_at, 1, 4))
        OR (span = 7 AND period = substr(OLD.expires_at, 1, 7))
        OR (span = 10 AND period = substr(OLD.expires_at, 1, 10)));
END;

-- An update leaves the old row's periods and enters the new row's. A sync rewriting an item it
-- saw unchanged (its last_seen, its tags) fires neither.
CREATE TRIGGER expiry_counts_on_update_leave
AFTER UPDATE OF kind, account, expires_at, gone_at ON resources
WHEN OLD.expires_at IS NOT NULL AND OLD.gone_at IS NULL
 AND (NEW.gone_at IS NOT NULL OR NEW.expires_at IS NOT OLD.expires_at
      OR NEW.kind IS NOT OLD.kind OR NEW.account IS NOT OLD.account)
BEGIN
    DELETE FROM expiry_counts
    WHERE kind = OLD.kind AND account = OLD.account AND items = 1
      AND ((span = 4 AND period = substr(OLD.expires_at, 1, 4))
        OR (span = 7 AND period = substr(OLD.expires_at, 1, 7))
        OR (span = 10 AND period = substr(OLD.expires_at, 1, 10)));
    UPDATE expiry_counts SET items = items - 1
    WHERE kind = OLD.kind AND account = OLD.account
      AND ((span = 4 AND period = substr(OLD.expires_at, 1, 4))
        OR (span = 7 AND period = substr(OLD.expires_at, 1, 7))
        OR (span = 10 AND period = substr(OLD.expires_at, 1, 10)));
END;

CREATE TRIGGER expiry_counts_on_update_enter
AFTER UPDATE OF kind, account, expires_at, gone_at ON resources
WHEN NEW.expires_at IS NOT NULL AND NEW.gone_at IS NULL
 AND (OLD.gone_at IS NOT NULL OR NEW.expires_at IS NOT OLD.expires_at
      OR NEW.kind IS NOT OLD.kind OR NEW.account IS NOT OLD.account)
BEGIN
    INSERT INTO expiry_counts (span, period, kind, account, items)
    SELECT spans.span, substr(NEW.expires_at, 1, spans.span), NEW.kind, NEW.account, 1
    FROM (SELECT 4 AS span UNION ALL SELECT 7 UNION ALL SELECT 10) spans WHERE true
    ON CONFLICT DO UPDATE SET items = items + 1;
END;

-- The dated items still in AWS in the expiry list's order: the overview reads the items of a
-- bucket edge's day, each timeline bar's first items and the next ten as ranges of it, and the
-- expiry export walks it. It replaces `resources_dated`, which only the overview's old count
-- (a pass over every dated item) read. `gone_at` (always NULL here) is in it so that SQLite
-- answers a query that names it from the index alone, without reading each row.
CREATE INDEX resources_live_by_expiry ON resources (expires_at, kind, account, region, id, gone_at)
    WHERE expires_at IS NOT NULL AND gone_at IS NULL;
DROP INDEX resources_dated;

-- The version that told the server when to count again: nothing is counted on a view now.
DROP TRIGGER resources_version_on_insert;
DROP TRIGGER resources_version_on_delete;
DROP TRIGGER resources_version_on_update;
DROP TABLE resources_version;

-- An item renewed by a successor made through trustdesk: the pair is linked ("renews" /
-- "renewed by"), and the renewed item stops counting as expiring (the overview counts the pair
-- once, through its successor) and stops getting alert notices, while it stays in the
-- inventory until it is deleted or expires. One successor per item: renewing it again (after
-- its successor was deleted) replaces the link.
CREATE TABLE renewals (
    kind        TEXT NOT NULL,
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    id          TEXT NOT NULL,
    new_account TEXT NOT NULL,
    new_region  TEXT NOT NULL,
    new_id      TEXT NOT NULL,
    renewed_at  TEXT NOT NULL,
    renewed_by  TEXT NOT NULL,
    -- What the admin chose for the renewed item once its successor existed: '' (not yet),
    -- 'expire' (left to expire) or 'delete' (deleted through trustdesk).
    retired     TEXT NOT NULL DEFAULT '' CHECK (retired IN ('', 'expire', 'delete')),
    PRIMARY KEY (kind, account, region, id)
) WITHOUT ROWID;

CREATE INDEX renewals_by_successor ON renewals (kind, new_account, new_region, new_id);

-- When the item was renewed, kept on the item itself so that every count and list of what
-- expires can leave it out with a column of the row it already reads.
ALTER TABLE resources ADD COLUMN renewed_at TEXT;

CREATE TRIGGER renewals_mark_on_insert AFTER INSERT ON renewals
BEGIN
    UPDATE resources SET renewed_at = NEW.renewed_at
    WHERE kind = NEW.kind AND account = NEW.account AND region = NEW.region AND id = NEW.id;
END;

CREATE TRIGGER renewals_mark_on_update AFTER UPDATE OF renewed_at ON renewals
BEGIN
    UPDATE resources SET renewed_at = NEW.renewed_at
    WHERE kind = NEW.kind AND account = NEW.account AND region = NEW.region AND id = NEW.id;
END;

CREATE TRIGGER renewals_unmark_on_delete AFTER DELETE ON renewals
BEGIN
    UPDATE resources SET renewed_at = NULL
    WHERE kind = OLD.kind AND account = OLD.account AND region = OLD.region AND id = OLD.id;
END;

-- A successor that is gone (deleted in AWS, through trustdesk or elsewhere) renews nothing:
-- the item it renewed counts and gets notices again, whoever wrote the change.
CREATE TRIGGER renewals_end_when_successor_gone AFTER UPDATE OF gone_at ON resources
WHEN NEW.gone_at IS NOT NULL AND OLD.gone_at IS NULL
BEGIN
    DELETE FROM renewals
    WHERE kind = NEW.kind AND new_account = NEW.account AND new_region = NEW.region
      AND new_id = NEW.id;
END;

CREATE TRIGGER renewals_end_when_successor_deleted AFTER DELETE ON resources
WHEN OLD.gone_at IS NULL
BEGIN
    DELETE FROM renewals
    WHERE kind = OLD.kind AND new_account = OLD.account AND new_region = OLD.region
      AND new_id = OLD.id;
END;

-- The expiry counts now count items that are dated, still in AWS and not renewed.
DROP TRIGGER expiry_counts_on_insert;
DROP TRIGGER expiry_counts_on_delete;
DROP TRIGGER expiry_counts_on_update_leave;
DROP TRIGGER expiry_counts_on_update_enter;

CREATE TRIGGER expiry_counts_on_insert AFTER INSERT ON resources
WHEN NEW.expires_at IS NOT NULL AND NEW.gone_at IS NULL AND NEW.renewed_at IS NULL
BEGIN
    INSERT INTO expiry_counts (span, period, kind, account, items)
    SELECT spans.span, substr(NEW.expires_at, 1, spans.span), NEW.kind, NEW.account, 1
    FROM (SELECT 4 AS span UNION ALL SELECT 7 UNION ALL SELECT 10) spans WHERE true
    ON CONFLICT DO UPDATE SET items = items + 1;
END;

CREATE TRIGGER expiry_counts_on_delete AFTER DELETE ON resources
WHEN OLD.expires_at IS NOT NULL AND OLD.gone_at IS NULL AND OLD.renewed_at IS NULL
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

CREATE TRIGGER expiry_counts_on_update_leave
AFTER UPDATE OF kind, account, expires_at, gone_at, renewed_at ON resources
WHEN OLD.expires_at IS NOT NULL AND OLD.gone_at IS NULL AND OLD.renewed_at IS NULL
 AND (NEW.gone_at IS NOT NULL OR NEW.renewed_at IS NOT NULL
      OR NEW.expires_at IS NOT OLD.expires_at
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
AFTER UPDATE OF kind, account, expires_at, gone_at, renewed_at ON resources
WHEN NEW.expires_at IS NOT NULL AND NEW.gone_at IS NULL AND NEW.renewed_at IS NULL
 AND (OLD.gone_at IS NOT NULL OR OLD.renewed_at IS NOT NULL
      OR NEW.expires_at IS NOT OLD.expires_at
      OR NEW.kind IS NOT OLD.kind OR NEW.account IS NOT OLD.account)
BEGIN
    INSERT INTO expiry_counts (span, period, kind, account, items)
    SELECT spans.span, substr(NEW.expires_at, 1, spans.span), NEW.kind, NEW.account, 1
    FROM (SELECT 4 AS span UNION ALL SELECT 7 UNION ALL SELECT 10) spans WHERE true
    ON CONFLICT DO UPDATE SET items = items + 1;
END;

-- The dated items that count, in the expiry list's order (see 20261207000001_expiry_counts).
DROP INDEX resources_live_by_expiry;
CREATE INDEX resources_live_by_expiry
    ON resources (expires_at, kind, account, region, id, gone_at, renewed_at)
    WHERE expires_at IS NOT NULL AND gone_at IS NULL AND renewed_at IS NULL;

-- A renewal changes what the overview shows.
DROP TRIGGER overview_changes_on_item_update;
CREATE TRIGGER overview_changes_on_item_update AFTER UPDATE ON resources
WHEN NEW.kind IS NOT OLD.kind OR NEW.account IS NOT OLD.account OR NEW.region IS NOT OLD.region
  OR NEW.id IS NOT OLD.id OR NEW.account_id IS NOT OLD.account_id OR NEW.name IS NOT OLD.name
  OR NEW.status IS NOT OLD.status OR NEW.expires_at IS NOT OLD.expires_at
  OR NEW.tags IS NOT OLD.tags OR NEW.fields IS NOT OLD.fields OR NEW.gone_at IS NOT OLD.gone_at
  OR NEW.renewed_at IS NOT OLD.renewed_at
BEGIN
    UPDATE change_counters SET changes = changes + 1 WHERE name = 'overview';
END;

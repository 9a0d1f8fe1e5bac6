-- The expiry overview's counts read this index alone, not every cached row with its JSON.
CREATE INDEX resources_dated ON resources (kind, account, expires_at)
    WHERE expires_at IS NOT NULL AND gone_at IS NULL;

-- Moves whenever a cached item appears, goes, or changes a column the overview shows, so the
-- server can keep the overview between changes instead of counting 100,000 items per view.
-- Triggers see every writer: syncs, edits, bulk edits, another process on the same file.
CREATE TABLE resources_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO resources_version (id, version) VALUES (1, 0);

CREATE TRIGGER resources_version_on_insert AFTER INSERT ON resources
BEGIN
    UPDATE resources_version SET version = version + 1;
END;

CREATE TRIGGER resources_version_on_delete AFTER DELETE ON resources
BEGIN
    UPDATE resources_version SET version = version + 1;
END;

-- A sync rewrites every item it sees (last_seen at least); only real changes move the version.
CREATE TRIGGER resources_version_on_update AFTER UPDATE ON resources
WHEN OLD.name IS NOT NEW.name OR OLD.expires_at IS NOT NEW.expires_at
  OR OLD.gone_at IS NOT NEW.gone_at OR OLD.kind IS NOT NEW.kind OR OLD.account IS NOT NEW.account
  OR OLD.region IS NOT NEW.region OR OLD.id IS NOT NEW.id
BEGIN
    UPDATE resources_version SET version = version + 1;
END;

-- The inventory's indices gain `gone_at` after the kind: a page's filter (`gone_at IS NULL`,
-- or NOT NULL for removed items) and its count are then answered from the index, instead of
-- reading each of a kind's rows, which lie scattered over the whole table (measured on 100,000
-- items: a kind's count 10 ms → 1 ms).
DROP INDEX resources_by_kind_expiry;
DROP INDEX resources_by_kind_name;
DROP INDEX resources_by_kind_status;
DROP INDEX resources_by_kind_scope;
CREATE INDEX resources_by_kind_expiry ON resources (kind, gone_at, ifnull(expires_at, '~'));
CREATE INDEX resources_by_kind_name ON resources (kind, gone_at, name COLLATE NOCASE);
CREATE INDEX resources_by_kind_status ON resources (kind, gone_at, status);
CREATE INDEX resources_by_kind_scope ON resources (kind, gone_at, account, region);

-- The search across every kind (the header's search box): a trigram full-text index over the
-- items still in AWS, so that any fragment of three characters or more of an id, a name, an ARN,
-- an account id or a tag key or value is found by an index seek, not by reading every row.

-- What the free-text search matches gains the account id and the ARN (which, for EC2 and
-- License Manager kinds, is not the id): written by the server as items are cached
-- (`store::resources::search_text`), recomputed here once for the items already cached.
UPDATE resources SET search = lower(id || char(10) || name || char(10) || account_id
    || ifnull((SELECT char(10) || group_concat(json_extract(f.value, '$.value'), char(10))
               FROM json_each(resources.fields) f WHERE json_extract(f.value, '$.label') = 'ARN'), '')
    || ifnull((SELECT char(10) || group_concat(key || char(10) || value, char(10)) FROM resource_tags t
               WHERE t.kind = resources.kind AND t.account = resources.account
                 AND t.region = resources.region AND t.id = resources.id), ''));

-- Each indexed item's number in the index. The index cannot key on the items' own rowids: the
-- `resources` table has no INTEGER PRIMARY KEY, so `VACUUM INTO` (the backups) may renumber
-- them; these numbers are this table's primary key and survive it. With the item's expiry and
-- name, which rank a search's matches, so that thousands of matches are counted and ranked
-- here, and only the few shown are read from `resources`.
CREATE TABLE search_rows (
    number     INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    account    TEXT NOT NULL,
    region     TEXT NOT NULL,
    id         TEXT NOT NULL,
    expires_at TEXT,
    name       TEXT NOT NULL,
    UNIQUE (kind, account, region, id)
);

-- Contentless: the text is `resources.search`, which the results are read from anyway.
CREATE VIRTUAL TABLE search_index USING fts5(
    text, content = '', contentless_delete = 1, tokenize = 'trigram'
);

INSERT INTO search_rows (kind, account, region, id, expires_at, name)
SELECT kind, account, region, id, expires_at, name FROM resources WHERE gone_at IS NULL;
INSERT INTO search_index (rowid, text)
SELECT s.number, r.search FROM search_rows s
JOIN resources r ON r.kind = s.kind AND r.account = s.account AND r.region = s.region AND r.id = s.id;

-- Kept by triggers, whoever writes the cache: an item enters the index while it is in AWS and
-- leaves it when removed there or forgotten.
CREATE TRIGGER search_on_insert AFTER INSERT ON resources WHEN NEW.gone_at IS NULL
BEGIN
    INSERT INTO search_rows (kind, account, region, id, expires_at, name)
    VALUES (NEW.kind, NEW.account, NEW.region, NEW.id, NEW.expires_at, NEW.name);
    INSERT INTO search_index (rowid, text)
    SELECT number, NEW.search FROM search_rows
    WHERE kind = NEW.kind AND account = NEW.account AND region = NEW.region AND id = NEW.id;
END;

CREATE TRIGGER search_on_delete AFTER DELETE ON resources WHEN OLD.gone_at IS NULL
BEGIN
    DELETE FROM search_index WHERE rowid = (SELECT number FROM search_rows
        WHERE kind = OLD.kind AND account = OLD.account AND region = OLD.region AND id = OLD.id);
    DELETE FROM search_rows
    WHERE kind = OLD.kind AND account = OLD.account AND region = OLD.region AND id = OLD.id;
END;

-- A sync rewrites every item it reads; only a change of the text, the key or of being in AWS
-- touches the index.
CREATE TRIGGER search_on_update AFTER UPDATE OF kind, account, region, id, search, gone_at ON resources
WHEN NEW.search IS NOT OLD.search OR (NEW.gone_at IS NULL) IS NOT (OLD.gone_at IS NULL)
  OR NEW.kind IS NOT OLD.kind OR NEW.account IS NOT OLD.account
  OR NEW.region IS NOT OLD.region OR NEW.id IS NOT OLD.id
BEGIN
    DELETE FROM search_index WHERE rowid = (SELECT number FROM search_rows
        WHERE kind = OLD.kind AND account = OLD.account AND region = OLD.region AND id = OLD.id);
    DELETE FROM search_rows
    WHERE kind = OLD.kind AND account = OLD.account AND region = OLD.region AND id = OLD.id;
    INSERT INTO search_rows (kind, account, region, id, expires_at, name)
    SELECT NEW.kind, NEW.account, NEW.region, NEW.id, NEW.expires_at, NEW.name
    WHERE NEW.gone_at IS NULL;
    INSERT INTO search_index (rowid, text)
    SELECT number, NEW.search FROM search_rows
    WHERE kind = NEW.kind AND account = NEW.account AND region = NEW.region AND id = NEW.id;
END;

-- A renewal (a new expiry) or a new name ranks the item anew; the text is the trigger above's.
CREATE TRIGGER search_rank_on_update AFTER UPDATE OF expires_at, name ON resources
WHEN NEW.expires_at IS NOT OLD.expires_at OR NEW.name IS NOT OLD.name
BEGIN
    UPDATE search_rows SET expires_at = NEW.expires_at, name = NEW.name
    WHERE kind = NEW.kind AND account = NEW.account AND region = NEW.region AND id = NEW.id;
END;

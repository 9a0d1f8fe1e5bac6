-- Inventories are answered by SQL: filters, sorting and paging run here with indices, so a page
-- never needs a kind's whole cache in memory.

-- Lower-cased id, name, tag keys and tag values, one per line: the free-text search matches this
-- column instead of parsing each row's JSON.
ALTER TABLE resources ADD COLUMN search TEXT NOT NULL DEFAULT '';

-- Each cached item's tags, one row per tag, for the `Key=Value` filter (and later tag rules and
-- bulk edits). The `tags` JSON column stays as the item's display copy.
CREATE TABLE resource_tags (
    kind    TEXT NOT NULL,
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    id      TEXT NOT NULL,
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (kind, account, region, id, key),
    FOREIGN KEY (kind, account, region, id) REFERENCES resources (kind, account, region, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX resource_tags_by_pair ON resource_tags (kind, key, value);

-- One index per sort order the inventory offers; `ifnull` puts items without an expiry last.
CREATE INDEX resources_by_kind_expiry ON resources (kind, ifnull(expires_at, '~'));
CREATE INDEX resources_by_kind_name ON resources (kind, name COLLATE NOCASE);
CREATE INDEX resources_by_kind_status ON resources (kind, status);
CREATE INDEX resources_by_kind_scope ON resources (kind, account, region);

INSERT INTO resource_tags (kind, account, region, id, key, value)
SELECT r.kind, r.account, r.region, r.id, json_extract(t.value, '$.key'), json_extract(t.value, '$.value')
FROM resources r, json_each(r.tags) t
WHERE true
ON CONFLICT DO NOTHING;

UPDATE resources SET search = lower(id || char(10) || name || ifnull(char(10) ||
    (SELECT group_concat(key || char(10) || value, char(10)) FROM resource_tags t
     WHERE t.kind = resources.kind AND t.account = resources.account
       AND t.region = resources.region AND t.id = resources.id), ''));

-- Each inventory order read straight from an index: every sort's terms, to the item's key that
-- ends them (id, region, account), are the index's columns after the kind and `gone_at`, in the
-- same directions, and the columns a filter names follow, so that a filtered page is decided
-- from the index too. A page then reads its 25 rows from the table. Before, SQLite ordered the
-- ties of the index's last column itself ("TEMP B-TREE FOR RIGHT PART OF ORDER BY"), reading
-- from the table every row before the page's: under load the server spent most of its time
-- there (seeks into the table, most of them file reads). Descending sorts read the same
-- indices backwards, but for "-expiry", whose name and id ascend. About 0.5 KB more an item.
DROP INDEX resources_by_kind_expiry;
DROP INDEX resources_by_kind_name;
DROP INDEX resources_by_kind_status;
DROP INDEX resources_by_kind_scope;
CREATE INDEX resources_by_kind_expiry ON resources
    (kind, gone_at, ifnull(expires_at, '~'), name COLLATE NOCASE, id, region, account, status);
CREATE INDEX resources_by_kind_latest_expiry ON resources
    (kind, gone_at, ifnull(expires_at, '') DESC, name COLLATE NOCASE, id, region, account, status);
CREATE INDEX resources_by_kind_name ON resources
    (kind, gone_at, name COLLATE NOCASE, id, region, account, status);
CREATE INDEX resources_by_kind_status ON resources
    (kind, gone_at, status, name COLLATE NOCASE, id, region, account);
CREATE INDEX resources_by_kind_scope ON resources
    (kind, gone_at, account, region, name COLLATE NOCASE, id, status);
CREATE INDEX resources_by_kind_region ON resources
    (kind, gone_at, region, account, name COLLATE NOCASE, id, status);

-- How many items of each kind the cache holds, still in AWS (`gone` 0) or removed in AWS (1),
-- kept by triggers as the cache changes (whoever writes it), so that an inventory without a
-- filter, the most common view, learns its number of items from one row instead of counting
-- the kind's index entries (tens of thousands in a large organisation).
CREATE TABLE kind_counts (
    kind  TEXT NOT NULL,
    gone  INTEGER NOT NULL,
    items INTEGER NOT NULL CHECK (items >= 0),
    PRIMARY KEY (kind, gone)
) WITHOUT ROWID;

INSERT INTO kind_counts (kind, gone, items)
SELECT kind, gone_at IS NOT NULL, COUNT(*) FROM resources GROUP BY 1, 2;

CREATE TRIGGER kind_counts_on_insert AFTER INSERT ON resources
BEGIN
    INSERT INTO kind_counts (kind, gone, items) VALUES (NEW.kind, NEW.gone_at IS NOT NULL, 1)
    ON CONFLICT DO UPDATE SET items = items + 1;
END;

CREATE TRIGGER kind_counts_on_delete AFTER DELETE ON resources
BEGIN
    UPDATE kind_counts SET items = items - 1
    WHERE kind = OLD.kind AND gone = (OLD.gone_at IS NOT NULL);
END;

CREATE TRIGGER kind_counts_on_update AFTER UPDATE OF kind, gone_at ON resources
WHEN NEW.kind IS NOT OLD.kind OR (NEW.gone_at IS NULL) IS NOT (OLD.gone_at IS NULL)
BEGIN
    UPDATE kind_counts SET items = items - 1
    WHERE kind = OLD.kind AND gone = (OLD.gone_at IS NOT NULL);
    INSERT INTO kind_counts (kind, gone, items) VALUES (NEW.kind, NEW.gone_at IS NOT NULL, 1)
    ON CONFLICT DO UPDATE SET items = items + 1;
END;

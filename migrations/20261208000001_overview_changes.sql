-- What the expiry overview shows moves only when an item or an alert silence changes, or when
-- time carries an expiry across one of the overview's edges (now, now + 7 days, …). This counts
-- the changes of the first sort, whoever writes them (syncs, edits, another process), so that the
-- server can keep the overview it read until either happens (server/src/console/overview.rs).
-- An item's `last_seen` alone (a sync seeing it unchanged) is not shown, so it does not count.
CREATE TABLE change_counters (
    name    TEXT PRIMARY KEY,
    changes INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO change_counters (name, changes) VALUES ('overview', 0);

CREATE TRIGGER overview_changes_on_item_insert AFTER INSERT ON resources
BEGIN
    UPDATE change_counters SET changes = changes + 1 WHERE name = 'overview';
END;

-- A sync's upsert sets every column; only a value that differs counts.
CREATE TRIGGER overview_changes_on_item_update AFTER UPDATE ON resources
WHEN NEW.kind IS NOT OLD.kind OR NEW.account IS NOT OLD.account OR NEW.region IS NOT OLD.region
  OR NEW.id IS NOT OLD.id OR NEW.account_id IS NOT OLD.account_id OR NEW.name IS NOT OLD.name
  OR NEW.status IS NOT OLD.status OR NEW.expires_at IS NOT OLD.expires_at
  OR NEW.tags IS NOT OLD.tags OR NEW.fields IS NOT OLD.fields OR NEW.gone_at IS NOT OLD.gone_at
BEGIN
    UPDATE change_counters SET changes = changes + 1 WHERE name = 'overview';
END;

CREATE TRIGGER overview_changes_on_item_delete AFTER DELETE ON resources
BEGIN
    UPDATE change_counters SET changes = changes + 1 WHERE name = 'overview';
END;

CREATE TRIGGER overview_changes_on_silence_insert AFTER INSERT ON alert_silences
BEGIN
    UPDATE change_counters SET changes = changes + 1 WHERE name = 'overview';
END;

CREATE TRIGGER overview_changes_on_silence_update AFTER UPDATE ON alert_silences
BEGIN
    UPDATE change_counters SET changes = changes + 1 WHERE name = 'overview';
END;

CREATE TRIGGER overview_changes_on_silence_delete AFTER DELETE ON alert_silences
BEGIN
    UPDATE change_counters SET changes = changes + 1 WHERE name = 'overview';
END;

-- When the next snooze ends is one of the moments the kept overview stops holding at.
CREATE INDEX alert_silences_snoozed_until ON alert_silences (until) WHERE state = 'snooze';

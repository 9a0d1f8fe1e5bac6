-- The audit viewer: how each row is sealed, the item's state around a change, and indices for
-- the list's filters.

-- `sha256`: the row's hash is SHA-256 over its canonical form (every row before this
-- migration). `hmac-sha256`: HMAC-SHA256 with the audit key over the same form. Once a row is
-- keyed, a plain row after it is a break in the chain.
ALTER TABLE audit_log ADD COLUMN scheme TEXT NOT NULL DEFAULT 'sha256'
    CHECK (scheme IN ('sha256', 'hmac-sha256'));

-- The AWS item as trustdesk's cache held it before a change, and as AWS answered right after
-- (JSON; the text `null` when there was no item). NULL: not recorded (older rows, attempts).
ALTER TABLE audit_log ADD COLUMN state_before TEXT;
ALTER TABLE audit_log ADD COLUMN state_after TEXT;

-- Each filter on its own index; SQLite adds the rowid (the id) to each, so a filtered page
-- newest first reads its index backwards.
CREATE INDEX audit_log_by_actor ON audit_log (actor);
CREATE INDEX audit_log_by_action ON audit_log (action);
CREATE INDEX audit_log_by_kind ON audit_log (target_kind);
CREATE INDEX audit_log_by_account ON audit_log (account);
CREATE INDEX audit_log_by_outcome ON audit_log (outcome);
CREATE INDEX audit_log_by_at ON audit_log (at);

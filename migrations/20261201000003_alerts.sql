-- Expiry alerts: the rules admins set, the notices already sent (so each goes out once, ever),
-- acknowledgements and snoozes, and the emailed links already used.

-- One row: the rules as JSON (app::model::alerts::AlertRules), changed through the Alerts page.
CREATE TABLE alert_rules (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    rules      TEXT NOT NULL,
    updated_at TEXT,
    updated_by TEXT
);

-- A notice for an item at a threshold (days before expiry; 0 = on expiry), to one recipient.
-- The expiry is part of the key: a renewed item (a later expiry) is armed again by itself.
CREATE TABLE alert_notices (
    kind       TEXT    NOT NULL,
    account    TEXT    NOT NULL,
    region     TEXT    NOT NULL,
    id         TEXT    NOT NULL,
    expires_at TEXT    NOT NULL,
    threshold  INTEGER NOT NULL,
    recipient  TEXT    NOT NULL,   -- lower-cased
    outbox_id  INTEGER,            -- the digest that carried it
    created_at TEXT    NOT NULL,
    PRIMARY KEY (kind, account, region, id, expires_at, threshold, recipient)
) WITHOUT ROWID;

-- An item acknowledged (no notices until its expiry changes) or snoozed (none until `until`).
CREATE TABLE alert_silences (
    kind       TEXT NOT NULL,
    account    TEXT NOT NULL,
    region     TEXT NOT NULL,
    id         TEXT NOT NULL,
    expires_at TEXT NOT NULL,      -- the expiry it was given for; a renewal ends it
    state      TEXT NOT NULL CHECK (state IN ('ack', 'snooze')),
    until      TEXT,               -- a snooze's end
    by         TEXT NOT NULL,      -- a user name, or the recipient of an emailed link
    at         TEXT NOT NULL,
    PRIMARY KEY (kind, account, region, id)
) WITHOUT ROWID;

-- Emailed links are single-use: the nonce of each one used.
CREATE TABLE alert_link_uses (
    nonce   TEXT PRIMARY KEY,
    used_at TEXT NOT NULL
) WITHOUT ROWID;

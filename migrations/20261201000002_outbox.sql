-- Mail waiting to be sent, and what became of it. A notice is written here in the same
-- transaction as the alert state that caused it, so a crash can neither lose it nor send it for
-- an alert that was rolled back; a sender then claims due rows one at a time and delivers them.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    created_at      TEXT    NOT NULL,     -- RFC 3339 UTC, fixed width, as every time in this table
    recipient       TEXT    NOT NULL,     -- one address per row, so each delivery succeeds or fails on its own
    subject         TEXT    NOT NULL,
    text_body       TEXT    NOT NULL,
    html_body       TEXT    NOT NULL,
    -- Derived from id and created_at and set in the inserting transaction (never NULL once
    -- committed); every attempt sends this same Message-ID, so a resend after a crash is
    -- recognisable as the same message.
    message_id      TEXT    UNIQUE,
    state           TEXT    NOT NULL DEFAULT 'pending'
                            CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'discarded')),
    attempts        INTEGER NOT NULL DEFAULT 0,   -- in this retry period, counted when claimed (a send cut off by a crash counts)
    next_attempt_at TEXT    NOT NULL,     -- a pending row is due from then on
    claimed_at      TEXT,                 -- set while 'sending'; an old one means its sender died
    last_error      TEXT,                 -- the last failure, as a sentence an admin can act on
    sent_at         TEXT,
    discarded_at    TEXT,
    -- The start of the current retry period: created_at, or when an admin last chose "retry"
    -- (so a retried mail gets a whole period again instead of failing at its first refusal).
    retrying_since  TEXT    NOT NULL
);

-- What a sender asks on every run: the pending rows that are due.
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE state = 'pending';
-- Rows whose sender may have died mid-send; few, so a partial index keeps the check free.
CREATE INDEX outbox_claimed ON outbox (claimed_at) WHERE state = 'sending';
-- The Outbox page: one state's rows newest first, and the counts by state.
CREATE INDEX outbox_by_state ON outbox (state, id);

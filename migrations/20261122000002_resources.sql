-- The cache of AWS items: what the inventories read, refreshed from AWS on demand (and, later,
-- by the scheduled sync). Only fields that are safe to keep are stored: never secrets or tokens.
CREATE TABLE resources (
    kind       TEXT NOT NULL,            -- ResourceKind::as_str
    account    TEXT NOT NULL,            -- the configured account name
    region     TEXT NOT NULL,
    id         TEXT NOT NULL,            -- the AWS id or ARN
    account_id TEXT NOT NULL,            -- the 12-digit AWS account id
    name       TEXT NOT NULL,
    status     TEXT NOT NULL,
    expires_at TEXT,                     -- RFC 3339 UTC, fixed width; NULL when the kind has none
    tags       TEXT NOT NULL,            -- JSON [{"key","value"}]
    fields     TEXT NOT NULL,            -- JSON [{"label","value"}], the safe fields for the detail page
    last_seen  TEXT NOT NULL,            -- when AWS last reported the item
    PRIMARY KEY (kind, account, region, id)
);
CREATE INDEX resources_by_expiry ON resources (expires_at) WHERE expires_at IS NOT NULL;

-- When each kind was last read from AWS in each account and region.
CREATE TABLE resource_syncs (
    kind      TEXT NOT NULL,
    account   TEXT NOT NULL,
    region    TEXT NOT NULL,
    synced_at TEXT NOT NULL,
    PRIMARY KEY (kind, account, region)
);

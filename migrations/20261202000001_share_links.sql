-- Read-only share links: a scope (what the link shows), who it is for, and when it stops working.
-- The token itself is never stored: only its SHA-256, which is what a request is looked up by.
CREATE TABLE share_links (
    id             INTEGER PRIMARY KEY,
    token_hash     TEXT    NOT NULL UNIQUE,   -- hex SHA-256 of the URL's token
    label          TEXT    NOT NULL,          -- who the link is for
    scope          TEXT    NOT NULL,          -- JSON: app::model::share::ShareScope
    include_tags   INTEGER NOT NULL CHECK (include_tags IN (0, 1)),
    created_by     TEXT    NOT NULL,
    created_at     TEXT    NOT NULL,
    expires_at     TEXT    NOT NULL,
    revoked_at     TEXT,
    revoked_by     TEXT,
    views          INTEGER NOT NULL DEFAULT 0,
    last_viewed_at TEXT
);
CREATE INDEX share_links_created ON share_links (created_at);

-- Every view of a link: when, from where, with what. Pruned to the newest rows of each link.
CREATE TABLE share_views (
    id         INTEGER PRIMARY KEY,
    link_id    INTEGER NOT NULL REFERENCES share_links (id) ON DELETE CASCADE,
    at         TEXT    NOT NULL,
    client_ip  TEXT    NOT NULL,
    user_agent TEXT    NOT NULL,
    what       TEXT    NOT NULL               -- `page`, `item` or `csv`
);
CREATE INDEX share_views_link ON share_views (link_id, id);

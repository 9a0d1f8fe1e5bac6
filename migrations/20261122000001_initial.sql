-- Accounts of the console itself.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE,
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'viewer')),
    password_hash TEXT    NOT NULL,          -- argon2id PHC string
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at    TEXT    NOT NULL,          -- RFC 3339 UTC, fixed width so text order is time order
    last_login_at TEXT
);

-- The tamper-evident trail: each row's hash covers its canonical form and the previous row's hash.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    client_ip   TEXT NOT NULL,
    action      TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    params      TEXT NOT NULL,                -- JSON, secrets redacted
    outcome     TEXT NOT NULL CHECK (outcome IN ('ok', 'error', 'attempted')),
    message     TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);

-- One-time links that create the first admin; only a hash of the token is kept.
CREATE TABLE setup_tokens (
    token_hash TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);

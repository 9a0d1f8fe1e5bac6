-- Tag rules: the keys an organisation requires, the values it allows, the spellings it does not.
-- A rule is stored whole as JSON (app::model::compliance::TagRule without its id).
CREATE TABLE tag_rules (
    id         INTEGER PRIMARY KEY,
    rule       TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);

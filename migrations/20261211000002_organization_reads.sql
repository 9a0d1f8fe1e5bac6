-- The last read of the AWS Organization's accounts (`[organization]`), as the Sync page shows
-- it: which accounts are managed and why the others are not. One row, replaced at every read.
CREATE TABLE organization_reads (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    read_at   TEXT NOT NULL,
    report    TEXT NOT NULL
);

-- The id of the HTTP request that wrote the row (its X-Request-Id, also in the server log and
-- on error pages), so that a user's report joins the log and the audit trail. NULL: no request
-- (older rows, the command line, background jobs). Hashed when set, after the states, so rows
-- without it hash as they always did.
ALTER TABLE audit_log ADD COLUMN http_request_id TEXT;

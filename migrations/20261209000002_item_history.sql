-- An item's page shows its history: the audit rows that acted on it, newest first, read by
-- one seek into this index instead of a pass over the trail.
CREATE INDEX audit_log_by_target ON audit_log (target_kind, target_id, account, region, id);

-- A change's notice links to the audit row its request wrote: found by the request's id.
CREATE INDEX audit_log_by_request ON audit_log (http_request_id) WHERE http_request_id IS NOT NULL;

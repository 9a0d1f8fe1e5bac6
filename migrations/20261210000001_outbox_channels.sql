-- Notices to chat channels and webhooks go through the same outbox as mail (retries, backoff,
-- the claim that a crash cannot double): a row's channel says which. A webhook row's recipient
-- is the webhook's configured name and its text body the JSON it posts; it has no HTML body.
ALTER TABLE outbox ADD COLUMN channel TEXT NOT NULL DEFAULT 'email'
    CHECK (channel IN ('email', 'webhook'));

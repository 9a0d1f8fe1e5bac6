-- Users who sign in with the OpenID Connect provider (`[sso]`): matched by the provider's
-- issuer and subject, never by name, so that an IdP account cannot take a local account's place.
-- They have no password: `password_hash` holds a value no password hashes to.
ALTER TABLE users ADD COLUMN sso_subject TEXT;
CREATE UNIQUE INDEX users_by_sso_subject ON users (sso_subject) WHERE sso_subject IS NOT NULL;

-- Accounts, sign-in, and the audit of every edit. Everything a running instance needs to
-- know about who is signed in and who failed to sign in lives here, not in process memory,
-- so that several instances behind a load balancer behave as one.

-- users are people (or robots) who may sign in. Nobody is ever deleted: disabling an
-- account keeps its name attached to the changes it made.
CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9._@-]{0,63}$'),
    role text NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    password_hash text NOT NULL,  -- PHC string: $argon2id$v=19$m=...,t=...,p=...$salt$hash
    disabled_at timestamptz,      -- set: the account can no longer sign in nor use its tokens
    created_at timestamptz NOT NULL DEFAULT now()
);

-- api_tokens are bearer tokens for scripts. Only the SHA-256 of a token is kept: a token
-- is 256 random bits, so a fast hash is enough, and a leak of this table reveals nothing
-- usable. prefix is the token's first characters, shown by "tokens list" and accepted by
-- "tokens revoke".
CREATE TABLE api_tokens (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users(id),
    token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    prefix text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at timestamptz
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- sessions are the page's sign-ins. The cookie carries a random token whose SHA-256 is
-- the key here; csrf_token must come back in the X-CSRF-Token header of every
-- state-changing request made with the cookie.
CREATE TABLE sessions (
    token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    user_id bigint NOT NULL REFERENCES users(id),
    csrf_token text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- sign_in_attempts throttles password guessing, by account name and by client address.
-- An attempt is recorded as pending before the password is checked, so that concurrent
-- guesses on several instances all count.
CREATE TABLE sign_in_attempts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL,
    client_ip text NOT NULL,
    outcome text NOT NULL DEFAULT 'pending'
        CHECK (outcome IN ('pending', 'failed', 'succeeded', 'throttled')),
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sign_in_attempts_name ON sign_in_attempts (name, at);
CREATE INDEX sign_in_attempts_ip ON sign_in_attempts (client_ip, at);

-- Soft deletion: a deleted site or event stays in the database, hidden from readers,
-- until an admin restores it.
ALTER TABLE sites
    ADD COLUMN deleted_at timestamptz,
    ADD COLUMN deleted_by bigint REFERENCES users(id),
    -- version is the site's revision, the ETag of /api/sites/{id}: every edit of the site,
    -- its parts, events, calendar or parcels increments it, and an edit sent with an older
    -- version is refused.
    ADD COLUMN version bigint NOT NULL DEFAULT 1,
    ADD CONSTRAINT sites_deleted_by CHECK ((deleted_at IS NULL) = (deleted_by IS NULL));
ALTER TABLE events
    ADD COLUMN deleted_at timestamptz,
    ADD COLUMN deleted_by bigint REFERENCES users(id),
    ADD CONSTRAINT events_deleted_by CHECK ((deleted_at IS NULL) = (deleted_by IS NULL));

-- audit_log keeps one record per change made through the API: who, when, what, and the
-- entity before and after. It is append-only, like milestone_plans.
CREATE TABLE audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    user_id bigint NOT NULL REFERENCES users(id),
    action text NOT NULL,       -- e.g. site.update, part.status, part.split
    entity_type text NOT NULL CHECK (entity_type IN ('site', 'part', 'event', 'milestone')),
    entity_id text NOT NULL,
    site_id text NOT NULL REFERENCES sites(id),
    site_version bigint NOT NULL, -- the site's version once the change is made
    before jsonb,               -- null when the entity is created
    after jsonb,
    reason text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_site ON audit_log (site_id, id);
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION forbid_change();

-- Personal access tokens for the /api/v1 API. The secret is shown once and kept only as its
-- SHA-256 (a 256-bit random secret needs no slow hash); a token acts for its owner with at
-- most the owner's roles, read from Identity Center at each use, narrowed by its scopes.
CREATE TABLE api_tokens (
    id UUID PRIMARY KEY,
    owner TEXT NOT NULL CHECK (length(owner) BETWEEN 1 AND 256),
    owner_display_name TEXT NOT NULL CHECK (length(owner_display_name) <= 256),
    owner_email TEXT CHECK (length(owner_email) <= 320),
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    scopes TEXT[] NOT NULL CHECK (cardinality(scopes) BETWEEN 1 AND 5),
    secret_sha256 BYTEA NOT NULL UNIQUE CHECK (length(secret_sha256) = 32),
    -- The first characters of the secret, to tell tokens apart in lists and logs.
    prefix TEXT NOT NULL CHECK (length(prefix) <= 16),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ,
    CHECK (expires_at > created_at)
);
-- One live name per person, so a token is known by its name in the audit trail.
CREATE UNIQUE INDEX api_tokens_owner_name ON api_tokens (owner, name) WHERE revoked_at IS NULL;
CREATE INDEX api_tokens_owner ON api_tokens (owner, created_at DESC);

-- The first answer to a POST carrying an Idempotency-Key, per token: a retry gets it back
-- instead of doing the work twice. `status` is NULL while the first call is in flight.
CREATE TABLE api_idempotency (
    token_id UUID NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    key TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    -- Method, path and a digest of the body: the same key with another request is refused.
    fingerprint TEXT NOT NULL CHECK (length(fingerprint) <= 2200),
    status INTEGER CHECK (status BETWEEN 100 AND 599),
    body JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (token_id, key)
);
CREATE INDEX api_idempotency_created ON api_idempotency (created_at);

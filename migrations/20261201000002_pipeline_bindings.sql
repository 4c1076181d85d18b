-- CI/CD pipelines that call /api/v1 with their jobs' OIDC ID tokens instead of a stored
-- secret. An admin binds an issuer, a repository (GitLab `project_path`, GitHub
-- `repository`) and a ref pattern to a product and a person the pipeline acts for; the
-- person's roles are read from Identity Center at each use, narrowed by the scopes.
CREATE TABLE pipeline_bindings (
    id UUID PRIMARY KEY,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    issuer TEXT NOT NULL CHECK (length(issuer) BETWEEN 1 AND 256),
    repository TEXT NOT NULL CHECK (length(repository) BETWEEN 1 AND 256),
    ref_pattern TEXT NOT NULL CHECK (length(ref_pattern) BETWEEN 1 AND 256),
    product TEXT NOT NULL CHECK (length(product) BETWEEN 1 AND 64),
    acts_for TEXT NOT NULL CHECK (length(acts_for) BETWEEN 1 AND 256),
    acts_for_display_name TEXT NOT NULL CHECK (length(acts_for_display_name) <= 256),
    acts_for_email TEXT CHECK (length(acts_for_email) <= 320),
    scopes TEXT[] NOT NULL CHECK (cardinality(scopes) BETWEEN 1 AND 5),
    created_by TEXT NOT NULL CHECK (length(created_by) BETWEEN 1 AND 256),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ
);
-- A live name is unique, so the audit trail names one pipeline.
CREATE UNIQUE INDEX pipeline_bindings_name ON pipeline_bindings (name) WHERE revoked_at IS NULL;
CREATE INDEX pipeline_bindings_issuer ON pipeline_bindings (issuer) WHERE revoked_at IS NULL;

-- Idempotency keys are kept per caller: a token's id or a pipeline binding's id.
ALTER TABLE api_idempotency DROP CONSTRAINT api_idempotency_token_id_fkey;

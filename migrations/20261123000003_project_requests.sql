-- Project requests: what a team lead asked for, who decided, and how far provisioning got.
-- The row is the state machine; background jobs only move it forward.

CREATE TABLE project_requests (
    id                 UUID PRIMARY KEY,
    product            TEXT NOT NULL,
    project_name       TEXT NOT NULL,
    description        TEXT NOT NULL DEFAULT '',
    domain_unit_id     TEXT NOT NULL,
    domain_unit_name   TEXT NOT NULL,
    environment        TEXT NOT NULL CHECK (environment IN ('dev', 'staging', 'prod')),
    profile_id         TEXT NOT NULL,
    profile_name       TEXT NOT NULL,
    justification      TEXT NOT NULL DEFAULT '',
    requested_by       TEXT NOT NULL,
    requested_by_name  TEXT NOT NULL,
    -- The Dev (or Staging) request this one promotes, and the first request of the product:
    -- a product's environments share its lineage.
    source_request_id  UUID REFERENCES project_requests (id),
    lineage            UUID NOT NULL,
    status             TEXT NOT NULL CHECK (status IN (
                           'pending_approval', 'rejected', 'provisioning', 'active', 'failed',
                           'cancelled', 'retire_pending', 'retiring', 'retired')),
    decided_by         TEXT,
    decision_comment   TEXT,
    decided_at         TIMESTAMPTZ,
    project_id         TEXT,
    deployment_status  TEXT,
    failure            TEXT,
    -- What was under way when it failed ('provisioning' or 'retiring'): what a retry resumes.
    failed_in          TEXT,
    -- Whose action the queued work carries out, and the web request that started it.
    acting_for         TEXT NOT NULL,
    origin_request_id  TEXT,
    -- Consecutive failed attempts of the current step; reset when a step succeeds.
    attempts           INT NOT NULL DEFAULT 0,
    -- A job is queued or running for this request; at most one at a time.
    job_queued         BOOLEAN NOT NULL DEFAULT FALSE,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Project names are unique in a DataZone domain; a name stays taken while its request lives.
CREATE UNIQUE INDEX project_requests_live_name
    ON project_requests (lower(project_name))
    WHERE status NOT IN ('rejected', 'cancelled', 'retired');
CREATE INDEX project_requests_requested_by ON project_requests (requested_by, created_at DESC);
CREATE INDEX project_requests_status ON project_requests (status, created_at);
CREATE INDEX project_requests_project ON project_requests (project_id);
CREATE INDEX project_requests_lineage ON project_requests (lineage);

-- Written and committed before CreateProject is sent: a project found by name after a crash
-- is then known to be ours. (No foreign key, so writing it never waits on the request's lock.)
CREATE TABLE project_create_intents (
    request_id  UUID PRIMARY KEY,
    sent_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Members the request asks for, and members owners add or remove later.
CREATE TABLE project_request_members (
    request_id     UUID NOT NULL REFERENCES project_requests (id),
    principal_id   TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('user', 'group')),
    display_name   TEXT NOT NULL,
    designation    TEXT NOT NULL CHECK (designation IN ('owner', 'contributor')),
    state          TEXT NOT NULL CHECK (state IN ('adding', 'added', 'removing', 'removed')),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (request_id, principal_id)
);

-- Token buckets shared by every replica: the DataZone call rates the portal keeps to.
CREATE TABLE rate_limits (
    name         TEXT PRIMARY KEY,
    tokens       DOUBLE PRECISION NOT NULL,
    refilled_at  TIMESTAMPTZ NOT NULL
);

-- Per-domain-unit workflow settings; a unit without a row uses the defaults.
CREATE TABLE unit_settings (
    domain_unit_id    TEXT PRIMARY KEY,
    auto_approve_dev  BOOLEAN NOT NULL DEFAULT TRUE,
    updated_by        TEXT NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);

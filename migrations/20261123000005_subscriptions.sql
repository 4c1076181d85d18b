-- Subscription requests as Meshgate tracks them: created in the portal or synced from
-- DataZone (ListSubscriptionRequests), decided by people or by rules through the decision
-- queue, and ended by cancel, revoke or expiry.
CREATE TABLE subscription_requests (
    -- DataZone's subscription request id; extensions (portal only) get 'ext-' ids.
    id text PRIMARY KEY,
    kind text NOT NULL DEFAULT 'access' CHECK (kind IN ('access', 'extension')),
    extends_id text REFERENCES subscription_requests (id),
    listing_id text NOT NULL,
    asset_id text NOT NULL,
    asset_name text NOT NULL,
    asset_type text NOT NULL DEFAULT '',
    asset_terms text[] NOT NULL DEFAULT '{}',
    -- The publishing project, to which DataZone routes the request, and its unit path.
    owner_project_id text NOT NULL,
    owner_project_name text NOT NULL,
    owner_unit_ids text[] NOT NULL DEFAULT '{}',
    owner_unit_names text[] NOT NULL DEFAULT '{}',
    subscriber_project_id text NOT NULL,
    subscriber_project_name text NOT NULL,
    subscriber_unit_ids text[] NOT NULL DEFAULT '{}',
    subscriber_unit_names text[] NOT NULL DEFAULT '{}',
    requester_id text NOT NULL,
    requester_name text NOT NULL,
    requester_groups text[] NOT NULL DEFAULT '{}',
    reason text NOT NULL,
    -- How long access is wanted; NULL means no end date.
    requested_days integer CHECK (requested_days BETWEEN 1 AND 3650),
    source text NOT NULL CHECK (source IN ('portal', 'datazone')),
    -- The portal form's idempotency token: the same form sent again answers this request.
    client_token text,
    status text NOT NULL CHECK (status IN ('PENDING', 'ACCEPTED', 'REJECTED')),
    created_at timestamptz NOT NULL,
    -- DataZone's updatedAt (the sync watermark compares against it).
    updated_at timestamptz NOT NULL,
    decided_at timestamptz,
    decided_by text,
    rule_id uuid,
    rule_reason text,
    decision_comment text,
    subscription_id text,
    subscription_status text CHECK (subscription_status IN ('APPROVED', 'REVOKED', 'CANCELLED', 'EXPIRED')),
    expires_at timestamptz
);

CREATE INDEX subscription_requests_pending ON subscription_requests (created_at) WHERE status = 'PENDING';
CREATE INDEX subscription_requests_subscriber ON subscription_requests (subscriber_project_id, created_at DESC);
CREATE INDEX subscription_requests_listing ON subscription_requests (listing_id, subscriber_project_id);
CREATE INDEX subscription_requests_owner_units ON subscription_requests USING gin (owner_unit_names);
CREATE INDEX subscription_requests_expiring ON subscription_requests (expires_at)
    WHERE subscription_status = 'APPROVED' AND expires_at IS NOT NULL;
-- One open request per asset and subscribing project (granted ones are checked apart).
CREATE UNIQUE INDEX subscription_requests_one_pending ON subscription_requests (listing_id, subscriber_project_id)
    WHERE status = 'PENDING' AND kind = 'access';

-- A bulk decision, for its progress bar.
CREATE TABLE decision_runs (
    id uuid PRIMARY KEY,
    actor text NOT NULL,
    accept boolean NOT NULL,
    total integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- One decision per request: the primary key is what stops a request being decided twice.
CREATE TABLE subscription_decisions (
    request_id text PRIMARY KEY REFERENCES subscription_requests (id),
    accept boolean NOT NULL,
    comment text,
    actor text NOT NULL,
    rule_id uuid,
    run_id uuid REFERENCES decision_runs (id),
    -- queued → sent (the call may have reached DataZone) → done | failed
    state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'done', 'failed')),
    outcome text,
    attempts integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);

CREATE INDEX subscription_decisions_run ON subscription_decisions (run_id, state);

-- Auto-approval rules, tried in position order; the first that matches decides.
CREATE TABLE approval_rules (
    id uuid PRIMARY KEY,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    position integer NOT NULL,
    -- The domain unit (by name, with its sub-units) whose assets the rule covers; NULL:
    -- the whole domain (platform admins only).
    scope_unit text,
    conditions jsonb NOT NULL,
    action text NOT NULL CHECK (action IN ('accept', 'reject', 'review')),
    comment text NOT NULL DEFAULT '',
    enabled boolean NOT NULL DEFAULT true,
    created_by text NOT NULL,
    updated_by text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX approval_rules_order ON approval_rules (position, id);

-- Periodic work any replica may run, claimed by moving next_run_at; plus the sync watermark.
CREATE TABLE schedules (
    name text PRIMARY KEY,
    next_run_at timestamptz NOT NULL DEFAULT now(),
    watermark timestamptz
);

-- People seen as requesters: names and groups, shared by all replicas.
CREATE TABLE people (
    id text PRIMARY KEY,
    username text NOT NULL,
    display_name text NOT NULL,
    group_ids text[] NOT NULL DEFAULT '{}',
    refreshed_at timestamptz NOT NULL DEFAULT now()
);

-- Differences between what the portal holds and what DataZone holds, found by the periodic
-- reconciliation: at most one open finding per kind and target, resolved when a later check
-- no longer sees it. `action` says what the portal did about it.
CREATE TABLE drift_findings (
    id bigserial PRIMARY KEY,
    kind text NOT NULL,
    target_kind text NOT NULL,
    target_id text NOT NULL,
    summary text NOT NULL,
    action text NOT NULL,
    found_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz
);
CREATE UNIQUE INDEX drift_findings_open ON drift_findings (kind, target_id) WHERE resolved_at IS NULL;
CREATE INDEX drift_findings_recent ON drift_findings (found_at DESC);

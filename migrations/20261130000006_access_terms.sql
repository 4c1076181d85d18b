-- What a producing team promises about access to one of its assets or data products, keyed
-- by the DataZone entity id: whether a steward must approve a request, and the access
-- periods Meshgate applies to requests (a default offered, a longest allowed).
CREATE TABLE access_terms (
    entity_id TEXT PRIMARY KEY CHECK (length(entity_id) BETWEEN 1 AND 64),
    approval_required BOOLEAN NOT NULL DEFAULT TRUE,
    default_days INTEGER CHECK (default_days BETWEEN 1 AND 3650),
    max_days INTEGER CHECK (max_days BETWEEN 1 AND 3650),
    updated_by TEXT NOT NULL CHECK (length(updated_by) <= 256),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (default_days IS NULL OR max_days IS NULL OR default_days <= max_days)
);

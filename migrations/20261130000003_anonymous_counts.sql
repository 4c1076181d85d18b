-- What anonymous traffic may cause, counted per window instead of written row by row, so
-- that it cannot grow the insert-only audit trail or the sessions table without bound:
-- refusals of protected server functions (per hour and path; the first of each is also an
-- audit event) and sign-ins started (per minute, capped).
CREATE TABLE anonymous_counts (
    kind text NOT NULL,
    window_start timestamptz NOT NULL,
    key text NOT NULL,
    count bigint NOT NULL DEFAULT 1,
    PRIMARY KEY (kind, window_start, key)
);

-- The audit trail: one row per thing that happened, never updated or deleted.
CREATE TABLE audit_events (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor        TEXT        NOT NULL CHECK (length(actor) BETWEEN 1 AND 256),
    action       TEXT        NOT NULL CHECK (action ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$'),
    target_kind  TEXT        NOT NULL CHECK (length(target_kind) BETWEEN 1 AND 64),
    target_id    TEXT        NOT NULL CHECK (length(target_id) BETWEEN 1 AND 256),
    before       JSONB,
    after        JSONB,
    request_id   TEXT,
    -- Insert-only, so created_at is also when the event happened; there is no updated_at.
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX audit_events_recent ON audit_events (created_at DESC, id DESC);
CREATE INDEX audit_events_actor ON audit_events (actor, created_at DESC, id DESC);
CREATE INDEX audit_events_target ON audit_events (target_kind, target_id, created_at DESC);

-- Insert-only: refuse UPDATE and DELETE at the database, so no code path can rewrite history.
CREATE FUNCTION audit_events_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is insert-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_events_insert_only
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_are_immutable();

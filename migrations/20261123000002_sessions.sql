-- Web sessions, in the layout tower-sessions' PostgresStore reads and writes (it upserts
-- id, data and expiry_date; data is its own MessagePack encoding). Kept here rather than
-- created by the store at start so the schema has one owner. No updated_at: every write
-- moves expiry_date, which is the fact that matters.
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY NOT NULL,
    data         BYTEA NOT NULL,
    expiry_date  TIMESTAMPTZ NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX sessions_expiry ON sessions (expiry_date);

-- The audit log pages newest first by (created_at, id), a keyset: "older than this event".
-- Each filter column gets an index ending in (created_at, id), so a page stays an index
-- range scan however large the trail grows. (actor already has one.)
CREATE INDEX audit_events_action_keyset ON audit_events (action, created_at DESC, id DESC);
CREATE INDEX audit_events_target_keyset ON audit_events (target_id, created_at DESC, id DESC);

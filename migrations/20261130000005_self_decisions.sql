-- Separation of duties per domain unit: by default nobody decides a subscription request
-- they made or one for a project they belong to; a platform admin may allow it for the
-- assets of a unit, and every such decision says so in the audit trail.
ALTER TABLE unit_settings ADD COLUMN allow_self_decisions boolean NOT NULL DEFAULT false;

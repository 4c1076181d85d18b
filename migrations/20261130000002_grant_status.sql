-- Access exists once DataZone's subscription grant has COMPLETED; grants can also fail.
-- The sync keeps the latest grant state of each accepted request here.
ALTER TABLE subscription_requests
    ADD COLUMN grant_status text,
    ADD COLUMN grant_failure text,
    ADD COLUMN granted_at timestamptz;

-- The outcome of the last run of a schedule (the subscription sync), so that a refusal by
-- DataZone is shown to stewards and not only logged.
ALTER TABLE schedules
    ADD COLUMN last_ok_at timestamptz,
    ADD COLUMN last_error text,
    ADD COLUMN last_error_at timestamptz;

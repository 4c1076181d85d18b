-- Notifications: an outbox fed by the audit trail. A trigger on audit_events queues every
-- event people are told about in the same transaction as the change it reports; a job fans
-- each out to its recipients (the in-portal list, and one delivery per channel), and
-- deliveries are sent, retried with backoff and recorded here for admins to see.

CREATE TABLE notification_events (
    audit_id BIGINT PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    fanned_out_at TIMESTAMPTZ,
    attempts INT NOT NULL DEFAULT 0,
    next_try_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_error TEXT CHECK (length(last_error) <= 2000)
);
CREATE INDEX notification_events_due ON notification_events (next_try_at) WHERE fanned_out_at IS NULL;

CREATE FUNCTION queue_notification() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO notification_events (audit_id) VALUES (NEW.id);
    RETURN NULL;
END
$$;

CREATE TRIGGER audit_events_notify AFTER INSERT ON audit_events FOR EACH ROW
    WHEN (NEW.action IN (
        'subscription.requested', 'subscription.accepted', 'subscription.rejected',
        'subscription.expiring', 'subscription.expired', 'subscription.revoked',
        'subscription.reminder', 'subscription.escalated',
        'project.approved', 'project.rejected', 'project.active', 'project.failed',
        'asset.revised', 'asset.unpublished'
    ))
    EXECUTE FUNCTION queue_notification();

-- The in-portal list: one row per recipient (an Identity Center userName) and event.
CREATE TABLE notifications (
    id BIGSERIAL PRIMARY KEY,
    audit_id BIGINT NOT NULL,
    recipient TEXT NOT NULL CHECK (length(recipient) BETWEEN 1 AND 256),
    topic TEXT NOT NULL CHECK (length(topic) BETWEEN 1 AND 32),
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    body TEXT NOT NULL CHECK (length(body) <= 4000),
    link TEXT NOT NULL CHECK (length(link) <= 500),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    read_at TIMESTAMPTZ,
    UNIQUE (audit_id, recipient)
);
CREATE INDEX notifications_of ON notifications (recipient, id DESC);
CREATE INDEX notifications_unread ON notifications (recipient) WHERE read_at IS NULL;

-- One message on one channel. `key` makes a message unique per event, channel and
-- address, so a fan-out run again queues nothing twice. Chat deliveries name the domain
-- unit whose webhook they go to (the URL, a secret, is read at sending time).
CREATE TABLE deliveries (
    id UUID PRIMARY KEY,
    key TEXT NOT NULL UNIQUE CHECK (length(key) <= 600),
    channel TEXT NOT NULL CHECK (channel IN ('email', 'slack', 'teams')),
    address TEXT NOT NULL CHECK (length(address) BETWEEN 1 AND 320),
    recipient TEXT NOT NULL CHECK (length(recipient) BETWEEN 1 AND 256),
    subject TEXT NOT NULL CHECK (length(subject) BETWEEN 1 AND 300),
    body_text TEXT NOT NULL CHECK (length(body_text) <= 100000),
    body_html TEXT CHECK (length(body_html) <= 200000),
    link TEXT NOT NULL CHECK (length(link) <= 500),
    -- held: waiting for the recipient's daily digest; digested: sent in one.
    state TEXT NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'retrying', 'sent', 'failed', 'held', 'digested')),
    attempts INT NOT NULL DEFAULT 0,
    last_error TEXT CHECK (length(last_error) <= 2000),
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at TIMESTAMPTZ
);
CREATE INDEX deliveries_recent ON deliveries (created_at DESC);
CREATE INDEX deliveries_held ON deliveries (recipient) WHERE state = 'held';

-- What each person wants by email: instant or a daily digest, or none; muted topics are
-- never emailed (they still appear in the in-portal list).
CREATE TABLE notification_preferences (
    username TEXT PRIMARY KEY CHECK (length(username) BETWEEN 1 AND 256),
    email BOOLEAN NOT NULL DEFAULT true,
    daily_digest BOOLEAN NOT NULL DEFAULT false,
    muted TEXT[] NOT NULL DEFAULT '{}' CHECK (cardinality(muted) <= 16),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Chat channels and the review SLA of a domain unit.
ALTER TABLE unit_settings
    ADD COLUMN slack_webhook_url TEXT CHECK (length(slack_webhook_url) <= 2048),
    ADD COLUMN teams_webhook_url TEXT CHECK (length(teams_webhook_url) <= 2048),
    ADD COLUMN review_sla_hours INT CHECK (review_sla_hours BETWEEN 1 AND 8760);

-- Notices sent once: an expiry warning per subscription and end date, a reminder and an
-- escalation per request.
CREATE TABLE notice_marks (
    target_id TEXT NOT NULL,
    notice TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (target_id, notice)
);

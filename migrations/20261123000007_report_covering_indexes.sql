-- Reports read only a few narrow columns of many requests: covering indexes let Postgres
-- answer them from the index alone instead of reading every wide row.
-- Usage per asset and the status chart: all requests, grouped by asset and subscriber.
DROP INDEX subscription_requests_listing;
CREATE INDEX subscription_requests_listing ON subscription_requests (listing_id, subscriber_project_id)
    INCLUDE (kind, status, subscription_status);
-- The dashboard's recent window (top assets) and the usage trend.
CREATE INDEX subscription_requests_created ON subscription_requests (created_at)
    INCLUDE (kind, listing_id);
-- Time to decision over the recent window.
CREATE INDEX subscription_requests_decided ON subscription_requests (decided_at) WHERE decided_at IS NOT NULL;

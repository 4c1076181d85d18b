-- Access reports look requests up by asset name and by subscribing project name too.
CREATE INDEX subscription_requests_asset_name ON subscription_requests (asset_name);
CREATE INDEX subscription_requests_subscriber_name ON subscription_requests (subscriber_project_name);
-- The dashboard's weekly project chart reads a recent window.
CREATE INDEX project_requests_created ON project_requests (created_at);

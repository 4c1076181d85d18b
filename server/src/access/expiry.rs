//! Ending access whose period is over: RevokeSubscription, paced, then recorded.

use serde_json::json;

use super::{record, Access};
use crate::error::AppError;
use crate::store::subscriptions as store;

impl Access {
    /// Revokes approved subscriptions whose access period is over; returns how many.
    pub async fn expire_due(&self) -> Result<usize, AppError> {
        let pool = &self.inner.pool;
        let mut ended = 0;
        for row in store::expired(pool, 100).await? {
            let outcome = match &row.subscription_id {
                Some(subscription) => {
                    self.pace("RevokeSubscription").await?;
                    match self.inner.aws.end_subscription(subscription, true).await {
                        Ok(status) => status,
                        Err(AppError::Upstream { code, .. }) if code == "ConflictException" => "already ended".into(),
                        Err(AppError::NotFound(_)) => "no longer exists".into(),
                        Err(other) => {
                            tracing::warn!(id = %row.id, error = %other, "expired subscription not revoked yet");
                            continue;
                        }
                    }
                }
                None => "no subscription id".into(),
            };
            let mut tx = pool.begin().await?;
            if store::set_subscription_status(&mut *tx, &row.id, "EXPIRED").await? {
                let after = json!({ "subscription_id": row.subscription_id, "expired_at": row.expires_at,
                                    "call": "RevokeSubscription", "datazone": outcome });
                record(&mut tx, "meshgate (expiry)", "subscription.expired", &row.id, after).await?;
                ended += 1;
            }
            tx.commit().await?;
        }
        Ok(ended)
    }
}

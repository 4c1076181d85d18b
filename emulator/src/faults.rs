//! Injected faults and per-operation quotas: latency, throttling, server errors, failed deployments.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// The fault settings in force; `GET /_emulator/faults` returns them as JSON.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Faults {
    /// Added to every AWS call before it is answered.
    pub latency_ms: u64,
    /// A uniformly random extra latency of up to this many milliseconds.
    pub latency_jitter_ms: u64,
    /// Added after a call has taken effect, before its reply is sent: a client that gives
    /// up (or dies) meanwhile never learns that its call succeeded.
    pub reply_delay_ms: u64,
    /// Share of calls (0..=1) answered with `ThrottlingException` (429).
    pub throttle_rate: f64,
    /// Share of calls (0..=1) answered with `InternalServerException` (500).
    pub error_rate: f64,
    /// The next N project deployments end in `FAILED_DEPLOYMENT`.
    pub deploy_fail_next: u32,
    /// Share of project deployments (0..=1) that end in `FAILED_DEPLOYMENT`.
    pub deploy_fail_rate: f64,
    /// The next N subscription grants (made by AcceptSubscriptionRequest) end in
    /// `GRANT_FAILED` with a failure cause.
    pub grant_fail_next: u32,
    /// The next N revocations (RevokeSubscription, CancelSubscription) end in
    /// `REVOKE_FAILED` with a failure cause; the subscription's status still changes.
    pub revoke_fail_next: u32,
    /// How long a project deployment, a deletion or a subscription grant takes.
    pub deploy_delay_ms: u64,
    /// Whether the per-operation AWS quotas (token buckets) are enforced.
    pub quotas: bool,
    /// Limits the throttle and error rates to these operations; empty means every operation.
    pub operations: Vec<String>,
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            latency_ms: 0,
            latency_jitter_ms: 0,
            reply_delay_ms: 0,
            throttle_rate: 0.0,
            error_rate: 0.0,
            deploy_fail_next: 0,
            deploy_fail_rate: 0.0,
            grant_fail_next: 0,
            revoke_fail_next: 0,
            deploy_delay_ms: 3000,
            quotas: true,
            operations: Vec::new(),
        }
    }
}

/// A partial update posted to `/_emulator/faults`: members left out keep their value.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultsPatch {
    pub latency_ms: Option<u64>,
    pub latency_jitter_ms: Option<u64>,
    pub reply_delay_ms: Option<u64>,
    pub throttle_rate: Option<f64>,
    pub error_rate: Option<f64>,
    pub deploy_fail_next: Option<u32>,
    pub deploy_fail_rate: Option<f64>,
    pub grant_fail_next: Option<u32>,
    pub revoke_fail_next: Option<u32>,
    pub deploy_delay_ms: Option<u64>,
    pub quotas: Option<bool>,
    pub operations: Option<Vec<String>>,
}

/// What the fault dice decided for one call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Injected {
    Nothing,
    Throttle,
    ServerError,
}

fn check_rate(name: &str, rate: Option<f64>) -> Result<(), String> {
    match rate {
        Some(r) if !(0.0..=1.0).contains(&r) => Err(format!("{name} must be between 0 and 1")),
        _ => Ok(()),
    }
}

impl Faults {
    /// Applies a patch, refusing rates outside 0..=1 so a typo cannot silently disable a test.
    pub fn apply(&mut self, patch: FaultsPatch) -> Result<(), String> {
        check_rate("throttleRate", patch.throttle_rate)?;
        check_rate("errorRate", patch.error_rate)?;
        check_rate("deployFailRate", patch.deploy_fail_rate)?;
        if let Some(v) = patch.latency_ms {
            self.latency_ms = v;
        }
        if let Some(v) = patch.latency_jitter_ms {
            self.latency_jitter_ms = v;
        }
        if let Some(v) = patch.reply_delay_ms {
            self.reply_delay_ms = v;
        }
        if let Some(v) = patch.throttle_rate {
            self.throttle_rate = v;
        }
        if let Some(v) = patch.error_rate {
            self.error_rate = v;
        }
        if let Some(v) = patch.deploy_fail_next {
            self.deploy_fail_next = v;
        }
        if let Some(v) = patch.deploy_fail_rate {
            self.deploy_fail_rate = v;
        }
        if let Some(v) = patch.grant_fail_next {
            self.grant_fail_next = v;
        }
        if let Some(v) = patch.revoke_fail_next {
            self.revoke_fail_next = v;
        }
        if let Some(v) = patch.deploy_delay_ms {
            self.deploy_delay_ms = v;
        }
        if let Some(v) = patch.quotas {
            self.quotas = v;
        }
        if let Some(v) = patch.operations {
            self.operations = v;
        }
        Ok(())
    }

    /// The latency to add to one call.
    pub fn latency(&self) -> Duration {
        let jitter = if self.latency_jitter_ms == 0 { 0 } else { fastrand::u64(0..=self.latency_jitter_ms) };
        Duration::from_millis(self.latency_ms.saturating_add(jitter))
    }

    /// Rolls the throttle and error dice for one call of `operation`.
    pub fn roll(&self, operation: &str) -> Injected {
        if !self.operations.is_empty() && !self.operations.iter().any(|op| op == operation) {
            return Injected::Nothing;
        }
        if self.throttle_rate > 0.0 && fastrand::f64() < self.throttle_rate {
            Injected::Throttle
        } else if self.error_rate > 0.0 && fastrand::f64() < self.error_rate {
            Injected::ServerError
        } else {
            Injected::Nothing
        }
    }

    /// Decides whether the deployment being started now fails, consuming one "fail next".
    pub fn take_deploy_failure(&mut self) -> bool {
        if self.deploy_fail_next > 0 {
            self.deploy_fail_next -= 1;
            return true;
        }
        self.deploy_fail_rate > 0.0 && fastrand::f64() < self.deploy_fail_rate
    }

    /// Decides whether the grant (or, with `revoke`, the revocation) starting now fails,
    /// consuming one of its "fail next".
    pub fn take_grant_failure(&mut self, revoke: bool) -> bool {
        let next = if revoke { &mut self.revoke_fail_next } else { &mut self.grant_fail_next };
        let fails = *next > 0;
        *next = next.saturating_sub(1);
        fails
    }

    pub fn deploy_delay(&self) -> Duration {
        Duration::from_millis(self.deploy_delay_ms)
    }
}

/// AWS's documented per-account rates for the operations Meshgate must pace itself on.
pub fn quota_tps(operation: &str) -> Option<f64> {
    match operation {
        "AcceptSubscriptionRequest" | "RejectSubscriptionRequest" | "CancelSubscription" => Some(3.0),
        "Search" | "SearchListings" => Some(20.0),
        _ => None,
    }
}

/// One token bucket per rate-limited operation; a full bucket allows a one-second burst.
#[derive(Debug, Default)]
pub struct Quotas {
    buckets: HashMap<&'static str, Bucket>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    refilled: Instant,
}

impl Quotas {
    /// Takes one token for `operation`; `false` means the call must be throttled.
    pub fn try_take(&mut self, operation: &'static str, now: Instant) -> bool {
        let Some(rate) = quota_tps(operation) else {
            return true;
        };
        let bucket = self.buckets.entry(operation).or_insert(Bucket { tokens: rate, refilled: now });
        let elapsed = now.saturating_duration_since(bucket.refilled).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(rate);
        bucket.refilled = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    pub fn clear(&mut self) {
        self.buckets.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_its_burst_then_refills_over_time() {
        let mut quotas = Quotas::default();
        let start = Instant::now();
        for _ in 0..3 {
            assert!(quotas.try_take("AcceptSubscriptionRequest", start));
        }
        assert!(!quotas.try_take("AcceptSubscriptionRequest", start));
        assert!(quotas.try_take("AcceptSubscriptionRequest", start + Duration::from_millis(400)));
        assert!(quotas.try_take("GetProject", start));
    }

    #[test]
    fn fail_next_is_consumed_one_deployment_at_a_time() {
        let mut faults = Faults { deploy_fail_next: 1, ..Faults::default() };
        assert!(faults.take_deploy_failure());
        assert!(!faults.take_deploy_failure());
    }

    #[test]
    fn rates_outside_zero_to_one_are_refused() {
        let mut faults = Faults::default();
        let patch = FaultsPatch { throttle_rate: Some(1.5), ..FaultsPatch::default() };
        assert!(faults.apply(patch).is_err());
        assert_eq!(faults, Faults::default());
    }
}

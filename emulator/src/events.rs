//! The stand-in for "an EventBridge rule on the default bus whose target is an SQS queue".
//!
//! Amazon DataZone "sends these messages to your Amazon EventBridge default event bus in the
//! same AWS account where your Amazon DataZone root domain is hosted" (DataZone User Guide,
//! "Amazon DataZone events and notifications", section "Events via Amazon EventBridge
//! default bus"). A rule that targets an SQS queue delivers each matching event as the
//! message body, in the envelope EventBridge puts around every event (EventBridge User
//! Guide, "Amazon EventBridge events"): `version`, `id`, `detail-type`, `source`,
//! `account`, `time`, `region`, `resources` and `detail`.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

/// The `source` of every event DataZone emits, as in the user guide's sample event.
pub const DATAZONE_SOURCE: &str = "aws.datazone";

/// The `maxReceiveCount` of the redrive policy the events queue gets towards its
/// dead-letter queue `NAME-dlq`.
pub const EVENTS_MAX_RECEIVE_COUNT: u32 = 5;

/// The suffix of the events queue's dead-letter queue.
pub const DLQ_SUFFIX: &str = "-dlq";

/// One event on the default bus, waiting in the emulator's outbox until it is delivered.
#[derive(Clone, Debug, PartialEq)]
pub struct BusEvent {
    /// The `detail-type`, one of those the user guide lists (e.g. "Subscription Request Created").
    pub detail_type: &'static str,
    /// The account and region of the domain the event is about.
    pub account: String,
    pub region: String,
    /// When the change happened (not when the event was delivered).
    pub time: DateTime<Utc>,
    /// The service-specific `detail` object.
    pub detail: Value,
}

impl BusEvent {
    /// The event as EventBridge hands it to a target: `version` "0", a fresh UUID `id`,
    /// `time` in RFC 3339 at second precision with `Z` (as in the user guide's sample,
    /// "2023-11-13T17:57:00Z") and no `resources`, as in that sample.
    pub fn envelope(&self) -> Value {
        json!({
            "version": "0",
            "id": uuid::Uuid::new_v4().to_string(),
            "detail-type": self.detail_type,
            "source": DATAZONE_SOURCE,
            "account": self.account,
            "time": self.time.to_rfc3339_opts(SecondsFormat::Secs, true),
            "region": self.region,
            "resources": [],
            "detail": self.detail,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_envelope_carries_the_documented_members() {
        let time = DateTime::parse_from_rfc3339("2023-11-13T17:57:00.420Z").unwrap().with_timezone(&Utc);
        let event = BusEvent {
            detail_type: "Subscription Request Created",
            account: "111111111111".into(),
            region: "us-east-1".into(),
            time,
            detail: json!({"version": "1"}),
        };
        let value = event.envelope();
        assert_eq!(value["version"], "0");
        assert_eq!(value["source"], "aws.datazone");
        assert_eq!(value["detail-type"], "Subscription Request Created");
        assert_eq!(value["time"], "2023-11-13T17:57:00Z");
        assert_eq!(value["resources"], json!([]));
        assert!(uuid::Uuid::parse_str(value["id"].as_str().unwrap()).is_ok());
    }
}

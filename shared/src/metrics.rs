//! Metrics as CloudWatch Embedded Metric Format (EMF) log lines: one JSON object on stdout that
//! CloudWatch Logs turns into a metric. No SDK call, no extra latency, nothing to configure but
//! the log group the function already writes to.
//!
//! Every metric is a count in one namespace, [`NAMESPACE`], listed in [`CATALOG`] (the README's
//! metrics table, the template's alarms and its dashboard are checked against it). A count with
//! dimensions is also published without them, so one alarm or graph sees the total without
//! knowing every dimension value.

use std::time::SystemTime;

use serde_json::{Map, Value, json};

use crate::clock::unix_millis;

/// The CloudWatch namespace of every metric this backend emits.
pub const NAMESPACE: &str = "TwilioVideoBackend";

/// Access Tokens minted (`POST /video/token`).
pub const TOKENS_MINTED: &str = "TokensMinted";
/// Verifications Twilio accepted to send, by `Channel`.
pub const VERIFICATIONS_STARTED: &str = "VerificationsStarted";
/// Verification checks Twilio approved, by `Channel`.
pub const VERIFICATIONS_APPROVED: &str = "VerificationsApproved";
/// Sends refused by our own limits before Twilio was called, by `Limit` (`user`, `destination`).
pub const VERIFICATIONS_REFUSED: &str = "VerificationsRefused";
/// Compositions created at Twilio (not those found existing).
pub const COMPOSITION_CREATED: &str = "CompositionCreated";
/// Compositions whose media became available, by `Source` (`callback`, `reconciler`).
pub const COMPOSITION_AVAILABLE: &str = "CompositionAvailable";
/// Work the reconciler finished for a lost or failed callback, by `Kind`.
pub const RECONCILER_REPAIRS: &str = "ReconcilerRepairs";

/// One metric of the catalog.
#[derive(Clone, Copy, Debug)]
pub struct Metric {
    /// Its name in [`NAMESPACE`].
    pub name: &'static str,
    /// The dimensions it is also published under (it is always published without).
    pub dimensions: &'static [&'static str],
    /// The functions that emit it.
    pub emitted_by: &'static [&'static str],
    /// What one count means.
    pub meaning: &'static str,
}

/// Every metric this backend emits.
pub const CATALOG: &[Metric] = &[
    Metric {
        name: TOKENS_MINTED,
        dimensions: &[],
        emitted_by: &["token"],
        meaning: "an Access Token minted",
    },
    Metric {
        name: VERIFICATIONS_STARTED,
        dimensions: &["Channel"],
        emitted_by: &["verify"],
        meaning: "a Verify code sent",
    },
    Metric {
        name: VERIFICATIONS_APPROVED,
        dimensions: &["Channel"],
        emitted_by: &["verify"],
        meaning: "a Verify code approved (a step-up proof issued)",
    },
    Metric {
        name: VERIFICATIONS_REFUSED,
        dimensions: &["Limit"],
        emitted_by: &["verify"],
        meaning: "a send refused by our per-user or per-destination limit (429, Twilio not called)",
    },
    Metric {
        name: "WebhookRejected",
        dimensions: &["Route", "Reason"],
        emitted_by: &["webhook", "composition"],
        meaning: "a Twilio callback refused: signature missing or invalid, or no URL to check it against",
    },
    Metric {
        name: crate::webhook::UNFINISHED_METRIC,
        dimensions: &["Route"],
        emitted_by: &["webhook", "composition"],
        meaning: "a signed callback answered 200 unfinished: its store failed, the reconciler finishes the work",
    },
    Metric {
        name: COMPOSITION_CREATED,
        dimensions: &[],
        emitted_by: &["webhook", "reconciler"],
        meaning: "a composition created at Twilio for a recorded room",
    },
    Metric {
        name: COMPOSITION_AVAILABLE,
        dimensions: &["Source"],
        emitted_by: &["composition", "reconciler"],
        meaning: "a composition's media available",
    },
    Metric {
        name: "CompositionFailed",
        dimensions: &["Event"],
        emitted_by: &["composition", "reconciler"],
        meaning: "a composition that failed at Twilio",
    },
    Metric {
        name: "CompositionStuck",
        dimensions: &[],
        emitted_by: &["reconciler"],
        meaning: "a composition still unfinished after COMPOSITION_STUCK_AFTER_SECONDS (reported once)",
    },
    Metric {
        name: "RecordingSms",
        dimensions: &["Outcome"],
        emitted_by: &["composition", "reconciler"],
        meaning: "a recording-ready SMS settled: sent, undeliverable, no_recipient, uncertain or gave_up",
    },
    Metric {
        name: "RecordingGaveUp",
        dimensions: &["Kind"],
        emitted_by: &["webhook", "composition", "reconciler"],
        meaning: "a composition or SMS abandoned after its last retry",
    },
    Metric {
        name: RECONCILER_REPAIRS,
        dimensions: &["Kind"],
        emitted_by: &["reconciler"],
        meaning: "work a lost or failed callback left undone, finished: composition, sms or status",
    },
    Metric {
        name: "KeysRotated",
        dimensions: &[],
        emitted_by: &["key-rotation"],
        meaning: "a new Twilio API key made current",
    },
    Metric {
        name: "KeysRevoked",
        dimensions: &["Reason"],
        emitted_by: &["key-rotation"],
        meaning: "a Twilio API key revoked: a retired one past its grace (due) or an orphan",
    },
];

/// Emits a count of one for `metric` with `dimensions`.
pub fn count(metric: &str, dimensions: &[(&str, &str)]) {
    println!("{}", count_line(metric, dimensions, SystemTime::now()));
}

/// The EMF line [`count`] writes, at `now`.
pub fn count_line(metric: &str, dimensions: &[(&str, &str)], now: SystemTime) -> String {
    let names: Vec<&str> = dimensions.iter().map(|(name, _)| *name).collect();
    // With dimensions, also the total: an empty dimension set publishes the metric without any.
    let sets = if names.is_empty() {
        json!([names])
    } else {
        json!([names, []])
    };
    let mut line = Map::new();
    line.insert(
        "_aws".into(),
        json!({
            "Timestamp": unix_millis(now),
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": sets,
                "Metrics": [{ "Name": metric, "Unit": "Count" }],
            }],
        }),
    );
    for (name, value) in dimensions {
        line.insert((*name).into(), Value::String((*value).into()));
    }
    line.insert(metric.into(), json!(1));
    Value::Object(line).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn a_count_is_an_emf_object_naming_its_dimensions_and_value() {
        let at = UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
        let line = count_line(
            "WebhookRejected",
            &[("Route", "POST /twilio/room-status"), ("Reason", "invalid")],
            at,
        );
        let v: Value = serde_json::from_str(&line).unwrap();
        assert!(!line.contains('\n'));
        assert_eq!(v["_aws"]["Timestamp"], 1_700_000_000_123i64);
        let directive = &v["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], NAMESPACE);
        assert_eq!(directive["Dimensions"], json!([["Route", "Reason"], []]));
        assert_eq!(directive["Metrics"][0]["Name"], "WebhookRejected");
        assert_eq!(directive["Metrics"][0]["Unit"], "Count");
        assert_eq!(v["Route"], "POST /twilio/room-status");
        assert_eq!(v["Reason"], "invalid");
        assert_eq!(v["WebhookRejected"], 1);
    }

    #[test]
    fn a_count_without_dimensions_is_published_once_without_any() {
        let line = count_line(TOKENS_MINTED, &[], UNIX_EPOCH);
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["_aws"]["CloudWatchMetrics"][0]["Dimensions"], json!([[]]));
        assert_eq!(v[TOKENS_MINTED], 1);
    }

    #[test]
    fn catalog_names_are_unique_and_every_metric_names_its_emitters() {
        let mut seen = HashSet::new();
        for m in CATALOG {
            assert!(seen.insert(m.name), "{} listed twice", m.name);
            assert!(!m.emitted_by.is_empty(), "{} has no emitter", m.name);
            assert!(!m.meaning.is_empty());
        }
    }
}

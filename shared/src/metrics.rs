//! Metrics as CloudWatch Embedded Metric Format (EMF) log lines: one JSON object on stdout that
//! CloudWatch Logs turns into a metric. No SDK call, no extra latency, nothing to configure but
//! the log group the function already writes to.

use std::time::SystemTime;

use serde_json::{Map, Value, json};

use crate::clock::unix_millis;

/// The CloudWatch namespace of every metric this backend emits.
pub const NAMESPACE: &str = "TwilioVideoBackend";

/// Emits a count of one for `metric` with `dimensions`.
pub fn count(metric: &str, dimensions: &[(&str, &str)]) {
    println!("{}", count_line(metric, dimensions, SystemTime::now()));
}

/// The EMF line [`count`] writes, at `now`.
pub fn count_line(metric: &str, dimensions: &[(&str, &str)], now: SystemTime) -> String {
    let names: Vec<&str> = dimensions.iter().map(|(name, _)| *name).collect();
    let mut line = Map::new();
    line.insert(
        "_aws".into(),
        json!({
            "Timestamp": unix_millis(now),
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [names],
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
        assert_eq!(directive["Dimensions"], json!([["Route", "Reason"]]));
        assert_eq!(directive["Metrics"][0]["Name"], "WebhookRejected");
        assert_eq!(directive["Metrics"][0]["Unit"], "Count");
        assert_eq!(v["Route"], "POST /twilio/room-status");
        assert_eq!(v["Reason"], "invalid");
        assert_eq!(v["WebhookRejected"], 1);
    }
}

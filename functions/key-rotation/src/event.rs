//! The invocation's event, parsed: its id (the idempotency key) and what it asks for.
//!
//! Accepted shapes: an EventBridge scheduled event (`{"id":…,"detail-type":"Scheduled Event",
//! "detail":{}}`), the same with `detail` as a JSON string (as EventBridge Scheduler can deliver
//! it), or a hand-made `{"detail":{"dry_run":true}}`. Without an `id` the Lambda request id
//! stands in (Lambda keeps it across its own retries of an asynchronous invocation). Unknown
//! fields of `detail` are refused: a mistyped `dry_run` must not become a real rotation.

use serde::Deserialize;
use serde_json::Value;

/// The longest event id accepted (it becomes part of a DynamoDB key).
const MAX_ID_LEN: usize = 256;

/// What one invocation asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The event's id: the idempotency key of its rotation.
    pub id: String,
    /// Report what would be done, change nothing.
    pub dry_run: bool,
    /// Rotate (the rotation schedule, and by hand); `false` only finishes and revokes (the
    /// revocation sweep).
    pub rotate: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Detail {
    #[serde(default)]
    dry_run: bool,
    #[serde(default = "yes")]
    rotate: bool,
}

fn yes() -> bool {
    true
}

impl Request {
    /// Parses `payload`; `request_id` is the Lambda request id, used when the event has no id.
    pub fn parse(payload: &Value, request_id: &str) -> Result<Self, String> {
        let object = match payload {
            Value::Object(o) => o,
            Value::Null => &serde_json::Map::new(),
            _ => return Err("the event must be a JSON object".into()),
        };
        let id = match object.get("id") {
            Some(Value::String(id)) if !id.trim().is_empty() => id.trim().to_string(),
            None | Some(Value::Null) => request_id.trim().to_string(),
            Some(_) => return Err("the event's id must be a non-empty string".into()),
        };
        if id.is_empty() {
            return Err("the event has no id and the invocation no request id".into());
        }
        if id.len() > MAX_ID_LEN {
            return Err(format!("the event's id is longer than {MAX_ID_LEN} bytes"));
        }
        let detail = match object.get("detail") {
            None | Some(Value::Null) => Value::Object(Default::default()),
            Some(Value::String(s)) if s.trim().is_empty() => Value::Object(Default::default()),
            Some(Value::String(s)) => serde_json::from_str(s)
                .map_err(|_| "the event's detail string is not JSON".to_string())?,
            Some(other) => other.clone(),
        };
        let detail: Detail = serde_json::from_value(detail).map_err(|e| {
            format!("the event's detail must be {{\"dry_run\"?: bool, \"rotate\"?: bool}}: {e}")
        })?;
        Ok(Self {
            id,
            dry_run: detail.dry_run,
            rotate: detail.rotate,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_scheduled_event_rotates_under_its_own_id() {
        let event = json!({"version":"0","id":"53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
            "detail-type":"Scheduled Event","source":"aws.events","detail":{}});
        assert_eq!(
            Request::parse(&event, "req-1").unwrap(),
            Request {
                id: "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa".into(),
                dry_run: false,
                rotate: true
            }
        );
    }

    #[test]
    fn a_dry_run_is_asked_for_in_detail_or_in_a_detail_string() {
        let by_hand = Request::parse(&json!({"detail":{"dry_run":true}}), "req-1").unwrap();
        assert!(by_hand.dry_run);
        assert_eq!(by_hand.id, "req-1");
        let scheduler = json!({"id":"e1","detail":"{\"dry_run\":true}"});
        assert!(Request::parse(&scheduler, "req-1").unwrap().dry_run);
        let sweep = Request::parse(&json!({"detail":{"rotate":false}}), "r").unwrap();
        assert!(!sweep.rotate && !sweep.dry_run);
    }

    #[test]
    fn a_mistyped_or_malformed_event_is_refused() {
        for bad in [
            json!({"detail":{"dryrun":true}}),
            json!({"detail":{"dry_run":"yes"}}),
            json!({"detail":"not json"}),
            json!({"id": 5}),
            json!([1]),
            json!({"id": "x".repeat(300)}),
        ] {
            assert!(Request::parse(&bad, "r").is_err(), "{bad}");
        }
        assert!(Request::parse(&json!({}), "").is_err());
    }
}

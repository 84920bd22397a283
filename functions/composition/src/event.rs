//! A composition status callback parsed at the edge: which event, which composition of which
//! room, and what it reports (parameters as Twilio documents them). Events this code does not
//! know are recognised and ignored; a known one that lacks a field it needs is a 400.

use shared::error::ApiError;
use shared::names::{CompositionSid, RoomSid};
use shared::store::compositions::{CompositionEvent, CompositionStatus};
use shared::webhook::Callback;
use time::OffsetDateTime;
use time::format_description::well_known::{Rfc2822, Rfc3339};

/// A callback that reports on a composition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompositionCallback {
    /// `StatusCallbackEvent`.
    pub name: String,
    /// The raw `Timestamp`, part of the key when Twilio sends no idempotency token.
    pub timestamp: String,
    /// The event, for the composition record.
    pub event: CompositionEvent,
}

/// What a callback is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parsed {
    /// An event of a composition.
    Event(Box<CompositionCallback>),
    /// `composition-hook-failed`: a composition hook could not create one. We create
    /// compositions ourselves, so it is only logged and counted, once per delivery.
    HookFailed(HookFailure),
    /// Something this code does not act on.
    Ignored,
}

impl CompositionCallback {
    /// The callback's meaning.
    pub fn parse(callback: &Callback) -> Result<Parsed, ApiError> {
        if callback.json_body().is_some() {
            return Err(ApiError::bad_request(
                "invalid_body",
                "composition status callbacks are form bodies",
            ));
        }
        let name = required(callback, "StatusCallbackEvent")?;
        let (status, stage) = match name {
            "composition-enqueued" => (CompositionStatus::Enqueued, 1),
            "composition-started" => (CompositionStatus::Processing, 2),
            "composition-progress" => (CompositionStatus::Processing, 3),
            "composition-available" => (CompositionStatus::Completed, 4),
            "composition-failed" => (CompositionStatus::Failed, 4),
            "composition-hook-failed" => return Ok(Parsed::HookFailed(HookFailure::of(callback))),
            _ => return Ok(Parsed::Ignored),
        };
        let composition =
            CompositionSid::parse(required(callback, "CompositionSid")?, "CompositionSid")?;
        let room = RoomSid::parse(required(callback, "RoomSid")?, "RoomSid")?;
        let number = |field: &str| {
            callback
                .param(field)
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let error = (status == CompositionStatus::Failed).then(|| {
            let operation = callback
                .param("FailedOperation")
                .unwrap_or("unknown operation");
            let message = callback.param("ErrorMessage").unwrap_or("no message");
            format!("{operation}: {message}")
        });
        let timestamp = callback.param("Timestamp").unwrap_or("").to_string();
        Ok(Parsed::Event(Box::new(Self {
            name: name.to_string(),
            event: CompositionEvent {
                room_sid: room.to_string(),
                composition_sid: composition.to_string(),
                status,
                at_ms: millis(&timestamp),
                stage,
                media_uri: callback.param("MediaUri").map(str::to_string),
                size: number("Size"),
                duration_seconds: number("Duration"),
                percentage_done: number("PercentageDone"),
                error,
            },
            timestamp,
        })))
    }

    /// The key that identifies this callback when Twilio sends no idempotency token:
    /// composition, event and timestamp.
    pub fn fallback_key(&self) -> String {
        format!(
            "{}:{}:{}",
            self.event.composition_sid, self.name, self.timestamp
        )
    }
}

/// A `composition-hook-failed` callback: what is logged of it, and what identifies it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HookFailure {
    /// `CompositionHookSid` (`HK…`), empty when absent.
    pub hook_sid: String,
    /// `RoomSid`, empty when absent.
    pub room_sid: String,
    /// `FailedOperation` and `ErrorMessage`.
    pub error: String,
    /// The raw `Timestamp`.
    pub timestamp: String,
}

impl HookFailure {
    fn of(callback: &Callback) -> Self {
        let field = |name| callback.param(name).unwrap_or("").to_string();
        let operation = callback
            .param("FailedOperation")
            .unwrap_or("unknown operation");
        let message = callback.param("ErrorMessage").unwrap_or("no message");
        Self {
            hook_sid: field("CompositionHookSid"),
            room_sid: field("RoomSid"),
            error: format!("{operation}: {message}"),
            timestamp: field("Timestamp"),
        }
    }

    /// The key that identifies this callback when Twilio sends no idempotency token: hook,
    /// room, event and timestamp.
    pub fn fallback_key(&self) -> String {
        format!(
            "{}:{}:composition-hook-failed:{}",
            self.hook_sid, self.room_sid, self.timestamp
        )
    }
}

fn required<'a>(callback: &'a Callback, name: &str) -> Result<&'a str, ApiError> {
    callback
        .param(name)
        .ok_or_else(|| ApiError::bad_request("missing_field", format!("the callback lacks {name}")))
}

/// Twilio's `Timestamp` (ISO 8601, UTC) in Unix milliseconds; now when absent or unreadable,
/// since a slightly late time is better than refusing the event.
fn millis(raw: &str) -> i64 {
    OffsetDateTime::parse(raw, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(raw, &Rfc2822))
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
        .unwrap_or_else(|_| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as i64)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_keep_their_milliseconds() {
        assert_eq!(millis("2026-11-26T01:00:00.250Z"), 1_795_654_800_250);
        assert_eq!(millis("Thu, 26 Nov 2026 01:00:00 +0000"), 1_795_654_800_000);
        assert!(millis("soon") > 1_795_654_800_000 - 10 * 365 * 86_400_000);
    }
}

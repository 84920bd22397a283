//! A room status callback parsed at the edge: which event, which room, and what it changes in
//! the room's record and, for a participant event with its `ParticipantSid`, in the room's
//! presence. Track events and events this code does not know are recognised and ignored; a
//! known event that lacks a field it needs is a 400.

use sha2::{Digest, Sha256};
use shared::error::ApiError;
use shared::names::{ParticipantSid, RoomName, RoomSid};
use shared::store::rooms::participants::{Movement, ParticipantEvent};
use shared::store::rooms::{RoomChange, RoomUpdate};
use shared::webhook::Callback;
use time::OffsetDateTime;
use time::format_description::well_known::{Rfc2822, Rfc3339};

/// A room status callback that changes the room's record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomEvent {
    /// `StatusCallbackEvent`.
    pub name: String,
    /// `RoomSid`.
    pub room_sid: RoomSid,
    /// `SequenceNumber`, when sent.
    pub sequence: Option<String>,
    /// The change to the room's record.
    pub update: RoomUpdate,
    /// The change to the room's presence: a participant event that names its participant.
    pub participant: Option<ParticipantEvent>,
}

impl RoomEvent {
    /// The callback's event: `Ok(None)` for one that is accepted and ignored.
    pub fn parse(callback: &Callback) -> Result<Option<Self>, ApiError> {
        if callback.json_body().is_some() {
            return Err(ApiError::bad_request(
                "invalid_body",
                "room status callbacks are form bodies",
            ));
        }
        let name = required(callback, "StatusCallbackEvent")?;
        let at = || timestamp(callback.param("Timestamp"));
        let change = match name {
            "room-created" => RoomChange::Created { at: at() },
            "room-ended" => RoomChange::Ended {
                at: at(),
                duration_seconds: callback.param("RoomDuration").and_then(|d| d.parse().ok()),
            },
            "participant-connected" | "participant-disconnected" => RoomChange::ParticipantSeen {
                identity: required(callback, "ParticipantIdentity")?.to_string(),
            },
            "recording-started" | "recording-completed" | "recording-failed" => {
                RoomChange::Recorded
            }
            // track-added, -removed, -enabled, -disabled, and whatever Twilio adds later.
            _ => return Ok(None),
        };
        let room_sid = RoomSid::parse(required(callback, "RoomSid")?, "RoomSid")?;
        let participant = participant_event(callback, name, &room_sid)?;
        let unique_name = required(callback, "RoomName")?;
        let tenant = RoomName::parse(unique_name).map(|n| n.tenant().to_string());
        Ok(Some(Self {
            name: name.to_string(),
            sequence: callback.param("SequenceNumber").map(str::to_string),
            update: RoomUpdate {
                room_sid: room_sid.to_string(),
                unique_name: unique_name.to_string(),
                tenant,
                change,
            },
            participant,
            room_sid,
        }))
    }

    /// The key that identifies this callback when Twilio sends no idempotency token: room,
    /// event and sequence number; without a sequence number, a hash of every parameter.
    pub fn fallback_key(&self, callback: &Callback) -> String {
        let tail = match &self.sequence {
            Some(sequence) => sequence.clone(),
            None => {
                let mut params = callback.params().to_vec();
                params.sort();
                let mut hash = Sha256::new();
                for (name, value) in &params {
                    hash.update(name.as_bytes());
                    hash.update([0]);
                    hash.update(value.as_bytes());
                    hash.update([0]);
                }
                format!("sha256:{}", hex::encode(hash.finalize()))
            }
        };
        format!("{}:{}:{tail}", self.room_sid, self.name)
    }
}

/// The presence change of a participant event: none for other events, or when Twilio names no
/// `ParticipantSid` (the record still learns the identity).
fn participant_event(
    callback: &Callback,
    name: &str,
    room_sid: &RoomSid,
) -> Result<Option<ParticipantEvent>, ApiError> {
    let movement = match name {
        "participant-connected" => Movement::Connected,
        "participant-disconnected" => Movement::Disconnected,
        _ => return Ok(None),
    };
    let Some(sid) = callback.param("ParticipantSid") else {
        return Ok(None);
    };
    Ok(Some(ParticipantEvent {
        room_sid: room_sid.to_string(),
        participant_sid: ParticipantSid::parse(sid, "ParticipantSid")?.to_string(),
        identity: required(callback, "ParticipantIdentity")?.to_string(),
        movement,
        at_ms: timestamp_ms(callback.param("Timestamp")),
    }))
}

fn required<'a>(callback: &'a Callback, name: &str) -> Result<&'a str, ApiError> {
    callback
        .param(name)
        .ok_or_else(|| ApiError::bad_request("missing_field", format!("the callback lacks {name}")))
}

/// Twilio's `Timestamp` (ISO 8601, UTC) in Unix seconds; now when absent or unreadable, since a
/// slightly late time is better than refusing the event.
fn timestamp(raw: Option<&str>) -> i64 {
    timestamp_ms(raw).div_euclid(1000)
}

/// The same in Unix milliseconds: the order of a participant's events within a second.
fn timestamp_ms(raw: Option<&str>) -> i64 {
    raw.and_then(|t| {
        OffsetDateTime::parse(t, &Rfc3339)
            .or_else(|_| OffsetDateTime::parse(t, &Rfc2822))
            .ok()
    })
    .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
    .unwrap_or_else(|| shared::clock::unix_millis(std::time::SystemTime::now()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_read_as_iso_8601_or_rfc_2822() {
        assert_eq!(timestamp(Some("2026-11-26T01:00:00.000Z")), 1_795_654_800);
        assert_eq!(
            timestamp(Some("Thu, 26 Nov 2026 01:00:00 +0000")),
            1_795_654_800
        );
        assert_eq!(
            timestamp_ms(Some("2026-11-26T01:00:00.250Z")),
            1_795_654_800_250
        );
        let now = shared::clock::now_unix();
        assert!(timestamp(Some("yesterday")) >= now);
        assert!(timestamp(None) >= now);
    }
}

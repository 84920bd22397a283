//! Video v1 participants, and the room status callbacks Twilio sends about them:
//!
//! - disconnect a participant (`participant-disconnected`); any participant SID of an
//!   in-progress room is taken as connected, since without a media plane a client may have
//!   joined without the fake knowing;
//! - `join` stands in for a client connecting with an Access Token (not a Twilio API):
//!   `participant-connected`, and in a room that records (`RecordParticipantsOnConnect`),
//!   `recording-started`.

use axum::body::Body;
use http::{Response, StatusCode};
use serde_json::json;
use shared::clock::{now_unix, rfc3339};

use super::State;
use super::answers::{Params, bad, field, not_found, ok, sid};
use super::callbacks::Callbacks;

impl State {
    /// `POST /v1/Rooms/{RoomSid}/Participants/{ParticipantSid}` with `Status=disconnected`.
    pub(super) fn disconnect(
        &mut self,
        room: &str,
        participant: &str,
        form: &Params,
        path: &str,
        out: &Callbacks,
    ) -> Response<Body> {
        if field(form, "Status") != Some("disconnected") {
            return bad(53209, "Participant status is invalid");
        }
        let account = self.account_sid.clone();
        let sid = self.room_sid(room);
        // Only an in-progress room has connected participants to remove.
        let Some(room) = sid
            .and_then(|s| self.rooms.get_mut(&s))
            .filter(|r| r.in_progress())
        else {
            return not_found(path);
        };
        let now = now_unix();
        let known = room
            .participants
            .iter_mut()
            .find(|p| p.0 == participant && p.3);
        let identity = known.map(|p| {
            p.3 = false;
            (p.1.clone(), p.2)
        });
        if let Some((identity, at)) = &identity {
            let extra = left(participant, identity, now - at);
            room.callback(out, &account, "participant-disconnected", extra);
        }
        ok(
            StatusCode::OK,
            json!({
                "sid": participant, "room_sid": room.resource["sid"], "account_sid": account,
                "identity": identity.map(|(i, _)| i), "status": "disconnected",
                "end_time": rfc3339(now),
            }),
        )
    }

    /// `POST {PREFIX}/dev/rooms/{RoomSid}/participants` with `Identity`: a client connects.
    pub(super) fn join(
        &mut self,
        room: &str,
        form: &Params,
        path: &str,
        out: &Callbacks,
    ) -> Response<Body> {
        let Some(identity) = field(form, "Identity").filter(|i| !i.is_empty()) else {
            return bad(20001, "Missing required parameter Identity");
        };
        let account = self.account_sid.clone();
        let Some(room) = self.room_sid(room).and_then(|s| self.rooms.get_mut(&s)) else {
            return not_found(path);
        };
        if !room.in_progress() {
            return bad(53118, "Room completed");
        }
        let connected = room.participants.iter().filter(|p| p.3).count();
        if room.resource["max_participants"].as_u64() <= Some(connected as u64) {
            return bad(53105, "Room contains too many Participants");
        }
        let (participant, now) = (sid("PA"), now_unix());
        room.participants
            .push((participant.clone(), identity.to_string(), now, true));
        let extra = vec![
            ("ParticipantSid", participant.clone()),
            ("ParticipantIdentity", identity.to_string()),
            ("ParticipantStatus", "connected".to_string()),
        ];
        room.callback(out, &account, "participant-connected", extra);
        if room.resource["record_participants_on_connect"] == true {
            let recording = sid("RT");
            room.recordings.push(recording.clone());
            let extra = vec![
                ("RecordingSid", recording),
                ("ParticipantSid", participant.clone()),
                ("TrackKind", "audio".to_string()),
            ];
            room.callback(out, &account, "recording-started", extra);
        }
        ok(
            StatusCode::CREATED,
            json!({
                "sid": participant, "room_sid": room.resource["sid"], "account_sid": account,
                "identity": identity, "status": "connected", "start_time": rfc3339(now),
                "end_time": null, "duration": null,
            }),
        )
    }
}

/// The fields of `participant-disconnected`.
pub(super) fn left(participant: &str, identity: &str, seconds: i64) -> Vec<(&'static str, String)> {
    vec![
        ("ParticipantSid", participant.to_string()),
        ("ParticipantIdentity", identity.to_string()),
        ("ParticipantStatus", "disconnected".to_string()),
        ("ParticipantDuration", seconds.to_string()),
    ]
}

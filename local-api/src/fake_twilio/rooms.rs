//! Video v1 rooms, and the room status callbacks Twilio sends about them:
//!
//! - create (`room-created`; 53113 for a name in progress), fetch, complete (53118 for a room
//!   no longer in progress; `participant-disconnected` for whoever is still connected,
//!   `recording-completed` for each recording, then `room-ended`);
//! - participants: `participants.rs`.

use axum::body::Body;
use http::{Response, StatusCode};
use serde_json::{Value, json};
use shared::clock::{now_unix, rfc3339};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::State;
use super::answers::{Params, bad, field, iso_millis, not_found, now_millis, ok, sid};
use super::callbacks::{Callbacks, Kind};

/// A room: Twilio's JSON, and what its callbacks need.
pub(super) struct Room {
    /// As Twilio's JSON.
    pub(super) resource: Value,
    /// Participants who joined, connected or not: (SID, identity, connected at, connected).
    pub(super) participants: Vec<(String, String, i64, bool)>,
    /// Recording SIDs (`RT…`).
    pub(super) recordings: Vec<String>,
    /// The next callback's `SequenceNumber`.
    sequence: u64,
}

impl Room {
    /// Whether it is `in-progress`.
    pub(super) fn in_progress(&self) -> bool {
        self.resource["status"] == "in-progress"
    }

    /// Sends callback `event` with the room's fields, then `extra`.
    pub(super) fn callback(
        &mut self,
        out: &Callbacks,
        account: &str,
        event: &str,
        extra: Vec<(&str, String)>,
    ) {
        let r = &self.resource;
        let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
        let mut params = vec![
            ("AccountSid", account.to_string()),
            ("RoomName", text(&r["unique_name"])),
            ("RoomSid", text(&r["sid"])),
            ("RoomStatus", text(&r["status"])),
            ("RoomType", text(&r["type"])),
            ("StatusCallbackEvent", event.to_string()),
            ("Timestamp", iso_millis(now_millis())),
            ("SequenceNumber", self.sequence.to_string()),
        ];
        params.extend(extra);
        self.sequence += 1;
        out.send(Kind::Room, r["status_callback"].as_str(), params);
    }
}

impl State {
    /// A room's SID by SID (any status), or by unique name (in progress only, as Twilio
    /// resolves it).
    pub(super) fn room_sid(&self, sid_or_name: &str) -> Option<String> {
        if self.rooms.contains_key(sid_or_name) {
            return Some(sid_or_name.to_string());
        }
        self.rooms
            .iter()
            .find(|(_, r)| r.resource["unique_name"] == sid_or_name && r.in_progress())
            .map(|(sid, _)| sid.clone())
    }

    /// `POST /v1/Rooms`.
    pub(super) fn create_room(&mut self, form: &Params, out: &Callbacks) -> Response<Body> {
        let sid = sid("RM");
        let name = form
            .get("UniqueName")
            .cloned()
            .unwrap_or_else(|| sid.clone());
        if self
            .room_sid(&name)
            .is_some_and(|s| self.rooms[&s].in_progress())
        {
            return bad(53113, "Room exists");
        }
        let max = match form.get("MaxParticipants").map(|m| m.parse::<u32>()) {
            None => 50,
            Some(Ok(n)) if (1..=50).contains(&n) => n,
            Some(_) => return bad(53107, "MaxParticipants invalid"),
        };
        let now = rfc3339(now_unix());
        let resource = json!({
            "sid": sid, "unique_name": name, "status": "in-progress",
            "account_sid": self.account_sid,
            "type": field(form, "Type").unwrap_or("group"), "max_participants": max,
            "record_participants_on_connect":
                form.get("RecordParticipantsOnConnect").is_some_and(|r| r == "true"),
            "status_callback": form.get("StatusCallback"),
            "status_callback_method": field(form, "StatusCallbackMethod").unwrap_or("POST"),
            "date_created": now, "date_updated": now, "end_time": null, "duration": null,
            "url": format!("https://video.twilio.com/v1/Rooms/{sid}"),
        });
        let mut room = Room {
            resource: resource.clone(),
            participants: Vec::new(),
            recordings: Vec::new(),
            sequence: 0,
        };
        room.callback(out, &self.account_sid, "room-created", vec![]);
        self.rooms.insert(sid, room);
        ok(StatusCode::CREATED, resource)
    }

    /// `GET /v1/Rooms/{RoomSid or UniqueName}`.
    pub(super) fn fetch_room(&self, sid_or_name: &str, path: &str) -> Response<Body> {
        match self.room_sid(sid_or_name) {
            Some(sid) => ok(StatusCode::OK, self.rooms[&sid].resource.clone()),
            None => not_found(path),
        }
    }

    /// `POST /v1/Rooms/{RoomSid or UniqueName}` with `Status=completed`.
    pub(super) fn update_room(
        &mut self,
        sid_or_name: &str,
        form: &Params,
        path: &str,
        out: &Callbacks,
    ) -> Response<Body> {
        if field(form, "Status") != Some("completed") {
            return bad(53112, "Status is invalid");
        }
        let account = self.account_sid.clone();
        let sid = self.room_sid(sid_or_name);
        let Some(room) = sid.and_then(|s| self.rooms.get_mut(&s)) else {
            return not_found(path);
        };
        if !room.in_progress() {
            return bad(53118, "Room completed");
        }
        let now = now_unix();
        let started = room.resource["date_created"]
            .as_str()
            .and_then(|d| OffsetDateTime::parse(d, &Rfc3339).ok())
            .map_or(now, |d| d.unix_timestamp());
        let r = &mut room.resource;
        r["status"] = json!("completed");
        r["end_time"] = json!(rfc3339(now));
        r["date_updated"] = json!(rfc3339(now));
        r["duration"] = json!(now - started);
        let connected: Vec<(String, String, i64)> = room
            .participants
            .iter_mut()
            .filter(|p| p.3)
            .map(|p| {
                p.3 = false;
                (p.0.clone(), p.1.clone(), p.2)
            })
            .collect();
        for (participant, identity, at) in connected {
            let extra = super::participants::left(&participant, &identity, now - at);
            room.callback(out, &account, "participant-disconnected", extra);
        }
        for recording in room.recordings.clone() {
            let extra = vec![("RecordingSid", recording)];
            room.callback(out, &account, "recording-completed", extra);
        }
        let extra = vec![("RoomDuration", (now - started).to_string())];
        room.callback(out, &account, "room-ended", extra);
        ok(StatusCode::OK, room.resource.clone())
    }
}

//! What the admin routes answer: the room and participant views, the one "no such room" answer,
//! and how an action ends when its Twilio call fails.

use serde_json::{Value, json};
use shared::error::ApiError;
use shared::names::RoomName;
use shared::twilio::TwilioError;
use shared::twilio::rooms::{Participant, Room};

use crate::trail::Finish;

/// The answer for a room that does not exist and for one of another tenant: the same, so that
/// it tells nothing about rooms that are not the caller's.
pub(crate) fn room_not_found() -> ApiError {
    ApiError::not_found("room_not_found", "no such room")
}

/// A room as the admin routes answer it: Twilio's fields, and our `type` and `id`.
pub(crate) fn room_view(room: &Room) -> Value {
    let mut view = serde_json::to_value(room).unwrap_or_else(|_| json!({}));
    if let Some(name) = room.unique_name.as_deref().and_then(RoomName::parse) {
        view["room"] = json!({ "type": name.kind(), "id": name.id() });
    }
    view
}

/// A participant as the disconnect route answers it.
pub(crate) fn participant_view(participant: &Participant) -> Value {
    serde_json::to_value(participant).unwrap_or_else(|_| json!({}))
}

/// How an action ends when a Twilio call failed with no answer special to the route: the
/// crate's one mapping, and for a call that changes something, whether it may still have acted
/// (lost in transit after it was sent), which the audit trail must know.
pub(crate) fn failed_call(error: &TwilioError, changes: bool) -> Finish {
    Finish::failed(ApiError::from(error))
        .maybe_acted(changes && error.maybe_sent())
        .request_id(error.request_id())
}

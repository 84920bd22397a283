//! What the admin routes answer: the room and participant views, the one "no such room" answer,
//! and Twilio's failures mapped to our error shape (their detail is logged, never sent).

use http::StatusCode;
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

/// Whether Twilio said "not found".
pub(crate) fn is_not_found(error: &TwilioError) -> bool {
    error.status() == Some(404) || error.code() == Some(shared::twilio::rooms::NOT_FOUND)
}

/// Whether a call failed in transit after it may have reached Twilio.
fn maybe_sent(error: &TwilioError) -> bool {
    matches!(
        error,
        TwilioError::Transport {
            maybe_sent: true,
            ..
        }
    )
}

/// How an action ends when a Twilio call that changes something failed with no specific
/// answer: one lost in transit may still have acted, which the audit trail must know.
pub(crate) fn failed_change(error: TwilioError) -> Finish {
    let (id, acted) = (request_id(&error), maybe_sent(&error));
    Finish::failed(twilio_failure(error))
        .maybe_acted(acted)
        .request_id(id)
}

/// A Twilio failure the route has no specific answer for.
pub(crate) fn twilio_failure(error: TwilioError) -> ApiError {
    match &error {
        TwilioError::Api { status, .. } if *status == 429 || *status >= 500 => {
            let retry = error_retry_after(&error);
            let e = ApiError::unavailable(&error);
            match retry {
                Some(s) => e.with_retry_after(s),
                None => e,
            }
        }
        // Our credentials refused: an operator's problem, not the caller's.
        TwilioError::Api {
            status: 401 | 403, ..
        } => ApiError::internal(&error),
        TwilioError::Api { .. } => {
            tracing::error!(error = %error, "twilio refused the request");
            ApiError::new(
                StatusCode::BAD_GATEWAY,
                "twilio_rejected",
                "Twilio refused the request",
            )
        }
        TwilioError::Transport { .. } | TwilioError::Credentials(_) => {
            ApiError::unavailable(&error)
        }
        TwilioError::Decode(_) => ApiError::internal(&error),
    }
}

fn error_retry_after(error: &TwilioError) -> Option<u64> {
    match error {
        TwilioError::Api { retry_after, .. } => *retry_after,
        _ => None,
    }
}

/// The `Twilio-Request-Id` of a failed call, when Twilio answered.
pub(crate) fn request_id(error: &TwilioError) -> Option<String> {
    match error {
        TwilioError::Api { request_id, .. } => request_id.clone(),
        _ => None,
    }
}

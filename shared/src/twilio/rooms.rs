//! Video v1 Rooms, as far as moderation needs them: create, fetch (by SID or by unique name),
//! complete, and disconnect a participant. Paths and form fields follow Twilio's OpenAPI
//! description of Video v1 (`twilio_video_v1.json`):
//!
//! - `POST /v1/Rooms` (`UniqueName`, `Type`, `MaxParticipants`, `RecordParticipantsOnConnect`,
//!   `StatusCallback`, `StatusCallbackMethod`) → 201;
//! - `GET /v1/Rooms/{Sid}` → 200, where `{Sid}` may also be an in-progress room's unique name;
//! - `POST /v1/Rooms/{Sid}` (`Status=completed`) → 202;
//! - `POST /v1/Rooms/{RoomSid}/Participants/{Sid}` (`Status=disconnected`) → 202.
//!
//! Our unique names contain `:`, which is reserved in URLs, so every path segment is
//! percent-encoded here rather than trusted to the URL library (which leaves `:` alone).
//!
//! Creating a room of a name, race-free, is [`open`].

mod open;
mod resources;
mod template;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use tokio::time::Instant;
use url::Url;

use super::{Call, Form, TwilioClient, TwilioError};
use crate::names::{ParticipantSid, RoomSid};
use crate::secrets::TwilioCredentials;

pub use open::{OpenError, Opened};
pub use resources::{Participant, ParticipantStatus, Room, RoomStatus};
pub use template::{ROOM_STATUS_PATH, RoomTemplate};

/// Twilio's error code for "a room with this unique name is already in progress".
pub const ROOM_EXISTS: u32 = 53113;
/// Twilio's error code for "the room is completed" (an update of a room that has ended).
pub const ROOM_COMPLETED: u32 = 53118;

/// Everything but RFC 3986's unreserved characters is encoded, `:` included.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// What Twilio answered, with the `Twilio-Request-Id` that the audit log keeps.
#[derive(Clone, Debug)]
pub struct Reply<T> {
    /// The decoded resource.
    pub value: T,
    /// `Twilio-Request-Id`.
    pub request_id: Option<String>,
}

/// The room to create.
#[derive(Clone, Debug)]
pub struct NewRoom<'a> {
    /// `UniqueName`.
    pub unique_name: &'a str,
    /// `Type` (`VIDEO_ROOM_TYPE`).
    pub room_type: &'a str,
    /// `MaxParticipants`.
    pub max_participants: u32,
    /// `RecordParticipantsOnConnect`.
    pub record: bool,
    /// `StatusCallback`, called with POST.
    pub status_callback: &'a str,
}

/// The Rooms API on a [`TwilioClient`], at `TWILIO_VIDEO_BASE_URL`.
#[derive(Clone, Debug)]
pub struct Rooms {
    client: TwilioClient,
    base: Url,
}

impl Rooms {
    /// Rooms under `base` (`https://video.twilio.com` in production).
    pub fn new(client: TwilioClient, base: Url) -> Self {
        Self { client, base }
    }

    /// Creates a room. A room of that unique name already in progress fails with code
    /// [`ROOM_EXISTS`]. Not repeated after a failure in transit that may have reached Twilio.
    pub async fn create(
        &self,
        creds: &TwilioCredentials,
        room: &NewRoom<'_>,
        deadline: Instant,
    ) -> Result<Reply<Room>, TwilioError> {
        let form = Form::new()
            .text("UniqueName", room.unique_name)
            .text("Type", room.room_type)
            .num("MaxParticipants", room.max_participants)
            .bool("RecordParticipantsOnConnect", room.record)
            .text("StatusCallback", room.status_callback)
            .text("StatusCallbackMethod", "POST");
        let call = Call::create(self.url(&["v1", "Rooms"]), form);
        self.send(creds, &call, deadline).await
    }

    /// Fetches a room by SID.
    pub async fn fetch(
        &self,
        creds: &TwilioCredentials,
        sid: &RoomSid,
        deadline: Instant,
    ) -> Result<Reply<Room>, TwilioError> {
        let call = Call::get(self.url(&["v1", "Rooms", sid.as_str()]));
        self.send(creds, &call, deadline).await
    }

    /// Fetches the in-progress room of a unique name (Twilio resolves names of in-progress
    /// rooms only; an ended room's name is a 404).
    pub async fn fetch_by_name(
        &self,
        creds: &TwilioCredentials,
        unique_name: &str,
        deadline: Instant,
    ) -> Result<Reply<Room>, TwilioError> {
        let call = Call::get(self.url(&["v1", "Rooms", unique_name]));
        self.send(creds, &call, deadline).await
    }

    /// Ends a room (`Status=completed`); safe to repeat.
    pub async fn complete(
        &self,
        creds: &TwilioCredentials,
        sid: &RoomSid,
        deadline: Instant,
    ) -> Result<Reply<Room>, TwilioError> {
        let form = Form::new().text("Status", "completed");
        let call = Call::update(self.url(&["v1", "Rooms", sid.as_str()]), form);
        self.send(creds, &call, deadline).await
    }

    /// Removes a participant from a room (`Status=disconnected`); safe to repeat.
    pub async fn disconnect(
        &self,
        creds: &TwilioCredentials,
        room: &RoomSid,
        participant: &ParticipantSid,
        deadline: Instant,
    ) -> Result<Reply<Participant>, TwilioError> {
        let form = Form::new().text("Status", "disconnected");
        let url = self.url(&[
            "v1",
            "Rooms",
            room.as_str(),
            "Participants",
            participant.as_str(),
        ]);
        self.send(creds, &Call::update(url, form), deadline).await
    }

    async fn send<T: serde::de::DeserializeOwned>(
        &self,
        creds: &TwilioCredentials,
        call: &Call,
        deadline: Instant,
    ) -> Result<Reply<T>, TwilioError> {
        let response = self.client.send(creds, call, deadline).await?;
        Ok(Reply {
            value: response.json()?,
            request_id: response.request_id,
        })
    }

    /// `base` with `segments` appended, each percent-encoded.
    fn url(&self, segments: &[&str]) -> Url {
        url_under(&self.base, segments)
    }
}

/// `base` (which may carry a path prefix) with `segments` appended, each percent-encoded.
fn url_under(base: &Url, segments: &[&str]) -> Url {
    let mut path = base.path().trim_end_matches('/').to_string();
    for segment in segments {
        path.push('/');
        path.extend(utf8_percent_encode(segment, SEGMENT));
    }
    let mut url = base.clone();
    url.set_path(&path);
    url
}

#[cfg(test)]
mod tests;

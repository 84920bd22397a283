//! Opening a room of a unique name: the one path by which this system creates rooms, for
//! `/admin/rooms` and for `/video/token` (`ROOM_CREATION=on_join`) alike.
//!
//! Twilio keeps the unique names of in-progress rooms unique, which makes it the lock: of any
//! number of concurrent opens, one creates the room (201) and the others get 53113 ("room
//! exists"), after which they fetch the in-progress room by name. A room that ends between the
//! 53113 and the fetch (a 404) is created again. Twilio's own token server fetches first and
//! then creates, and answers 500 when two callers create at once; here no order of callers can
//! fail that way.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::time::Instant;

use super::{NewRoom, ROOM_EXISTS, Reply, Room, RoomStatus, Rooms};
use crate::secrets::TwilioCredentials;
use crate::twilio::TwilioError;

/// How many creates are tried when the room of that name keeps ending while we look at it.
const OPEN_ATTEMPTS: usize = 2;

/// The in-progress room of the name.
#[derive(Clone, Debug)]
pub struct Opened {
    /// The room, as Twilio answered.
    pub room: Room,
    /// Whether this call created it (else it found it in progress).
    pub created: bool,
    /// The `Twilio-Request-Id` of the answer that gave the room.
    pub request_id: Option<String>,
}

impl Opened {
    fn from(reply: Reply<Room>, created: bool) -> Self {
        Self {
            room: reply.value,
            created,
            request_id: reply.request_id,
        }
    }

    /// When Twilio created the room (Unix seconds), if it said in a form we read.
    pub fn created_at(&self) -> Option<i64> {
        let raw = self.room.date_created.as_deref()?;
        OffsetDateTime::parse(raw, &Rfc3339)
            .ok()
            .map(OffsetDateTime::unix_timestamp)
    }
}

/// Why no room could be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The create failed (other than with 53113); it may have reached Twilio.
    #[error("creating the room failed: {0}")]
    Create(TwilioError),
    /// The fetch of the in-progress room failed (other than with a 404).
    #[error("fetching the in-progress room failed: {0}")]
    Fetch(TwilioError),
    /// The room of that name kept ending while it was being opened.
    #[error("the room of this name kept ending while it was being created")]
    Busy,
}

impl Rooms {
    /// The in-progress room of `room.unique_name`, created with `room`'s settings if there is
    /// none.
    pub async fn open(
        &self,
        creds: &TwilioCredentials,
        room: &NewRoom<'_>,
        deadline: Instant,
    ) -> Result<Opened, OpenError> {
        for _ in 0..OPEN_ATTEMPTS {
            match self.create(creds, room, deadline).await {
                Ok(reply) => return Ok(Opened::from(reply, true)),
                Err(e) if e.code() == Some(ROOM_EXISTS) => {}
                Err(e) => return Err(OpenError::Create(e)),
            }
            match self.fetch_by_name(creds, room.unique_name, deadline).await {
                Ok(reply) if reply.value.status == RoomStatus::InProgress => {
                    return Ok(Opened::from(reply, false));
                }
                // It ended between Twilio's 53113 and our fetch: create it again.
                Ok(_) => continue,
                Err(e) if e.is_not_found() => continue,
                Err(e) => return Err(OpenError::Fetch(e)),
            }
        }
        Err(OpenError::Busy)
    }
}

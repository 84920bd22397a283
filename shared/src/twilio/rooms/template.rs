//! How this deployment creates rooms, read once from the configuration: `/admin/rooms` and a
//! first join (`ROOM_CREATION=on_join`) create them alike.

use super::NewRoom;
use crate::config::{Config, ConfigError};

/// Where Twilio sends room status callbacks, under `PUBLIC_BASE_URL`.
pub const ROOM_STATUS_PATH: &str = "/twilio/room-status";

/// The settings every room this backend creates shares: `VIDEO_ROOM_TYPE`, the cap of
/// `VIDEO_MAX_PARTICIPANTS`, and the status callback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomTemplate {
    room_type: String,
    max_participants: u32,
    status_callback: String,
}

impl RoomTemplate {
    /// Reads it; fails naming `PUBLIC_BASE_URL` when it is unset (the status callback needs it).
    pub fn of(config: &Config) -> Result<Self, ConfigError> {
        Ok(Self {
            room_type: config.video_room_type.clone(),
            max_participants: config.video_max_participants,
            status_callback: config.public_url(ROOM_STATUS_PATH)?,
        })
    }

    /// `VIDEO_MAX_PARTICIPANTS`: a room's cap when none is asked for, and the most one may ask.
    pub fn max_participants(&self) -> u32 {
        self.max_participants
    }

    /// The room `unique_name`, capped at `max_participants`, recording when `record`.
    pub fn room<'a>(
        &'a self,
        unique_name: &'a str,
        max_participants: u32,
        record: bool,
    ) -> NewRoom<'a> {
        NewRoom {
            unique_name,
            room_type: &self.room_type,
            max_participants,
            record,
            status_callback: &self.status_callback,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rooms_take_the_configured_type_and_the_callback_under_the_public_base_url() {
        let config = Config::from_lookup(|name| match name {
            "PUBLIC_BASE_URL" => Some("https://video.example.com".into()),
            "VIDEO_MAX_PARTICIPANTS" => Some("10".into()),
            _ => None,
        })
        .unwrap();
        let template = RoomTemplate::of(&config).unwrap();
        assert_eq!(template.max_participants(), 10);
        let room = template.room("acme:class:1", 4, true);
        assert_eq!(room.room_type, "group");
        assert_eq!((room.max_participants, room.record), (4, true));
        assert_eq!(
            room.status_callback,
            "https://video.example.com/twilio/room-status"
        );
        let unset = Config::from_lookup(|_| None).unwrap();
        assert_eq!(RoomTemplate::of(&unset).unwrap_err().var, "PUBLIC_BASE_URL");
    }
}

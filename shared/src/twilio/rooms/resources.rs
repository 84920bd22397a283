//! A room and a participant as Twilio describes them (the fields we use), decoded from its JSON;
//! a status this code does not know yet decodes as `Unknown`.

use serde::{Deserialize, Serialize};

/// A room's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RoomStatus {
    /// Participants may connect.
    InProgress,
    /// The room has ended.
    Completed,
    /// The room failed.
    Failed,
    /// A status this code does not know yet: treated as "not in progress".
    #[serde(other)]
    Unknown,
}

/// A Video room, as Twilio describes it (the fields we use).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    /// `RM…`
    pub sid: String,
    /// The unique name (ours: `{tenant}:{type}:{id}`).
    #[serde(default)]
    pub unique_name: Option<String>,
    /// In progress, completed or failed.
    pub status: RoomStatus,
    /// Twilio's room type (`group`, …).
    #[serde(rename = "type", default)]
    pub room_type: Option<String>,
    /// Cap on concurrent participants.
    #[serde(default)]
    pub max_participants: Option<u32>,
    /// Whether participants are recorded when they connect.
    #[serde(default)]
    pub record_participants_on_connect: Option<bool>,
    /// When the room was created (ISO 8601, UTC).
    #[serde(default)]
    pub date_created: Option<String>,
    /// When the room was last updated (ISO 8601, UTC).
    #[serde(default)]
    pub date_updated: Option<String>,
    /// When the room ended, if it has.
    #[serde(default)]
    pub end_time: Option<String>,
    /// How long the room lasted, in seconds, once ended.
    #[serde(default)]
    pub duration: Option<u64>,
}

/// A participant's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ParticipantStatus {
    /// Connected.
    Connected,
    /// Disconnected.
    Disconnected,
    /// Reconnecting.
    Reconnecting,
    /// A status this code does not know yet.
    #[serde(other)]
    Unknown,
}

/// A room participant (the fields we use).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    /// `PA…`
    pub sid: String,
    /// The room's `RM…`.
    #[serde(default)]
    pub room_sid: Option<String>,
    /// The participant's identity.
    #[serde(default)]
    pub identity: Option<String>,
    /// Connected, disconnected, …
    pub status: ParticipantStatus,
}

//! The record of each room, kept from Twilio's room status callbacks: tenant, status,
//! participants seen, whether tracks were recorded, times and the composition made of it.
//!
//! Callbacks arrive concurrently and out of order, so each one is applied as one atomic update
//! that only adds to the record: a participant joins the set, `recorded` only turns true, and a
//! room that ended stays ended whatever arrives after.
//!
//! Beside the record, per room: what its unique name stands for ([`names`]) and who is in it
//! ([`participants`]).

pub mod names;
pub mod participants;

use std::collections::BTreeSet;

use async_trait::async_trait;

use super::StoreError;

/// Where a room stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoomStatus {
    /// Created, not ended.
    InProgress,
    /// Ended (`room-ended`).
    Completed,
}

/// What is known of one room.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomRecord {
    /// `RM…`.
    pub room_sid: String,
    /// The room's unique name as Twilio reports it.
    pub unique_name: String,
    /// The tenant, when the unique name is one of ours (`{tenant}:{type}:{id}`).
    pub tenant: Option<String>,
    /// In progress or completed.
    pub status: RoomStatus,
    /// Every participant identity seen connecting or disconnecting.
    pub participants: BTreeSet<String>,
    /// Whether a recording callback arrived: the room has tracks to compose.
    pub recorded: bool,
    /// When the room was created (Unix seconds), from `room-created`.
    pub created_at: Option<i64>,
    /// When it ended (Unix seconds), from `room-ended`.
    pub ended_at: Option<i64>,
    /// How long it lasted, in seconds, as Twilio reports it.
    pub duration_seconds: Option<u64>,
    /// The composition created of its tracks (`CJ…`).
    pub composition_sid: Option<String>,
}

impl RoomRecord {
    /// A record with nothing known but the room's names.
    pub fn new(room_sid: &str, unique_name: &str, tenant: Option<&str>) -> Self {
        Self {
            room_sid: room_sid.to_string(),
            unique_name: unique_name.to_string(),
            tenant: tenant.map(str::to_string),
            status: RoomStatus::InProgress,
            participants: BTreeSet::new(),
            recorded: false,
            created_at: None,
            ended_at: None,
            duration_seconds: None,
            composition_sid: None,
        }
    }

    /// Applies one callback's `update` as the stores do: the unique name as reported, the
    /// tenant when the callback names one, and its change.
    pub fn merge(&mut self, update: &RoomUpdate) {
        self.unique_name.clone_from(&update.unique_name);
        if update.tenant.is_some() {
            self.tenant.clone_from(&update.tenant);
        }
        self.apply(&update.change);
    }

    /// Applies `change` as the stores do: only ever adding to what is known.
    pub fn apply(&mut self, change: &RoomChange) {
        match change {
            RoomChange::Created { at } => {
                self.created_at.get_or_insert(*at);
            }
            RoomChange::Ended {
                at,
                duration_seconds,
            } => {
                self.status = RoomStatus::Completed;
                self.ended_at = Some(*at);
                if duration_seconds.is_some() {
                    self.duration_seconds = *duration_seconds;
                }
            }
            RoomChange::ParticipantSeen { identity } => {
                self.participants.insert(identity.clone());
            }
            RoomChange::Recorded => self.recorded = true,
        }
    }

    /// Whether a composition is due: the room ended, had recorded tracks, and has none yet.
    pub fn needs_composition(&self) -> bool {
        self.status == RoomStatus::Completed && self.recorded && self.composition_sid.is_none()
    }
}

/// What one callback changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoomChange {
    /// `room-created`.
    Created {
        /// Unix seconds.
        at: i64,
    },
    /// `room-ended`.
    Ended {
        /// Unix seconds.
        at: i64,
        /// `RoomDuration`, when sent.
        duration_seconds: Option<u64>,
    },
    /// `participant-connected` or `participant-disconnected`.
    ParticipantSeen {
        /// The participant's identity.
        identity: String,
    },
    /// `recording-started`, `-completed` or `-failed`.
    Recorded,
}

/// One callback's update of a room.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomUpdate {
    /// `RM…`.
    pub room_sid: String,
    /// The unique name the callback reports.
    pub unique_name: String,
    /// The tenant parsed from it.
    pub tenant: Option<String>,
    /// The change.
    pub change: RoomChange,
}

#[cfg(test)]
impl RoomUpdate {
    /// An update of room `RM1` (`acme:class:1`, tenant `acme`), for the adapters' tests.
    pub(crate) fn example(change: RoomChange) -> Self {
        Self {
            room_sid: "RM1".into(),
            unique_name: "acme:class:1".into(),
            tenant: Some("acme".into()),
            change,
        }
    }
}

/// Room records.
#[async_trait]
pub trait RoomRecords: Send + Sync {
    /// Applies `update` atomically (creating the record if needed) and returns the record after
    /// it.
    async fn apply_room_update(&self, update: &RoomUpdate) -> Result<RoomRecord, StoreError>;

    /// The room's record, if any.
    async fn room_record(&self, room_sid: &str) -> Result<Option<RoomRecord>, StoreError>;

    /// Records the composition made of the room's tracks.
    async fn set_composition(
        &self,
        room_sid: &str,
        composition_sid: &str,
    ) -> Result<(), StoreError>;
}

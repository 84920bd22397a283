//! What each room unique name stands for: the room (SID) of that name that this system created
//! or found in progress, whether it still is, and whether `/admin/rooms` made it. `/video/token`
//! decides from this one item whether a room exists (one read, no Twilio call); room creation
//! writes it, the room status callbacks mark it ended.
//!
//! Writers race (concurrent first joins, an admin create, a late callback), so the rules that
//! decide whether a write applies are here, once, and both adapters apply them atomically:
//! - a room opened is recorded unless the name stands for a room opened later, or for this
//!   same room after it ended (an ended room is never reopened);
//! - a confirmation or an end applies only while the name stands for that room.

use async_trait::async_trait;

use super::RoomStatus;
use crate::store::StoreError;

/// What one unique name stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomEntry {
    /// `{tenant}:{type}:{id}`.
    pub unique_name: String,
    /// The room's `RM…`.
    pub room_sid: String,
    /// In progress, or ended.
    pub status: RoomStatus,
    /// When Twilio created the room (Unix seconds): of two rooms of one name, the later wins.
    pub opened_at: i64,
    /// When we last learnt from Twilio that it was in progress (Unix seconds).
    pub confirmed_at: i64,
    /// When it ended (Unix seconds), once it has.
    pub ended_at: Option<i64>,
    /// Whether it records participants on connect.
    pub record: bool,
    /// Whether `/admin/rooms` created (or answered with) this room.
    pub by_admin: bool,
}

impl RoomEntry {
    /// The entry of room `room_sid`, just created or found in progress at `now`: opened when
    /// Twilio says it was created (else now), confirmed now.
    pub fn opened(
        unique_name: &str,
        room_sid: &str,
        created_at: Option<i64>,
        record: bool,
        by_admin: bool,
        now: i64,
    ) -> Self {
        Self {
            unique_name: unique_name.to_string(),
            room_sid: room_sid.to_string(),
            status: RoomStatus::InProgress,
            opened_at: created_at.unwrap_or(now),
            confirmed_at: now,
            ended_at: None,
            record,
            by_admin,
        }
    }

    /// Whether the room was in progress when last seen.
    pub fn is_open(&self) -> bool {
        self.status == RoomStatus::InProgress
    }

    /// Whether it was last confirmed more than `after_seconds` before `now`.
    pub fn is_stale(&self, now: i64, after_seconds: u64) -> bool {
        now.saturating_sub(self.confirmed_at) > after_seconds as i64
    }

    /// Whether `opened`, a room just created or found in progress, may replace this entry.
    pub fn yields_to(&self, opened: &RoomEntry) -> bool {
        if self.room_sid == opened.room_sid {
            self.is_open()
        } else {
            self.opened_at <= opened.opened_at
        }
    }

    /// This entry after `opened` is recorded over it (`yields_to` said it may be).
    pub fn merge_opened(&mut self, opened: &RoomEntry) {
        let admin = self.room_sid == opened.room_sid && self.by_admin;
        *self = opened.clone();
        self.by_admin |= admin;
    }
}

/// What someone who saw a room learnt of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Learnt {
    /// The room was seen in progress at this time (Unix seconds).
    Confirmed(i64),
    /// The room ended at this time (Unix seconds).
    Ended(i64),
}

impl Learnt {
    /// Whether it applies only while the room is in progress: a confirmation never revives an
    /// ended room.
    pub fn needs_open(self) -> bool {
        matches!(self, Learnt::Confirmed(_))
    }
}

/// What was learnt of room `room_sid`, to record on the entry of `unique_name`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NameChange<'a> {
    /// The name (`{tenant}:{type}:{id}`).
    pub unique_name: &'a str,
    /// The room it was learnt of (`RM…`).
    pub room_sid: &'a str,
    /// What was learnt.
    pub learnt: Learnt,
}

impl<'a> NameChange<'a> {
    /// `learnt`, of room `room_sid` named `unique_name`.
    pub fn new(unique_name: &'a str, room_sid: &'a str, learnt: Learnt) -> Self {
        Self {
            unique_name,
            room_sid,
            learnt,
        }
    }

    /// Whether it applies to `entry`, the name's: only while the name stands for the room
    /// (and, when [`Learnt::needs_open`], while that room is in progress).
    pub fn applies_to(&self, entry: &RoomEntry) -> bool {
        entry.room_sid == self.room_sid && (!self.learnt.needs_open() || entry.is_open())
    }

    /// `entry` with the change made.
    pub fn apply(&self, entry: &mut RoomEntry) {
        match self.learnt {
            Learnt::Confirmed(at) => entry.confirmed_at = at,
            Learnt::Ended(at) => {
                entry.status = RoomStatus::Completed;
                entry.ended_at = Some(at);
            }
        }
    }
}

/// Room names.
#[async_trait]
pub trait RoomNames: Send + Sync {
    /// What `unique_name` stands for, if anything: one read.
    async fn room_by_name(&self, unique_name: &str) -> Result<Option<RoomEntry>, StoreError>;

    /// Records `opened` (in progress, just created or found at Twilio) as what its name stands
    /// for, under the rules above; returns whether it was recorded. Once `/admin/rooms` has
    /// recorded a room, it stays `by_admin` whoever records it again.
    async fn name_opened(&self, opened: &RoomEntry) -> Result<bool, StoreError>;

    /// Records `change` under the rule of [`NameChange::applies_to`].
    async fn name_changed(&self, change: NameChange<'_>) -> Result<(), StoreError>;
}

#[cfg(test)]
#[path = "names_tests.rs"]
mod tests;

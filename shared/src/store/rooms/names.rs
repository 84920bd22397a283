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

/// Room names.
#[async_trait]
pub trait RoomNames: Send + Sync {
    /// What `unique_name` stands for, if anything: one read.
    async fn room_by_name(&self, unique_name: &str) -> Result<Option<RoomEntry>, StoreError>;

    /// Records `opened` (in progress, just created or found at Twilio) as what its name stands
    /// for, under the rules above; returns whether it was recorded. Once `/admin/rooms` has
    /// recorded a room, it stays `by_admin` whoever records it again.
    async fn name_opened(&self, opened: &RoomEntry) -> Result<bool, StoreError>;

    /// Records that `room_sid` was seen in progress at `at`, if its name still stands for it
    /// and it has not ended.
    async fn name_confirmed(
        &self,
        unique_name: &str,
        room_sid: &str,
        at: i64,
    ) -> Result<(), StoreError>;

    /// Records that `room_sid` ended at `at`, if its name still stands for it.
    async fn name_ended(
        &self,
        unique_name: &str,
        room_sid: &str,
        at: i64,
    ) -> Result<(), StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(sid: &str, opened_at: i64, status: RoomStatus) -> RoomEntry {
        RoomEntry {
            unique_name: "acme:class:1".into(),
            room_sid: sid.into(),
            status,
            opened_at,
            confirmed_at: opened_at,
            ended_at: None,
            record: false,
            by_admin: false,
        }
    }

    #[test]
    fn a_later_room_replaces_an_earlier_one_but_an_ended_room_is_never_reopened() {
        use RoomStatus::{Completed, InProgress};
        let cases = [
            // stored, opened, applies
            (
                entry("RM1", 10, InProgress),
                entry("RM1", 10, InProgress),
                true,
            ),
            (
                entry("RM1", 10, Completed),
                entry("RM1", 10, InProgress),
                false,
            ),
            (
                entry("RM1", 10, Completed),
                entry("RM2", 20, InProgress),
                true,
            ),
            (
                entry("RM1", 10, InProgress),
                entry("RM2", 20, InProgress),
                true,
            ),
            (
                entry("RM2", 20, Completed),
                entry("RM1", 10, InProgress),
                false,
            ),
            (
                entry("RM2", 20, InProgress),
                entry("RM1", 10, InProgress),
                false,
            ),
        ];
        for (stored, opened, applies) in cases {
            assert_eq!(
                stored.yields_to(&opened),
                applies,
                "{stored:?} <- {opened:?}"
            );
        }
    }

    #[test]
    fn the_admin_mark_stays_with_its_room_and_not_with_the_next() {
        let mut stored = entry("RM1", 10, RoomStatus::InProgress);
        stored.by_admin = true;
        stored.merge_opened(&entry("RM1", 10, RoomStatus::InProgress));
        assert!(stored.by_admin);
        stored.merge_opened(&entry("RM2", 20, RoomStatus::InProgress));
        assert!(!stored.by_admin);
        assert_eq!(stored.room_sid, "RM2");
    }

    #[test]
    fn an_entry_is_stale_only_after_the_confirmation_interval() {
        let e = entry("RM1", 100, RoomStatus::InProgress);
        assert!(!e.is_stale(700, 600));
        assert!(e.is_stale(701, 600));
    }
}

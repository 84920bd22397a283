//! Settling a pending entry: the rules, checked once for both adapters, and the one write an
//! adapter makes of it.
//!
//! A settled entry is the pending one (same id, time, tenant, actor and action) with a final
//! outcome, and it keeps its room: an entry filed under a room stays there. An entry first
//! filed under its tenant alone (its room unknown then) and settled with a room SID is filed
//! under that room too, in the same atomic write, so the two copies never disagree.

use super::{AuditEntry, AuditOutcome};
use crate::store::StoreError;

/// A checked settling, as the adapter writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Settlement<'a> {
    /// The pending copy is filed where the settled entry belongs (under its room, or under
    /// the tenant alone): replace it there.
    InPlace(&'a AuditEntry),
    /// The pending copy is filed under the tenant alone, and the settled entry names its
    /// room: replace it there and file it under `room_sid` too, at once.
    Refiled {
        /// The settled entry.
        entry: &'a AuditEntry,
        /// Its room.
        room_sid: &'a str,
    },
}

impl<'a> Settlement<'a> {
    /// The settling of `pending` into `settled`, if the rules allow it;
    /// [`StoreError::Rejected`] otherwise.
    pub fn of(pending: &AuditEntry, settled: &'a AuditEntry) -> Result<Self, StoreError> {
        let same = pending.id == settled.id
            && pending.time == settled.time
            && pending.tenant == settled.tenant
            && pending.actor == settled.actor
            && pending.action == settled.action;
        if !same {
            return Err(rejected("not the same audit entry"));
        }
        if pending.outcome != AuditOutcome::Pending || settled.outcome == AuditOutcome::Pending {
            return Err(rejected("from a pending entry to a final outcome only"));
        }
        match (pending.room_sid.as_deref(), settled.room_sid.as_deref()) {
            (None, Some(room_sid)) => Ok(Self::Refiled {
                entry: settled,
                room_sid,
            }),
            (home, room) if home == room => Ok(Self::InPlace(settled)),
            _ => Err(rejected("an entry cannot change rooms")),
        }
    }

    /// The settled entry.
    pub fn entry(&self) -> &'a AuditEntry {
        match self {
            Self::InPlace(entry) | Self::Refiled { entry, .. } => entry,
        }
    }

    /// The room the pending copy is filed under; `None`: the tenant alone.
    pub fn home(&self) -> Option<&'a str> {
        match self {
            Self::InPlace(entry) => entry.room_sid.as_deref(),
            Self::Refiled { .. } => None,
        }
    }
}

fn rejected(why: &str) -> StoreError {
    StoreError::Rejected(format!("settle: {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::audit::AuditAction;

    const ROOM: &str = "RM0123456789abcdef0123456789abcdef";

    #[test]
    fn settling_keeps_the_entry_and_moves_it_forward_only() {
        let pending = AuditEntry::new("acme", "u1", AuditAction::CreateRoom);
        let mut done = pending.clone();
        done.outcome = AuditOutcome::Allowed;
        done.room_sid = Some(ROOM.into());
        assert!(Settlement::of(&pending, &done).is_ok());
        assert!(Settlement::of(&done, &done).is_err());
        let mut other = done.clone();
        other.id = "0".repeat(32);
        assert!(Settlement::of(&pending, &other).is_err());
        let mut moved = pending.clone();
        moved.room_sid = Some("RMx".into());
        assert!(Settlement::of(&moved, &done).is_err());
        assert!(matches!(
            Settlement::of(&moved, &done),
            Err(StoreError::Rejected(_))
        ));
    }

    #[test]
    fn a_room_learnt_at_settling_files_the_entry_under_it_too() {
        let pending = AuditEntry::new("acme", "u1", AuditAction::CreateRoom);
        let mut done = pending.clone();
        done.outcome = AuditOutcome::Allowed;
        let unknown = Settlement::of(&pending, &done).unwrap();
        assert_eq!(
            (unknown, unknown.home()),
            (Settlement::InPlace(&done), None)
        );
        done.room_sid = Some(ROOM.into());
        let learnt = Settlement::of(&pending, &done).unwrap();
        let refiled = Settlement::Refiled {
            entry: &done,
            room_sid: ROOM,
        };
        assert_eq!((learnt, learnt.home()), (refiled, None));
        let known = Settlement::of(&done.clone_pending(), &done).unwrap();
        assert_eq!(
            (known, known.home()),
            (Settlement::InPlace(&done), Some(ROOM))
        );
        assert_eq!(known.entry(), &done);
    }

    impl AuditEntry {
        fn clone_pending(&self) -> Self {
            Self {
                outcome: AuditOutcome::Pending,
                ..self.clone()
            }
        }
    }
}

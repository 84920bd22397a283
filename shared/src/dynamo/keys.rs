//! Every item key of the one table, in one place: which partition (`pk`) and sort key (`sk`)
//! each kind of item lives under. These layouts are what is stored: changing one orphans every
//! item written before.
//!
//! | item | `pk` | `sk` |
//! |---|---|---|
//! | room record | `room#{room_sid}` | `room` |
//! | room owner | `room#{room_sid}` | `owner` |
//! | a room's participant | `room#{room_sid}` | `participant#{participant_sid}` |
//! | what a room unique name stands for | `room#name#{unique_name}` | `name` |
//! | composition record | `room#{room_sid}` | `composition` |
//! | a room's latest recording, by name | `recording#{unique_name}` | `latest` |
//! | a room that may owe its composition | `due#room#{room_sid}` | `owed` |
//! | idempotency record | `idem#{key}` | `idem` |
//! | rate-limit counter | `rl#{key}` | `w#{window start}` |
//! | audit entry, the tenant's copy | `audit#{tenant}#-` | `{time in µs, 17 digits}#{id}` |
//! | audit entry naming a room, the room's copy | `audit#{tenant}#{room_sid}` | the same |
//!
//! A room's record, owner and participants share a partition, so one room's items sit together
//! and its presence is one `Query`. (Room SIDs start `RM`, so no room partition is ever
//! `room#name#…`.) Every audit
//! entry is in its tenant's partition, and one naming a room in that room's too (written
//! together), so a tenant's log and a room's are each one `Query`. Audit sort keys are
//! fixed-width, so their byte order is the order of time, then id: one `Query` with
//! `ScanIndexForward = false` lists a partition newest first.

use super::{Item, PK, SK, s};
use crate::store::audit::AuditCursor;

/// The primary key of one item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Key {
    pk: String,
    sk: String,
}

impl Key {
    /// A room's record.
    pub(crate) fn room(room_sid: &str) -> Self {
        Self::new(room_partition(room_sid), "room")
    }

    /// A room's owner.
    pub(crate) fn owner(room_sid: &str) -> Self {
        Self::new(room_partition(room_sid), "owner")
    }

    /// A room's participant, by participant SID.
    pub(crate) fn participant(room_sid: &str, participant_sid: &str) -> Self {
        Self::new(
            room_partition(room_sid),
            format!("{PARTICIPANT_PREFIX}{participant_sid}"),
        )
    }

    /// What the room unique name `unique_name` stands for.
    pub(crate) fn room_name(unique_name: &str) -> Self {
        Self::new(format!("room#name#{unique_name}"), "name")
    }

    /// A room's composition record.
    pub(crate) fn composition(room_sid: &str) -> Self {
        Self::new(room_partition(room_sid), "composition")
    }

    /// The room of `unique_name` whose recording is the latest.
    pub(crate) fn latest_recording(unique_name: &str) -> Self {
        Self::new(format!("recording#{unique_name}"), "latest")
    }

    /// The entry of a room that may owe its composition.
    pub(crate) fn owed_composition(room_sid: &str) -> Self {
        Self::new(format!("{OWED_PREFIX}{room_sid}"), "owed")
    }

    /// The room of a composition record's or owed-composition entry's key, and whether it is
    /// the owed entry (`None`: any other item).
    pub(crate) fn due_room<'a>(pk: &'a str, sk: &str) -> Option<(bool, &'a str)> {
        match (pk.strip_prefix(OWED_PREFIX), pk.strip_prefix("room#"), sk) {
            (Some(room), _, "owed") => Some((true, room)),
            (None, Some(room), "composition") => Some((false, room)),
            _ => None,
        }
    }

    /// The idempotency record of `key`.
    pub(crate) fn idempotency(key: &str) -> Self {
        Self::new(format!("idem#{key}"), "idem")
    }

    /// The counter of `key` in the window that starts at `window_start` (Unix seconds).
    pub(crate) fn rate_window(key: &str, window_start: i64) -> Self {
        Self::new(format!("rl#{key}"), format!("w#{window_start}"))
    }

    /// The audit entry at `position`, filed under `tenant` and `room_sid` (none: the tenant's
    /// partition).
    pub(crate) fn audit(tenant: &str, room_sid: Option<&str>, position: &AuditCursor) -> Self {
        let sk = format!("{:017}#{}", position.time_micros, position.id);
        Self::new(audit_partition(tenant, room_sid), sk)
    }

    fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self {
            pk: pk.into(),
            sk: sk.into(),
        }
    }

    /// The key as attributes: what `GetItem`, `UpdateItem` and `DeleteItem` take, what a
    /// `Query` resumes from, and how every item written starts.
    pub(crate) fn into_item(self) -> Item {
        Item::from([(PK.to_string(), s(self.pk)), (SK.to_string(), s(self.sk))])
    }
}

const OWED_PREFIX: &str = "due#room#";
/// The start of every participant item's sort key.
pub(crate) const PARTICIPANT_PREFIX: &str = "participant#";

/// The partition of a room's items.
pub(crate) fn room_partition(room_sid: &str) -> String {
    format!("room#{room_sid}")
}

/// The partition of `tenant`'s audit entries of `room_sid` (none: all of the tenant's).
pub(crate) fn audit_partition(tenant: &str, room_sid: Option<&str>) -> String {
    format!("audit#{tenant}#{}", room_sid.unwrap_or("-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(key: Key) -> (String, String) {
        (key.pk, key.sk)
    }

    #[test]
    fn keys_are_laid_out_as_stored() {
        let rm = "RM0123456789abcdef0123456789abcdef";
        assert_eq!(parts(Key::room(rm)), (format!("room#{rm}"), "room".into()));
        assert_eq!(
            parts(Key::owner(rm)),
            (format!("room#{rm}"), "owner".into())
        );
        assert_eq!(
            parts(Key::participant(rm, "PA1")),
            (format!("room#{rm}"), "participant#PA1".into())
        );
        assert_eq!(
            parts(Key::room_name("acme:class:9f3c2b1a")),
            ("room#name#acme:class:9f3c2b1a".into(), "name".into())
        );
        assert_eq!(
            parts(Key::idempotency("composition:RM1")),
            ("idem#composition:RM1".into(), "idem".into())
        );
        assert_eq!(
            parts(Key::rate_window("verify:user:acme:u1", 1_200)),
            ("rl#verify:user:acme:u1".into(), "w#1200".into())
        );
        let at = AuditCursor {
            time_micros: 1_795_654_800_000_001,
            id: "0123456789abcdef0123456789abcdef".into(),
        };
        assert_eq!(
            parts(Key::audit("acme", Some(rm), &at)),
            (
                format!("audit#acme#{rm}"),
                "01795654800000001#0123456789abcdef0123456789abcdef".into()
            )
        );
        assert_eq!(parts(Key::audit("acme", None, &at)).0, "audit#acme#-");
    }

    #[test]
    fn audit_sort_keys_order_as_time_then_id() {
        let key = |time_micros, id: &str| {
            parts(Key::audit(
                "t",
                None,
                &AuditCursor {
                    time_micros,
                    id: id.into(),
                },
            ))
            .1
        };
        let (a, b) = ("a".repeat(32), "b".repeat(32));
        assert!(
            key(999, &b) < key(1_000, &a),
            "fixed width: 999 sorts before 1000"
        );
        assert!(key(1_000, &a) < key(1_000, &b));
    }

    #[test]
    fn recording_keys_are_laid_out_as_stored_and_read_back() {
        assert_eq!(
            parts(Key::composition("RM1")),
            ("room#RM1".into(), "composition".into())
        );
        assert_eq!(
            parts(Key::latest_recording("acme:class:1")),
            ("recording#acme:class:1".into(), "latest".into())
        );
        let (pk, sk) = parts(Key::owed_composition("RM1"));
        assert_eq!((pk.as_str(), sk.as_str()), ("due#room#RM1", "owed"));
        assert_eq!(Key::due_room(&pk, &sk), Some((true, "RM1")));
        assert_eq!(
            Key::due_room("room#RM1", "composition"),
            Some((false, "RM1"))
        );
        assert_eq!(Key::due_room("room#RM1", "room"), None);
    }

    #[test]
    fn a_key_is_the_start_of_its_item() {
        let item = Key::owner("RM1").into_item();
        assert_eq!(item.len(), 2);
        assert_eq!(item[PK], s("room#RM1"));
        assert_eq!(item[SK], s("owner"));
    }
}

//! Tests of [`super`]: which room a name stands for as rooms open, are confirmed and end, and when an
//! entry is stale.

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
    // The stored entry (room, opened at, status), the room opened (in progress), applies.
    let cases = [
        (("RM1", 10, InProgress), ("RM1", 10), true),
        (("RM1", 10, Completed), ("RM1", 10), false),
        (("RM1", 10, Completed), ("RM2", 20), true),
        (("RM1", 10, InProgress), ("RM2", 20), true),
        (("RM2", 20, Completed), ("RM1", 10), false),
        (("RM2", 20, InProgress), ("RM1", 10), false),
    ];
    for ((sid, at, status), (opened_sid, opened_at), applies) in cases {
        let stored = entry(sid, at, status);
        let opened = entry(opened_sid, opened_at, InProgress);
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
fn a_confirmation_applies_to_its_open_room_and_an_end_to_its_room_in_any_state() {
    use Learnt::{Confirmed, Ended};
    use RoomStatus::{Completed, InProgress};
    // The stored entry's room and status, what was learnt and of which room, applies.
    let cases = [
        ("RM1", InProgress, Confirmed(50), "RM1", true),
        ("RM1", Completed, Confirmed(50), "RM1", false),
        ("RM2", InProgress, Confirmed(50), "RM1", false),
        ("RM1", InProgress, Ended(50), "RM1", true),
        ("RM1", Completed, Ended(50), "RM1", true),
        ("RM2", InProgress, Ended(50), "RM1", false),
    ];
    for (sid, status, learnt, seen, applies) in cases {
        let stored = entry(sid, 10, status);
        let change = NameChange::new("acme:class:1", seen, learnt);
        assert_eq!(
            change.applies_to(&stored),
            applies,
            "{change:?} on {stored:?}"
        );
    }
    let mut e = entry("RM1", 10, InProgress);
    NameChange::new("acme:class:1", "RM1", Confirmed(50)).apply(&mut e);
    assert_eq!(
        (e.confirmed_at, e.status, e.ended_at),
        (50, InProgress, None)
    );
    NameChange::new("acme:class:1", "RM1", Ended(60)).apply(&mut e);
    assert_eq!(
        (e.confirmed_at, e.status, e.ended_at),
        (50, Completed, Some(60))
    );
}

#[test]
fn an_entry_is_stale_only_after_the_confirmation_interval() {
    let e = entry("RM1", 100, RoomStatus::InProgress);
    assert!(!e.is_stale(700, 600));
    assert!(e.is_stale(701, 600));
}

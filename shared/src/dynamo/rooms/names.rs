//! What a room unique name stands for, in DynamoDB: item [`Key::room_name`], attributes
//! `room_sid`, `status`, `opened_at`, `confirmed_at`, `ended_at`, `record`, `admin_room` (the
//! SID of the room `/admin/rooms` recorded: the entry is `by_admin` while it names the same
//! room) and `ttl`.
//!
//! Each write is one conditional `UpdateItem` whose condition is the rule of
//! [`crate::store::rooms::names`]; a write the rule refuses fails its condition and changes
//! nothing.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::dynamo::expression::Expression;
use crate::dynamo::keys::Key;
use crate::dynamo::{Attributes, DynamoTable, Item, PK, TTL, n, s};
use crate::store::StoreError;
use crate::store::rooms::RoomStatus;
use crate::store::rooms::names::{RoomEntry, RoomNames};

const IN_PROGRESS: &str = "in-progress";
const COMPLETED: &str = "completed";

/// The rule of `RoomEntry::yields_to`, as a condition on the stored item.
const OPEN_CONDITION: &str = "attribute_not_exists(#pk) \
     OR (#room_sid = :room_sid AND #status = :status) \
     OR (#room_sid <> :room_sid AND #opened_at <= :opened_at)";

/// The update that records `opened`, refreshing the TTL to `ttl`.
fn opened_expression(opened: &RoomEntry, ttl: AttributeValue) -> Expression {
    let mut e = Expression::default();
    e.set("room_sid", s(&opened.room_sid));
    e.set("status", s(IN_PROGRESS));
    e.set("opened_at", n(opened.opened_at));
    e.set("confirmed_at", n(opened.confirmed_at));
    e.set("record", AttributeValue::Bool(opened.record));
    e.set(TTL, ttl);
    if opened.by_admin {
        e.set("admin_room", s(&opened.room_sid));
    }
    e.remove("ended_at");
    e.names.insert("#pk".into(), PK.into());
    e
}

fn from_item(unique_name: &str, item: &Item) -> Result<RoomEntry, StoreError> {
    let a = Attributes::of("room name", item);
    let room_sid = a.string("room_sid")?.to_string();
    Ok(RoomEntry {
        unique_name: unique_name.to_string(),
        status: match a.string("status")? {
            IN_PROGRESS => RoomStatus::InProgress,
            COMPLETED => RoomStatus::Completed,
            _ => return Err(a.corrupt("status", "holds an unknown status")),
        },
        opened_at: a.number("opened_at")?,
        confirmed_at: a.number("confirmed_at")?,
        ended_at: a.opt_number("ended_at")?,
        record: a.flag("record")?,
        by_admin: a.opt_string("admin_room")? == Some(room_sid.as_str()),
        room_sid,
    })
}

impl DynamoTable {
    /// `SET status-side attributes` on the name item, only while it names `room_sid` (and, when
    /// `open_only`, while that room is in progress).
    async fn update_name(
        &self,
        unique_name: &str,
        room_sid: &str,
        mut e: Expression,
        open_only: bool,
    ) -> Result<(), StoreError> {
        e.set(TTL, self.room_ttl());
        e.names.insert("#room_sid".into(), "room_sid".into());
        e.values.insert(":room_sid".into(), s(room_sid));
        let condition = if open_only {
            e.names.insert("#open".into(), "status".into());
            e.values.insert(":open".into(), s(IN_PROGRESS));
            "#room_sid = :room_sid AND #open = :open"
        } else {
            "#room_sid = :room_sid"
        };
        // A failed condition is the rule saying no: nothing to change.
        let key = Key::room_name(unique_name);
        self.update_if(key, e, condition).await.map(|_| ())
    }
}

#[async_trait]
impl RoomNames for DynamoTable {
    async fn room_by_name(&self, unique_name: &str) -> Result<Option<RoomEntry>, StoreError> {
        let item = self.get(Key::room_name(unique_name)).await?;
        item.map(|i| from_item(unique_name, &i)).transpose()
    }

    async fn name_opened(&self, opened: &RoomEntry) -> Result<bool, StoreError> {
        let e = opened_expression(opened, self.room_ttl());
        let key = Key::room_name(&opened.unique_name);
        self.update_if(key, e, OPEN_CONDITION).await
    }

    async fn name_confirmed(
        &self,
        unique_name: &str,
        room_sid: &str,
        at: i64,
    ) -> Result<(), StoreError> {
        let mut e = Expression::default();
        e.set("confirmed_at", n(at));
        self.update_name(unique_name, room_sid, e, true).await
    }

    async fn name_ended(
        &self,
        unique_name: &str,
        room_sid: &str,
        at: i64,
    ) -> Result<(), StoreError> {
        let mut e = Expression::default();
        e.set("status", s(COMPLETED));
        e.set("ended_at", n(at));
        self.update_name(unique_name, room_sid, e, false).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recording_a_room_sets_its_fields_and_marks_admin_rooms_only() {
        let mut opened = RoomEntry {
            unique_name: "acme:class:1".into(),
            room_sid: "RM1".into(),
            status: RoomStatus::InProgress,
            opened_at: 10,
            confirmed_at: 12,
            ended_at: None,
            record: true,
            by_admin: false,
        };
        let e = opened_expression(&opened, n(99));
        assert!(!e.text().contains("#admin_room"), "{}", e.text());
        assert!(e.text().ends_with("REMOVE #ended_at"));
        for placeholder in [":room_sid", ":status", ":opened_at"] {
            assert!(OPEN_CONDITION.contains(placeholder));
            assert!(e.values.contains_key(placeholder), "{placeholder}");
        }
        assert_eq!(e.names["#pk"], PK);
        opened.by_admin = true;
        let e = opened_expression(&opened, n(99));
        assert!(e.text().contains("#admin_room = :admin_room"));
        let mut item = Key::room_name("acme:class:1").into_item();
        item.extend([
            ("room_sid".into(), s("RM1")),
            ("status".into(), s(IN_PROGRESS)),
            ("opened_at".into(), n(10)),
            ("confirmed_at".into(), n(12)),
            ("record".into(), AttributeValue::Bool(true)),
            ("admin_room".into(), s("RM1")),
        ]);
        assert_eq!(from_item("acme:class:1", &item).unwrap(), opened);
        item.insert("admin_room".into(), s("RM0"));
        assert!(!from_item("acme:class:1", &item).unwrap().by_admin);
    }
}

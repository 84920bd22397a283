//! The index of owed work in DynamoDB: the sparse global secondary index `due` (partition key
//! `due_pk`, sort key `due_at`, keys only), which holds just the items that carry those two
//! attributes:
//!
//! - a room that may owe its composition: its own item, `pk = "due#room#{room_sid}"`,
//!   `sk = "owed"`, with `attempts`; written and removed here;
//! - a composition record while it owes something (`super::compositions`).
//!
//! Every entry has the same `due_pk`, so one `Query` (`due_pk = "due" AND due_at <= :now`)
//! reads the due entries in order, and only those: the cost of a run follows the work owed,
//! never the number of rooms that ever finished. (One index partition takes about a thousand
//! writes a second, far above the rate at which rooms end and compositions finish.)

use async_trait::async_trait;
use aws_sdk_dynamodb::types::ReturnValue;

use super::keys::Key;
use super::{Attributes, DynamoTable, Item, PK, SK, n, s, sdk_error, unless_conflict};
use crate::store::StoreError;
use crate::store::due::{DueCursor, DueEntry, DueKind, DuePage, DueWork};

/// The index's name, as `template.yaml` declares it.
pub const DUE_INDEX: &str = "due";
/// The index's partition key attribute.
pub(crate) const DUE_PK: &str = "due_pk";
/// The index's sort key attribute (Unix seconds).
pub(crate) const DUE_AT: &str = "due_at";
/// The one value of [`DUE_PK`].
pub(crate) const DUE_PARTITION: &str = "due";

/// The table key of an entry.
fn key(kind: DueKind, room_sid: &str) -> Key {
    match kind {
        DueKind::Composition => Key::owed_composition(room_sid),
        DueKind::Recording => Key::composition(room_sid),
    }
}

/// The entry an index item stands for.
fn entry(item: &Item) -> Result<DueEntry, StoreError> {
    let a = Attributes::of("due index", item);
    let (owed, room_sid) = Key::due_room(a.string(PK)?, a.string(SK)?)
        .ok_or_else(|| a.corrupt(PK, "is no kind of item the index holds"))?;
    Ok(DueEntry {
        kind: if owed {
            DueKind::Composition
        } else {
            DueKind::Recording
        },
        room_sid: room_sid.to_string(),
        due_at: a.number(DUE_AT)?,
    })
}

/// Where a `Query` of the index resumes after `cursor`: the table's and the index's keys.
fn start_key(cursor: &DueCursor) -> Item {
    let mut item = key(cursor.kind, &cursor.room_sid).into_item();
    item.insert(DUE_PK.to_string(), s(DUE_PARTITION));
    item.insert(DUE_AT.to_string(), n(cursor.due_at));
    item
}

#[async_trait]
impl DueWork for DynamoTable {
    async fn owe_composition(&self, room_sid: &str, due_at: i64) -> Result<(), StoreError> {
        let mut item = Key::owed_composition(room_sid).into_item();
        item.extend([
            ("room_sid".to_string(), s(room_sid)),
            (DUE_PK.to_string(), s(DUE_PARTITION)),
            (DUE_AT.to_string(), n(due_at)),
            ("attempts".to_string(), n(0)),
        ]);
        // Already owed (`false`): it keeps its due time and attempts.
        self.put_new(item).await.map(|_| ())
    }

    async fn settle_composition(&self, room_sid: &str) -> Result<(), StoreError> {
        self.client()
            .delete_item()
            .table_name(self.table())
            .set_key(Some(Key::owed_composition(room_sid).into_item()))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    async fn retry_composition(&self, room_sid: &str, due_at: i64) -> Result<u32, StoreError> {
        let result = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(Key::owed_composition(room_sid).into_item()))
            .update_expression("SET #due_at = :due_at ADD #attempts :one")
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#due_at", DUE_AT)
            .expression_attribute_names("#attempts", "attempts")
            .expression_attribute_values(":due_at", n(due_at))
            .expression_attribute_values(":one", n(1))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await;
        // Settled meanwhile: no attempts.
        let Some(out) = unless_conflict(result.map(Some).map_err(sdk_error), None)? else {
            return Ok(0);
        };
        let attrs = out.attributes.unwrap_or_default();
        Attributes::of("owed composition", &attrs).number("attempts")
    }

    async fn due(
        &self,
        now: i64,
        limit: usize,
        after: Option<&DueCursor>,
    ) -> Result<DuePage, StoreError> {
        let out = self
            .client()
            .query()
            .table_name(self.table())
            .index_name(DUE_INDEX)
            .key_condition_expression("#due_pk = :due_pk AND #due_at <= :now")
            .expression_attribute_names("#due_pk", DUE_PK)
            .expression_attribute_names("#due_at", DUE_AT)
            .expression_attribute_values(":due_pk", s(DUE_PARTITION))
            .expression_attribute_values(":now", n(now))
            .limit(limit.clamp(1, 1000) as i32)
            .set_exclusive_start_key(after.map(start_key))
            .send()
            .await
            .map_err(sdk_error)?;
        let entries = out
            .items()
            .iter()
            .map(entry)
            .collect::<Result<Vec<_>, _>>()?;
        let next = out
            .last_evaluated_key()
            .and_then(|_| entries.last().map(DueEntry::cursor));
        Ok(DuePage { entries, next })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_items_are_read_back_as_their_entries_and_cursors_as_their_keys() {
        let cursor = DueCursor {
            due_at: 7,
            kind: DueKind::Recording,
            room_sid: "RM1".into(),
        };
        let item = start_key(&cursor);
        assert_eq!(item[PK], s("room#RM1"));
        assert_eq!(item[SK], s("composition"));
        assert_eq!(entry(&item).unwrap().cursor(), cursor);
        let owed = start_key(&DueCursor {
            kind: DueKind::Composition,
            ..cursor
        });
        assert_eq!(owed[PK], s("due#room#RM1"));
        assert_eq!(entry(&owed).unwrap().kind, DueKind::Composition);
        let mut stray = owed.clone();
        stray.insert(PK.into(), s("idem#x"));
        assert!(entry(&stray).is_err());
    }
}

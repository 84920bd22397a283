//! Room records in DynamoDB: item [`Key::room`]. The same partition holds the room's owner
//! (`owners`) and participants ([`participants`]); what a name stands for is [`names`]. Every
//! write refreshes the item's TTL: kept `ROOM_RETENTION_DAYS` after its last change.
//!
//! Every change is one `UpdateItem` whose expression only adds: participants go into a string
//! set with `ADD`, `created_at` and an in-progress status are set only if absent, and the update
//! returns the whole item after it (`ALL_NEW`). Concurrent callbacks for one room therefore never
//! overwrite each other's changes, and no read is needed to decide what follows.

mod names;
mod participants;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use super::expression::Expression;
use super::keys::Key;
use super::{Attributes, DynamoTable, Item, PK, TTL, n, s, sdk_error};
use crate::store::StoreError;
use crate::store::rooms::{RoomChange, RoomRecord, RoomRecords, RoomStatus, RoomUpdate};

const IN_PROGRESS: &str = "in-progress";
const COMPLETED: &str = "completed";

fn expression(update: &RoomUpdate, ttl: AttributeValue) -> Expression {
    let mut e = Expression::default();
    e.set(TTL, ttl);
    e.set("room_sid", s(&update.room_sid));
    e.set("unique_name", s(&update.unique_name));
    if let Some(tenant) = &update.tenant {
        e.set("tenant", s(tenant));
    }
    // Only room-ended sets the status; every other change leaves an ended room ended.
    let still_open = |e: &mut Expression| e.set_if_absent("status", s(IN_PROGRESS));
    match &update.change {
        RoomChange::Ended {
            at,
            duration_seconds,
        } => {
            e.set("status", s(COMPLETED));
            e.set("ended_at", n(at));
            if let Some(d) = duration_seconds {
                e.set("duration_seconds", n(d));
            }
        }
        RoomChange::Created { at } => {
            still_open(&mut e);
            e.set_if_absent("created_at", n(at));
        }
        RoomChange::ParticipantSeen { identity } => {
            still_open(&mut e);
            e.add("participants", AttributeValue::Ss(vec![identity.clone()]));
        }
        RoomChange::Recorded => {
            still_open(&mut e);
            e.set("recorded", AttributeValue::Bool(true));
        }
    }
    e
}

pub(super) fn from_item(item: &Item) -> Result<RoomRecord, StoreError> {
    let a = Attributes::of("room", item);
    Ok(RoomRecord {
        room_sid: a.string("room_sid")?.to_string(),
        unique_name: a.string("unique_name")?.to_string(),
        tenant: a.opt_string("tenant")?.map(str::to_string),
        status: match a.string("status")? {
            IN_PROGRESS => RoomStatus::InProgress,
            COMPLETED => RoomStatus::Completed,
            _ => return Err(a.corrupt("status", "holds an unknown status")),
        },
        participants: a.string_set("participants")?.iter().cloned().collect(),
        recorded: a.flag("recorded")?,
        created_at: a.opt_number("created_at")?,
        ended_at: a.opt_number("ended_at")?,
        duration_seconds: a.opt_number("duration_seconds")?,
        composition_sid: a.opt_string("composition_sid")?.map(str::to_string),
    })
}

#[async_trait]
impl RoomRecords for DynamoTable {
    async fn apply_room_update(&self, update: &RoomUpdate) -> Result<RoomRecord, StoreError> {
        let e = expression(update, self.room_ttl());
        let out = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(Key::room(&update.room_sid).into_item()))
            .update_expression(e.text())
            .set_expression_attribute_names(Some(e.names))
            .set_expression_attribute_values(Some(e.values))
            .return_values(ReturnValue::AllNew)
            .send()
            .await
            .map_err(sdk_error)?;
        let item = out
            .attributes()
            .ok_or_else(|| StoreError::corrupt("room item: UpdateItem returned none"))?;
        from_item(item)
    }

    async fn room_record(&self, room_sid: &str) -> Result<Option<RoomRecord>, StoreError> {
        let item = self.get(Key::room(room_sid)).await?;
        item.as_ref().map(from_item).transpose()
    }

    async fn set_composition(
        &self,
        room_sid: &str,
        composition_sid: &str,
    ) -> Result<(), StoreError> {
        self.client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(Key::room(room_sid).into_item()))
            .update_expression("SET #composition = :composition, #ttl = :ttl")
            // Never create a record that holds nothing but a composition: with no record of
            // the room this is a conflict.
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#composition", "composition_sid")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#ttl", TTL)
            .expression_attribute_values(":composition", s(composition_sid))
            .expression_attribute_values(":ttl", self.room_ttl())
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ended_room_sets_its_status_while_other_changes_only_fill_it_in() {
        let ttl = || n(1);
        let ended = expression(
            &RoomUpdate::example(RoomChange::Ended {
                at: 5,
                duration_seconds: Some(60),
            }),
            ttl(),
        );
        assert!(ended.text().starts_with("SET #ttl = :ttl"));
        assert!(ended.text().contains("#status = :status"));
        assert!(
            ended
                .text()
                .contains("#duration_seconds = :duration_seconds")
        );
        let joined = expression(
            &RoomUpdate::example(RoomChange::ParticipantSeen {
                identity: "acme:u1".into(),
            }),
            ttl(),
        );
        assert!(
            joined
                .text()
                .contains("#status = if_not_exists(#status, :status)")
        );
        assert!(joined.text().ends_with("ADD #participants :participants"));
        let created = expression(&RoomUpdate::example(RoomChange::Created { at: 1 }), ttl());
        assert!(
            created
                .text()
                .contains("#created_at = if_not_exists(#created_at, :created_at)")
        );
    }
}

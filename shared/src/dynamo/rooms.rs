//! Room records in DynamoDB: item `pk = "room#{room_sid}"`, `sk = "room"`. The same partition
//! holds the room's owner (`sk = "owner"`), which this file never touches.
//!
//! Every change is one `UpdateItem` whose expression only adds: participants go into a string
//! set with `ADD`, `created_at` and an in-progress status are set only if absent, and the update
//! returns the whole item after it (`ALL_NEW`). Concurrent callbacks for one room therefore never
//! overwrite each other's changes, and no read is needed to decide what follows.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use super::{DynamoTable, Item, PK, SK, get_s, n, s, sdk_error};
use crate::store::StoreError;
use crate::store::rooms::{RoomChange, RoomRecord, RoomRecords, RoomStatus, RoomUpdate};

const ROOM: &str = "room";
const IN_PROGRESS: &str = "in-progress";
const COMPLETED: &str = "completed";

fn pk(room_sid: &str) -> String {
    format!("room#{room_sid}")
}

/// Collects an update expression's clauses, names and values.
#[derive(Default)]
struct Expression {
    set: Vec<String>,
    add: Vec<String>,
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl Expression {
    fn name(&mut self, attr: &str) -> String {
        let placeholder = format!("#{attr}");
        self.names.insert(placeholder.clone(), attr.to_string());
        placeholder
    }

    fn value(&mut self, key: &str, value: AttributeValue) -> String {
        let placeholder = format!(":{key}");
        self.values.insert(placeholder.clone(), value);
        placeholder
    }

    fn set(&mut self, attr: &str, value: AttributeValue) {
        let (name, value) = (self.name(attr), self.value(attr, value));
        self.set.push(format!("{name} = {value}"));
    }

    fn set_if_absent(&mut self, attr: &str, value: AttributeValue) {
        let (name, value) = (self.name(attr), self.value(attr, value));
        self.set
            .push(format!("{name} = if_not_exists({name}, {value})"));
    }

    fn add(&mut self, attr: &str, value: AttributeValue) {
        let (name, value) = (self.name(attr), self.value(attr, value));
        self.add.push(format!("{name} {value}"));
    }

    fn text(&self) -> String {
        let mut text = format!("SET {}", self.set.join(", "));
        if !self.add.is_empty() {
            text.push_str(&format!(" ADD {}", self.add.join(", ")));
        }
        text
    }
}

fn expression(update: &RoomUpdate) -> Expression {
    let mut e = Expression::default();
    e.set("room_sid", s(&update.room_sid));
    e.set("unique_name", s(&update.unique_name));
    if let Some(tenant) = &update.tenant {
        e.set("tenant", s(tenant));
    }
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
        other => {
            // Whatever arrives after room-ended leaves the room ended.
            e.set_if_absent("status", s(IN_PROGRESS));
            match other {
                RoomChange::Created { at } => e.set_if_absent("created_at", n(at)),
                RoomChange::ParticipantSeen { identity } => {
                    e.add("participants", AttributeValue::Ss(vec![identity.clone()]))
                }
                RoomChange::Recorded => e.set("recorded", AttributeValue::Bool(true)),
                RoomChange::Ended { .. } => unreachable!("handled above"),
            }
        }
    }
    e
}

fn opt_n(item: &Item, name: &str) -> Option<i64> {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
}

fn from_item(item: &Item) -> Result<RoomRecord, StoreError> {
    Ok(RoomRecord {
        room_sid: get_s(item, "room_sid")?.to_string(),
        unique_name: get_s(item, "unique_name")?.to_string(),
        tenant: item.get("tenant").and_then(|v| v.as_s().ok()).cloned(),
        status: match get_s(item, "status")? {
            IN_PROGRESS => RoomStatus::InProgress,
            COMPLETED => RoomStatus::Completed,
            other => return Err(StoreError(format!("unknown room status {other}"))),
        },
        participants: item
            .get("participants")
            .and_then(|v| v.as_ss().ok())
            .map(|ids| ids.iter().cloned().collect())
            .unwrap_or_default(),
        recorded: item
            .get("recorded")
            .and_then(|v| v.as_bool().ok())
            .copied()
            .unwrap_or(false),
        created_at: opt_n(item, "created_at"),
        ended_at: opt_n(item, "ended_at"),
        duration_seconds: opt_n(item, "duration_seconds").and_then(|d| u64::try_from(d).ok()),
        composition_sid: item
            .get("composition_sid")
            .and_then(|v| v.as_s().ok())
            .cloned(),
    })
}

#[async_trait]
impl RoomRecords for DynamoTable {
    async fn apply_room_update(&self, update: &RoomUpdate) -> Result<RoomRecord, StoreError> {
        let e = expression(update);
        let out = self
            .client()
            .update_item()
            .table_name(self.table())
            .key(PK, s(pk(&update.room_sid)))
            .key(SK, s(ROOM))
            .update_expression(e.text())
            .set_expression_attribute_names(Some(e.names))
            .set_expression_attribute_values(Some(e.values))
            .return_values(ReturnValue::AllNew)
            .send()
            .await
            .map_err(sdk_error)?;
        let item = out
            .attributes()
            .ok_or_else(|| StoreError("UpdateItem returned no attributes".into()))?;
        from_item(item)
    }

    async fn room_record(&self, room_sid: &str) -> Result<Option<RoomRecord>, StoreError> {
        let out = self
            .client()
            .get_item()
            .table_name(self.table())
            .key(PK, s(pk(room_sid)))
            .key(SK, s(ROOM))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_error)?;
        out.item().map(from_item).transpose()
    }

    async fn set_composition(
        &self,
        room_sid: &str,
        composition_sid: &str,
    ) -> Result<(), StoreError> {
        let result = self
            .client()
            .update_item()
            .table_name(self.table())
            .key(PK, s(pk(room_sid)))
            .key(SK, s(ROOM))
            .update_expression("SET #composition = :composition")
            // Never create a record that holds nothing but a composition.
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#composition", "composition_sid")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":composition", s(composition_sid))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) => match err.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(_)) => Err(StoreError(
                    format!("no record of room {room_sid} to attach a composition to"),
                )),
                _ => Err(sdk_error(err)),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(change: RoomChange) -> RoomUpdate {
        RoomUpdate {
            room_sid: "RM1".into(),
            unique_name: "acme:class:1".into(),
            tenant: Some("acme".into()),
            change,
        }
    }

    #[test]
    fn an_ended_room_sets_its_status_while_other_changes_only_fill_it_in() {
        let ended = expression(&update(RoomChange::Ended {
            at: 5,
            duration_seconds: Some(60),
        }));
        assert!(ended.text().contains("#status = :status"));
        assert!(
            ended
                .text()
                .contains("#duration_seconds = :duration_seconds")
        );
        let joined = expression(&update(RoomChange::ParticipantSeen {
            identity: "acme:u1".into(),
        }));
        assert!(
            joined
                .text()
                .contains("#status = if_not_exists(#status, :status)")
        );
        assert!(joined.text().ends_with("ADD #participants :participants"));
        let created = expression(&update(RoomChange::Created { at: 1 }));
        assert!(
            created
                .text()
                .contains("#created_at = if_not_exists(#created_at, :created_at)")
        );
    }
}

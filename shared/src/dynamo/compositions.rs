//! Composition records in DynamoDB: item [`Key::composition`], in the room's own partition;
//! and each room name's latest recording, [`Key::latest_recording`]. Both are kept as long as the
//! room's items (`ROOM_RETENTION_DAYS` after they are written).
//!
//! An event is one `UpdateItem` whose condition is [`CompositionRecord::takes`]: not final, and
//! an older `event_at_ms` (or the same with a lower `event_stage`). A stale event's write fails
//! and returns the record as it is (`ALL_OLD`), so no second read is needed. While a record owes
//! something it carries the due index's attributes (`super::due`), set and removed by the same
//! writes that change its state.

mod item;

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};

use super::due::{DUE_AT, DUE_PK};
use super::keys::Key;
use super::{Attributes, DynamoTable, Item, PK, TTL, n, s, sdk_error, unless_conflict};
use crate::store::StoreError;
use crate::store::compositions::{
    CompositionEvent, CompositionRecord, CompositionRecords, CompositionStatus, CreatedComposition,
    Schedule, SmsState,
};

/// The condition that the record is not final; see [`with_finals`].
const NOT_FINAL: &str =
    "(attribute_not_exists(#status) OR NOT #status IN (:completed, :failed, :deleted))";

/// The names and values [`NOT_FINAL`] refers to.
fn with_finals(b: UpdateItemFluentBuilder) -> UpdateItemFluentBuilder {
    b.expression_attribute_names("#status", "status")
        .expression_attribute_values(":completed", s(CompositionStatus::Completed.as_str()))
        .expression_attribute_values(":failed", s(CompositionStatus::Failed.as_str()))
        .expression_attribute_values(":deleted", s(CompositionStatus::Deleted.as_str()))
}

/// `item` with the TTL of a room's items: a composition is kept as long as its room.
fn kept(mut item: Item, ttl: AttributeValue) -> Item {
    item.insert(TTL.to_string(), ttl);
    item
}

impl DynamoTable {
    fn update_composition(&self, room_sid: &str) -> UpdateItemFluentBuilder {
        self.client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(Key::composition(room_sid).into_item()))
    }
}

#[async_trait]
impl CompositionRecords for DynamoTable {
    async fn composition_created(&self, created: &CreatedComposition) -> Result<(), StoreError> {
        let fresh = CompositionRecord {
            created_at: Some(created.created_at),
            ..CompositionRecord::new(
                &created.room_sid,
                &created.composition_sid,
                created.stuck_due,
            )
        };
        let item = kept(item::to_item(&fresh), self.room_ttl());
        if !self.put_new(item).await? {
            // A callback made the record first: it keeps what it holds.
            self.update_composition(&created.room_sid)
                .update_expression("SET #created = if_not_exists(#created, :created), #ttl = :ttl")
                .expression_attribute_names("#created", "created_at")
                .expression_attribute_names("#ttl", TTL)
                .expression_attribute_values(":created", n(created.created_at))
                .expression_attribute_values(":ttl", self.room_ttl())
                .send()
                .await
                .map_err(sdk_error)?;
        }
        let mut pointer = Key::latest_recording(&created.unique_name).into_item();
        pointer.extend([
            ("room_sid".to_string(), s(&created.room_sid)),
            ("ended_at".to_string(), n(created.room_ended_at)),
        ]);
        let pointer = kept(pointer, self.room_ttl());
        let put = self
            .client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(pointer))
            .condition_expression("attribute_not_exists(#pk) OR #ended <= :ended")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#ended", "ended_at")
            .expression_attribute_values(":ended", n(created.room_ended_at))
            .send()
            .await
            .map(|_| ())
            .map_err(sdk_error);
        // A conflict: a room of this name that ended later holds the pointer.
        unless_conflict(put, ())
    }

    async fn apply_composition_event(
        &self,
        event: &CompositionEvent,
        schedule: &Schedule,
    ) -> Result<(CompositionRecord, bool), StoreError> {
        let e = item::event_expression(event, schedule);
        let text = e.text();
        let update = self
            .update_composition(&event.room_sid)
            .set_expression_attribute_names(Some(e.names))
            .set_expression_attribute_values(Some(e.values));
        let result = with_finals(update)
            .update_expression(text)
            .condition_expression(format!(
                "{NOT_FINAL} AND (attribute_not_exists(#event_at_ms) OR #event_at_ms < :event_at_ms \
                 OR (#event_at_ms = :event_at_ms AND #event_stage < :event_stage))"
            ))
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(out) => {
                let after = out.attributes().ok_or_else(|| {
                    StoreError::corrupt("composition item: UpdateItem returned no attributes")
                })?;
                Ok((item::from_item(after)?, true))
            }
            Err(err) => {
                // A stale event: the record as it stands came back with the refusal.
                if let Some(UpdateItemError::ConditionalCheckFailedException(e)) =
                    err.as_service_error()
                    && let Some(old) = e.item()
                {
                    return Ok((item::from_item(old)?, false));
                }
                Err(sdk_error(err))
            }
        }
    }

    async fn composition(&self, room_sid: &str) -> Result<Option<CompositionRecord>, StoreError> {
        let item = self.get(Key::composition(room_sid)).await?;
        item.as_ref().map(item::from_item).transpose()
    }

    async fn settle_sms(&self, room_sid: &str, state: &SmsState) -> Result<(), StoreError> {
        let (name, detail) = item::sms_attributes(state);
        let mut update = self
            .update_composition(room_sid)
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#sms", "sms")
            .expression_attribute_names("#due_pk", DUE_PK)
            .expression_attribute_names("#due_at", DUE_AT)
            .expression_attribute_values(":sms", s(name));
        let set = match detail {
            Some((attr, value)) => {
                update = update
                    .expression_attribute_names("#detail", attr)
                    .expression_attribute_values(":detail", value);
                "SET #sms = :sms, #detail = :detail"
            }
            None => "SET #sms = :sms",
        };
        update
            .update_expression(format!("{set} REMOVE #due_pk, #due_at"))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    async fn retry_sms(&self, room_sid: &str, due_at: i64) -> Result<u32, StoreError> {
        let result = self
            .update_composition(room_sid)
            .update_expression("SET #due_at = :due_at ADD #attempts :one")
            .condition_expression("#sms = :owed AND #status = :completed")
            .expression_attribute_names("#due_at", DUE_AT)
            .expression_attribute_names("#attempts", "sms_attempts")
            .expression_attribute_names("#sms", "sms")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":due_at", n(due_at))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":owed", s(item::SMS_OWED))
            .expression_attribute_values(":completed", s(CompositionStatus::Completed.as_str()))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(sdk_error)
            .and_then(|out| {
                let attrs = out.attributes.unwrap_or_default();
                Attributes::of("composition", &attrs).number("sms_attempts")
            });
        // Not owed any more: settled meanwhile.
        unless_conflict(result, 0)
    }

    async fn report_stuck(&self, room_sid: &str, next_check: i64) -> Result<bool, StoreError> {
        // The first report is the write whose condition finds it unreported; any later one only
        // moves the next check.
        let check = |set: &str, condition: String| {
            with_finals(self.update_composition(room_sid))
                .update_expression(set)
                .condition_expression(condition)
                .expression_attribute_names("#pk", PK)
                .expression_attribute_names("#due_at", DUE_AT)
                .expression_attribute_values(":next", n(next_check))
        };
        let first = check(
            "SET #stuck = :true, #due_at = :next",
            format!("attribute_exists(#pk) AND attribute_not_exists(#stuck) AND {NOT_FINAL}"),
        )
        .expression_attribute_names("#stuck", "stuck_reported")
        .expression_attribute_values(":true", AttributeValue::Bool(true))
        .send()
        .await
        .map(|_| true)
        .map_err(sdk_error);
        if unless_conflict(first, false)? {
            return Ok(true);
        }
        let later = check(
            "SET #due_at = :next",
            format!("attribute_exists(#pk) AND {NOT_FINAL}"),
        )
        .send()
        .await
        .map(|_| false)
        .map_err(sdk_error);
        // Final meanwhile: nothing to report or check.
        unless_conflict(later, false)
    }

    async fn latest_recording(&self, unique_name: &str) -> Result<Option<String>, StoreError> {
        let item = self.get(Key::latest_recording(unique_name)).await?;
        item.as_ref()
            .map(|i| {
                Ok(Attributes::of("latest recording", i)
                    .string("room_sid")?
                    .to_string())
            })
            .transpose()
    }
}

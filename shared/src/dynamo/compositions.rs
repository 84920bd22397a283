//! Composition records in DynamoDB: item `pk = "room#{room_sid}"`, `sk = "composition"`, in
//! the room's own partition; and each room name's latest recording, `pk =
//! "recording#{unique_name}"`, `sk = "latest"`.
//!
//! An event is one `UpdateItem` whose condition is [`CompositionRecord::takes`]: not final, and
//! an older `event_at_ms` (or the same with a lower `event_stage`). A stale event's write fails
//! and returns the record as it is (`ALL_OLD`), so no second read is needed. While a record owes
//! something it carries the due index's attributes (`super::due`), set and removed by the same
//! writes that change its state.

use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};

use super::due::{DUE_AT, DUE_PK};
use super::{DynamoTable, Item, PK, SK, n, s, sdk_error};
use crate::store::StoreError;
use crate::store::compositions::{
    CompositionEvent, CompositionRecord, CompositionRecords, CompositionStatus,
    CreatedComposition, Schedule, SmsState,
};

mod item;

/// The sort key of a room's composition record.
pub(super) const COMPOSITION: &str = "composition";
/// The condition that the record is not final; needs [`finals`].
const NOT_FINAL: &str =
    "(attribute_not_exists(#status) OR NOT #status IN (:completed, :failed, :deleted))";

/// The partition of a room's items.
pub(super) fn pk(room_sid: &str) -> String {
    format!("room#{room_sid}")
}

fn latest_pk(unique_name: &str) -> String {
    format!("recording#{unique_name}")
}

/// The names and values [`NOT_FINAL`] refers to.
fn finals(b: UpdateItemFluentBuilder) -> UpdateItemFluentBuilder {
    b.expression_attribute_names("#status", "status")
        .expression_attribute_values(":completed", s(CompositionStatus::Completed.as_str()))
        .expression_attribute_values(":failed", s(CompositionStatus::Failed.as_str()))
        .expression_attribute_values(":deleted", s(CompositionStatus::Deleted.as_str()))
}

/// Whether a failed write failed only its condition.
fn failed_condition<E, R>(err: &SdkError<E, R>, is_condition: impl Fn(&E) -> bool) -> bool {
    err.as_service_error().is_some_and(is_condition)
}

fn put_condition(e: &PutItemError) -> bool {
    matches!(e, PutItemError::ConditionalCheckFailedException(_))
}

fn update_condition(e: &UpdateItemError) -> bool {
    matches!(e, UpdateItemError::ConditionalCheckFailedException(_))
}

impl DynamoTable {
    fn update_composition(&self, room_sid: &str) -> UpdateItemFluentBuilder {
        self.client()
            .update_item()
            .table_name(self.table())
            .key(PK, s(pk(room_sid)))
            .key(SK, s(COMPOSITION))
    }
}

#[async_trait]
impl CompositionRecords for DynamoTable {
    async fn composition_created(&self, created: &CreatedComposition) -> Result<(), StoreError> {
        let fresh = CompositionRecord {
            created_at: Some(created.created_at),
            ..CompositionRecord::new(&created.room_sid, &created.composition_sid, created.stuck_due)
        };
        let put = self
            .client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(item::to_item(&fresh)))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .send()
            .await;
        match put {
            Ok(_) => {}
            // A callback made the record first: it keeps what it holds.
            Err(err) if failed_condition(&err, put_condition) => {
                self.update_composition(&created.room_sid)
                    .update_expression("SET #created = if_not_exists(#created, :created)")
                    .expression_attribute_names("#created", "created_at")
                    .expression_attribute_values(":created", n(created.created_at))
                    .send()
                    .await
                    .map_err(sdk_error)?;
            }
            Err(err) => return Err(sdk_error(err)),
        }
        let pointer = self
            .client()
            .put_item()
            .table_name(self.table())
            .item(PK, s(latest_pk(&created.unique_name)))
            .item(SK, s("latest"))
            .item("room_sid", s(&created.room_sid))
            .item("ended_at", n(created.room_ended_at))
            .condition_expression("attribute_not_exists(#pk) OR #ended <= :ended")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#ended", "ended_at")
            .expression_attribute_values(":ended", n(created.room_ended_at))
            .send()
            .await;
        match pointer {
            Ok(_) => Ok(()),
            // A room of this name that ended later holds the pointer.
            Err(err) if failed_condition(&err, put_condition) => Ok(()),
            Err(err) => Err(sdk_error(err)),
        }
    }

    async fn apply_composition_event(
        &self,
        event: &CompositionEvent,
        schedule: &Schedule,
    ) -> Result<(CompositionRecord, bool), StoreError> {
        let e = item::event_expression(event, schedule);
        let text = e.text();
        let b = self
            .update_composition(&event.room_sid)
            .set_expression_attribute_names(Some(e.names))
            .set_expression_attribute_values(Some(e.values));
        let result = finals(b)
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
                let attrs = out
                    .attributes()
                    .ok_or_else(|| StoreError("UpdateItem returned no attributes".into()))?;
                Ok((item::from_item(attrs)?, true))
            }
            Err(err) => match err.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(e)) => {
                    let old = e.item().ok_or_else(|| {
                        StoreError("conditional check failed without the old item".into())
                    })?;
                    Ok((item::from_item(old)?, false))
                }
                _ => Err(sdk_error(err)),
            },
        }
    }

    async fn composition(&self, room_sid: &str) -> Result<Option<CompositionRecord>, StoreError> {
        let out = self
            .client()
            .get_item()
            .table_name(self.table())
            .key(PK, s(pk(room_sid)))
            .key(SK, s(COMPOSITION))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_error)?;
        out.item().map(item::from_item).transpose()
    }

    async fn settle_sms(&self, room_sid: &str, state: &SmsState) -> Result<(), StoreError> {
        let (name, detail) = item::sms_attributes(state);
        let mut b = self
            .update_composition(room_sid)
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#sms", "sms")
            .expression_attribute_names("#due_pk", DUE_PK)
            .expression_attribute_names("#due_at", DUE_AT)
            .expression_attribute_values(":sms", s(name));
        let set = match detail {
            Some((attr, value)) => {
                b = b
                    .expression_attribute_names("#detail", attr)
                    .expression_attribute_values(":detail", value);
                "SET #sms = :sms, #detail = :detail"
            }
            None => "SET #sms = :sms",
        };
        b.update_expression(format!("{set} REMOVE #due_pk, #due_at"))
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
            .await;
        match result {
            Ok(out) => Ok(out
                .attributes()
                .and_then(|a| a.get("sms_attempts"))
                .and_then(|v| v.as_n().ok())
                .and_then(|v| v.parse().ok())
                .unwrap_or(1)),
            Err(err) if failed_condition(&err, update_condition) => Ok(0),
            Err(err) => Err(sdk_error(err)),
        }
    }

    async fn report_stuck(&self, room_sid: &str, next_check: i64) -> Result<bool, StoreError> {
        let result = finals(self.update_composition(room_sid))
            .update_expression("SET #stuck = :true, #due_at = :next")
            .condition_expression(format!("attribute_exists(#pk) AND {NOT_FINAL}"))
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#stuck", "stuck_reported")
            .expression_attribute_names("#due_at", DUE_AT)
            .expression_attribute_values(":true", AttributeValue::Bool(true))
            .expression_attribute_values(":next", n(next_check))
            .return_values(ReturnValue::UpdatedOld)
            .send()
            .await;
        match result {
            Ok(out) => Ok(out
                .attributes()
                .and_then(|a| a.get("stuck_reported"))
                .and_then(|v| v.as_bool().ok())
                .is_none_or(|was| !was)),
            Err(err) if failed_condition(&err, update_condition) => Ok(false),
            Err(err) => Err(sdk_error(err)),
        }
    }

    async fn latest_recording(&self, unique_name: &str) -> Result<Option<String>, StoreError> {
        let out = self
            .client()
            .get_item()
            .table_name(self.table())
            .key(PK, s(latest_pk(unique_name)))
            .key(SK, s("latest"))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(out
            .item()
            .and_then(|i: &Item| i.get("room_sid"))
            .and_then(|v| v.as_s().ok())
            .cloned())
    }
}

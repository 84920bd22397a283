//! Idempotency records in DynamoDB: item [`Key::idempotency`].
//!
//! The claim is one conditional `PutItem` that asks for the old item on failure
//! (`ReturnValuesOnConditionCheckFailure = ALL_OLD`), so a duplicate learns what holds the key
//! without a second read.

use std::time::SystemTime;

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;

use super::keys::Key;
use super::{Attributes, DynamoTable, Item, PK, TTL, n, s, sdk_error};
use crate::clock::{unix_millis, unix_seconds};
use crate::store::StoreError;
use crate::store::idempotency::{IdempotencyRecord, IdempotencyStore, PutOutcome, Status};

const IN_PROGRESS: &str = "INPROGRESS";
const COMPLETED: &str = "COMPLETED";

fn to_item(r: &IdempotencyRecord) -> Item {
    let status = match r.status {
        Status::InProgress => IN_PROGRESS,
        Status::Completed => COMPLETED,
    };
    let mut item = Key::idempotency(&r.key).into_item();
    item.extend([
        ("idem_key".to_string(), s(&r.key)),
        ("status".to_string(), s(status)),
        ("payload_hash".to_string(), s(&r.payload_hash)),
        (TTL.to_string(), n(r.expires_at)),
        ("lock_until_ms".to_string(), n(r.lock_until_ms)),
    ]);
    if let Some(result) = &r.result {
        item.insert("result".to_string(), s(result));
    }
    item
}

fn from_item(item: &Item) -> Result<IdempotencyRecord, StoreError> {
    let a = Attributes::of("idempotency", item);
    Ok(IdempotencyRecord {
        key: a.string("idem_key")?.to_string(),
        status: match a.string("status")? {
            IN_PROGRESS => Status::InProgress,
            COMPLETED => Status::Completed,
            _ => return Err(a.corrupt("status", "holds an unknown status")),
        },
        payload_hash: a.string("payload_hash")?.to_string(),
        expires_at: a.number(TTL)?,
        lock_until_ms: a.number("lock_until_ms")?,
        result: a.opt_string("result")?.map(str::to_string),
    })
}

#[async_trait]
impl IdempotencyStore for DynamoTable {
    async fn put_in_progress(
        &self,
        record: &IdempotencyRecord,
        now: SystemTime,
    ) -> Result<PutOutcome, StoreError> {
        let result = self
            .client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(to_item(record)))
            // The negation of IdempotencyRecord::blocks_at.
            .condition_expression(
                "attribute_not_exists(#pk) OR #ttl < :now OR (#status = :in_progress AND #lock < :now_ms)",
            )
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#ttl", TTL)
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#lock", "lock_until_ms")
            .expression_attribute_values(":now", n(unix_seconds(now)))
            .expression_attribute_values(":now_ms", n(unix_millis(now)))
            .expression_attribute_values(":in_progress", s(IN_PROGRESS))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(PutOutcome::Claimed),
            // The record that holds the key comes with the refusal (ALL_OLD).
            Err(err) => match err.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(e)) => {
                    let old = e.item().ok_or_else(|| {
                        StoreError::corrupt("idempotency item: refused claim returned none")
                    })?;
                    Ok(PutOutcome::Held(from_item(old)?))
                }
                _ => Err(sdk_error(err)),
            },
        }
    }

    async fn save_success(&self, record: &IdempotencyRecord) -> Result<(), StoreError> {
        self.put(to_item(record)).await
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.client()
            .delete_item()
            .table_name(self.table())
            .set_key(Some(Key::idempotency(key).into_item()))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }
}

//! Idempotency records in DynamoDB: item [`Key::idempotency`].
//!
//! The claim is one conditional `PutItem` that asks for the old item on failure
//! (`ReturnValuesOnConditionCheckFailure = ALL_OLD`), so a duplicate learns what holds the key
//! without a second read. Saving the result and deleting the claim are conditional on the
//! item's `claim_token` being the one this claim wrote: a `ConditionalCheckFailed` there means the
//! claim lapsed and another invocation holds the key now ([`Settled::NotOwner`]).

use std::collections::HashMap;
use std::time::SystemTime;

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;

use super::keys::Key;
use super::{Attributes, DynamoTable, Item, PK, TTL, n, s, sdk_error, unless_conflict};
use crate::clock::{unix_millis, unix_seconds};
use crate::store::StoreError;
use crate::store::idempotency::{IdempotencyRecord, IdempotencyStore, PutOutcome, Settled, Status};

const IN_PROGRESS: &str = "INPROGRESS";
const COMPLETED: &str = "COMPLETED";
/// The settling writes' condition: the item is still the claim that wrote this token.
const OWNED: &str = "#token = :token";

/// The names and values of [`OWNED`] for the claim that wrote `record`.
fn owned_by(record: &IdempotencyRecord) -> (HashMap<String, String>, Item) {
    let names = HashMap::from([("#token".to_string(), "claim_token".to_string())]);
    let values = Item::from([(":token".to_string(), s(&record.claim_token))]);
    (names, values)
}

fn to_item(r: &IdempotencyRecord) -> Item {
    let status = match r.status {
        Status::InProgress => IN_PROGRESS,
        Status::Completed => COMPLETED,
    };
    let mut item = Key::idempotency(&r.key).into_item();
    item.extend([
        ("idem_key".to_string(), s(&r.key)),
        ("status".to_string(), s(status)),
        ("claim_token".to_string(), s(&r.claim_token)),
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
        // Records written before claims carried a token have none: no holder can own them.
        claim_token: a.opt_string("claim_token")?.unwrap_or_default().to_string(),
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

    async fn save_success(&self, record: &IdempotencyRecord) -> Result<Settled, StoreError> {
        let (names, values) = owned_by(record);
        let result = self
            .client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(to_item(record)))
            .condition_expression(OWNED)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .send()
            .await
            .map(|_| Settled::Done);
        unless_conflict(result.map_err(sdk_error), Settled::NotOwner)
    }

    async fn delete(&self, record: &IdempotencyRecord) -> Result<Settled, StoreError> {
        let (names, values) = owned_by(record);
        let result = self
            .client()
            .delete_item()
            .table_name(self.table())
            .set_key(Some(Key::idempotency(&record.key).into_item()))
            .condition_expression(OWNED)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .send()
            .await
            .map(|_| Settled::Done);
        unless_conflict(result.map_err(sdk_error), Settled::NotOwner)
    }
}

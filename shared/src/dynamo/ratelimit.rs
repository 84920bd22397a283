//! Rate-limit counters in DynamoDB: item `pk = "rl#{key}"`, `sk = "w#{window start}"`, attribute
//! `count`, TTL at the window's end.
//!
//! One `UpdateItem` per event: `ADD count :one` under the condition
//! `attribute_not_exists(count) OR count < :max`. DynamoDB evaluates the condition and applies the
//! update atomically per item, so concurrent sends can never count past `max`, and a refused send
//! writes nothing. Each window is its own item, so a stale counter that TTL has not yet deleted
//! never blocks a later window.

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::ReturnValue;

use super::{DynamoTable, PK, SK, TTL, n, s, sdk_error};
use crate::store::StoreError;
use crate::store::ratelimit::{Hit, RateLimitStore, Window};

#[async_trait]
impl RateLimitStore for DynamoTable {
    async fn hit(&self, key: &str, window: Window, max: u32) -> Result<Hit, StoreError> {
        let result = self
            .client()
            .update_item()
            .table_name(self.table())
            .key(PK, s(format!("rl#{key}")))
            .key(SK, s(format!("w#{}", window.start)))
            .update_expression("ADD #count :one SET #ttl = :ttl")
            .condition_expression("attribute_not_exists(#count) OR #count < :max")
            .expression_attribute_names("#count", "count")
            .expression_attribute_names("#ttl", TTL)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":max", n(max))
            .expression_attribute_values(":ttl", n(window.end))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await;
        match result {
            Ok(out) => {
                let count = out
                    .attributes()
                    .and_then(|a| a.get("count"))
                    .and_then(|v| v.as_n().ok())
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| StoreError("rate-limit update returned no count".into()))?;
                Ok(Hit::Counted { count })
            }
            Err(err) => match err.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(_)) => Ok(Hit::Limited {
                    reset_at: window.end,
                }),
                _ => Err(sdk_error(err)),
            },
        }
    }
}

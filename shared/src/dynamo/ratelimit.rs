//! Rate-limit counters in DynamoDB: item [`Key::rate_window`], attribute `count`, TTL at the
//! window's end.
//!
//! One `UpdateItem` per event: `ADD count :one` under the condition
//! `attribute_not_exists(count) OR count < :max`. DynamoDB evaluates the condition and applies the
//! update atomically per item, so concurrent sends can never count past `max`, and a refused send
//! writes nothing. Each window is its own item, so a stale counter that TTL has not yet deleted
//! never blocks a later window.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::ReturnValue;

use super::keys::Key;
use super::{Attributes, DynamoTable, Item, TTL, n, sdk_error};
use crate::store::StoreError;
use crate::store::ratelimit::{Hit, RateLimitStore, Window};

#[async_trait]
impl RateLimitStore for DynamoTable {
    async fn hit(&self, key: &str, window: Window, max: u32) -> Result<Hit, StoreError> {
        let result = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(Key::rate_window(key, window.start).into_item()))
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
        match result.map_err(sdk_error) {
            Ok(out) => {
                // UPDATED_NEW returns the count; none at all reads as a missing count.
                let none = Item::new();
                let updated =
                    Attributes::of("rate-limit counter", out.attributes().unwrap_or(&none));
                Ok(Hit::Counted {
                    count: updated.number("count")?,
                })
            }
            // The window is full: the answer, not a failure.
            Err(StoreError::Conflict(_)) => Ok(Hit::Limited {
                reset_at: window.end,
            }),
            Err(e) => Err(e),
        }
    }
}

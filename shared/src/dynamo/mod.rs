//! The DynamoDB adapter: every store trait on one table. The table's key schema is the one
//! `template.yaml` declares: partition key `pk` (S), sort key `sk` (S), TTL attribute `ttl`
//! (Unix seconds). Item layouts are known only to this module and its children; every key is
//! built in `keys`.
//!
//! The SDK's errors become [`StoreError`]s in one place, `error`: throttling is `Throttled`, a
//! failed condition `Conflict`, a store that cannot be reached or fails (timeout, dispatch
//! failure, 5xx) `Unavailable`, anything else it refuses `Rejected`; an item that does not read
//! as its type is `Corrupt` (see `attributes`).

mod attributes;
mod audit;
mod compositions;
mod due;
mod error;
mod expression;
mod idempotency;
mod keys;
#[cfg(test)]
mod leading_keys;
mod owners;
mod ratelimit;
mod rooms;

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::AttributeValue;

pub(crate) use attributes::Attributes;
pub(crate) use error::{sdk_error, transaction_error};

use crate::clock::now_unix;
use crate::config::Retention;
use crate::store::StoreError;

pub use due::DUE_INDEX;

/// Partition key attribute.
pub const PK: &str = "pk";
/// Sort key attribute.
pub const SK: &str = "sk";
/// TTL attribute (Unix seconds). DynamoDB deletes expired items late, so code checks it too.
pub const TTL: &str = "ttl";

/// The one table.
#[derive(Clone, Debug)]
pub struct DynamoTable {
    client: Client,
    table: String,
    retention: Retention,
}

impl DynamoTable {
    /// The adapter for `table`, keeping items for the default [`Retention`].
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            retention: Retention::default(),
        }
    }

    /// The same adapter, keeping items as long as `retention` says (`ROOM_RETENTION_DAYS`,
    /// `AUDIT_RETENTION_DAYS`); the table's TTL deletes them afterwards.
    pub fn with_retention(mut self, retention: Retention) -> Self {
        self.retention = retention;
        self
    }

    /// The TTL of a room's items written now: the room retention from now.
    pub(crate) fn room_ttl(&self) -> AttributeValue {
        n(now_unix().saturating_add(self.retention.rooms.as_secs() as i64))
    }

    /// The SDK client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The table's name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// The item at `key`, read consistently.
    async fn get(&self, key: keys::Key) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key.into_item()))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(out.item)
    }

    /// A consistent query of the partition `pk`; the caller adds paging and order.
    fn query_partition(&self, pk: String) -> QueryFluentBuilder {
        self.client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":pk", s(pk))
            .consistent_read(true)
    }

    /// Writes `item` only if nothing is at its key yet: `false` when something is (the answer,
    /// not a failure).
    async fn put_new(&self, item: Item) -> Result<bool, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .send()
            .await
            .map(|_| true)
            .map_err(sdk_error);
        unless_conflict(result, false)
    }

    /// Applies the update `e` to the item at `key` if `condition` holds: `false` when it does
    /// not (the condition saying no, not a failure).
    async fn update_if(
        &self,
        key: keys::Key,
        e: expression::Expression,
        condition: &str,
    ) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key.into_item()))
            .update_expression(e.text())
            .condition_expression(condition)
            .set_expression_attribute_names(Some(e.names))
            .set_expression_attribute_values(Some(e.values))
            .send()
            .await
            .map(|_| true)
            .map_err(sdk_error);
        unless_conflict(result, false)
    }

    /// Writes `item`, replacing whatever is at its key.
    async fn put(&self, item: Item) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }
}

/// A DynamoDB item.
pub(crate) type Item = HashMap<String, AttributeValue>;

/// A string attribute.
pub(crate) fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

/// A number attribute.
pub(crate) fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// A failed condition as `Ok(otherwise)`; any other failure as it is.
pub(crate) fn unless_conflict<T>(
    result: Result<T, StoreError>,
    otherwise: T,
) -> Result<T, StoreError> {
    match result {
        Err(StoreError::Conflict(_)) => Ok(otherwise),
        other => other,
    }
}

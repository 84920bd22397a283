//! The DynamoDB adapter: every store trait on one table. The table's key schema is the one
//! `template.yaml` declares: partition key `pk` (S), sort key `sk` (S), TTL attribute `ttl`
//! (Unix seconds). Item layouts are known only to this module and its children.

mod audit;
mod compositions;
mod due;
mod idempotency;
mod owners;
mod ratelimit;
mod rooms;

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;

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
}

impl DynamoTable {
    /// The adapter for `table`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// The SDK client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The table's name.
    pub fn table(&self) -> &str {
        &self.table
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

/// A string attribute of an item, or an error naming it.
pub(crate) fn get_s<'a>(item: &'a Item, name: &str) -> Result<&'a str, StoreError> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
        .ok_or_else(|| StoreError(format!("item lacks string attribute {name}")))
}

/// An integer attribute of an item, or an error naming it.
pub(crate) fn get_n(item: &Item, name: &str) -> Result<i64, StoreError> {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| StoreError(format!("item lacks number attribute {name}")))
}

/// Any SDK error, with its full context, as a [`StoreError`].
pub(crate) fn sdk_error<E, R>(e: aws_sdk_dynamodb::error::SdkError<E, R>) -> StoreError
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    StoreError(aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string())
}

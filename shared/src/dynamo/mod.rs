//! The DynamoDB adapter: every store trait on one table. The table's key schema is the one
//! `template.yaml` declares: partition key `pk` (S), sort key `sk` (S), TTL attribute `ttl`
//! (Unix seconds). Item layouts are known only to this module and its children; every key is
//! built in `keys`.
//!
//! This file is also the one place where the SDK's errors become [`StoreError`]s: throttling is
//! `Throttled`, a failed condition `Conflict`, a store that cannot be reached or fails (timeout,
//! dispatch failure, 5xx) `Unavailable`, anything else it refuses `Rejected`; an item that does
//! not read as its type is `Corrupt` (see `attributes`).

mod attributes;
mod audit;
mod compositions;
mod due;
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
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::AttributeValue;

pub(crate) use attributes::Attributes;

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

/// An SDK error as a [`StoreError`].
pub(crate) fn sdk_error<E>(err: SdkError<E, HttpResponse>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let code = err
        .as_service_error()
        .and_then(|e| e.code())
        .map(str::to_string);
    from_sdk(err, code)
}

/// A `TransactWriteItems` error as a [`StoreError`]. A cancelled transaction's own code says
/// only that it was cancelled; the first item with a reason says why.
pub(crate) fn transaction_error(
    err: SdkError<TransactWriteItemsError, HttpResponse>,
) -> StoreError {
    let reason = match err.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(e)) => e
            .cancellation_reasons()
            .iter()
            .filter_map(|r| r.code())
            .find(|code| *code != "None"),
        _ => None,
    };
    let code = reason
        .or_else(|| err.as_service_error().and_then(|e| e.code()))
        .map(str::to_string);
    from_sdk(err, code)
}

fn from_sdk<E>(err: SdkError<E, HttpResponse>, code: Option<String>) -> StoreError
where
    E: std::error::Error + Send + Sync + 'static,
{
    // The SDK's error chain: codes, messages and endpoints, never an item (which only the
    // errors' Debug would show).
    let context = DisplayErrorContext(&err).to_string();
    match &err {
        SdkError::ServiceError(e) => classify(code.as_deref(), e.raw().status().as_u16(), context),
        // The request could not even be built: our defect.
        SdkError::ConstructionFailure(_) => StoreError::Rejected(context),
        // A timeout, a dispatch failure, a response that could not be read: the store was not
        // (fully) reached.
        _ => StoreError::Unavailable(context),
    }
}

/// The meaning of DynamoDB's error `code` (an operation's error code, or a cancelled
/// transaction's per-item reason) and HTTP `status`.
fn classify(code: Option<&str>, status: u16, context: String) -> StoreError {
    match code {
        Some(
            "ProvisionedThroughputExceededException"
            | "ThrottlingException"
            | "RequestLimitExceeded"
            | "ProvisionedThroughputExceeded"
            | "ThrottlingError",
        ) => StoreError::Throttled,
        Some("ConditionalCheckFailedException" | "ConditionalCheckFailed") => {
            StoreError::Conflict("the item is not as the conditional write requires")
        }
        // Another transaction holds the item for a moment: nothing is wrong with the request.
        Some(
            "TransactionConflictException"
            | "TransactionConflict"
            | "TransactionInProgressException",
        ) => StoreError::Unavailable(context),
        _ if status >= 500 => StoreError::Unavailable(context),
        _ => StoreError::Rejected(context),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(code: Option<&str>, status: u16) -> &'static str {
        match classify(code, status, String::new()) {
            StoreError::Conflict(_) => "conflict",
            StoreError::Throttled => "throttled",
            StoreError::Unavailable(_) => "unavailable",
            StoreError::Corrupt { .. } => "corrupt",
            StoreError::Rejected(_) => "rejected",
        }
    }

    #[test]
    fn dynamodb_error_codes_are_sorted_into_what_a_caller_can_do() {
        let cases = [
            (
                Some("ProvisionedThroughputExceededException"),
                400,
                "throttled",
            ),
            (Some("ThrottlingException"), 400, "throttled"),
            (Some("RequestLimitExceeded"), 400, "throttled"),
            (Some("ThrottlingError"), 400, "throttled"),
            (Some("ProvisionedThroughputExceeded"), 400, "throttled"),
            (Some("ConditionalCheckFailedException"), 400, "conflict"),
            (Some("ConditionalCheckFailed"), 400, "conflict"),
            (Some("TransactionConflictException"), 400, "unavailable"),
            (Some("TransactionConflict"), 400, "unavailable"),
            (Some("InternalServerError"), 500, "unavailable"),
            (None, 503, "unavailable"),
            (Some("ValidationException"), 400, "rejected"),
            (Some("ResourceNotFoundException"), 400, "rejected"),
            (Some("AccessDeniedException"), 400, "rejected"),
            (None, 400, "rejected"),
        ];
        for (code, status, want) in cases {
            assert_eq!(class(code, status), want, "{code:?} {status}");
        }
    }
}

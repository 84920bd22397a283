//! The one place where the SDK's errors become [`StoreError`]s: throttling is `Throttled`, a
//! failed condition `Conflict`, a store that cannot be reached or fails (timeout, dispatch
//! failure, 5xx) `Unavailable`, anything else it refuses `Rejected`. (An item that does not read
//! as its type is `Corrupt`: see `attributes`.)

use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;

use crate::store::StoreError;

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

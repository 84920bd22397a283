//! Storage, behind small traits by concern. Production: [`crate::dynamo`], one DynamoDB table.
//! Local runs: [`crate::memory`], an embedded store. Everything outside those two adapters sees
//! only the domain types defined here.

pub mod audit;
pub mod idempotency;
pub mod owners;
pub mod ratelimit;
pub mod rooms;

/// A storage failure the caller cannot act on (the request fails with a 5xx).
#[derive(Debug, thiserror::Error)]
#[error("store: {0}")]
pub struct StoreError(pub String);

impl StoreError {
    /// Wraps any displayable cause.
    pub fn new(cause: impl std::fmt::Display) -> Self {
        Self(cause.to_string())
    }
}

/// Every store trait: what one table (or the embedded store) provides. Functions hold an
/// `Arc<dyn Store>` and hand each part the narrow trait it asks for.
pub trait Store:
    idempotency::IdempotencyStore
    + audit::AuditLog
    + owners::RoomOwners
    + ratelimit::RateLimitStore
    + rooms::RoomRecords
    + Send
    + Sync
{
}

impl<T> Store for T where
    T: idempotency::IdempotencyStore
        + audit::AuditLog
        + owners::RoomOwners
        + ratelimit::RateLimitStore
        + rooms::RoomRecords
        + Send
        + Sync
{
}

//! Storage, behind small traits by concern. Production: [`crate::dynamo`], one DynamoDB table.
//! Local runs: [`crate::memory`], an embedded store. Everything outside those two adapters sees
//! only the domain types defined here.

pub mod audit;
pub mod compositions;
pub mod due;
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

/// Seconds since the Unix epoch.
pub fn unix_seconds(t: std::time::SystemTime) -> i64 {
    t.duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Milliseconds since the Unix epoch.
pub fn unix_millis(t: std::time::SystemTime) -> i64 {
    t.duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Every store trait: what one table (or the embedded store) provides. Functions hold an
/// `Arc<dyn Store>` and hand each part the narrow trait it asks for.
pub trait Store:
    idempotency::IdempotencyStore
    + audit::AuditLog
    + compositions::CompositionRecords
    + due::DueWork
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
        + compositions::CompositionRecords
        + due::DueWork
        + owners::RoomOwners
        + ratelimit::RateLimitStore
        + rooms::RoomRecords
        + Send
        + Sync
{
}

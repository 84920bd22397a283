//! The persistence interface of idempotency, as Powertools defines it: claim (put in progress),
//! save success, delete. The semantics live in [`crate::idempotency`].

use std::time::SystemTime;

use async_trait::async_trait;

use super::StoreError;
use crate::clock::{unix_millis, unix_seconds};

/// Where a claimed key stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// An invocation holds the key and is running its side effect.
    InProgress,
    /// The side effect ran; `result` holds its outcome.
    Completed,
}

/// One idempotency record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyRecord {
    /// The idempotency key.
    pub key: String,
    /// In progress or completed.
    pub status: Status,
    /// SHA-256 (hex) of the payload that claimed the key.
    pub payload_hash: String,
    /// When the record stops counting at all (Unix seconds); also the table's TTL.
    pub expires_at: i64,
    /// When an in-progress claim lapses (Unix milliseconds): the claiming invocation's deadline.
    pub lock_until_ms: i64,
    /// The completed action's result, as JSON.
    pub result: Option<String>,
}

impl IdempotencyRecord {
    /// Whether this record still blocks a new claim at `now`: not expired, and either completed
    /// or in progress within its lock. The same rule as the conditional write's condition.
    pub fn blocks_at(&self, now: SystemTime) -> bool {
        let live = self.expires_at >= unix_seconds(now);
        live && (self.status == Status::Completed || self.lock_until_ms >= unix_millis(now))
    }
}

/// What a claim found.
#[derive(Debug)]
pub enum PutOutcome {
    /// The key is ours.
    Claimed,
    /// Another live record holds it: here it is, from the same write (no second read).
    Held(IdempotencyRecord),
}

/// Idempotency persistence.
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Writes `record` (in progress) unless a record that [`IdempotencyRecord::blocks_at`] `now`
    /// exists, in one atomic conditional write.
    async fn put_in_progress(
        &self,
        record: &IdempotencyRecord,
        now: SystemTime,
    ) -> Result<PutOutcome, StoreError>;

    /// Marks `record.key` completed with its result.
    async fn save_success(&self, record: &IdempotencyRecord) -> Result<(), StoreError>;

    /// Removes the claim on `key`, so that a retry can run the action.
    async fn delete(&self, key: &str) -> Result<(), StoreError>;
}

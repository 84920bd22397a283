//! Idempotency records in memory.

use std::collections::HashMap;
use std::time::SystemTime;

use async_trait::async_trait;

use super::{MemoryStore, lock};
use crate::store::StoreError;
use crate::store::idempotency::{IdempotencyRecord, IdempotencyStore, PutOutcome, Settled};

#[async_trait]
impl IdempotencyStore for MemoryStore {
    async fn put_in_progress(
        &self,
        record: &IdempotencyRecord,
        now: SystemTime,
    ) -> Result<PutOutcome, StoreError> {
        let mut map = lock(&self.idempotency)?;
        if let Some(existing) = map.get(&record.key)
            && existing.blocks_at(now)
        {
            return Ok(PutOutcome::Held(existing.clone()));
        }
        map.insert(record.key.clone(), record.clone());
        Ok(PutOutcome::Claimed)
    }

    async fn save_success(&self, record: &IdempotencyRecord) -> Result<Settled, StoreError> {
        self.settle(record, |records| {
            records.insert(record.key.clone(), record.clone());
        })
    }

    async fn delete(&self, record: &IdempotencyRecord) -> Result<Settled, StoreError> {
        self.settle(record, |records| {
            records.remove(&record.key);
        })
    }
}

impl MemoryStore {
    /// Makes `change` to the records, under the lock, while `record`'s claim still holds its key.
    fn settle(
        &self,
        record: &IdempotencyRecord,
        change: impl FnOnce(&mut HashMap<String, IdempotencyRecord>),
    ) -> Result<Settled, StoreError> {
        let mut records = lock(&self.idempotency)?;
        if !owned(records.get(&record.key), record) {
            return Ok(Settled::NotOwner);
        }
        change(&mut records);
        Ok(Settled::Done)
    }
}

/// Whether `stored` is still the claim `record` was made by: the DynamoDB adapter's condition.
fn owned(stored: Option<&IdempotencyRecord>, record: &IdempotencyRecord) -> bool {
    stored.is_some_and(|stored| stored.claim_token == record.claim_token)
}

//! Idempotency records in memory.

use std::time::SystemTime;

use async_trait::async_trait;

use super::{MemoryStore, lock};
use crate::store::StoreError;
use crate::store::idempotency::{IdempotencyRecord, IdempotencyStore, PutOutcome};

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

    async fn save_success(&self, record: &IdempotencyRecord) -> Result<(), StoreError> {
        let mut map = lock(&self.idempotency)?;
        map.insert(record.key.clone(), record.clone());
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        lock(&self.idempotency)?.remove(key);
        Ok(())
    }
}

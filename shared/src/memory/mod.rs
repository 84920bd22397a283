//! The embedded store of the local API: every store trait, in memory, with the same semantics
//! as the DynamoDB adapter (conditions are checked under one lock, as DynamoDB checks them
//! atomically per item).

mod idempotency;

use std::collections::HashMap;
use std::sync::Mutex;

/// All tables of the embedded store.
#[derive(Default)]
pub struct MemoryStore {
    pub(crate) idempotency: Mutex<HashMap<String, crate::store::idempotency::IdempotencyRecord>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

//! The embedded store of the local API: every store trait, in memory, with the same semantics
//! as the DynamoDB adapter (conditions are checked under one lock, as DynamoDB checks them
//! atomically per item).

mod audit;
mod compositions;
mod due;
mod idempotency;
mod owners;
mod ratelimit;
mod rooms;

use std::collections::HashMap;
use std::sync::Mutex;

/// All tables of the embedded store.
#[derive(Default)]
pub struct MemoryStore {
    pub(crate) idempotency: Mutex<HashMap<String, crate::store::idempotency::IdempotencyRecord>>,
    pub(crate) audit: Mutex<
        HashMap<
            audit::Partition,
            std::collections::BTreeMap<audit::Position, crate::store::audit::AuditEntry>,
        >,
    >,
    pub(crate) owners: Mutex<HashMap<String, crate::store::owners::RoomOwner>>,
    /// `(key, window start)` → `(count, window end)`.
    pub(crate) ratelimit: Mutex<HashMap<(String, i64), (u32, i64)>>,
    /// Room SID → its record.
    pub(crate) rooms: Mutex<HashMap<String, crate::store::rooms::RoomRecord>>,
    /// Recordings: composition records, latest-recording pointers, rooms owing compositions.
    pub(crate) recordings: Mutex<compositions::Recordings>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

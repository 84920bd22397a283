//! The embedded store of the local API: every store trait, in memory, with the same semantics
//! as the DynamoDB adapter (conditions are checked under one lock, as DynamoDB checks them
//! atomically per item) and the same errors for the same cases.

mod audit;
mod compositions;
mod due;
mod idempotency;
mod owners;
mod ratelimit;
mod rooms;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

use crate::store::StoreError;
use crate::store::idempotency::IdempotencyRecord;
use crate::store::owners::RoomOwner;
use crate::store::rooms::RoomRecord;
use crate::store::rooms::names::RoomEntry;
use crate::store::rooms::participants::ParticipantState;

/// All tables of the embedded store.
#[derive(Default)]
pub struct MemoryStore {
    pub(crate) idempotency: Mutex<HashMap<String, IdempotencyRecord>>,
    pub(crate) audit: Mutex<audit::Log>,
    pub(crate) owners: Mutex<HashMap<String, RoomOwner>>,
    /// `(key, window start)` → `(count, window end)`.
    pub(crate) ratelimit: Mutex<HashMap<(String, i64), (u32, i64)>>,
    /// Room SID → its record.
    pub(crate) rooms: Mutex<HashMap<String, RoomRecord>>,
    /// Room unique name → what it stands for.
    pub(crate) names: Mutex<HashMap<String, RoomEntry>>,
    /// (room SID, participant SID) → what is known of the participant.
    pub(crate) participants: Mutex<BTreeMap<(String, String), ParticipantState>>,
    /// Recordings: composition records, latest-recording pointers, rooms owing compositions.
    pub(crate) recordings: Mutex<compositions::Recordings>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

/// One table, locked. A lock poisoned by a panic elsewhere makes the store unavailable, as a
/// table that cannot be reached.
pub(crate) fn lock<T>(table: &Mutex<T>) -> Result<MutexGuard<'_, T>, StoreError> {
    table
        .lock()
        .map_err(|_| StoreError::Unavailable("embedded store: a lock is poisoned".into()))
}

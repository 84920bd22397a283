//! The audit log in memory: per tenant, and per tenant and room, entries ordered by their
//! position (time, then id), with the DynamoDB adapter's conditions. Every write takes one lock,
//! as DynamoDB's transaction writes an entry's copies at once.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;

use super::{MemoryStore, lock};
use crate::store::StoreError;
use crate::store::audit::{
    AuditCursor, AuditEntry, AuditOutcome, AuditQuery, AuditStorage, Fetched, Settlement,
};

/// Where an entry is filed: tenant, room SID (none: the tenant's whole log).
type Partition = (String, Option<String>);

/// Every partition's entries, by position.
pub(crate) type Log = HashMap<Partition, BTreeMap<AuditCursor, AuditEntry>>;

fn partition(tenant: &str, room_sid: Option<&str>) -> Partition {
    (tenant.to_string(), room_sid.map(str::to_string))
}

const EXISTS: StoreError = StoreError::Conflict("audit entry exists");
const NOT_PENDING: StoreError = StoreError::Conflict("audit entry is not pending");

fn filed<'a>(log: &'a Log, entry: &AuditEntry, room_sid: Option<&str>) -> Option<&'a AuditEntry> {
    log.get(&partition(&entry.tenant, room_sid))?
        .get(&entry.position())
}

fn file(log: &mut Log, entry: &AuditEntry, room_sid: Option<&str>) {
    log.entry(partition(&entry.tenant, room_sid))
        .or_default()
        .insert(entry.position(), entry.clone());
}

fn is_pending(log: &Log, entry: &AuditEntry, room_sid: Option<&str>) -> bool {
    filed(log, entry, room_sid).is_some_and(|e| e.outcome == AuditOutcome::Pending)
}

#[async_trait]
impl AuditStorage for MemoryStore {
    async fn insert(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let mut log = lock(&self.audit)?;
        let room = entry.room_sid.as_deref();
        if filed(&log, entry, None).is_some()
            || room.is_some_and(|r| filed(&log, entry, Some(r)).is_some())
        {
            return Err(EXISTS);
        }
        file(&mut log, entry, None);
        if room.is_some() {
            file(&mut log, entry, room);
        }
        Ok(())
    }

    async fn replace_pending(&self, settlement: Settlement<'_>) -> Result<(), StoreError> {
        let entry = settlement.entry();
        let mut log = lock(&self.audit)?;
        if !is_pending(&log, entry, None) {
            return Err(NOT_PENDING);
        }
        match settlement {
            Settlement::InPlace(_) => {
                if let Some(room) = settlement.pending_room() {
                    if !is_pending(&log, entry, Some(room)) {
                        return Err(NOT_PENDING);
                    }
                    file(&mut log, entry, Some(room));
                }
            }
            Settlement::Refiled { room_sid, .. } => {
                if filed(&log, entry, Some(room_sid)).is_some() {
                    return Err(EXISTS);
                }
                file(&mut log, entry, Some(room_sid));
            }
        }
        file(&mut log, entry, None);
        Ok(())
    }

    async fn newest(&self, query: AuditQuery<'_>) -> Result<Fetched, StoreError> {
        let log = lock(&self.audit)?;
        let Some(filed) = log.get(&partition(query.tenant, query.room_sid)) else {
            return Ok(Fetched::default());
        };
        let older = match query.after {
            Some(after) => filed.range(..after),
            None => filed.range::<AuditCursor, _>(..),
        };
        Ok(Fetched {
            entries: older
                .rev()
                .take(query.count)
                .map(|(_, e)| e.clone())
                .collect(),
            beyond: false,
        })
    }
}

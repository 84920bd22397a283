//! The audit log in memory: per tenant and room (or tenant alone), entries ordered by their
//! position (time, then id), with the DynamoDB adapter's conditions.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;

use super::{MemoryStore, lock};
use crate::store::StoreError;
use crate::store::audit::{
    AuditCursor, AuditEntry, AuditOutcome, AuditQuery, AuditStorage, Fetched, Settlement,
};

/// Where an entry is filed: tenant, room SID (none: the tenant alone).
type Partition = (String, Option<String>);

/// Every partition's entries, by position.
pub(crate) type Log = HashMap<Partition, BTreeMap<AuditCursor, AuditEntry>>;

fn partition(tenant: &str, room_sid: Option<&str>) -> Partition {
    (tenant.to_string(), room_sid.map(str::to_string))
}

const EXISTS: StoreError = StoreError::Conflict("audit entry exists");

#[async_trait]
impl AuditStorage for MemoryStore {
    async fn insert(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let mut log = lock(&self.audit)?;
        let filed = log
            .entry(partition(&entry.tenant, entry.room_sid.as_deref()))
            .or_default();
        if filed.contains_key(&entry.position()) {
            return Err(EXISTS);
        }
        filed.insert(entry.position(), entry.clone());
        Ok(())
    }

    async fn replace_pending(&self, settlement: Settlement<'_>) -> Result<(), StoreError> {
        let entry = settlement.entry();
        let mut log = lock(&self.audit)?;
        let home = partition(&entry.tenant, settlement.home());
        let is_pending = log
            .get(&home)
            .and_then(|filed| filed.get(&entry.position()))
            .is_some_and(|e| e.outcome == AuditOutcome::Pending);
        if !is_pending {
            return Err(StoreError::Conflict("audit entry is not pending"));
        }
        if let Settlement::Refiled { room_sid, .. } = settlement {
            // Both writes under one lock, as DynamoDB's transaction makes them at once.
            let filed = log
                .entry(partition(&entry.tenant, Some(room_sid)))
                .or_default();
            if filed.contains_key(&entry.position()) {
                return Err(EXISTS);
            }
            filed.insert(entry.position(), entry.clone());
        }
        log.entry(home)
            .or_default()
            .insert(entry.position(), entry.clone());
        Ok(())
    }

    async fn newest(&self, query: AuditQuery<'_>) -> Result<Fetched, StoreError> {
        let log = lock(&self.audit)?;
        let Some(filed) = log.get(&partition(query.tenant, Some(query.room_sid))) else {
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

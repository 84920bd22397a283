//! The audit log in memory: per tenant and room (or tenant alone), entries ordered by time and
//! id, with the DynamoDB adapter's conditions.

use async_trait::async_trait;

use super::MemoryStore;
use crate::store::StoreError;
use crate::store::audit::{
    AuditCursor, AuditEntry, AuditLog, AuditOutcome, AuditPage, check_settle,
};

/// Where an entry is filed: tenant, room SID (none: the tenant alone).
pub(crate) type Partition = (String, Option<String>);
/// An entry's place in its partition: time in microseconds, id.
pub(crate) type Position = (i64, String);

fn position(entry: &AuditEntry) -> Position {
    (entry.time_micros(), entry.id.clone())
}

#[async_trait]
impl AuditLog for MemoryStore {
    async fn append(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let mut log = self.audit.lock().map_err(StoreError::new)?;
        let partition = log
            .entry((entry.tenant.clone(), entry.room_sid.clone()))
            .or_default();
        if partition.contains_key(&position(entry)) {
            return Err(StoreError("audit entry already exists".into()));
        }
        partition.insert(position(entry), entry.clone());
        Ok(())
    }

    async fn settle(&self, pending: &AuditEntry, settled: &AuditEntry) -> Result<(), StoreError> {
        check_settle(pending, settled)?;
        let mut log = self.audit.lock().map_err(StoreError::new)?;
        let home = (pending.tenant.clone(), pending.room_sid.clone());
        let is_pending = log
            .get(&home)
            .and_then(|p| p.get(&position(pending)))
            .is_some_and(|e| e.outcome == AuditOutcome::Pending);
        if !is_pending {
            return Err(StoreError("audit entry is not pending".into()));
        }
        let room = (settled.tenant.clone(), settled.room_sid.clone());
        if room != home {
            // Both writes under one lock, as DynamoDB's transaction makes them at once.
            let filed = log.entry(room).or_default();
            if filed.contains_key(&position(settled)) {
                return Err(StoreError("audit entry already exists".into()));
            }
            filed.insert(position(settled), settled.clone());
        }
        log.entry(home)
            .or_default()
            .insert(position(settled), settled.clone());
        Ok(())
    }

    async fn list(
        &self,
        tenant: &str,
        room_sid: &str,
        limit: u32,
        after: Option<&AuditCursor>,
    ) -> Result<AuditPage, StoreError> {
        let limit = AuditPage::size(limit);
        let log = self.audit.lock().map_err(StoreError::new)?;
        let Some(partition) = log.get(&(tenant.to_string(), Some(room_sid.to_string()))) else {
            return Ok(AuditPage {
                entries: Vec::new(),
                next: None,
            });
        };
        let newest_first = partition.iter().rev().map(|(_, e)| e);
        let fetched: Vec<AuditEntry> = match after {
            Some(c) => {
                let start = (c.time_micros, c.id.clone());
                newest_first
                    .filter(|e| position(e) < start)
                    .take(limit + 1)
                    .cloned()
                    .collect()
            }
            None => newest_first.take(limit + 1).cloned().collect(),
        };
        Ok(AuditPage::from_fetched(fetched, limit, false))
    }
}

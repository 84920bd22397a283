//! The audit log of admin actions: who (actor, tenant) did what (action) to which room or
//! participant, when, with what outcome, and Twilio's request id.
//!
//! Entries are filed per tenant and room SID, and listed newest first. An action with a side
//! effect is written twice: first as [`AuditOutcome::Pending`] before anything is done, then
//! settled with its outcome. A pending entry that never settles is itself a finding: the action
//! may have happened but its outcome was not recorded. An entry whose room SID is not known when
//! it is first written (a room being created, a request refused before its target was read) is
//! filed under its tenant alone, and, once settled with a room SID, under that room as well.
//!
//! Handlers use [`AuditLog`]. Adapters implement [`AuditStorage`], which only writes and reads;
//! the rules (what may be settled, how a page is cut) are here, once, for both.

mod cursor;
mod entry;
mod page;
mod settle;

use std::time::Duration;

use async_trait::async_trait;

pub use cursor::AuditCursor;
pub use entry::{AuditAction, AuditEntry, AuditOutcome};
pub use page::{AuditPage, AuditQuery, Fetched, MAX_PAGE};
pub use settle::Settlement;

use super::StoreError;

/// How long entries are kept (the table's TTL deletes them afterwards).
pub const RETENTION: Duration = Duration::from_secs(365 * 24 * 3600);

/// The audit log.
#[async_trait]
pub trait AuditLog: Send + Sync {
    /// Writes a new entry, pending or final. Never replaces an existing entry
    /// ([`StoreError::Conflict`]).
    async fn append(&self, entry: &AuditEntry) -> Result<(), StoreError>;

    /// Records the outcome of `pending` (as written by [`AuditLog::append`]): `settled` is the
    /// same entry (tenant, actor, action, id and time) with a final outcome. Fails if `pending`
    /// is not pending any more. When `pending` had no room SID and `settled` has one, the entry
    /// is also filed under that room, in the same atomic write.
    async fn settle(&self, pending: &AuditEntry, settled: &AuditEntry) -> Result<(), StoreError>;

    /// A page of at most `limit` (1 to [`MAX_PAGE`]) entries of `tenant`'s room `room_sid`,
    /// newest first, starting after `after`.
    async fn list(
        &self,
        tenant: &str,
        room_sid: &str,
        limit: u32,
        after: Option<&AuditCursor>,
    ) -> Result<AuditPage, StoreError>;
}

/// What an adapter provides for the audit log: writes and reads of entries, each atomic. An
/// entry is filed under its tenant and its room SID (none: the tenant alone), at its
/// [`AuditEntry::position`].
#[async_trait]
pub trait AuditStorage: Send + Sync {
    /// Files `entry` under its room SID; [`StoreError::Conflict`] if an entry is at its
    /// position there already.
    async fn insert(&self, entry: &AuditEntry) -> Result<(), StoreError>;

    /// Writes `settlement` in one atomic write; [`StoreError::Conflict`] if the entry filed
    /// under [`Settlement::home`] is not pending, or a refiled entry's room holds it already.
    async fn replace_pending(&self, settlement: Settlement<'_>) -> Result<(), StoreError>;

    /// The newest `query.count` entries of the query's partition older than `query.after`.
    async fn newest(&self, query: AuditQuery<'_>) -> Result<Fetched, StoreError>;
}

#[async_trait]
impl<T: AuditStorage> AuditLog for T {
    async fn append(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        self.insert(entry).await
    }

    async fn settle(&self, pending: &AuditEntry, settled: &AuditEntry) -> Result<(), StoreError> {
        self.replace_pending(Settlement::of(pending, settled)?)
            .await
    }

    async fn list(
        &self,
        tenant: &str,
        room_sid: &str,
        limit: u32,
        after: Option<&AuditCursor>,
    ) -> Result<AuditPage, StoreError> {
        let query = AuditQuery {
            tenant,
            room_sid,
            after,
            count: AuditPage::fetch_count(limit),
        };
        let fetched = self.newest(query).await?;
        Ok(AuditPage::from_fetched(fetched, limit))
    }
}

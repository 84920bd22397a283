//! Room names in memory, keyed by unique name, with the rules of
//! [`crate::store::rooms::names`] applied under one lock.

use async_trait::async_trait;

use crate::memory::{MemoryStore, lock};
use crate::store::StoreError;
use crate::store::rooms::RoomStatus;
use crate::store::rooms::names::{RoomEntry, RoomNames};

#[async_trait]
impl RoomNames for MemoryStore {
    async fn room_by_name(&self, unique_name: &str) -> Result<Option<RoomEntry>, StoreError> {
        Ok(lock(&self.names)?.get(unique_name).cloned())
    }

    async fn name_opened(&self, opened: &RoomEntry) -> Result<bool, StoreError> {
        let mut names = lock(&self.names)?;
        match names.get_mut(&opened.unique_name) {
            None => {
                names.insert(opened.unique_name.clone(), opened.clone());
                Ok(true)
            }
            Some(stored) if stored.yields_to(opened) => {
                stored.merge_opened(opened);
                Ok(true)
            }
            Some(_) => Ok(false),
        }
    }

    async fn name_confirmed(
        &self,
        unique_name: &str,
        room_sid: &str,
        at: i64,
    ) -> Result<(), StoreError> {
        if let Some(entry) = lock(&self.names)?.get_mut(unique_name)
            && entry.room_sid == room_sid
            && entry.is_open()
        {
            entry.confirmed_at = at;
        }
        Ok(())
    }

    async fn name_ended(
        &self,
        unique_name: &str,
        room_sid: &str,
        at: i64,
    ) -> Result<(), StoreError> {
        if let Some(entry) = lock(&self.names)?.get_mut(unique_name)
            && entry.room_sid == room_sid
        {
            entry.status = RoomStatus::Completed;
            entry.ended_at = Some(at);
        }
        Ok(())
    }
}

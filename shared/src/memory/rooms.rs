//! Room records in memory, with the DynamoDB adapter's semantics: each update is applied under
//! one lock, only ever adding to the record. Room names and participants: [`names`],
//! [`participants`].

mod names;
mod participants;

use async_trait::async_trait;

use super::{MemoryStore, lock};
use crate::store::StoreError;
use crate::store::rooms::{RoomRecord, RoomRecords, RoomUpdate};

#[async_trait]
impl RoomRecords for MemoryStore {
    async fn apply_room_update(&self, update: &RoomUpdate) -> Result<RoomRecord, StoreError> {
        let mut rooms = lock(&self.rooms)?;
        let record = rooms.entry(update.room_sid.clone()).or_insert_with(|| {
            RoomRecord::new(
                &update.room_sid,
                &update.unique_name,
                update.tenant.as_deref(),
            )
        });
        record.merge(update);
        Ok(record.clone())
    }

    async fn room_record(&self, room_sid: &str) -> Result<Option<RoomRecord>, StoreError> {
        Ok(lock(&self.rooms)?.get(room_sid).cloned())
    }

    async fn set_composition(
        &self,
        room_sid: &str,
        composition_sid: &str,
    ) -> Result<(), StoreError> {
        let mut rooms = lock(&self.rooms)?;
        // As on DynamoDB: no record is created that holds nothing but a composition.
        let record = rooms.get_mut(room_sid).ok_or(StoreError::Conflict(
            "no record of the room to attach a composition to",
        ))?;
        record.composition_sid = Some(composition_sid.to_string());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::rooms::{RoomChange, RoomStatus};

    #[tokio::test]
    async fn a_late_callback_does_not_reopen_an_ended_room() {
        let store = MemoryStore::new();
        store
            .apply_room_update(&RoomUpdate::example(RoomChange::Ended {
                at: 10,
                duration_seconds: Some(9),
            }))
            .await
            .unwrap();
        let after = store
            .apply_room_update(&RoomUpdate::example(RoomChange::Created { at: 1 }))
            .await
            .unwrap();
        assert_eq!(after.status, RoomStatus::Completed);
        assert_eq!(after.created_at, Some(1));
        assert_eq!(after.ended_at, Some(10));
        let after = store
            .apply_room_update(&RoomUpdate::example(RoomChange::Recorded))
            .await
            .unwrap();
        assert!(after.needs_composition());
        store.set_composition("RM1", "CJ1").await.unwrap();
        assert!(
            !store
                .room_record("RM1")
                .await
                .unwrap()
                .unwrap()
                .needs_composition()
        );
        assert!(store.set_composition("RM2", "CJ2").await.is_err());
    }
}

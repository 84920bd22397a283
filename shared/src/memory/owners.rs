//! Room owners in memory, keyed by room SID.

use async_trait::async_trait;

use super::{MemoryStore, lock};
use crate::store::StoreError;
use crate::store::owners::{RoomOwner, RoomOwners};

#[async_trait]
impl RoomOwners for MemoryStore {
    async fn set_owner(&self, owner: &RoomOwner) -> Result<(), StoreError> {
        lock(&self.owners)?.insert(owner.room_sid.clone(), owner.clone());
        Ok(())
    }

    async fn claim_owner(&self, owner: &RoomOwner) -> Result<bool, StoreError> {
        let mut owners = lock(&self.owners)?;
        if owners.contains_key(&owner.room_sid) {
            return Ok(false);
        }
        owners.insert(owner.room_sid.clone(), owner.clone());
        Ok(true)
    }

    async fn owner(&self, room_sid: &str) -> Result<Option<RoomOwner>, StoreError> {
        Ok(lock(&self.owners)?.get(room_sid).cloned())
    }
}

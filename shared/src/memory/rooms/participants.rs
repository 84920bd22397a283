//! Room participants in memory, keyed by room and participant SID, each callback applied under
//! one lock with [`ParticipantState::apply`], as the DynamoDB adapter applies it.

use async_trait::async_trait;

use crate::memory::{MemoryStore, lock};
use crate::store::StoreError;
use crate::store::rooms::participants::{
    ParticipantEvent, ParticipantState, RoomParticipants, RoomPresence,
};

#[async_trait]
impl RoomParticipants for MemoryStore {
    async fn participant_event(&self, event: &ParticipantEvent) -> Result<(), StoreError> {
        let key = (event.room_sid.clone(), event.participant_sid.clone());
        lock(&self.participants)?
            .entry(key)
            .or_insert_with(|| ParticipantState::new(&event.participant_sid, &event.identity))
            .apply(event);
        Ok(())
    }

    async fn presence(&self, room_sid: &str) -> Result<RoomPresence, StoreError> {
        let record = lock(&self.rooms)?.get(room_sid).cloned();
        let participants = lock(&self.participants)?
            .range((room_sid.to_string(), String::new())..)
            .take_while(|((room, _), _)| room == room_sid)
            .map(|(_, state)| state.clone())
            .collect();
        Ok(RoomPresence {
            record,
            participants,
        })
    }
}

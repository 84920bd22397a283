//! Composition records and latest-recording pointers in memory, with the DynamoDB adapter's
//! semantics: each change is checked and applied under one lock.

use std::collections::HashMap;

use async_trait::async_trait;

use super::{MemoryStore, lock};
use crate::store::StoreError;
use crate::store::compositions::{
    CompositionEvent, CompositionRecord, CompositionRecords, CreatedComposition, Schedule, SmsState,
};

/// Everything recordings keep, under one lock (the index spans two kinds of item).
#[derive(Default)]
pub(crate) struct Recordings {
    /// Room SID → its composition record.
    pub(crate) compositions: HashMap<String, CompositionRecord>,
    /// Room name → (room SID, when it ended).
    pub(crate) latest: HashMap<String, (String, i64)>,
    /// Room SID → (due at, failed tries): rooms that may owe their composition.
    pub(crate) owed: HashMap<String, (i64, u32)>,
}

impl MemoryStore {
    fn recordings(&self) -> Result<std::sync::MutexGuard<'_, Recordings>, StoreError> {
        lock(&self.recordings)
    }
}

#[async_trait]
impl CompositionRecords for MemoryStore {
    async fn composition_created(&self, created: &CreatedComposition) -> Result<(), StoreError> {
        let mut r = self.recordings()?;
        let record = r
            .compositions
            .entry(created.room_sid.clone())
            .or_insert_with(|| {
                CompositionRecord::new(
                    &created.room_sid,
                    &created.composition_sid,
                    created.stuck_due,
                )
            });
        record.created_at.get_or_insert(created.created_at);
        let newer = r
            .latest
            .get(&created.unique_name)
            .is_none_or(|(_, ended)| *ended <= created.room_ended_at);
        if newer {
            r.latest.insert(
                created.unique_name.clone(),
                (created.room_sid.clone(), created.room_ended_at),
            );
        }
        Ok(())
    }

    async fn apply_composition_event(
        &self,
        event: &CompositionEvent,
        schedule: &Schedule,
    ) -> Result<(CompositionRecord, bool), StoreError> {
        let mut r = self.recordings()?;
        let record = r
            .compositions
            .entry(event.room_sid.clone())
            .or_insert_with(|| {
                let mut fresh = CompositionRecord::new(&event.room_sid, &event.composition_sid, 0);
                fresh.due_at = None;
                fresh
            });
        let applied = record.takes(event);
        if applied {
            record.apply(event, schedule);
        }
        Ok((record.clone(), applied))
    }

    async fn composition(&self, room_sid: &str) -> Result<Option<CompositionRecord>, StoreError> {
        Ok(self.recordings()?.compositions.get(room_sid).cloned())
    }

    async fn settle_sms(&self, room_sid: &str, state: &SmsState) -> Result<(), StoreError> {
        let mut r = self.recordings()?;
        let record = r
            .compositions
            .get_mut(room_sid)
            .ok_or(StoreError::Conflict("no composition record of this room"))?;
        record.sms = Some(state.clone());
        record.due_at = None;
        Ok(())
    }

    async fn retry_sms(&self, room_sid: &str, due_at: i64) -> Result<u32, StoreError> {
        let mut r = self.recordings()?;
        match r.compositions.get_mut(room_sid) {
            Some(record) if record.owes_sms() => {
                record.sms_attempts += 1;
                record.due_at = Some(due_at);
                Ok(record.sms_attempts)
            }
            _ => Ok(0),
        }
    }

    async fn report_stuck(&self, room_sid: &str, next_check: i64) -> Result<bool, StoreError> {
        let mut r = self.recordings()?;
        match r.compositions.get_mut(room_sid) {
            Some(record) if !record.status.is_final() => {
                let first = !record.stuck_reported;
                record.stuck_reported = true;
                record.due_at = Some(next_check);
                Ok(first)
            }
            _ => Ok(false),
        }
    }

    async fn latest_recording(&self, unique_name: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .recordings()?
            .latest
            .get(unique_name)
            .map(|(room, _)| room.clone()))
    }
}

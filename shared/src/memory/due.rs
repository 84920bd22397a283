//! The index of owed work in memory: rooms that may owe their composition, and composition
//! records that carry a due time, read together in due order.

use async_trait::async_trait;

use super::{MemoryStore, lock};
use crate::store::StoreError;
use crate::store::due::{DueEntry, DueKind, DuePage, DueQuery, DueWork};

/// The order of the index: due time, then kind, then room.
fn position(e: &DueEntry) -> (i64, DueKind, &str) {
    (e.due_at, e.kind, e.room_sid.as_str())
}

#[async_trait]
impl DueWork for MemoryStore {
    async fn owe_composition(&self, room_sid: &str, due_at: i64) -> Result<(), StoreError> {
        let mut r = lock(&self.recordings)?;
        r.owed.entry(room_sid.to_string()).or_insert((due_at, 0));
        Ok(())
    }

    async fn settle_composition(&self, room_sid: &str) -> Result<(), StoreError> {
        let mut r = lock(&self.recordings)?;
        r.owed.remove(room_sid);
        Ok(())
    }

    async fn retry_composition(&self, room_sid: &str, due_at: i64) -> Result<u32, StoreError> {
        let mut r = lock(&self.recordings)?;
        Ok(match r.owed.get_mut(room_sid) {
            Some((due, attempts)) => {
                *due = due_at;
                *attempts += 1;
                *attempts
            }
            None => 0,
        })
    }

    async fn due(&self, query: DueQuery<'_>) -> Result<DuePage, StoreError> {
        let r = lock(&self.recordings)?;
        let owed = r.owed.iter().map(|(room, (due_at, _))| DueEntry {
            kind: DueKind::Composition,
            room_sid: room.clone(),
            due_at: *due_at,
        });
        let records = r.compositions.values().filter_map(|c| {
            c.due_at.map(|due_at| DueEntry {
                kind: DueKind::Recording,
                room_sid: c.room_sid.clone(),
                due_at,
            })
        });
        let start = query.after.map(|c| (c.due_at, c.kind, c.room_sid.as_str()));
        let mut entries: Vec<DueEntry> = owed
            .chain(records)
            .filter(|e| query.is_due(e))
            .filter(|e| start.is_none_or(|s| position(e) > s))
            .collect();
        entries.sort_by(|a, b| position(a).cmp(&position(b)));
        let more = entries.len() > query.page_size();
        entries.truncate(query.page_size());
        let next = more.then(|| entries.last().map(DueEntry::cursor)).flatten();
        Ok(DuePage { entries, next })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::compositions::{CompositionRecords, CreatedComposition};

    #[tokio::test]
    async fn the_index_holds_owed_rooms_and_records_in_due_order_and_pages() {
        let store = MemoryStore::new();
        store.owe_composition("RM2", 20).await.unwrap();
        store.owe_composition("RM2", 99).await.unwrap();
        store.owe_composition("RM3", 500).await.unwrap();
        store
            .composition_created(&CreatedComposition {
                room_sid: "RM1".into(),
                composition_sid: "CJ1".into(),
                unique_name: "acme:class:1".into(),
                room_ended_at: 1,
                created_at: 1,
                stuck_due: 10,
            })
            .await
            .unwrap();
        let page = store.due(DueQuery::new(100, 1)).await.unwrap();
        assert_eq!(page.entries[0].room_sid, "RM1");
        assert_eq!(page.entries[0].kind, DueKind::Recording);
        let page = store
            .due(DueQuery::new(100, 5).after(page.next.as_ref()))
            .await
            .unwrap();
        assert_eq!(page.entries.len(), 1);
        assert_eq!(page.entries[0].room_sid, "RM2");
        assert_eq!(
            page.entries[0].due_at, 20,
            "an owed room keeps its first due time"
        );
        assert!(page.next.is_none());
        assert_eq!(store.retry_composition("RM2", 300).await.unwrap(), 1);
        store.settle_composition("RM3").await.unwrap();
        let later = store.due(DueQuery::new(1000, 10)).await.unwrap();
        let rooms: Vec<_> = later.entries.iter().map(|e| e.room_sid.as_str()).collect();
        assert_eq!(rooms, ["RM1", "RM2"]);
    }
}

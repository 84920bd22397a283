//! Work still owed, in a sparse index keyed by when it is due: what the reconciler reads
//! instead of scanning the table.
//!
//! An item is in the index only while it owes something, so a reconciler run reads the owed
//! items that are due and nothing else: its cost follows the work left undone, never the number
//! of rooms that finished. Two kinds of item are in it:
//!
//! - [`DueKind::Composition`]: a room that may owe its composition. Recorded by the room
//!   callback before it tries (room-ended), removed once the composition exists or the room
//!   turns out not to need one; its own small item, written here.
//! - [`DueKind::Recording`]: a room's composition record while it owes a stuck check (not yet
//!   finished) or the recording-ready SMS (available, not yet notified). The record itself
//!   carries the due time, set and cleared by the same atomic writes that change its state
//!   (`store::compositions`).

use async_trait::async_trait;

use super::StoreError;

/// What an entry of the index owes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DueKind {
    /// The room may owe its composition.
    Composition,
    /// The room's composition record owes a stuck check or the recording-ready SMS.
    Recording,
}

/// One entry of the index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueEntry {
    /// What it owes.
    pub kind: DueKind,
    /// The room it is about (`RM…`).
    pub room_sid: String,
    /// When it is due (Unix seconds).
    pub due_at: i64,
}

/// Where a page of [`DueWork::due`] stopped: pass it back to read on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueCursor {
    /// The last entry's due time.
    pub due_at: i64,
    /// The last entry's kind.
    pub kind: DueKind,
    /// The last entry's room.
    pub room_sid: String,
}

impl DueEntry {
    /// The cursor just past this entry.
    pub fn cursor(&self) -> DueCursor {
        DueCursor {
            due_at: self.due_at,
            kind: self.kind,
            room_sid: self.room_sid.clone(),
        }
    }
}

/// The most entries one page holds.
pub const MAX_PAGE: usize = 1000;

/// One read of the index: entries due at or before `now`, earliest first, after `after`.
#[derive(Clone, Copy, Debug)]
pub struct DueQuery<'a> {
    /// The time the entries are due by (Unix seconds).
    pub now: i64,
    /// How many entries a page may hold; read as 1 to [`MAX_PAGE`].
    pub limit: usize,
    /// Where the previous page stopped.
    pub after: Option<&'a DueCursor>,
}

impl<'a> DueQuery<'a> {
    /// The first page of entries due by `now`, at most `limit` of them.
    pub fn new(now: i64, limit: usize) -> Self {
        Self {
            now,
            limit,
            after: None,
        }
    }

    /// The same read, resumed after `cursor` (the previous page's `next`).
    pub fn after(self, cursor: Option<&'a DueCursor>) -> Self {
        Self {
            after: cursor,
            ..self
        }
    }

    /// How many entries the page holds at most: `limit`, within 1 and [`MAX_PAGE`].
    pub fn page_size(&self) -> usize {
        self.limit.clamp(1, MAX_PAGE)
    }

    /// Whether `entry` is due by `now`.
    pub fn is_due(&self, entry: &DueEntry) -> bool {
        entry.due_at <= self.now
    }
}

/// One page of due entries, earliest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DuePage {
    /// The entries.
    pub entries: Vec<DueEntry>,
    /// Where to read on, when more may follow.
    pub next: Option<DueCursor>,
}

/// The index, and the items of [`DueKind::Composition`].
#[async_trait]
pub trait DueWork: Send + Sync {
    /// Records that the room may owe its composition, due at `due_at`; an entry already there
    /// keeps its own due time and attempts.
    async fn owe_composition(&self, room_sid: &str, due_at: i64) -> Result<(), StoreError>;

    /// The room owes no composition any more.
    async fn settle_composition(&self, room_sid: &str) -> Result<(), StoreError>;

    /// A try failed: the next one is due at `due_at`. Returns how many tries have failed; an
    /// entry that was settled meanwhile is left settled (and 0 returned).
    async fn retry_composition(&self, room_sid: &str, due_at: i64) -> Result<u32, StoreError>;

    /// The page of entries of both kinds that `query` reads.
    async fn due(&self, query: DueQuery<'_>) -> Result<DuePage, StoreError>;
}

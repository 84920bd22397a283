//! Listing a room's entries a page at a time, newest first. The domain decides the page: it
//! asks the store for one entry more than the page holds, and that entry's coming tells whether
//! there is a next page, so the last page is never followed by an empty one. The store only
//! fetches (see [`super::AuditStorage::newest`]).

use super::{AuditCursor, AuditEntry};

/// The most entries one page lists.
pub const MAX_PAGE: u32 = 100;

/// What a listing asks the store for: up to `count` entries of `tenant`'s room `room_sid`,
/// newest first, each older than `after`.
#[derive(Clone, Copy, Debug)]
pub struct AuditQuery<'a> {
    /// The caller's tenant: the only one whose entries are read.
    pub tenant: &'a str,
    /// The room.
    pub room_sid: &'a str,
    /// Where the previous page ended, if anywhere.
    pub after: Option<&'a AuditCursor>,
    /// How many entries to fetch at most.
    pub count: usize,
}

/// What the store fetched for an [`AuditQuery`].
#[derive(Clone, Debug, Default)]
pub struct Fetched {
    /// The entries, newest first.
    pub entries: Vec<AuditEntry>,
    /// The store itself says it holds more beyond them (DynamoDB's `LastEvaluatedKey`).
    pub beyond: bool,
}

/// One page of a room's entries, newest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditPage {
    /// The entries.
    pub entries: Vec<AuditEntry>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<AuditCursor>,
}

impl AuditPage {
    /// How many entries a page asked for with `limit` holds: 1 to [`MAX_PAGE`].
    pub fn size(limit: u32) -> usize {
        limit.clamp(1, MAX_PAGE) as usize
    }

    /// How many entries to fetch for a page asked for with `limit`: one more than it holds.
    pub fn fetch_count(limit: u32) -> usize {
        Self::size(limit) + 1
    }

    /// The page of at most `limit` entries made of what the store `fetched` for a
    /// query of [`AuditPage::fetch_count`] entries.
    pub fn from_fetched(fetched: Fetched, limit: u32) -> Self {
        let size = Self::size(limit);
        let Fetched {
            mut entries,
            beyond,
        } = fetched;
        let more = entries.len() > size || beyond;
        entries.truncate(size);
        let next = if more {
            entries.last().map(AuditEntry::position)
        } else {
            None
        };
        Self { entries, next }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::audit::AuditAction;

    fn entries(n: usize) -> Vec<AuditEntry> {
        let mut entries: Vec<_> = (0..n)
            .map(|_| AuditEntry::new("acme", "u1", AuditAction::ListAudit))
            .collect();
        entries.reverse();
        entries
    }

    #[test]
    fn a_page_asks_for_one_entry_more_than_it_holds() {
        assert_eq!(AuditPage::fetch_count(25), 26);
        assert_eq!(AuditPage::fetch_count(0), 2);
        assert_eq!(AuditPage::fetch_count(1_000), 101);
    }

    #[test]
    fn the_extra_entry_or_the_store_tells_that_a_next_page_exists() {
        let three = entries(3);
        let page = AuditPage::from_fetched(
            Fetched {
                entries: three.clone(),
                beyond: false,
            },
            2,
        );
        assert_eq!(page.entries, three[..2]);
        assert_eq!(page.next, Some(three[1].position()));

        let exact = Fetched {
            entries: three[..2].to_vec(),
            beyond: false,
        };
        assert_eq!(AuditPage::from_fetched(exact.clone(), 2).next, None);
        let cut_short = Fetched {
            beyond: true,
            ..exact
        };
        assert_eq!(
            AuditPage::from_fetched(cut_short, 2).next,
            Some(three[1].position())
        );
        assert_eq!(AuditPage::from_fetched(Fetched::default(), 2).next, None);
    }
}

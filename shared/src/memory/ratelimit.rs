//! Rate-limit counters in memory.

use async_trait::async_trait;

use super::{MemoryStore, lock};
use crate::store::StoreError;
use crate::store::ratelimit::{Hit, RateLimitStore, Window};

#[async_trait]
impl RateLimitStore for MemoryStore {
    async fn hit(&self, key: &str, window: Window, max: u32) -> Result<Hit, StoreError> {
        let mut map = lock(&self.ratelimit)?;
        // Windows that ended before this one began can no longer count: drop them, as TTL would.
        map.retain(|_, (_, end)| *end > window.start);
        let (count, _) = map
            .entry((key.to_string(), window.start))
            .or_insert((0, window.end));
        if *count >= max {
            return Ok(Hit::Limited {
                reset_at: window.end,
            });
        }
        *count += 1;
        Ok(Hit::Counted { count: *count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_window_refuses_until_the_next_one() {
        let store = MemoryStore::new();
        let w = Window::containing(1_000, 600);
        for i in 1..=3 {
            assert_eq!(
                store.hit("k", w, 3).await.unwrap(),
                Hit::Counted { count: i }
            );
        }
        assert_eq!(
            store.hit("k", w, 3).await.unwrap(),
            Hit::Limited { reset_at: 1_200 }
        );
        assert_eq!(
            store.hit("other", w, 3).await.unwrap(),
            Hit::Counted { count: 1 }
        );
        let next = Window::containing(1_200, 600);
        assert_eq!(
            store.hit("k", next, 3).await.unwrap(),
            Hit::Counted { count: 1 }
        );
    }
}

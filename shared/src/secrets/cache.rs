//! A value fetched on first use and refreshed once its TTL (`SECRETS_CACHE_TTL_SECONDS`) has
//! passed, serving the last good value while a refresh fails.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

/// A value fetched on first use and refreshed once `ttl` has passed. When a refresh fails and a
/// value is held, that value keeps being served (and the failure logged), and the next attempt
/// waits a little, so an outage of Secrets Manager neither breaks warm functions nor floods it.
pub struct Cached<T> {
    ttl: Duration,
    slot: Mutex<Option<(Instant, Arc<T>)>>,
}

/// How long a function waits before retrying a failed refresh while serving the stale value.
const RETRY_AFTER_FAILED_REFRESH: Duration = Duration::from_secs(30);

impl<T> Cached<T> {
    /// An empty cache.
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            slot: Mutex::new(None),
        }
    }

    /// The cached value, fetching it with `fetch` when absent or older than the TTL.
    pub async fn get<F, Fut, E>(&self, fetch: F) -> Result<Arc<T>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: std::fmt::Display,
    {
        // Held across the fetch: concurrent callers wait for one fetch instead of each making one.
        let mut slot = self.slot.lock().await;
        if let Some((fetched, value)) = slot.as_ref()
            && fetched.elapsed() < self.ttl
        {
            return Ok(value.clone());
        }
        match fetch().await {
            Ok(value) => {
                let value = Arc::new(value);
                *slot = Some((Instant::now(), value.clone()));
                Ok(value)
            }
            Err(error) => match slot.as_mut() {
                Some((fetched, value)) => {
                    tracing::warn!(%error, "secret refresh failed; serving the cached value");
                    // Pretend it was fetched so that the next attempt comes after a short pause.
                    *fetched = Instant::now()
                        .checked_sub(self.ttl.saturating_sub(RETRY_AFTER_FAILED_REFRESH))
                        .unwrap_or_else(Instant::now);
                    Ok(value.clone())
                }
                None => Err(error),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn a_cached_value_is_reused_until_its_ttl_then_refreshed() {
        let cache = Cached::new(Duration::from_millis(50));
        let calls = AtomicUsize::new(0);
        let fetch = || async { Ok::<_, String>(calls.fetch_add(1, Ordering::SeqCst)) };
        assert_eq!(*cache.get(fetch).await.unwrap(), 0);
        assert_eq!(*cache.get(fetch).await.unwrap(), 0);
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert_eq!(*cache.get(fetch).await.unwrap(), 1);
    }

    #[tokio::test]
    async fn a_zero_ttl_fetches_every_time() {
        let cache = Cached::new(Duration::ZERO);
        let calls = AtomicUsize::new(0);
        let fetch = || async { Ok::<_, String>(calls.fetch_add(1, Ordering::SeqCst)) };
        assert_eq!(*cache.get(fetch).await.unwrap(), 0);
        assert_eq!(*cache.get(fetch).await.unwrap(), 1);
    }

    #[tokio::test]
    async fn a_failed_refresh_serves_the_stale_value() {
        let cache = Cached::new(Duration::from_millis(10));
        cache.get(|| async { Ok::<_, String>(7) }).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        let v = cache
            .get(|| async { Err::<i32, _>("down".to_string()) })
            .await
            .unwrap();
        assert_eq!(*v, 7);
        let empty: Cached<i32> = Cached::new(Duration::from_secs(1));
        assert!(
            empty
                .get(|| async { Err::<i32, _>("down".to_string()) })
                .await
                .is_err()
        );
    }
}

//! Fixed-window counters: our own limits on what costs money per request (Verify sends), kept
//! before Twilio is called so that SMS pumping stops before Twilio bills it.
//!
//! A window is `[start, end)` in Unix seconds, aligned to multiples of its length, so every
//! function instance agrees on it without coordination. A fixed window lets a burst of up to twice
//! the limit straddle a boundary; for limits of a handful of sends per ten minutes or an hour that
//! is an acceptable price for one atomic write per check.

use async_trait::async_trait;

use super::StoreError;

/// One counting window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// First second of the window (Unix seconds).
    pub start: i64,
    /// First second after it; also when its counter may be deleted.
    pub end: i64,
}

impl Window {
    /// The window of `length_seconds` (at least 1) that contains `now`.
    pub fn containing(now: i64, length_seconds: u64) -> Self {
        let length = length_seconds.max(1) as i64;
        let start = now.div_euclid(length) * length;
        Self {
            start,
            end: start + length,
        }
    }
}

/// What counting one event found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hit {
    /// Counted; `count` events are now in the window, this one included.
    Counted {
        /// The window's count after this event.
        count: u32,
    },
    /// The window is full; nothing was counted. Try again at `reset_at` (Unix seconds).
    Limited {
        /// When the window ends.
        reset_at: i64,
    },
}

/// Rate-limit counters.
#[async_trait]
pub trait RateLimitStore: Send + Sync {
    /// Counts one event for `key` in `window` if fewer than `max` are counted there, in one
    /// atomic conditional write; otherwise counts nothing and answers [`Hit::Limited`].
    async fn hit(&self, key: &str, window: Window, max: u32) -> Result<Hit, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_aligned_to_their_length() {
        assert_eq!(
            Window::containing(1_000, 600),
            Window {
                start: 600,
                end: 1_200
            }
        );
        assert_eq!(Window::containing(1_200, 600).start, 1_200);
        assert_eq!(Window::containing(1_199, 600).end, 1_200);
    }
}

//! When a failed Twilio call is repeated, and after how long: throttling (429) and
//! unavailability (503) always, since Twilio did not act on them, waiting at least what
//! `Retry-After` asks; a failure in transit only when the request cannot have reached Twilio or
//! the call is idempotent. Waits are exponential with full jitter ([`full_jitter`]), the one
//! backoff of the crate.

use std::time::Duration;

use rand::Rng;

use super::error::TwilioError;

/// The first backoff step; doubled per attempt, capped at [`BACKOFF_CAP`].
const BACKOFF_BASE: Duration = Duration::from_millis(100);
const BACKOFF_CAP: Duration = Duration::from_secs(4);
/// Twilio codes that come with a 429 but are limits, not throttling: repeating cannot succeed.
const HARD_LIMIT_CODES: [u32; 3] = [60202, 60203, 60212];

/// Exponential backoff with full jitter: a uniform wait between zero and `base` doubled per
/// attempt (1-based), capped at `cap`.
pub fn full_jitter(base: Duration, cap: Duration, attempt: u32) -> Duration {
    let step = base
        .saturating_mul(1 << attempt.saturating_sub(1).min(16))
        .min(cap);
    Duration::from_millis(rand::rng().random_range(0..=step.as_millis() as u64))
}

/// How long to wait before repeating after `error`, or `None` when it must not be repeated.
pub(super) fn retry_delay(error: &TwilioError, idempotent: bool, attempt: u32) -> Option<Duration> {
    let retryable = match error {
        TwilioError::Api {
            status: 429, code, ..
        } => code.is_none_or(|c| !HARD_LIMIT_CODES.contains(&c)),
        TwilioError::Api { status: 503, .. } => true,
        TwilioError::Transport { maybe_sent, .. } | TwilioError::TimedOut { maybe_sent } => {
            idempotent || !maybe_sent
        }
        _ => false,
    };
    if !retryable {
        return None;
    }
    let jitter = full_jitter(BACKOFF_BASE, BACKOFF_CAP, attempt);
    let asked = match error {
        TwilioError::Api {
            retry_after: Some(s),
            ..
        } => Duration::from_secs(*s),
        _ => Duration::ZERO,
    };
    Some(jitter.max(asked))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, retry_after: Option<u64>) -> TwilioError {
        TwilioError::api(status, None, retry_after)
    }

    #[test]
    fn only_throttling_and_unavailability_are_retried_among_api_errors() {
        assert!(retry_delay(&api(429, None), false, 1).is_some());
        assert!(retry_delay(&api(503, None), false, 1).is_some());
        assert!(retry_delay(&api(500, None), true, 1).is_none());
        assert!(retry_delay(&api(400, None), true, 1).is_none());
    }

    #[test]
    fn a_verify_hard_limit_is_not_retried() {
        for code in HARD_LIMIT_CODES {
            let e = TwilioError::api(429, Some(code), None);
            assert!(retry_delay(&e, true, 1).is_none(), "{code}");
        }
        let throttled = TwilioError::api(429, Some(20429), None);
        assert!(retry_delay(&throttled, false, 1).is_some());
    }

    #[test]
    fn retry_after_is_a_floor_and_jitter_stays_under_the_step() {
        assert!(retry_delay(&api(429, Some(3)), false, 1).unwrap() >= Duration::from_secs(3));
        for attempt in 1..6 {
            let d = retry_delay(&api(503, None), false, attempt).unwrap();
            assert!(d <= BACKOFF_CAP);
        }
    }

    #[test]
    fn a_create_that_may_have_been_sent_is_not_repeated() {
        let sent = TwilioError::Transport {
            maybe_sent: true,
            message: String::new(),
        };
        let unsent = TwilioError::Transport {
            maybe_sent: false,
            message: String::new(),
        };
        assert!(retry_delay(&sent, false, 1).is_none());
        let timed_out = TwilioError::TimedOut { maybe_sent: true };
        assert!(retry_delay(&timed_out, false, 1).is_none());
        assert!(retry_delay(&timed_out, true, 1).is_some());
        assert!(retry_delay(&sent, true, 1).is_some());
        assert!(retry_delay(&unsent, false, 1).is_some());
    }
}

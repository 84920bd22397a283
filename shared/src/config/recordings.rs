//! The reconciler's timings (API.md): how long a side effect may stay undone before the
//! reconciler does it, and when an unfinished composition counts as stuck.

use super::ConfigError;
use super::env::Env;

/// The longest wait either timing accepts: a week.
const MAX_SECONDS: u64 = 7 * 86_400;

/// `RECONCILE_AFTER_SECONDS` and `COMPOSITION_STUCK_AFTER_SECONDS`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordingTimes {
    /// `RECONCILE_AFTER_SECONDS`, default 300: a missing composition or recording-ready SMS is
    /// done by the reconciler once it has been owed this long.
    pub reconcile_after_seconds: u64,
    /// `COMPOSITION_STUCK_AFTER_SECONDS`, default 7200: a composition still unfinished this
    /// long after it was created is fetched from Twilio, and reported once if still unfinished.
    pub stuck_after_seconds: u64,
}

impl RecordingTimes {
    pub(super) fn from_env(env: &Env<'_>) -> Result<Self, ConfigError> {
        let bounded = |name: &'static str, default: u64, min: u64| {
            let value = env.parse_or(name, default)?;
            if !(min..=MAX_SECONDS).contains(&value) {
                return Err(ConfigError::new(
                    name,
                    format!("must be between {min} and {MAX_SECONDS}"),
                ));
            }
            Ok(value)
        };
        Ok(Self {
            // Zero is allowed: the reconciler then finishes anything it finds undone at once.
            reconcile_after_seconds: bounded("RECONCILE_AFTER_SECONDS", 300, 0)?,
            stuck_after_seconds: bounded("COMPOSITION_STUCK_AFTER_SECONDS", 7_200, 1)?,
        })
    }
}

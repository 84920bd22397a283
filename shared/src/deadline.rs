//! One deadline per invocation: when Lambda will stop it, read once from the request (or the
//! runtime's context), and what follows from it: how long a claim on a side effect may stay in
//! progress, and by when outbound calls must be done.
//!
//! Outside Lambda (local API, tests) no invocation deadline exists; [`LOCAL_BUDGET`] from now
//! stands in for one, the same for every function.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lambda_http::{Request, RequestExt};

/// The time budget of a request outside Lambda, where no deadline is given.
pub const LOCAL_BUDGET: Duration = Duration::from_secs(10);
/// Time kept back from the deadline to write state and answer.
const ANSWER_MARGIN: Duration = Duration::from_millis(500);

/// When the invocation must be over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadline(SystemTime);

impl Deadline {
    /// The deadline of the invocation that carries `req`.
    pub fn of(req: &Request) -> Self {
        Self::from_epoch_millis(req.lambda_context_ref().map(|ctx| ctx.deadline))
    }

    /// The deadline of a non-HTTP invocation (`lambda_runtime::Context::deadline`).
    pub fn of_context(ctx: &lambda_runtime::Context) -> Self {
        Self::from_epoch_millis(Some(ctx.deadline))
    }

    /// A deadline `budget` from now.
    pub fn after(budget: Duration) -> Self {
        Self(SystemTime::now() + budget)
    }

    /// Lambda's deadline in Unix milliseconds; absent or zero outside Lambda.
    fn from_epoch_millis(ms: Option<u64>) -> Self {
        match ms.filter(|ms| *ms > 0) {
            Some(ms) => Self(UNIX_EPOCH + Duration::from_millis(ms)),
            None => Self::after(LOCAL_BUDGET),
        }
    }

    /// How long a claim on a side effect may stay in progress: until the deadline, after which
    /// a crashed invocation's claim no longer blocks a retry.
    pub fn lock_until(&self) -> SystemTime {
        self.0
    }

    /// The time left until the deadline (zero once it has passed).
    pub fn remaining(&self) -> Duration {
        self.0.duration_since(SystemTime::now()).unwrap_or_default()
    }

    /// The instant by which outbound calls must be done: the deadline less a margin to answer.
    pub fn calls_by(&self) -> tokio::time::Instant {
        tokio::time::Instant::now() + self.remaining().saturating_sub(ANSWER_MARGIN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_lambdas_deadline_the_local_budget_applies() {
        let before = SystemTime::now();
        let d = Deadline::from_epoch_millis(None);
        assert!(d.lock_until() >= before + LOCAL_BUDGET);
        assert!(Deadline::from_epoch_millis(Some(0)).0 > before);
    }

    #[test]
    fn calls_end_a_margin_before_the_deadline() {
        let d = Deadline::from_epoch_millis(Some(1_000));
        assert_eq!(d.lock_until(), UNIX_EPOCH + Duration::from_secs(1));
        // Long past: no time is left for calls at all.
        assert!(d.calls_by() <= tokio::time::Instant::now());
        let d = Deadline::after(Duration::from_secs(5));
        let left = d.calls_by() - tokio::time::Instant::now();
        assert!(left <= Duration::from_millis(4_500) && left > Duration::from_secs(3));
    }
}

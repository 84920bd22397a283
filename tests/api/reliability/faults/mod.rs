//! Dependencies failing: every outbound Twilio call under each of the five faults Twilio's side
//! of the network brings, Secrets Manager unreachable warm and cold, DynamoDB throttling and
//! failing part way. Each route answers what the README's "One answer per kind of failure"
//! table says, inside its deadline; each callback still answers 2xx; what was left undone is
//! finished once, by the reconciler or the next run.

mod callbacks;
mod dynamo;
mod rotation;
mod routes;
mod secrets;

use std::time::Duration;

use integration_tests::faults::Fault;

/// The Lambda deadline the faulted invocations run under: shorter than the proxy holds an
/// answer, longer than a 503's retries take.
pub(crate) const BUDGET: Duration = Duration::from_secs(3);

/// How Twilio (or the network to it) fails a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TwilioFault {
    /// 429 (code 20429) with `Retry-After: 30`, longer than any deadline: not waited for.
    Throttled,
    /// 500: Twilio failed; not repeated.
    ServerError,
    /// 503 on every attempt: repeated with backoff until the attempts or the deadline run out.
    Unavailable,
    /// No answer before the deadline (the proxy holds it 30 s).
    Slow,
    /// The connection closed with no answer, after the request was sent.
    Dropped,
}

pub(crate) use TwilioFault::{Dropped, ServerError, Slow, Throttled, Unavailable};

/// Every fault, in the order the tests apply them.
pub(crate) const ALL: [TwilioFault; 5] = [Throttled, ServerError, Unavailable, Slow, Dropped];

impl TwilioFault {
    /// What the proxy does.
    pub(crate) fn fault(self) -> Fault {
        match self {
            Throttled => Fault::twilio_throttled(30),
            ServerError => Fault::twilio(500, 20500),
            Unavailable => Fault::twilio(503, 20503),
            Slow => Fault::held(),
            Dropped => Fault::Drop,
        }
    }

    /// The README's answer ("One answer per kind of failure"): status and code.
    pub(crate) fn answer(self) -> (u64, String) {
        let (status, code) = match self {
            Throttled => (503, "twilio_throttled"),
            ServerError | Unavailable | Dropped => (503, "service_unavailable"),
            Slow => (504, "upstream_timeout"),
        };
        (status, code.to_string())
    }

    /// The `Retry-After` the answer carries, when it must carry one.
    pub(crate) fn retry_after(self) -> Option<&'static str> {
        (self == Throttled).then_some("30")
    }

    /// Whether the request may have reached Twilio: a create is then never repeated blind.
    pub(crate) fn maybe_sent(self) -> bool {
        matches!(self, Slow | Dropped)
    }
}

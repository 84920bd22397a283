//! Recordings end to end, as the room callback, the composition callback and the reconciler all
//! run them: the same code and the same idempotency claims, so that a callback and a reconciler
//! run that race still do each side effect once.
//!
//! - [`compose::Composer`]: a recorded room that ended gets exactly one composition. The room is
//!   first recorded as owing one (`store::due`); a failed try leaves it owed for the reconciler.
//! - [`notify::Notifier`]: an available composition's owner gets exactly one recording-ready
//!   SMS. The SMS is owed from the same write that records the composition available; a
//!   transient failure leaves it owed for the reconciler, a number that can never receive it is
//!   recorded as such and never tried again.
//!
//! Failures that only time can cure are retried every `RECONCILE_AFTER_SECONDS`, at most
//! [`MAX_ATTEMPTS`] times; then they are logged as errors, counted, and left alone.

pub mod compose;
pub mod notify;

use std::sync::Arc;
use std::time::Duration;

use crate::config::RecordingTimes;
use crate::idempotency::Idempotency;
use crate::secrets::Secrets;
use crate::store::Store;

/// How long a claim on a room's composition or a composition's SMS is remembered; the records
/// keep the outcome for good.
pub const CLAIM_MEMORY: Duration = Duration::from_secs(30 * 24 * 3600);

/// How many failed tries of one side effect the reconciler makes before it gives up.
pub const MAX_ATTEMPTS: u32 = 48;

/// The metric counting recording work that failed for good, by `Kind`.
pub const GAVE_UP_METRIC: &str = "RecordingGaveUp";

/// What the composer and the notifier both work over, built once per function: the Twilio
/// credentials, the store, the claims that let one invocation at a time act (remembered
/// [`CLAIM_MEMORY`]) and the recording times.
#[derive(Clone)]
pub struct Pipeline {
    secrets: Arc<dyn Secrets>,
    store: Arc<dyn Store>,
    claims: Idempotency,
    times: RecordingTimes,
}

impl Pipeline {
    /// The pipeline over `secrets` and `store`, on `times`.
    pub fn new(secrets: Arc<dyn Secrets>, store: Arc<dyn Store>, times: RecordingTimes) -> Self {
        Self {
            secrets,
            claims: Idempotency::new(store.clone(), CLAIM_MEMORY),
            store,
            times,
        }
    }
}

/// A failed Twilio call as a log field: its kind, status, code and request id, never Twilio's
/// message (a Messages error can quote the phone number).
pub fn twilio_failure(error: &crate::twilio::TwilioError) -> String {
    use crate::twilio::TwilioError;
    match error {
        TwilioError::Api {
            status,
            code,
            request_id,
            ..
        } => format!(
            "twilio {status} code {} request {}",
            code.map_or("-".to_string(), |c| c.to_string()),
            request_id.as_deref().unwrap_or("-")
        ),
        TwilioError::Transport { maybe_sent, .. } => {
            format!("twilio transport failure (maybe sent: {maybe_sent})")
        }
        TwilioError::TimedOut { maybe_sent } => {
            format!("twilio timeout (maybe sent: {maybe_sent})")
        }
        TwilioError::Decode(_) => "twilio answer not readable".to_string(),
        TwilioError::Credentials(_) => "twilio credentials unavailable".to_string(),
    }
}

//! POST /twilio/composition-status: the signature checked, each delivery processed once (key:
//! `I-Twilio-Idempotency-Token`, else composition, event and timestamp), the event applied to
//! the room's composition record unless it holds a newer one, and the recording-ready SMS sent
//! once the composition is available.
//!
//! A duplicate is answered 200, also while the first delivery is in flight, and so is a callback
//! whose store failed (`unfinished`, logged at ERROR, its claim released): Twilio never
//! redelivers a 5xx. An SMS that cannot be sent now stays owed, for the reconciler.
//! `composition-hook-failed` is reported once per delivery, under the same claims.

use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use shared::clock::now_unix;
use shared::deadline::Deadline;
use shared::error::ApiError;
use shared::idempotency::{IdempotencyError, Outcome, RunError};
use shared::recordings::notify::Notified;
use shared::store::compositions::{CompositionStatus, Schedule};
use shared::webhook::{Callback, accepted, unfinished, verify};

use crate::State;
use crate::event::{CompositionCallback, Parsed};

/// The metric counting failed compositions.
pub const FAILED_METRIC: &str = "CompositionFailed";

/// What processing a callback leaves (replayed to duplicates).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Processed {
    applied: bool,
}

impl State {
    /// The verified callback and the deadline, read off the request; then the work.
    pub(crate) async fn composition_status(
        &self,
        req: &Request,
    ) -> Result<Response<Body>, ApiError> {
        let deadline = Deadline::of(req);
        let callback = verify(req, self.public_base.as_ref(), self.secrets.as_ref()).await?;
        let parsed = match CompositionCallback::parse(&callback)? {
            Parsed::Event(parsed) => parsed,
            Parsed::HookFailed => return self.hook_failed(&callback, deadline).await,
            Parsed::Ignored => {
                tracing::info!(
                    event = callback.param("StatusCallbackEvent").unwrap_or(""),
                    "composition status callback ignored"
                );
                return Ok(accepted("ignored"));
            }
        };
        let key = format!(
            "composition-status:{}",
            callback.idempotency_key(|| parsed.fallback_key())
        );
        let payload = (
            &parsed.event.composition_sid,
            &parsed.name,
            &parsed.timestamp,
        );
        let outcome = self
            .callbacks
            .run_once(&key, &payload, deadline.lock_until(), || {
                self.process(&parsed, deadline)
            })
            .await;
        answer(outcome, &parsed.name, &parsed.event.composition_sid)
    }

    /// `composition-hook-failed`: we create compositions ourselves, so it is only reported (an
    /// error line and the metric), once however often Twilio delivers it.
    async fn hook_failed(
        &self,
        callback: &Callback,
        deadline: Deadline,
    ) -> Result<Response<Body>, ApiError> {
        let hook = callback.param("CompositionHookSid").unwrap_or("");
        let at = callback.param("Timestamp").unwrap_or("");
        let key = format!(
            "composition-status:{}",
            callback.idempotency_key(|| format!("hook-failed:{hook}:{at}"))
        );
        let report = || async {
            tracing::error!(
                room_sid = callback.param("RoomSid").unwrap_or(""),
                hook_sid = hook,
                error = callback.param("ErrorMessage").unwrap_or(""),
                "composition hook failed"
            );
            shared::metrics::count(FAILED_METRIC, &[("Event", "composition-hook-failed")]);
            Ok(Processed { applied: true })
        };
        let outcome = self
            .callbacks
            .run_once(&key, &(hook, at), deadline.lock_until(), report)
            .await;
        answer(outcome, "composition-hook-failed", hook)
    }

    async fn process(
        &self,
        parsed: &CompositionCallback,
        deadline: Deadline,
    ) -> Result<Processed, ApiError> {
        let now = now_unix();
        let schedule = Schedule {
            sms_due: now + self.times.reconcile_after_seconds as i64,
            stuck_due: now + self.times.stuck_after_seconds as i64,
        };
        let event = &parsed.event;
        let (record, applied) = self
            .records
            .apply_composition_event(event, &schedule)
            .await?;
        tracing::info!(
            composition_sid = %event.composition_sid,
            room_sid = %event.room_sid,
            event = %parsed.name,
            applied,
            status = record.status.as_str(),
            "composition status callback"
        );
        if applied && event.status == CompositionStatus::Failed {
            tracing::error!(
                composition_sid = %event.composition_sid,
                room_sid = %event.room_sid,
                error = event.error.as_deref().unwrap_or(""),
                "composition failed"
            );
            shared::metrics::count(FAILED_METRIC, &[("Event", "composition-failed")]);
        }
        match self.notifier.notify(&record, now, deadline).await {
            Ok(Notified::Deferred) | Ok(Notified::InProgress) => {
                tracing::info!(composition_sid = %event.composition_sid, "recording-ready SMS left to the reconciler");
            }
            Ok(_) => {}
            // The SMS is owed in the record already: the reconciler sends it.
            Err(e) => {
                tracing::error!(composition_sid = %event.composition_sid, error = %e, "recording-ready SMS not sent: store failure")
            }
        }
        Ok(Processed { applied })
    }
}

/// The answer to a callback run once: 200 whatever happened once its signature checked (Twilio
/// never redelivers a 5xx), but for a token reused for another event.
fn answer(
    outcome: Result<Outcome<Processed>, RunError<ApiError>>,
    event: &str,
    sid: &str,
) -> Result<Response<Body>, ApiError> {
    match outcome {
        Ok(Outcome::Executed(p)) => Ok(accepted(if p.applied { "processed" } else { "stale" })),
        Ok(Outcome::Replayed(_)) => Ok(accepted("duplicate")),
        Err(RunError::Idempotency(IdempotencyError::InProgress)) => {
            tracing::info!(
                sid,
                event,
                "duplicate composition callback while the first is in flight"
            );
            Ok(accepted("in_progress"))
        }
        Err(RunError::Action(error)) => Ok(unfinished(&error)),
        Err(RunError::Idempotency(IdempotencyError::PayloadMismatch)) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "idempotency_conflict",
            "this idempotency token was used for another event",
        )),
        Err(RunError::Idempotency(IdempotencyError::Store(e))) => Ok(unfinished(&e)),
        Err(RunError::Idempotency(other)) => Err(ApiError::internal(other)),
    }
}

//! POST /twilio/composition-status: the signature checked, each delivery processed once (key:
//! `I-Twilio-Idempotency-Token`, else composition, event and timestamp), the event applied to
//! the room's composition record unless it holds a newer one, and the recording-ready SMS sent
//! once the composition is available.
//!
//! Every signed callback is answered 200: a duplicate, also while the first delivery is in
//! flight (`composition-hook-failed` too, claimed once like the others), and one whose store
//! writes failed (`unfinished`, logged as an error and counted as `CallbackUnfinished`: Twilio
//! never redelivers after a 5xx, so the claim is released and the reconciler finishes the work).
//! An SMS that cannot be sent now stays owed, for the reconciler.

use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use shared::clock::now_unix;
use shared::deadline::Deadline;
use shared::error::ApiError;
use shared::idempotency::{Outcome, RunError};
use shared::recordings::notify::Notified;
use shared::store::compositions::{CompositionStatus, Schedule};
use shared::webhook::{Callback, accepted, answer_once, verify};

use crate::State;
use crate::event::{CompositionCallback, HookFailure, Parsed};

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
            Parsed::HookFailed(failure) => {
                return self.hook_failed(&callback, &failure, deadline).await;
            }
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
        answer(outcome, &parsed.event.composition_sid, &parsed.name)
    }

    /// `composition-hook-failed`, once per delivery like every other event: logged as an
    /// error and counted, nothing stored.
    async fn hook_failed(
        &self,
        callback: &Callback,
        failure: &HookFailure,
        deadline: Deadline,
    ) -> Result<Response<Body>, ApiError> {
        let key = format!(
            "composition-status:{}",
            callback.idempotency_key(|| failure.fallback_key())
        );
        let payload = (&failure.hook_sid, &failure.room_sid, &failure.timestamp);
        let outcome = self
            .callbacks
            .run_once(&key, &payload, deadline.lock_until(), || async {
                tracing::error!(
                    room_sid = %failure.room_sid,
                    hook_sid = %failure.hook_sid,
                    error = %failure.error,
                    "composition hook failed"
                );
                shared::metrics::count(FAILED_METRIC, &[("Event", "composition-hook-failed")]);
                Ok::<_, ApiError>(Processed { applied: true })
            })
            .await;
        answer(outcome, &failure.hook_sid, "composition-hook-failed")
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
        if applied && event.status == CompositionStatus::Completed {
            shared::metrics::count(
                shared::metrics::COMPOSITION_AVAILABLE,
                &[("Source", "callback")],
            );
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

/// The one answer to a callback run once ([`answer_once`]): `stale` when an older event met a
/// newer state.
fn answer(
    outcome: Result<Outcome<Processed>, RunError<ApiError>>,
    sid: &str,
    event: &str,
) -> Result<Response<Body>, ApiError> {
    answer_once(outcome, "composition-status", sid, event, |p: Processed| {
        if p.applied { "processed" } else { "stale" }
    })
}

//! The audit trail of one admin request, and what happens when the audit log cannot be written.
//!
//! - A refusal (no admin scope) is one final entry, written before the 403.
//! - Anything else is written as a pending entry before any call is made, then settled with its
//!   outcome before the answer.
//! - If the pending entry cannot be written, nothing is done and the answer is 503 (with
//!   `Retry-After` when the log is throttled): no admin action happens without a trace. The
//!   same for a refusal that cannot be recorded.
//! - If the outcome cannot be recorded after Twilio carried the action out, the change cannot be
//!   undone, and answering success would report it as done with no outcome on record. The
//!   answer is a 500 `audit_incomplete` that says so (the change happened; the entry shows as
//!   pending). A retry is safe: every admin action is idempotent in effect (a second create
//!   answers 200 with the same room, a second complete 409, a second disconnect 200).
//! - If the outcome cannot be recorded and nothing was changed, the answer is the real one
//!   (a denial or a failure): the pending entry already shows the attempt.

use std::future::Future;

use http::StatusCode;
use lambda_http::{Body, Response};
use shared::caller::Caller;
use shared::deadline::Deadline;
use shared::error::ApiError;
use shared::store::StoreError;
use shared::store::audit::{AuditEntry, AuditOutcome};
use tokio::time::Instant;

use crate::State;

/// How an admin action ended, for the audit log and the answer.
pub(crate) struct Finish {
    outcome: AuditOutcome,
    result: Result<Response<Body>, ApiError>,
    /// Whether Twilio may have changed something: decides the answer when the outcome cannot
    /// be recorded.
    acted: bool,
    room_sid: Option<String>,
    room: Option<String>,
    twilio_request_id: Option<String>,
}

impl Finish {
    /// Carried out; `acted` when it changed something in Twilio.
    pub(crate) fn allowed(response: Response<Body>, acted: bool) -> Self {
        Self::new(AuditOutcome::Allowed, Ok(response), acted)
    }

    /// Refused: not the caller's to act on.
    pub(crate) fn denied(error: ApiError) -> Self {
        Self::new(AuditOutcome::Denied, Err(error), false)
    }

    /// Authorized but not carried out.
    pub(crate) fn failed(error: ApiError) -> Self {
        Self::new(AuditOutcome::Failed, Err(error), false)
    }

    fn new(outcome: AuditOutcome, result: Result<Response<Body>, ApiError>, acted: bool) -> Self {
        Self {
            outcome,
            result,
            acted,
            room_sid: None,
            room: None,
            twilio_request_id: None,
        }
    }

    /// Twilio may have acted although the request failed (a create lost in transit).
    pub(crate) fn maybe_acted(mut self, acted: bool) -> Self {
        self.acted |= acted;
        self
    }

    /// The `Twilio-Request-Id` of the call that decided the outcome.
    pub(crate) fn request_id(mut self, id: Option<impl Into<String>>) -> Self {
        if let Some(id) = id {
            self.twilio_request_id = Some(id.into());
        }
        self
    }

    /// The room, once known (a created room's SID; our own room's unique name).
    pub(crate) fn room(mut self, sid: &str, unique_name: Option<&str>) -> Self {
        self.room_sid = Some(sid.to_string());
        self.room = unique_name.map(str::to_string);
        self
    }
}

impl State {
    /// Records a refusal, then returns it; a refusal that cannot be recorded is a 503.
    pub(crate) async fn refuse(&self, mut entry: AuditEntry, refusal: ApiError) -> ApiError {
        entry.outcome = AuditOutcome::Denied;
        entry.status = Some(refusal.status().as_u16());
        entry.code = Some(refusal.code().to_string());
        log(&entry);
        match self.audit.append(&entry).await {
            Ok(()) => refusal,
            Err(e) => unwritten(e),
        }
    }

    /// One admin action on the trail: a caller without the admin scope is refused (and audited)
    /// first, then a bad `target` (the request read into what the action needs); else `entry`
    /// is written as pending, `act` runs on the target until `deadline` allows calls, and the
    /// entry is settled with how it ended.
    pub(crate) async fn audited<T, Act, Fut>(
        &self,
        deadline: Deadline,
        caller: &Caller,
        entry: AuditEntry,
        target: Result<T, ApiError>,
        act: Act,
    ) -> Result<Response<Body>, ApiError>
    where
        Act: FnOnce(T, Instant) -> Fut,
        Fut: Future<Output = Finish>,
    {
        self.admin(caller, &entry).await?;
        let target = target?;
        let pending = self.begin(entry).await?;
        let finish = act(target, deadline.calls_by()).await;
        self.finish(pending, finish).await
    }

    /// Writes `entry` as pending; if it cannot be written, the action must not run (503).
    pub(crate) async fn begin(&self, entry: AuditEntry) -> Result<AuditEntry, ApiError> {
        self.audit.append(&entry).await.map_err(unwritten)?;
        Ok(entry)
    }

    /// Settles `pending` with how the action ended, then gives the answer (see the module).
    pub(crate) async fn finish(
        &self,
        pending: AuditEntry,
        finish: Finish,
    ) -> Result<Response<Body>, ApiError> {
        let mut settled = pending.clone();
        settled.outcome = finish.outcome;
        let (status, code) = match &finish.result {
            Ok(response) => (response.status(), None),
            Err(error) => (error.status(), Some(error.code().to_string())),
        };
        settled.status = Some(status.as_u16());
        settled.code = code;
        settled.twilio_request_id = finish.twilio_request_id;
        if settled.room_sid.is_none() {
            settled.room_sid = finish.room_sid;
        }
        if finish.room.is_some() {
            settled.room = finish.room;
        }
        log(&settled);
        match self.audit.settle(&pending, &settled).await {
            Ok(()) => finish.result,
            Err(e) if finish.acted && finish.result.is_ok() => {
                tracing::error!(error = %e, audit_id = %settled.id, "audit outcome not recorded after the action was carried out");
                Err(ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "audit_incomplete",
                    "the action was carried out, but its outcome could not be recorded in the \
                     audit log, where it shows as pending; check the room before retrying",
                ))
            }
            Err(e) => {
                tracing::error!(error = %e, audit_id = %settled.id, "audit outcome not recorded; nothing was changed");
                finish.result
            }
        }
    }
}

/// One structured line per admin action, so the logs carry the trail too.
fn log(entry: &AuditEntry) {
    tracing::info!(
        audit_id = %entry.id,
        tenant = %entry.tenant,
        actor = %entry.actor,
        action = entry.action.as_str(),
        outcome = entry.outcome.as_str(),
        status = entry.status,
        room_sid = entry.room_sid.as_deref(),
        participant_sid = entry.participant_sid.as_deref(),
        twilio_request_id = entry.twilio_request_id.as_deref(),
        "admin action"
    );
}

/// The answer when an entry cannot be written: 503 whatever the store's failure (no admin action
/// without a trace; the cause stays in the logs), through the one mapping when the log is
/// throttled, so that the answer carries its `Retry-After`.
fn unwritten(error: StoreError) -> ApiError {
    match error {
        StoreError::Throttled => ApiError::from(error),
        other => ApiError::unavailable(format!("audit log: {other}")),
    }
}

#[cfg(test)]
#[path = "trail_tests.rs"]
mod tests;

//! The recording-ready SMS, sent exactly once per composition: to the phone number of the
//! room's owner, through the Messaging service, saying the recording is ready and nothing else
//! (no link: access goes through `GET /recordings/{type}/{id}` and its step-up).
//!
//! A claim keyed on the composition SID lets one invocation at a time send; its result (how the
//! SMS was settled) is replayed to any later caller, who records it too. Twilio's answers:
//!
//! - accepted: `Sent`, with the message SID;
//! - a number that can never receive it (21610 STOP, 21211/21614 not a valid mobile, …):
//!   `Undeliverable`, never tried again;
//! - no answer to a send that may have reached Twilio: `Uncertain`, not sent again (an SMS
//!   twice is the one outcome this must never produce), logged as an error;
//! - anything else (throttling, an outage, our credentials): the claim is released and the SMS
//!   stays owed; the reconciler tries again, at most `MAX_ATTEMPTS` times.

use crate::deadline::Deadline;
use crate::idempotency::{Claim, IdempotencyError};
use crate::names::RoomName;
use crate::store::StoreError;
use crate::store::compositions::{CompositionRecord, SmsState};
use crate::twilio::messages::{Messages, SendFailure};

use super::{GAVE_UP_METRIC, MAX_ATTEMPTS, Pipeline, twilio_failure};

/// The metric counting settled recording-ready SMS, by `Outcome`.
pub const SMS_METRIC: &str = "RecordingSms";

/// What [`Notifier::notify`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notified {
    /// The SMS is settled: this call or an earlier one sent it, or found it cannot be sent.
    Settled(SmsState),
    /// Another invocation is sending it.
    InProgress,
    /// Not sent now; it stays owed and the reconciler tries again.
    Deferred,
    /// Nothing is owed (not available yet, or settled before).
    NotOwed,
}

/// Sends recording-ready SMS.
#[derive(Clone)]
pub struct Notifier {
    messages: Messages,
    service: String,
    pipeline: Pipeline,
}

impl Notifier {
    /// A notifier sending through the Messaging service `service` (`MG…`), over `pipeline`.
    pub fn new(messages: Messages, service: &str, pipeline: Pipeline) -> Self {
        Self {
            messages,
            service: service.to_string(),
            pipeline,
        }
    }

    /// Sends `record`'s SMS if it is owed, once.
    pub async fn notify(
        &self,
        record: &CompositionRecord,
        now: i64,
        deadline: Deadline,
    ) -> Result<Notified, StoreError> {
        if !record.owes_sms() {
            return Ok(Notified::NotOwed);
        }
        let key = format!("recording-sms:{}", record.composition_sid);
        let claim = self
            .pipeline
            .claims
            .claim::<SmsState>(&key, &record.composition_sid, deadline.lock_until())
            .await;
        let guard = match claim {
            Ok(Claim::Proceed(guard)) => guard,
            Ok(Claim::Replay(state)) => {
                self.pipeline
                    .store
                    .settle_sms(&record.room_sid, &state)
                    .await?;
                return Ok(Notified::Settled(state));
            }
            Err(IdempotencyError::InProgress) => return Ok(Notified::InProgress),
            Err(IdempotencyError::Store(e)) => return Err(e),
            Err(other) => return Err(StoreError::Rejected(other.to_string())),
        };
        let state = match self.attempt(record, deadline).await {
            Ok(Some(state)) => state,
            outcome => {
                if let Err(e) = guard.release().await {
                    tracing::error!(error = %e, "could not release an SMS claim; it lapses at its deadline");
                }
                outcome?;
                return self.deferred(record, now).await;
            }
        };
        // The claim first: from here a crash can no longer lead to a second send.
        if let Err(e) = guard.complete(&state).await {
            tracing::error!(composition_sid = %record.composition_sid, error = %e, "could not complete an SMS claim");
        }
        self.pipeline
            .store
            .settle_sms(&record.room_sid, &state)
            .await?;
        Ok(Notified::Settled(state))
    }

    /// One try: `Some` when the SMS is settled by it, `None` when it may be tried again.
    async fn attempt(
        &self,
        record: &CompositionRecord,
        deadline: Deadline,
    ) -> Result<Option<SmsState>, StoreError> {
        let (cj, room) = (&record.composition_sid, &record.room_sid);
        let owner = self.pipeline.store.owner(room).await?;
        let Some((owner, phone)) = owner.and_then(|o| o.phone_number.clone().map(|p| (o, p)))
        else {
            tracing::warn!(composition_sid = %cj, room_sid = %room, "recording ready, but the room has no owner with a phone number");
            return Ok(Some(self.settled(SmsState::NoRecipient)));
        };
        let creds = match self.pipeline.secrets.twilio().await {
            Ok(creds) => creds,
            Err(e) => {
                tracing::warn!(composition_sid = %cj, error = %e, "recording-ready SMS not sent: credentials unavailable");
                return Ok(None);
            }
        };
        let body = text(&owner.room);
        let sent = self
            .messages
            .send(&creds, &self.service, &phone, &body, deadline.calls_by())
            .await;
        let state = match sent {
            Ok(message) => {
                tracing::info!(composition_sid = %cj, room_sid = %room, message_sid = %message.sid, to = %phone.masked(), "recording-ready SMS sent");
                SmsState::Sent(message.sid)
            }
            Err(e) => match SendFailure::of(&e) {
                SendFailure::Undeliverable(code) => {
                    tracing::warn!(composition_sid = %cj, room_sid = %room, twilio_code = code, "the owner's number cannot receive the recording-ready SMS");
                    SmsState::Undeliverable(code)
                }
                SendFailure::Uncertain => {
                    tracing::error!(composition_sid = %cj, room_sid = %room, error = %twilio_failure(&e), "recording-ready SMS may or may not have been sent; not sending it again");
                    SmsState::Uncertain
                }
                SendFailure::Transient => {
                    tracing::warn!(composition_sid = %cj, room_sid = %room, error = %twilio_failure(&e), "recording-ready SMS not sent yet");
                    return Ok(None);
                }
            },
        };
        Ok(Some(self.settled(state)))
    }

    fn settled(&self, state: SmsState) -> SmsState {
        let outcome = match &state {
            SmsState::Sent(_) => "sent",
            SmsState::Undeliverable(_) => "undeliverable",
            SmsState::NoRecipient => "no_recipient",
            SmsState::Uncertain => "uncertain",
            SmsState::GaveUp => "gave_up",
            SmsState::Owed => "owed",
        };
        crate::metrics::count(SMS_METRIC, &[("Outcome", outcome)]);
        state
    }

    /// A failed try: owed again later, or given up after [`MAX_ATTEMPTS`].
    async fn deferred(&self, record: &CompositionRecord, now: i64) -> Result<Notified, StoreError> {
        let next = now + self.pipeline.times.reconcile_after_seconds as i64;
        let attempts = self
            .pipeline
            .store
            .retry_sms(&record.room_sid, next)
            .await?;
        if attempts < MAX_ATTEMPTS {
            return Ok(Notified::Deferred);
        }
        tracing::error!(composition_sid = %record.composition_sid, attempts, "recording-ready SMS abandoned");
        crate::metrics::count(GAVE_UP_METRIC, &[("Kind", "sms")]);
        let state = self.settled(SmsState::GaveUp);
        self.pipeline
            .store
            .settle_sms(&record.room_sid, &state)
            .await?;
        Ok(Notified::Settled(state))
    }
}

/// The SMS text: which room's recording is ready, and no link.
pub fn text(unique_name: &str) -> String {
    match RoomName::parse(unique_name) {
        Some(name) => format!(
            "Your recording of {} {} is ready. Open the app to watch it.",
            name.kind(),
            name.id()
        ),
        None => "Your recording is ready. Open the app to watch it.".to_string(),
    }
}

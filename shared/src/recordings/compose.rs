//! A room's composition, created exactly once: a claim keyed on the room SID lets one
//! invocation at a time try, a completed claim is never tried again, and the try itself looks
//! for an existing composition before creating one (`Compositions::ensure`). Whoever runs it,
//! the room callback or the reconciler, the room stays owed (`store::due`) until its
//! composition is recorded.

use std::sync::Arc;

use crate::config::RecordingTimes;
use crate::deadline::Deadline;
use crate::idempotency::{Idempotency, IdempotencyError, Outcome, RunError};
use crate::names::RoomSid;
use crate::secrets::Secrets;
use crate::store::compositions::{CompositionRecords, CreatedComposition};
use crate::store::due::DueWork;
use crate::store::rooms::{RoomRecord, RoomRecords};
use crate::store::{Store, StoreError};
use crate::twilio::TwilioError;
use crate::twilio::compositions::{Compositions, Ensured};

use super::{CLAIM_MEMORY, GAVE_UP_METRIC, MAX_ATTEMPTS};

/// What [`Composer::compose`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Composed {
    /// The room's composition exists and is recorded (`CJ…`).
    Done(String),
    /// Another invocation is creating it; the room stays owed until that one records it.
    InProgress,
    /// Not created now; the room stays owed and the reconciler tries again.
    Deferred,
    /// Twilio refused it for good, or every try failed: logged, counted, no longer owed.
    Abandoned,
}

/// Why a try failed.
enum Failure {
    Credentials(String),
    Twilio(TwilioError),
}

/// Creates rooms' compositions.
#[derive(Clone)]
pub struct Composer {
    api: Compositions,
    secrets: Arc<dyn Secrets>,
    rooms: Arc<dyn RoomRecords>,
    records: Arc<dyn CompositionRecords>,
    due: Arc<dyn DueWork>,
    claims: Idempotency,
    times: RecordingTimes,
}

impl Composer {
    /// A composer calling Twilio through `api`, over `store`.
    pub fn new(
        api: Compositions,
        secrets: Arc<dyn Secrets>,
        store: Arc<dyn Store>,
        times: RecordingTimes,
    ) -> Self {
        Self {
            api,
            secrets,
            rooms: store.clone(),
            records: store.clone(),
            due: store.clone(),
            claims: Idempotency::new(store, CLAIM_MEMORY),
            times,
        }
    }

    fn later(&self, now: i64) -> i64 {
        now + self.times.reconcile_after_seconds as i64
    }

    /// Records that the room may owe its composition, before its record is updated: whatever
    /// happens after, the reconciler finds it.
    pub async fn owe(&self, room_sid: &RoomSid, now: i64) -> Result<(), StoreError> {
        self.due
            .owe_composition(room_sid.as_str(), self.later(now))
            .await
    }

    /// The room turned out not to owe one (it ended without recorded tracks).
    pub async fn settle(&self, room_sid: &RoomSid) -> Result<(), StoreError> {
        self.due.settle_composition(room_sid.as_str()).await
    }

    /// Creates the composition of `record` (a room that [needs one](RoomRecord::needs_composition))
    /// with status callbacks to `status_callback`, once, and records it.
    pub async fn compose(
        &self,
        record: &RoomRecord,
        status_callback: &str,
        now: i64,
        deadline: Deadline,
    ) -> Result<Composed, StoreError> {
        let Some(room) = RoomSid::try_from_str(&record.room_sid) else {
            return Err(StoreError::corrupt(
                "room item: attribute room_sid is not a room SID",
            ));
        };
        let key = format!("composition:{room}");
        let outcome = self
            .claims
            .run_once(&key, &record.room_sid, deadline.lock_until(), || async {
                let creds = self
                    .secrets
                    .twilio()
                    .await
                    .map_err(|e| Failure::Credentials(e.to_string()))?;
                let ensured = self
                    .api
                    .ensure(&creds, &room, status_callback, deadline.calls_by())
                    .await
                    .map_err(Failure::Twilio)?;
                let sid = ensured.composition().sid.clone();
                let how = match ensured {
                    Ensured::Created(_) => {
                        crate::metrics::count(crate::metrics::COMPOSITION_CREATED, &[]);
                        "composition created"
                    }
                    Ensured::Found(_) => "existing composition reused",
                };
                tracing::info!(room_sid = %room, composition_sid = %sid, "{how}");
                Ok::<_, Failure>(sid)
            })
            .await;
        match outcome {
            // A replay: the claim completed, but recording it may not have (a crash after).
            Ok(Outcome::Executed(sid) | Outcome::Replayed(sid)) => {
                self.record(record, &room, &sid, now).await?;
                Ok(Composed::Done(sid))
            }
            Err(RunError::Idempotency(IdempotencyError::InProgress)) => Ok(Composed::InProgress),
            Err(RunError::Idempotency(IdempotencyError::Store(e))) => Err(e),
            Err(RunError::Idempotency(other)) => Err(StoreError::Rejected(other.to_string())),
            Err(RunError::Action(failure)) => self.failed(&room, failure, now).await,
        }
    }

    async fn record(
        &self,
        record: &RoomRecord,
        room: &RoomSid,
        sid: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        self.records
            .composition_created(&CreatedComposition {
                room_sid: room.to_string(),
                composition_sid: sid.to_string(),
                unique_name: record.unique_name.clone(),
                room_ended_at: record.ended_at.unwrap_or(now),
                created_at: now,
                stuck_due: now + self.times.stuck_after_seconds as i64,
            })
            .await?;
        self.rooms.set_composition(room.as_str(), sid).await?;
        self.due.settle_composition(room.as_str()).await
    }

    async fn failed(
        &self,
        room: &RoomSid,
        failure: Failure,
        now: i64,
    ) -> Result<Composed, StoreError> {
        let (refused, detail) = match &failure {
            Failure::Credentials(e) => (false, e.clone()),
            Failure::Twilio(e) => (refused_for_good(e), super::twilio_failure(e)),
        };
        let attempts = if refused {
            MAX_ATTEMPTS
        } else {
            match self
                .due
                .retry_composition(room.as_str(), self.later(now))
                .await?
            {
                // Settled meanwhile (a concurrent room-ended that saw no recording yet): the
                // room is owed again, so that this failure is not the end of it.
                0 => {
                    self.owe(room, now).await?;
                    1
                }
                attempts => attempts,
            }
        };
        if attempts < MAX_ATTEMPTS {
            tracing::warn!(room_sid = %room, attempts, error = %detail, "composition not created yet; the reconciler will try again");
            return Ok(Composed::Deferred);
        }
        self.due.settle_composition(room.as_str()).await?;
        tracing::error!(room_sid = %room, attempts, refused, error = %detail, "composition abandoned");
        crate::metrics::count(GAVE_UP_METRIC, &[("Kind", "composition")]);
        Ok(Composed::Abandoned)
    }
}

/// Whether Twilio refused the create for good: a 4xx other than throttling and our own
/// credentials being refused (which someone may fix).
fn refused_for_good(error: &TwilioError) -> bool {
    matches!(error.status(), Some(s) if (400..500).contains(&s) && !matches!(s, 401 | 403 | 429))
}

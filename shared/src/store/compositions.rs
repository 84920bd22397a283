//! A room's composition record, kept from Twilio's composition status callbacks (and the
//! reconciler's fetches): status, media URI, size, duration and times; whether the
//! recording-ready SMS is owed or how it was settled; and while it owes something, when that is
//! due (its entry in the sparse index of `store::due`).
//!
//! Callbacks arrive concurrently and out of order, so an event is applied only if it is newer
//! than what the record holds, by Twilio's `Timestamp` (and, for one instant, by the stage it
//! reports), and never once the composition is final ([`CompositionRecord::takes`]). The
//! record is one item; each change is one conditional write.
//!
//! Beside it: each room name's latest recording, so that `GET /recordings/{type}/{id}` finds
//! the room by its name.

mod status;

use async_trait::async_trait;

use super::StoreError;

pub use status::{CompositionStatus, SmsState};

/// A composition status event, from a callback or from Twilio's composition resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompositionEvent {
    /// `RM…`.
    pub room_sid: String,
    /// `CJ…`.
    pub composition_sid: String,
    /// The status it reports.
    pub status: CompositionStatus,
    /// Twilio's `Timestamp`, Unix milliseconds.
    pub at_ms: i64,
    /// Its stage, ordering events of one instant: enqueued 1, started 2, progress 3, final 4.
    pub stage: u8,
    /// `MediaUri`.
    pub media_uri: Option<String>,
    /// `Size`, bytes.
    pub size: Option<u64>,
    /// `Duration`, seconds.
    pub duration_seconds: Option<u64>,
    /// `PercentageDone`.
    pub percentage_done: Option<u64>,
    /// `FailedOperation` and `ErrorMessage`, for a failure.
    pub error: Option<String>,
}

/// When what an applied event makes owed falls due (Unix seconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// The SMS, when the event completes the composition.
    pub sms_due: i64,
    /// The stuck check, when the event creates the record of an unfinished composition.
    pub stuck_due: i64,
}

/// A composition just created (or found) for a room.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreatedComposition {
    /// `RM…`.
    pub room_sid: String,
    /// `CJ…`.
    pub composition_sid: String,
    /// The room's unique name, for its latest-recording pointer.
    pub unique_name: String,
    /// When the room ended (Unix seconds): a later room of the name takes the pointer over.
    pub room_ended_at: i64,
    /// Now.
    pub created_at: i64,
    /// When the stuck check falls due.
    pub stuck_due: i64,
}

/// What is known of one room's composition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompositionRecord {
    /// `RM…`.
    pub room_sid: String,
    /// `CJ…`.
    pub composition_sid: String,
    /// Its status.
    pub status: CompositionStatus,
    /// Twilio's media URI (not a link anyone can fetch without our credentials).
    pub media_uri: Option<String>,
    /// Bytes.
    pub size: Option<u64>,
    /// Seconds.
    pub duration_seconds: Option<u64>,
    /// The last progress reported.
    pub percentage_done: Option<u64>,
    /// Why it failed.
    pub error: Option<String>,
    /// When it was created (Unix seconds).
    pub created_at: Option<i64>,
    /// When it became final (Unix seconds).
    pub completed_at: Option<i64>,
    /// The last applied event's `Timestamp` (Unix ms) and stage.
    pub event_at_ms: Option<i64>,
    /// See [`CompositionEvent::stage`].
    pub event_stage: u8,
    /// The recording-ready SMS, once owed.
    pub sms: Option<SmsState>,
    /// Failed tries of the SMS.
    pub sms_attempts: u32,
    /// Whether it was reported as stuck.
    pub stuck_reported: bool,
    /// When what it owes is due; `None`: it owes nothing and is not in the index.
    pub due_at: Option<i64>,
}

impl CompositionRecord {
    /// A record of an enqueued composition, its stuck check due at `stuck_due`.
    pub fn new(room_sid: &str, composition_sid: &str, stuck_due: i64) -> Self {
        Self {
            room_sid: room_sid.into(),
            composition_sid: composition_sid.into(),
            status: CompositionStatus::Enqueued,
            media_uri: None,
            size: None,
            duration_seconds: None,
            percentage_done: None,
            error: None,
            created_at: None,
            completed_at: None,
            event_at_ms: None,
            event_stage: 0,
            sms: None,
            sms_attempts: 0,
            stuck_reported: false,
            due_at: Some(stuck_due),
        }
    }

    /// Whether `event` may be applied: the record is not final, and the event is newer (a later
    /// `Timestamp`, or the same one for a later stage). The rule both stores' writes check.
    pub fn takes(&self, event: &CompositionEvent) -> bool {
        !self.status.is_final()
            && self.event_at_ms.is_none_or(|at| {
                at < event.at_ms || (at == event.at_ms && self.event_stage < event.stage)
            })
    }

    /// Applies `event` as the stores do (after [`CompositionRecord::takes`]).
    pub fn apply(&mut self, event: &CompositionEvent, schedule: &Schedule) {
        let at = event.at_ms.div_euclid(1000);
        self.status = event.status;
        self.event_at_ms = Some(event.at_ms);
        self.event_stage = event.stage;
        self.created_at.get_or_insert(at);
        for (field, value) in [
            (&mut self.size, event.size),
            (&mut self.duration_seconds, event.duration_seconds),
            (&mut self.percentage_done, event.percentage_done),
        ] {
            if value.is_some() {
                *field = value;
            }
        }
        if event.media_uri.is_some() {
            self.media_uri.clone_from(&event.media_uri);
        }
        if event.error.is_some() {
            self.error.clone_from(&event.error);
        }
        match event.status {
            CompositionStatus::Completed => {
                self.completed_at = Some(at);
                self.sms.get_or_insert(SmsState::Owed);
                self.due_at = Some(schedule.sms_due);
            }
            CompositionStatus::Failed | CompositionStatus::Deleted => {
                self.completed_at = Some(at);
                self.due_at = None;
            }
            CompositionStatus::Enqueued | CompositionStatus::Processing => {
                self.due_at.get_or_insert(schedule.stuck_due);
            }
        }
    }

    /// Whether the recording-ready SMS is still owed.
    pub fn owes_sms(&self) -> bool {
        self.status == CompositionStatus::Completed && self.sms == Some(SmsState::Owed)
    }
}

/// Composition records, and each room name's latest recording.
#[async_trait]
pub trait CompositionRecords: Send + Sync {
    /// Records the room's new composition (a record that a callback made first keeps what it
    /// holds), and points the room name's latest recording at the room unless a room that
    /// ended later holds it.
    async fn composition_created(&self, created: &CreatedComposition) -> Result<(), StoreError>;

    /// Applies `event` if the record [`takes`](CompositionRecord::takes) it (creating the
    /// record if needed). Returns the record after, and whether the event was applied.
    async fn apply_composition_event(
        &self,
        event: &CompositionEvent,
        schedule: &Schedule,
    ) -> Result<(CompositionRecord, bool), StoreError>;

    /// The room's composition record.
    async fn composition(&self, room_sid: &str) -> Result<Option<CompositionRecord>, StoreError>;

    /// Settles the SMS as `state` (not [`SmsState::Owed`]): the record leaves the index.
    async fn settle_sms(&self, room_sid: &str, state: &SmsState) -> Result<(), StoreError>;

    /// An SMS try failed; the next is due at `due_at`. Returns the failed tries so far (0 when
    /// the SMS is no longer owed: then nothing changes).
    async fn retry_sms(&self, room_sid: &str, due_at: i64) -> Result<u32, StoreError>;

    /// The composition is still unfinished at its stuck check: marks it reported and sets the
    /// next check. Returns `true` only to the first caller, who reports it; `false` too when it
    /// became final meanwhile (nothing changes then).
    async fn report_stuck(&self, room_sid: &str, next_check: i64) -> Result<bool, StoreError>;

    /// The room whose recording is the latest of `unique_name`.
    async fn latest_recording(&self, unique_name: &str) -> Result<Option<String>, StoreError>;
}

//! The reconciler: a scheduled function (every 5 minutes in AWS, every
//! `LOCAL_SCHEDULE_SECONDS` in the local API) that finishes what a lost or failed callback left
//! undone, through the same code and the same idempotency claims as the callbacks
//! (`shared::recordings`), so that a callback and a run that race still do the work once:
//!
//! - a recorded room that ended `RECONCILE_AFTER_SECONDS` ago without a composition: composed;
//! - a composition available that long without its recording-ready SMS: notified;
//! - a composition unfinished `COMPOSITION_STUCK_AFTER_SECONDS` after it was created: fetched
//!   from Twilio and applied if final, else reported (an error log and the `CompositionStuck`
//!   metric) once, and looked at again every `COMPOSITION_STUCK_AFTER_SECONDS`.
//!
//! It reads its work from the sparse due index (`shared::store::due`), never the table: a run
//! reads one index page per 100 due entries and then only the items those entries name.

mod work;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::Serialize;
use serde_json::Value;
use shared::aws::Backends;
use shared::config::{Config, ConfigError, RecordingTimes};
use shared::deadline::Deadline;
use shared::recordings::compose::Composer;
use shared::recordings::notify::Notifier;
use shared::secrets::Secrets;
use shared::store::StoreError;
use shared::store::compositions::CompositionRecords;
use shared::store::due::DueWork;
use shared::store::rooms::RoomRecords;
use shared::twilio::compositions::Compositions;
use shared::twilio::messages::Messages;

/// Due entries read per index page.
const PAGE: usize = 100;
/// The most one entry's work may take.
const ENTRY_BUDGET: Duration = Duration::from_secs(8);
/// Time kept back at the end of a run: no entry is started with less left.
const RESERVE: Duration = Duration::from_secs(2);
/// Where composition status callbacks go, under the public base URL.
const COMPOSITION_STATUS_PATH: &str = "/twilio/composition-status";

/// The reconciler: clients and configuration, built once at cold start.
pub struct State {
    due: Arc<dyn DueWork>,
    rooms: Arc<dyn RoomRecords>,
    records: Arc<dyn CompositionRecords>,
    secrets: Arc<dyn Secrets>,
    composer: Composer,
    notifier: Notifier,
    api: Compositions,
    status_callback: String,
    times: RecordingTimes,
}

/// What one run did, by room or composition SID; the invocation's result.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Due entries read.
    pub examined: usize,
    /// Rooms whose composition this run created or recorded.
    pub composed: Vec<String>,
    /// Compositions whose SMS this run settled (sent, undeliverable, no recipient, …).
    pub notified: Vec<String>,
    /// Compositions found final at Twilio and applied.
    pub applied: Vec<String>,
    /// Compositions reported as stuck (each once, ever).
    pub stuck: Vec<String>,
    /// Entries whose work failed again and stays owed.
    pub deferred: usize,
    /// Entries that owed nothing any more, or that another invocation holds.
    pub skipped: usize,
    /// Entries whose work failed on the store; they stay owed.
    pub failed: usize,
    /// Whether the run stopped at its deadline with entries left.
    pub unfinished: bool,
}

impl State {
    /// Builds the state; fails without `PUBLIC_BASE_URL` (composition callbacks) or
    /// `TWILIO_MESSAGING_SERVICE_SID` (the SMS).
    pub fn new(config: &Config, backends: &Backends) -> Result<Self, ConfigError> {
        let client = backends.twilio.clone();
        let api = Compositions::new(client.clone(), config.video_base_url.clone());
        let store = backends.store.clone();
        let times = config.recording_times;
        Ok(Self {
            due: store.clone(),
            rooms: store.clone(),
            records: store.clone(),
            secrets: backends.secrets.clone(),
            composer: Composer::new(api.clone(), backends.secrets.clone(), store.clone(), times),
            notifier: Notifier::new(
                Messages::new(client, config.api_base_url.clone()),
                config.require_messaging_service_sid()?,
                backends.secrets.clone(),
                store,
                times,
            ),
            api,
            status_callback: config.public_url(COMPOSITION_STATUS_PATH)?,
            times,
        })
    }

    /// One run at `now` (Unix seconds; injectable, so tests can let time pass), until
    /// `deadline`. Fails only when the index cannot be read; an entry whose work fails stays
    /// owed for the next run.
    pub async fn run(&self, now: i64, deadline: Deadline) -> Result<Report, StoreError> {
        let mut report = Report::default();
        let mut cursor = None;
        loop {
            let page = self.due.due(now, PAGE, cursor.as_ref()).await?;
            for entry in &page.entries {
                let Some(budget) = remaining(deadline).checked_sub(RESERVE) else {
                    report.unfinished = true;
                    return Ok(report);
                };
                report.examined += 1;
                let entry_deadline = Deadline::after(budget.min(ENTRY_BUDGET));
                if let Err(e) = self.one(entry, now, entry_deadline, &mut report).await {
                    tracing::error!(room_sid = %entry.room_sid, kind = ?entry.kind, error = %e, "reconciler entry failed; it stays owed");
                    report.failed += 1;
                }
            }
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        tracing::info!(
            examined = report.examined,
            composed = report.composed.len(),
            notified = report.notified.len(),
            applied = report.applied.len(),
            stuck = report.stuck.len(),
            deferred = report.deferred,
            failed = report.failed,
            "reconciler run"
        );
        Ok(report)
    }
}

fn remaining(deadline: Deadline) -> Duration {
    deadline
        .lock_until()
        .duration_since(SystemTime::now())
        .unwrap_or_default()
}

/// The Lambda handler: a scheduled event (its content is not used; anything but a JSON object
/// is refused, as no schedule sends one) → one run now. A run that could not read its work
/// fails the invocation, so Lambda retries it.
pub async fn handle(
    state: &State,
    event: lambda_runtime::LambdaEvent<Value>,
) -> Result<Report, lambda_runtime::Error> {
    if !(event.payload.is_object() || event.payload.is_null()) {
        return Err("the reconciler's event must be a JSON object (a schedule's event)".into());
    }
    let deadline = Deadline::of_context(&event.context);
    Ok(state.run(shared::clock::now_unix(), deadline).await?)
}

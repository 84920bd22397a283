//! One due entry's work, through the callbacks' own code (`shared::recordings`).

use shared::deadline::Deadline;
use shared::names::CompositionSid;
use shared::recordings::compose::Composed;
use shared::recordings::notify::Notified;
use shared::recordings::twilio_failure;
use shared::store::StoreError;
use shared::store::compositions::{
    CompositionEvent, CompositionRecord, CompositionStatus, Schedule,
};
use shared::store::due::{DueEntry, DueKind};

use crate::{Report, State};

/// The metric counting compositions reported as stuck.
pub const STUCK_METRIC: &str = "CompositionStuck";

/// What every step of one entry's work takes: the run's time (Unix seconds), the entry's
/// deadline, and the run's report.
pub(crate) struct Step<'a> {
    pub(crate) now: i64,
    pub(crate) deadline: Deadline,
    pub(crate) report: &'a mut Report,
}

/// Counts a repair of `kind` in the `RECONCILER_REPAIRS` metric and lists `sid` in `done`.
fn repaired(done: &mut Vec<String>, kind: &str, sid: &str) {
    shared::metrics::count(shared::metrics::RECONCILER_REPAIRS, &[("Kind", kind)]);
    done.push(sid.to_string());
}

impl State {
    pub(crate) async fn one(
        &self,
        entry: &DueEntry,
        step: &mut Step<'_>,
    ) -> Result<(), StoreError> {
        match entry.kind {
            DueKind::Composition => self.compose(&entry.room_sid, step).await,
            DueKind::Recording => {
                // The index is read eventually consistently: the record decides.
                let record = self.store.composition(&entry.room_sid).await?;
                match record {
                    Some(r) if r.due_at.is_some_and(|due| due <= step.now) => {
                        self.recording(r, step).await
                    }
                    _ => {
                        step.report.skipped += 1;
                        Ok(())
                    }
                }
            }
        }
    }

    async fn compose(&self, room_sid: &str, step: &mut Step<'_>) -> Result<(), StoreError> {
        let record = self.store.room_record(room_sid).await?;
        let Some(record) = record.filter(|r| r.needs_composition()) else {
            self.store.settle_composition(room_sid).await?;
            step.report.skipped += 1;
            return Ok(());
        };
        match self
            .composer
            .compose(&record, &self.status_callback, step.now, step.deadline)
            .await?
        {
            Composed::Done(_) => repaired(&mut step.report.composed, "composition", room_sid),
            Composed::Deferred => step.report.deferred += 1,
            Composed::InProgress | Composed::Abandoned => step.report.skipped += 1,
        }
        Ok(())
    }

    async fn recording(
        &self,
        record: CompositionRecord,
        step: &mut Step<'_>,
    ) -> Result<(), StoreError> {
        if record.owes_sms() {
            return self.notify(&record, step).await;
        }
        if record.status.is_final() {
            step.report.skipped += 1;
            return Ok(());
        }
        self.check_stuck(record, step).await
    }

    async fn notify(
        &self,
        record: &CompositionRecord,
        step: &mut Step<'_>,
    ) -> Result<(), StoreError> {
        match self
            .notifier
            .notify(record, step.now, step.deadline)
            .await?
        {
            Notified::Settled(_) => {
                repaired(&mut step.report.notified, "sms", &record.composition_sid)
            }
            Notified::Deferred => step.report.deferred += 1,
            Notified::InProgress | Notified::NotOwed => step.report.skipped += 1,
        }
        Ok(())
    }

    /// An unfinished composition past its stuck check: Twilio says where it is. Final: applied
    /// as its callback would have been. Still unfinished: reported once, looked at again later.
    async fn check_stuck(
        &self,
        record: CompositionRecord,
        step: &mut Step<'_>,
    ) -> Result<(), StoreError> {
        let Step { now, deadline, .. } = *step;
        let (cj, room) = (&record.composition_sid, &record.room_sid);
        let Some(sid) = CompositionSid::try_from_str(cj) else {
            return Err(StoreError::corrupt(
                "composition item: attribute composition_sid is not a SID",
            ));
        };
        let fetched = match self.secrets.twilio().await {
            Ok(creds) => self.api.fetch(&creds, &sid, deadline.calls_by()).await,
            Err(e) => Err(e.into()),
        };
        let status = match &fetched {
            Ok(c) => CompositionStatus::parse(&c.status),
            // Gone from Twilio: its media, if any, is gone too.
            Err(e) if e.is_not_found() => Some(CompositionStatus::Deleted),
            Err(e) => {
                tracing::warn!(composition_sid = %cj, error = %twilio_failure(e), "stuck check: Twilio not reachable; next run");
                step.report.deferred += 1;
                return Ok(());
            }
        };
        let Some(status) = status.filter(|s| s.is_final()) else {
            if self
                .store
                .report_stuck(room, now + self.times.stuck_after_seconds as i64)
                .await?
            {
                tracing::error!(composition_sid = %cj, room_sid = %room, twilio_status = fetched.as_ref().map_or("", |c| c.status.as_str()), "composition stuck");
                shared::metrics::count(STUCK_METRIC, &[]);
                step.report.stuck.push(cj.clone());
            } else {
                step.report.skipped += 1;
            }
            return Ok(());
        };
        let composition = fetched.ok();
        let event = CompositionEvent {
            room_sid: room.clone(),
            composition_sid: cj.clone(),
            status,
            at_ms: now * 1000,
            stage: 4,
            media_uri: composition
                .as_ref()
                .and_then(|c| c.links.as_ref()?.media.clone()),
            size: composition.as_ref().and_then(|c| c.size),
            duration_seconds: composition.as_ref().and_then(|c| c.duration),
            percentage_done: None,
            error: (status == CompositionStatus::Failed)
                .then(|| "reported failed by Twilio's composition resource".to_string()),
        };
        // Already overdue: the SMS is due at once.
        let schedule = Schedule {
            sms_due: now,
            stuck_due: now + self.times.stuck_after_seconds as i64,
        };
        let (after, applied) = self
            .store
            .apply_composition_event(&event, &schedule)
            .await?;
        if applied {
            tracing::info!(composition_sid = %cj, room_sid = %room, status = status.as_str(), "stuck composition found final at Twilio");
            repaired(&mut step.report.applied, "status", cj);
            if status == CompositionStatus::Failed {
                tracing::error!(composition_sid = %cj, room_sid = %room, "composition failed");
                shared::metrics::count("CompositionFailed", &[("Event", "reconciler")]);
            }
            if status == CompositionStatus::Completed {
                shared::metrics::count(
                    shared::metrics::COMPOSITION_AVAILABLE,
                    &[("Source", "reconciler")],
                );
            }
        }
        if after.owes_sms() {
            self.notify(&after, step).await?;
        }
        Ok(())
    }
}

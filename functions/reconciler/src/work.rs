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

impl State {
    pub(crate) async fn one(
        &self,
        entry: &DueEntry,
        now: i64,
        deadline: Deadline,
        report: &mut Report,
    ) -> Result<(), StoreError> {
        match entry.kind {
            DueKind::Composition => self.compose(&entry.room_sid, now, deadline, report).await,
            DueKind::Recording => {
                // The index is read eventually consistently: the record decides.
                let record = self.records.composition(&entry.room_sid).await?;
                match record {
                    Some(r) if r.due_at.is_some_and(|due| due <= now) => {
                        self.recording(r, now, deadline, report).await
                    }
                    _ => {
                        report.skipped += 1;
                        Ok(())
                    }
                }
            }
        }
    }

    async fn compose(
        &self,
        room_sid: &str,
        now: i64,
        deadline: Deadline,
        report: &mut Report,
    ) -> Result<(), StoreError> {
        let record = self.rooms.room_record(room_sid).await?;
        let Some(record) = record.filter(|r| r.needs_composition()) else {
            self.due.settle_composition(room_sid).await?;
            report.skipped += 1;
            return Ok(());
        };
        match self
            .composer
            .compose(&record, &self.status_callback, now, deadline)
            .await?
        {
            Composed::Done(_) => {
                shared::metrics::count(
                    shared::metrics::RECONCILER_REPAIRS,
                    &[("Kind", "composition")],
                );
                report.composed.push(room_sid.to_string())
            }
            Composed::Deferred => report.deferred += 1,
            Composed::InProgress | Composed::Abandoned => report.skipped += 1,
        }
        Ok(())
    }

    async fn recording(
        &self,
        record: CompositionRecord,
        now: i64,
        deadline: Deadline,
        report: &mut Report,
    ) -> Result<(), StoreError> {
        if record.owes_sms() {
            return self.notify(&record, now, deadline, report).await;
        }
        if record.status.is_final() {
            report.skipped += 1;
            return Ok(());
        }
        self.check_stuck(record, now, deadline, report).await
    }

    async fn notify(
        &self,
        record: &CompositionRecord,
        now: i64,
        deadline: Deadline,
        report: &mut Report,
    ) -> Result<(), StoreError> {
        match self.notifier.notify(record, now, deadline).await? {
            Notified::Settled(_) => {
                shared::metrics::count(shared::metrics::RECONCILER_REPAIRS, &[("Kind", "sms")]);
                report.notified.push(record.composition_sid.clone())
            }
            Notified::Deferred => report.deferred += 1,
            Notified::InProgress | Notified::NotOwed => report.skipped += 1,
        }
        Ok(())
    }

    /// An unfinished composition past its stuck check: Twilio says where it is. Final: applied
    /// as its callback would have been. Still unfinished: reported once, looked at again later.
    async fn check_stuck(
        &self,
        record: CompositionRecord,
        now: i64,
        deadline: Deadline,
        report: &mut Report,
    ) -> Result<(), StoreError> {
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
                report.deferred += 1;
                return Ok(());
            }
        };
        let Some(status) = status.filter(|s| s.is_final()) else {
            if self
                .records
                .report_stuck(room, now + self.times.stuck_after_seconds as i64)
                .await?
            {
                tracing::error!(composition_sid = %cj, room_sid = %room, twilio_status = fetched.as_ref().map_or("", |c| c.status.as_str()), "composition stuck");
                shared::metrics::count(STUCK_METRIC, &[]);
                report.stuck.push(cj.clone());
            } else {
                report.skipped += 1;
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
            .records
            .apply_composition_event(&event, &schedule)
            .await?;
        if applied {
            tracing::info!(composition_sid = %cj, room_sid = %room, status = status.as_str(), "stuck composition found final at Twilio");
            report.applied.push(cj.clone());
            shared::metrics::count(shared::metrics::RECONCILER_REPAIRS, &[("Kind", "status")]);
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
            self.notify(&after, now, deadline, report).await?;
        }
        Ok(())
    }
}

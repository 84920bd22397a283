//! The reconciler's schedule inside the local API: every `LOCAL_SCHEDULE_SECONDS` (default 60),
//! one run through the reconciler's own Lambda handler, `reconciler::handle`, with the event
//! EventBridge's scheduled rule sends it in AWS (`events/reconciler-scheduled.json`) and a
//! context whose deadline is the function's timeout in `template.yaml`. Runs never overlap: the
//! next waits for the one before.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lambda_runtime::{Context, LambdaEvent};
use serde_json::{Value, json};
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

/// The reconciler's timeout in `template.yaml`: each run's deadline.
const TIMEOUT: Duration = Duration::from_secs(60);

/// The reconciler and how often it runs.
pub struct Schedule {
    reconciler: reconciler::State,
    every: Duration,
}

impl Schedule {
    /// `reconciler` run every `every`.
    pub fn new(reconciler: reconciler::State, every: Duration) -> Self {
        Self { reconciler, every }
    }

    /// How often it runs.
    pub fn every(&self) -> Duration {
        self.every
    }

    /// One run now, as EventBridge would invoke it.
    pub async fn run(&self) -> Result<reconciler::Report, lambda_runtime::Error> {
        let mut context = Context::default();
        context.request_id = format!("local-reconciler-{}", next());
        context.deadline = (SystemTime::now() + TIMEOUT)
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        context.invoked_function_arn =
            "arn:aws:lambda:us-east-1:000000000000:function:reconciler".into();
        let event = LambdaEvent::new(scheduled_event(SystemTime::now()), context);
        reconciler::handle(&self.reconciler, event).await
    }

    /// Runs it every [`Self::every`], the first time one period after the start, until the
    /// task is aborted.
    pub fn spawn(self: Arc<Self>) -> JoinHandle<()> {
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(self.every);
            ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                match self.run().await {
                    Ok(report) => tracing::info!(
                        examined = report.examined,
                        composed = report.composed.len(),
                        notified = report.notified.len(),
                        applied = report.applied.len(),
                        stuck = report.stuck.len(),
                        "local schedule: reconciler run"
                    ),
                    Err(e) => tracing::error!(error = %e, "local schedule: reconciler run failed"),
                }
            }
        })
    }
}

/// EventBridge's scheduled event at `at`, with a fresh id.
pub fn scheduled_event(at: SystemTime) -> Value {
    let secs = at
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let time = shared::clock::rfc3339(secs);
    json!({
        "version": "0",
        "id": format!("local-{:032x}", rand::random::<u128>()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "000000000000",
        "time": time,
        "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:000000000000:rule/local-reconciler-schedule"],
        "detail": {},
    })
}

fn next() -> u64 {
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_event_has_the_fields_of_the_events_file() {
        let file = include_str!("../../events/reconciler-scheduled.json");
        let file: Value = serde_json::from_str(file).unwrap();
        let ours = scheduled_event(SystemTime::now());
        let keys = |v: &Value| {
            let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
            k.sort();
            k
        };
        assert_eq!(keys(&ours), keys(&file));
        assert_eq!(ours["detail-type"], file["detail-type"]);
        assert_eq!(ours["source"], "aws.events");
        assert_ne!(ours["id"], scheduled_event(SystemTime::now())["id"]);
    }
}

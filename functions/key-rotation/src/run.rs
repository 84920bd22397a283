//! One run, in the order of the crate's documentation: pending version ([`crate::pending`]),
//! orphans, due revocations, rotation, `AWSPREVIOUS`. The mutating steps are in
//! [`crate::steps`]; in a dry run each of them only records what it would do.

use std::collections::HashSet;

use lambda_runtime::Context;
use shared::deadline::Deadline;
use shared::idempotency::Claim;
use shared::twilio::keys::Keys;

use crate::doc::KeyDoc;
use crate::report::{Action, Awaiting, Report, Rotated};
use crate::{Request, RotationError, State, Step};

/// A run in progress.
pub(crate) struct Run<'a> {
    pub state: &'a State,
    pub request: &'a Request,
    pub keys: Keys<'a>,
    /// The invocation's one deadline.
    pub deadline: Deadline,
    /// Keys that exist at Twilio, as listed at the start and changed by this run.
    pub alive: HashSet<String>,
    pub report: Report,
    /// The current version and its id, as this run has left them.
    pub current: Option<(KeyDoc, String)>,
}

/// Runs `request`: under the secret's lock, unless it is a dry run.
pub(crate) async fn execute(
    state: &State,
    request: &Request,
    ctx: &Context,
) -> Result<Report, RotationError> {
    let deadline = Deadline::of_context(ctx);
    let auth = state.secrets.auth().await?;
    let mut run = Run {
        state,
        request,
        keys: Keys::new(&state.twilio, &state.api_base, &auth)?,
        deadline,
        alive: HashSet::new(),
        report: Report {
            event_id: request.id.clone(),
            dry_run: request.dry_run,
            ..Report::default()
        },
        current: None,
    };
    if request.dry_run {
        run.go().await?;
        return Ok(run.report);
    }
    let lock_key = format!("key-rotation#{}#lock", state.tag);
    let lock = match state
        .idempotency
        .claim::<serde_json::Value>(&lock_key, &"lock", deadline.lock_until())
        .await?
    {
        Claim::Proceed(guard) => guard,
        Claim::Replay(_) => return Err(RotationError::Busy),
    };
    (state.checkpoint)(Step::Locked);
    let result = run.go().await;
    if let Err(error) = lock.release().await {
        tracing::warn!(%error, "could not release the key rotation lock; it lapses at the deadline");
    }
    result.map(|()| run.report)
}

impl Run<'_> {
    pub(crate) fn dry(&self) -> bool {
        self.request.dry_run
    }

    /// Records an action done (or planned, in a dry run).
    pub fn record(&mut self, action: &str, key_sid: Option<&str>) {
        tracing::info!(
            event_id = %self.request.id,
            action,
            key_sid = key_sid.unwrap_or(""),
            dry_run = self.dry(),
            "key rotation action"
        );
        self.report.actions.push(Action {
            action: action.to_string(),
            key_sid: key_sid.map(str::to_string),
        });
    }

    /// When a key demoted now stops being current at the latest: the end of this invocation.
    pub fn demotion_time(&self) -> i64 {
        self.state.clock.now_unix() + self.deadline.remaining().as_secs() as i64 + 1
    }

    async fn go(&mut self) -> Result<(), RotationError> {
        let versions = &self.state.versions;
        let stages = versions.stages().await?;
        let current = KeyDoc::parse(versions.id(), &versions.value(&stages.current).await?)?;
        let listed = self.keys.list(self.deadline.calls_by()).await?;
        self.alive = listed.iter().map(|k| k.sid.clone()).collect();
        self.current = Some((current, stages.current.clone()));

        if let Some(pending) = &stages.pending {
            self.settle_pending(pending).await?;
        }
        let prefix = self.state.key_name_prefix();
        let (current, _) = self.current.clone().expect("set above");
        let orphans: Vec<String> = listed
            .iter()
            .filter(|k| {
                k.friendly_name
                    .as_deref()
                    .is_some_and(|n| n.starts_with(&prefix))
            })
            .filter(|k| k.sid != current.key_sid())
            .filter(|k| !current.retired().iter().any(|r| r.sid == k.sid))
            .map(|k| k.sid.clone())
            .collect();
        for sid in orphans {
            self.revoke(&sid, true).await?;
        }
        let now = self.state.clock.now_unix();
        for retired in current.retired() {
            if !self.alive.contains(&retired.sid) {
                continue;
            }
            let due_at = retired.demoted_at + self.state.rules.grace();
            if now >= due_at {
                self.revoke(&retired.sid, false).await?;
            } else {
                self.report.awaiting_revocation.push(Awaiting {
                    key_sid: retired.sid.clone(),
                    due_at,
                });
            }
        }
        if self.request.rotate {
            self.rotate_once().await?;
        }
        self.tidy_previous().await?;
        let (current, _) = self.current.as_ref().expect("set above");
        self.report.current_key_sid = current.key_sid().to_string();
        Ok(())
    }

    /// The event's rotation, once: replayed from its record, found done in the secret, or run.
    async fn rotate_once(&mut self) -> Result<(), RotationError> {
        let rotated_by_event = |run: &Self| {
            let (current, _) = run.current.as_ref().expect("set by go");
            current.rotated_by() == Some(run.request.id.as_str())
        };
        if self.dry() {
            if rotated_by_event(self) {
                self.report.already_rotated = true;
            } else {
                self.record("create_api_key", None);
                self.record("promote_api_key", None);
            }
            return Ok(());
        }
        let key = format!("key-rotation#{}#event#{}", self.state.tag, self.request.id);
        let guard = match self
            .state
            .idempotency
            .claim::<Rotated>(&key, &"rotate", self.deadline.lock_until())
            .await?
        {
            Claim::Replay(done) => {
                tracing::info!(event_id = %self.request.id, key_sid = %done.key_sid, "this event's rotation was done before");
                self.report.already_rotated = true;
                return Ok(());
            }
            Claim::Proceed(guard) => guard,
        };
        let outcome = if rotated_by_event(self) {
            // Done by an earlier delivery that died before recording it, or resumed just now.
            self.report.already_rotated = !self.report.rotated;
            Ok(())
        } else {
            self.rotate().await
        };
        if let Err(error) = outcome {
            if let Err(release) = guard.release().await {
                tracing::error!(error = %release, "could not release the event's claim");
            }
            return Err(error);
        }
        let (current, _) = self.current.as_ref().expect("set by go");
        let done = Rotated {
            key_sid: current.key_sid().to_string(),
        };
        guard.complete(&done).await?;
        (self.state.checkpoint)(Step::Recorded);
        Ok(())
    }

    /// Takes `AWSPREVIOUS` off a version whose key is no longer alive.
    async fn tidy_previous(&mut self) -> Result<(), RotationError> {
        let versions = &self.state.versions;
        let stages = versions.stages().await?;
        let Some(previous) = stages.previous else {
            return Ok(());
        };
        let doc = KeyDoc::parse(versions.id(), &versions.value(&previous).await?)?;
        let (current, _) = self.current.as_ref().expect("set by go");
        if self.alive.contains(doc.key_sid()) || doc.key_sid() == current.key_sid() {
            return Ok(());
        }
        self.record("clear_previous_label", Some(doc.key_sid()));
        if !self.dry() {
            versions
                .remove_label(shared::secrets::versions::PREVIOUS, &previous)
                .await?;
        }
        Ok(())
    }
}

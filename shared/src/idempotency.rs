//! Run a side effect exactly once per key, with the semantics of the idempotency utility of
//! Powertools for AWS Lambda:
//!
//! - one conditional write claims the key, and returns the old record on conflict;
//! - a claim is in progress until the action completes, and lapses at the claiming invocation's
//!   deadline, so a crashed invocation cannot block retries forever;
//! - a failed action releases its claim, so a retry can run it;
//! - a completed action's result is handed to later duplicates until the record expires (checked
//!   here, not left to DynamoDB's TTL, which deletes up to days late);
//! - the same key with a different payload is a conflict, not a replay.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::clock::{unix_millis, unix_seconds};
use crate::store::StoreError;
use crate::store::idempotency::{IdempotencyRecord, IdempotencyStore, PutOutcome, Status};

/// Why a claim did not give a clear go or replay.
#[derive(Debug, thiserror::Error)]
pub enum IdempotencyError {
    /// Another invocation holds the key and has not finished.
    #[error("another request with this idempotency key is in progress")]
    InProgress,
    /// The key was used before with a different payload.
    #[error("this idempotency key was used with a different payload")]
    PayloadMismatch,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored result could not be (de)serialized.
    #[error("idempotency result: {0}")]
    Serde(#[from] serde_json::Error),
}

/// The outcome of [`Idempotency::claim`].
pub enum Claim<T> {
    /// The key is ours: run the action, then [`Guard::complete`] or [`Guard::release`].
    Proceed(Guard),
    /// The action already ran: its stored result.
    Replay(T),
}

/// What [`Idempotency::run_once`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome<T> {
    /// This call ran the action.
    Executed(T),
    /// An earlier call ran it; this is its stored result.
    Replayed(T),
}

impl<T> Outcome<T> {
    /// The result, whoever produced it.
    pub fn into_inner(self) -> T {
        match self {
            Outcome::Executed(t) | Outcome::Replayed(t) => t,
        }
    }
}

/// Why [`Idempotency::run_once`] failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError<E> {
    /// The action failed; its claim was released.
    #[error("action failed: {0}")]
    Action(E),
    /// The claim could not be made or settled.
    #[error(transparent)]
    Idempotency(#[from] IdempotencyError),
}

/// The idempotency utility over a store.
#[derive(Clone)]
pub struct Idempotency {
    store: Arc<dyn IdempotencyStore>,
    expires_after: Duration,
}

impl Idempotency {
    /// Completed records are honoured for `expires_after`.
    pub fn new(store: Arc<dyn IdempotencyStore>, expires_after: Duration) -> Self {
        Self {
            store,
            expires_after,
        }
    }

    /// Claims `key` for `payload` until `lock_until` (the invocation's deadline).
    pub async fn claim<T: DeserializeOwned>(
        &self,
        key: &str,
        payload: &impl Serialize,
        lock_until: SystemTime,
    ) -> Result<Claim<T>, IdempotencyError> {
        let now = SystemTime::now();
        let record = IdempotencyRecord {
            key: key.to_string(),
            status: Status::InProgress,
            payload_hash: payload_hash(payload)?,
            expires_at: unix_seconds(now + self.expires_after),
            lock_until_ms: unix_millis(lock_until),
            result: None,
        };
        match self.store.put_in_progress(&record, now).await? {
            PutOutcome::Claimed => Ok(Claim::Proceed(Guard {
                store: self.store.clone(),
                record,
            })),
            PutOutcome::Held(old) => {
                if old.payload_hash != record.payload_hash {
                    return Err(IdempotencyError::PayloadMismatch);
                }
                match (old.status, old.result) {
                    (Status::Completed, Some(result)) => {
                        Ok(Claim::Replay(serde_json::from_str(&result)?))
                    }
                    _ => Err(IdempotencyError::InProgress),
                }
            }
        }
    }

    /// Runs `action` once for `key`: the first caller runs it, concurrent callers get
    /// [`IdempotencyError::InProgress`], later callers its stored result. A failed action
    /// releases the key.
    pub async fn run_once<T, E, F, Fut>(
        &self,
        key: &str,
        payload: &impl Serialize,
        lock_until: SystemTime,
        action: F,
    ) -> Result<Outcome<T>, RunError<E>>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let guard = match self.claim::<T>(key, payload, lock_until).await? {
            Claim::Replay(result) => return Ok(Outcome::Replayed(result)),
            Claim::Proceed(guard) => guard,
        };
        match action().await {
            Ok(result) => {
                guard.complete(&result).await?;
                Ok(Outcome::Executed(result))
            }
            Err(error) => {
                if let Err(release) = guard.release().await {
                    // The claim will lapse at its deadline; a retry after that proceeds.
                    tracing::error!(error = %release, "could not release an idempotency claim");
                }
                Err(RunError::Action(error))
            }
        }
    }
}

/// A held claim. Dropping it without settling leaves the claim to lapse at its deadline, which is
/// what a crash does too.
pub struct Guard {
    store: Arc<dyn IdempotencyStore>,
    record: IdempotencyRecord,
}

impl Guard {
    /// Records the action's result; later duplicates receive it.
    pub async fn complete(mut self, result: &impl Serialize) -> Result<(), IdempotencyError> {
        self.record.status = Status::Completed;
        self.record.result = Some(serde_json::to_string(result)?);
        self.store.save_success(&self.record).await?;
        Ok(())
    }

    /// Gives the key back after a failed action.
    pub async fn release(self) -> Result<(), IdempotencyError> {
        self.store.delete(&self.record.key).await?;
        Ok(())
    }
}

/// SHA-256 (hex) of the payload's JSON.
fn payload_hash(payload: &impl Serialize) -> Result<String, serde_json::Error> {
    Ok(hex::encode(Sha256::digest(serde_json::to_vec(payload)?)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::MemoryStore;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn utility() -> Idempotency {
        Idempotency::new(Arc::new(MemoryStore::new()), Duration::from_secs(3600))
    }

    fn deadline() -> SystemTime {
        SystemTime::now() + Duration::from_secs(30)
    }

    #[tokio::test]
    async fn a_duplicate_after_completion_gets_the_stored_result() {
        let idem = utility();
        let runs = AtomicUsize::new(0);
        let action = || async {
            runs.fetch_add(1, Ordering::SeqCst);
            Ok::<_, String>("CJ123".to_string())
        };
        let first = idem.run_once("k", &"p", deadline(), action).await.unwrap();
        let second = idem.run_once("k", &"p", deadline(), action).await.unwrap();
        assert_eq!(first, Outcome::Executed("CJ123".to_string()));
        assert_eq!(second, Outcome::Replayed("CJ123".to_string()));
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_different_payload_under_the_same_key_is_refused() {
        let idem = utility();
        idem.run_once("k", &"a", deadline(), || async { Ok::<_, String>(1) })
            .await
            .unwrap();
        let err = idem
            .run_once("k", &"b", deadline(), || async { Ok::<_, String>(2) })
            .await
            .unwrap_err();
        assert!(matches!(
            err,
            RunError::Idempotency(IdempotencyError::PayloadMismatch)
        ));
    }

    #[tokio::test]
    async fn an_expired_in_progress_claim_is_taken_over() {
        let idem = utility();
        let Claim::Proceed(_crashed) = idem
            .claim::<i32>("k", &"p", SystemTime::now() - Duration::from_millis(1))
            .await
            .unwrap()
        else {
            panic!("first claim must proceed");
        };
        let out = idem
            .run_once("k", &"p", deadline(), || async { Ok::<_, String>(5) })
            .await
            .unwrap();
        assert_eq!(out, Outcome::Executed(5));
    }

    #[tokio::test]
    async fn a_live_in_progress_claim_blocks_a_duplicate() {
        let idem = utility();
        let Claim::Proceed(_holder) = idem.claim::<i32>("k", &"p", deadline()).await.unwrap()
        else {
            panic!("first claim must proceed");
        };
        let err = idem
            .run_once("k", &"p", deadline(), || async { Ok::<_, String>(5) })
            .await
            .unwrap_err();
        assert!(matches!(
            err,
            RunError::Idempotency(IdempotencyError::InProgress)
        ));
    }

    #[tokio::test]
    async fn a_failed_action_can_be_retried() {
        let idem = utility();
        let err = idem
            .run_once("k", &"p", deadline(), || async { Err::<i32, _>("boom") })
            .await
            .unwrap_err();
        assert!(matches!(err, RunError::Action("boom")));
        let out = idem
            .run_once("k", &"p", deadline(), || async { Ok::<_, &str>(9) })
            .await
            .unwrap();
        assert_eq!(out, Outcome::Executed(9));
    }

    #[tokio::test]
    async fn an_expired_completed_record_no_longer_replays() {
        let idem = Idempotency::new(Arc::new(MemoryStore::new()), Duration::ZERO);
        idem.run_once("k", &"p", deadline(), || async { Ok::<_, String>(1) })
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let out = idem
            .run_once("k", &"p", deadline(), || async { Ok::<_, String>(2) })
            .await
            .unwrap();
        assert_eq!(out, Outcome::Executed(2));
    }
}

//! Run a side effect exactly once per key, with the semantics of the idempotency utility of
//! Powertools for AWS Lambda:
//!
//! - one conditional write claims the key, and returns the old record on conflict;
//! - a claim is in progress until the action completes, and lapses at the claiming invocation's
//!   deadline, so a crashed invocation cannot block retries forever;
//! - a failed action releases its claim, so a retry can run it;
//! - completing and releasing hold only while the claim is still the holder's: each claim writes
//!   a random token, and both are conditional on it, so a holder whose lock lapsed and whose key
//!   was claimed again since cannot overwrite or free the new claim ([`IdempotencyError::ClaimLost`]);
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
use crate::store::idempotency::{IdempotencyRecord, IdempotencyStore, PutOutcome, Settled, Status};

/// Why a claim did not give a clear go or replay.
#[derive(Debug, thiserror::Error)]
pub enum IdempotencyError {
    /// Another invocation holds the key and has not finished.
    #[error("another request with this idempotency key is in progress")]
    InProgress,
    /// The key was used before with a different payload.
    #[error("this idempotency key was used with a different payload")]
    PayloadMismatch,
    /// The claim lapsed and another invocation claimed the key since: this holder's completion
    /// or release was not written, so that the new claimant's record stands.
    #[error("the idempotency claim lapsed and was taken over by another request")]
    ClaimLost,
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
    /// The action failed; its claim was released (unless it had been lost: that is logged).
    #[error("action failed: {0}")]
    Action(E),
    /// The claim could not be made or settled. After the action ran, this is its completion
    /// failing: [`IdempotencyError::ClaimLost`] says another invocation claimed the key meanwhile
    /// (the action ran, its result is not recorded, the new claimant's record stands).
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
            claim_token: uuid::Uuid::new_v4().simple().to_string(),
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
                match guard.release().await {
                    // Logged by the guard: the new claimant decides what happens to the key.
                    Ok(()) | Err(IdempotencyError::ClaimLost) => {}
                    // The claim will lapse at its deadline; a retry after that proceeds.
                    Err(release) => {
                        tracing::error!(error = %release, "could not release an idempotency claim")
                    }
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
    /// Records the action's result; later duplicates receive it. If the claim lapsed and the key
    /// was claimed again since, nothing is written and the answer is
    /// [`IdempotencyError::ClaimLost`].
    pub async fn complete(mut self, result: &impl Serialize) -> Result<(), IdempotencyError> {
        self.record.status = Status::Completed;
        self.record.result = Some(serde_json::to_string(result)?);
        let settled = self.store.save_success(&self.record).await?;
        self.owned(settled, "completion")
    }

    /// Gives the key back after a failed action. If the claim lapsed and the key was claimed
    /// again since, the new claim stays and the answer is [`IdempotencyError::ClaimLost`].
    pub async fn release(self) -> Result<(), IdempotencyError> {
        let settled = self.store.delete(&self.record).await?;
        self.owned(settled, "release")
    }

    fn owned(&self, settled: Settled, what: &'static str) -> Result<(), IdempotencyError> {
        match settled {
            Settled::Done => Ok(()),
            Settled::NotOwner => {
                // The key names an event or a room SID, never personal data.
                tracing::warn!(
                    idempotency_key = %self.record.key,
                    settling = what,
                    "idempotency claim lost: it lapsed and another request claimed the key; not written"
                );
                Err(IdempotencyError::ClaimLost)
            }
        }
    }
}

/// SHA-256 (hex) of the payload's JSON.
fn payload_hash(payload: &impl Serialize) -> Result<String, serde_json::Error> {
    Ok(hex::encode(Sha256::digest(serde_json::to_vec(payload)?)))
}

#[cfg(test)]
#[path = "idempotency_tests.rs"]
mod tests;

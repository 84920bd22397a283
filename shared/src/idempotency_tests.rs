//! Tests of [`super`] on the embedded store: replay after completion, a reused key with other data,
//! in-progress claims live and lapsed, failed actions, expiry, and a lapsed holder losing its claim.

use super::*;
use crate::memory::MemoryStore;
use std::sync::atomic::{AtomicUsize, Ordering};

fn utility() -> Idempotency {
    Idempotency::new(Arc::new(MemoryStore::new()), Duration::from_secs(3600))
}

fn deadline() -> SystemTime {
    SystemTime::now() + Duration::from_secs(30)
}

/// The first claim on key `k`, which must proceed, locked until `lock_until`.
async fn held(idem: &Idempotency, lock_until: SystemTime) -> Guard {
    let Claim::Proceed(guard) = idem.claim::<i32>("k", &"p", lock_until).await.unwrap() else {
        panic!("first claim must proceed");
    };
    guard
}

/// `run_once` under key `k` and `payload` of an action that answers `value`.
async fn answer(
    idem: &Idempotency,
    payload: &str,
    value: i32,
) -> Result<Outcome<i32>, RunError<String>> {
    idem.run_once("k", &payload, deadline(), || async move { Ok(value) })
        .await
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
    answer(&idem, "a", 1).await.unwrap();
    let err = answer(&idem, "b", 2).await.unwrap_err();
    assert!(matches!(
        err,
        RunError::Idempotency(IdempotencyError::PayloadMismatch)
    ));
}

#[tokio::test]
async fn an_expired_in_progress_claim_is_taken_over() {
    let idem = utility();
    let _crashed = held(&idem, SystemTime::now() - Duration::from_millis(1)).await;
    let out = answer(&idem, "p", 5).await.unwrap();
    assert_eq!(out, Outcome::Executed(5));
}

#[tokio::test]
async fn a_live_in_progress_claim_blocks_a_duplicate() {
    let idem = utility();
    let _holder = held(&idem, deadline()).await;
    let err = answer(&idem, "p", 5).await.unwrap_err();
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
    answer(&idem, "p", 1).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let out = answer(&idem, "p", 2).await.unwrap();
    assert_eq!(out, Outcome::Executed(2));
}

/// A's lock lapsed (its deadline is past), and B claimed the key since.
async fn lapsed_holder_and_next_claimant(idem: &Idempotency) -> (Guard, Guard) {
    let lapsed = SystemTime::now() - Duration::from_millis(1);
    let Claim::Proceed(a) = idem.claim::<String>("k", &"p", lapsed).await.unwrap() else {
        panic!("A's claim must proceed");
    };
    let Claim::Proceed(b) = idem.claim::<String>("k", &"p", deadline()).await.unwrap() else {
        panic!("B must take over A's lapsed claim");
    };
    (a, b)
}

#[tokio::test]
async fn a_lapsed_holder_cannot_complete_over_the_next_claimant() {
    let idem = utility();
    let (a, b) = lapsed_holder_and_next_claimant(&idem).await;
    let lost = a.complete(&"A").await;
    assert!(matches!(lost, Err(IdempotencyError::ClaimLost)), "{lost:?}");
    let duplicate = idem.claim::<String>("k", &"p", deadline()).await;
    assert!(matches!(duplicate, Err(IdempotencyError::InProgress)));
    b.complete(&"B").await.unwrap();
    let Claim::Replay(result) = idem.claim::<String>("k", &"p", deadline()).await.unwrap() else {
        panic!("B's record must replay");
    };
    assert_eq!(result, "B");
}

#[tokio::test]
async fn a_lapsed_holder_cannot_release_the_next_claimants_claim() {
    let idem = utility();
    let (a, _b) = lapsed_holder_and_next_claimant(&idem).await;
    let lost = a.release().await;
    assert!(matches!(lost, Err(IdempotencyError::ClaimLost)), "{lost:?}");
    let duplicate = idem.claim::<String>("k", &"p", deadline()).await;
    assert!(matches!(duplicate, Err(IdempotencyError::InProgress)));
}

#[tokio::test]
async fn run_once_tells_its_caller_when_the_claim_was_lost_meanwhile() {
    let idem = utility();
    let lapsed = SystemTime::now() - Duration::from_millis(1);
    let out = idem
        .run_once("k", &"p", lapsed, || async {
            // While this action runs past its deadline, another invocation claims the key.
            let Claim::Proceed(b) = idem.claim::<i32>("k", &"p", deadline()).await.unwrap() else {
                panic!("B must take over");
            };
            std::mem::forget(b);
            Ok::<_, String>(1)
        })
        .await;
    assert!(
        matches!(out, Err(RunError::Idempotency(IdempotencyError::ClaimLost))),
        "{out:?}"
    );
}

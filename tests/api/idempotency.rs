//! Idempotency on DynamoDB (moto's server): the Powertools semantics, proved on the real adapter.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use integration_tests::{dynamo, unique};
use shared::idempotency::{Claim, Guard, Idempotency, IdempotencyError, Outcome, RunError};

/// The utility on moto, and a fresh key named with `prefix`.
async fn utility(prefix: &str) -> (Idempotency, String) {
    let idem = Idempotency::new(Arc::new(dynamo().await), Duration::from_secs(3600));
    (idem, unique(prefix))
}

fn deadline() -> SystemTime {
    SystemTime::now() + Duration::from_secs(30)
}

/// Runs, under `key` with `payload`, an action that succeeds with `value`.
async fn run_ok(
    idem: &Idempotency,
    key: &str,
    payload: &str,
    value: i32,
) -> Result<Outcome<i32>, RunError<String>> {
    idem.run_once(key, &payload, deadline(), || async { Ok(value) })
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_claims_of_one_key_run_the_action_exactly_once() {
    let (idem, key) = utility("concurrent-").await;
    let runs = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (idem, key, runs) = (idem.clone(), key.clone(), runs.clone());
            tokio::spawn(async move {
                idem.run_once(&key, &"payload", deadline(), || async {
                    runs.fetch_add(1, Ordering::SeqCst);
                    // Hold the claim long enough for every other task to meet it.
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    Ok::<_, String>("done".to_string())
                })
                .await
            })
        })
        .collect();
    let mut executed = 0;
    let mut in_progress = 0;
    let mut replayed = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(Outcome::Executed(_)) => executed += 1,
            Ok(Outcome::Replayed(r)) => {
                assert_eq!(r, "done");
                replayed += 1
            }
            Err(RunError::Idempotency(IdempotencyError::InProgress)) => in_progress += 1,
            Err(other) => panic!("unexpected outcome: {other}"),
        }
    }
    assert_eq!(
        runs.load(Ordering::SeqCst),
        1,
        "the action ran more than once"
    );
    assert_eq!(executed, 1);
    assert_eq!(executed + in_progress + replayed, 50);
}

#[tokio::test]
async fn a_claim_whose_holder_crashed_is_taken_over_after_its_expiry() {
    let (idem, key) = utility("crashed-").await;
    // The "crashed" invocation's deadline is 1 s away; it never completes nor releases.
    let Claim::Proceed(crashed) = idem
        .claim::<String>(&key, &"p", SystemTime::now() + Duration::from_secs(1))
        .await
        .unwrap()
    else {
        panic!("the first claim must proceed")
    };
    std::mem::forget(crashed);
    let early = run_ok(&idem, &key, "p", 1).await;
    assert!(matches!(
        early,
        Err(RunError::Idempotency(IdempotencyError::InProgress))
    ));
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let late = run_ok(&idem, &key, "p", 2).await.unwrap();
    assert_eq!(late, Outcome::Executed(2));
}

#[tokio::test]
async fn a_failed_action_can_be_retried() {
    let (idem, key) = utility("failed-").await;
    let first = idem
        .run_once(&key, &"p", deadline(), || async {
            Err::<i32, _>("twilio 500")
        })
        .await;
    assert!(matches!(first, Err(RunError::Action("twilio 500"))));
    let second = run_ok(&idem, &key, "p", 7).await.unwrap();
    assert_eq!(second, Outcome::Executed(7));
}

#[tokio::test]
async fn a_duplicate_after_completion_gets_the_stored_result() {
    let (idem, key) = utility("done-").await;
    let runs = AtomicUsize::new(0);
    let action = || async {
        runs.fetch_add(1, Ordering::SeqCst);
        Ok::<_, String>(serde_json::json!({"composition_sid": "CJ1"}))
    };
    let first = idem.run_once(&key, &"p", deadline(), action).await.unwrap();
    let second = idem.run_once(&key, &"p", deadline(), action).await.unwrap();
    assert!(matches!(first, Outcome::Executed(_)));
    assert_eq!(
        second,
        Outcome::Replayed(serde_json::json!({"composition_sid": "CJ1"}))
    );
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_different_payload_under_the_same_key_is_refused() {
    let (idem, key) = utility("payload-").await;
    run_ok(&idem, &key, "room-ended RM1", 1).await.unwrap();
    let other = run_ok(&idem, &key, "room-ended RM2", 2).await;
    assert!(matches!(
        other,
        Err(RunError::Idempotency(IdempotencyError::PayloadMismatch))
    ));
}

/// Holder A's lock lapses (its deadline is already past when it settles) and B claims the key:
/// whatever A does next must leave B's record alone.
async fn a_lapsed_holder_and_the_next_claimant(idem: &Idempotency, key: &str) -> (Guard, Guard) {
    let lapsed = SystemTime::now() - Duration::from_millis(1);
    let Claim::Proceed(a) = idem.claim::<String>(key, &"p", lapsed).await.unwrap() else {
        panic!("A's claim must proceed")
    };
    let Claim::Proceed(b) = idem.claim::<String>(key, &"p", deadline()).await.unwrap() else {
        panic!("B must take over A's lapsed claim")
    };
    (a, b)
}

#[tokio::test]
async fn a_holder_whose_lock_lapsed_cannot_complete_over_the_next_claimant() {
    let (idem, key) = utility("lapsed-complete-").await;
    let (a, b) = a_lapsed_holder_and_the_next_claimant(&idem, &key).await;
    let lost = a.complete(&"A's result").await;
    assert!(
        matches!(lost, Err(IdempotencyError::ClaimLost)),
        "A must learn that the claim is no longer its own"
    );
    // B still holds the key: a duplicate meets B's claim, not A's result.
    let duplicate = idem.claim::<String>(&key, &"p", deadline()).await;
    assert!(matches!(duplicate, Err(IdempotencyError::InProgress)));
    b.complete(&"B's result").await.unwrap();
    let Claim::Replay(result) = idem.claim::<String>(&key, &"p", deadline()).await.unwrap() else {
        panic!("B's completed record must replay")
    };
    assert_eq!(result, "B's result");
}

#[tokio::test]
async fn a_holder_whose_lock_lapsed_cannot_release_the_next_claimants_claim() {
    let (idem, key) = utility("lapsed-release-").await;
    let (a, b) = a_lapsed_holder_and_the_next_claimant(&idem, &key).await;
    let lost = a.release().await;
    assert!(matches!(lost, Err(IdempotencyError::ClaimLost)));
    let duplicate = idem.claim::<String>(&key, &"p", deadline()).await;
    assert!(
        matches!(duplicate, Err(IdempotencyError::InProgress)),
        "A's release must not have freed B's claim"
    );
    b.release().await.unwrap();
    assert!(matches!(
        idem.claim::<String>(&key, &"p", deadline()).await.unwrap(),
        Claim::Proceed(_)
    ));
}

#[tokio::test]
async fn a_holder_whose_lock_lapsed_unclaimed_still_completes() {
    let (idem, key) = utility("lapsed-alone-").await;
    let lapsed = SystemTime::now() - Duration::from_millis(1);
    let Claim::Proceed(a) = idem.claim::<String>(&key, &"p", lapsed).await.unwrap() else {
        panic!("A's claim must proceed")
    };
    // Nobody took the key over: the claim is still A's, and its result counts.
    a.complete(&"A's result").await.unwrap();
    let Claim::Replay(result) = idem.claim::<String>(&key, &"p", deadline()).await.unwrap() else {
        panic!("A's completed record must replay")
    };
    assert_eq!(result, "A's result");
}

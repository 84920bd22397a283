//! The DynamoDB requests of a reconciler run with N entries owed of each kind, beside finished
//! compositions that owe nothing.

use std::time::Duration;

use integration_tests::dynamo_count::{Counts, counting_backends};
use integration_tests::recordings::{composition, ended_room, own, reconciler_state};
use integration_tests::sid;
use shared::aws::Backends;
use shared::clock::now_unix;
use shared::deadline::Deadline;
use shared::store::compositions::CompositionStatus;

use super::{NAME, PHONE, twilio};

/// What a run owes.
#[derive(Clone, Copy, Debug)]
enum Owed {
    /// Recorded rooms that ended without a composition.
    Compositions,
    /// Available compositions without their SMS.
    Sms,
    /// Compositions unfinished past `COMPOSITION_STUCK_AFTER_SECONDS`.
    Stuck,
}

/// One reconciler run over `n` entries owed as `owed`, beside `finished` compositions that owe
/// nothing, on a fresh table: its requests.
async fn run(owed: Owed, n: usize, finished: usize) -> Counts {
    let twilio = twilio().await;
    let (backends, counter) = counting_backends().await;
    let now = now_unix();
    seed(&backends, owed, n, finished, now).await;
    let reconciler = reconciler_state(&twilio, &backends, &[]);
    let at = match owed {
        Owed::Compositions | Owed::Sms => now + 301,
        Owed::Stuck => now + 7201,
    };
    counter.take();
    let report = reconciler
        .run(at, Deadline::after(Duration::from_secs(120)))
        .await
        .unwrap();
    let counts = counter.take();
    let done = match owed {
        Owed::Compositions => report.composed.len(),
        Owed::Sms => report.notified.len(),
        Owed::Stuck => report.stuck.len(),
    };
    assert_eq!((report.examined, done), (n, n), "{owed:?} {report:?}");
    println!(
        "dynamodb per reconciler run | {owed:?} owed {n:>2}, {finished:>2} finished | {counts}"
    );
    counts
}

async fn seed(backends: &Backends, owed: Owed, n: usize, finished: usize, now: i64) {
    let store = &backends.store;
    for _ in 0..finished {
        let done = Some(CompositionStatus::Failed);
        composition(store, &sid("RM"), &sid("CJ"), NAME, now, done).await;
    }
    for _ in 0..n {
        let room = sid("RM");
        match owed {
            Owed::Compositions => {
                ended_room(store, &room, NAME, &[], now).await;
                store.owe_composition(&room, now).await.unwrap();
            }
            Owed::Sms => {
                own(store, &room, NAME, "alice", Some(PHONE)).await;
                let available = Some(CompositionStatus::Completed);
                composition(store, &room, &sid("CJ"), NAME, now, available).await;
            }
            Owed::Stuck => {
                let processing = Some(CompositionStatus::Processing);
                composition(store, &room, &sid("CJ"), NAME, now, processing).await;
            }
        }
    }
}

#[tokio::test]
async fn a_reconciler_run_reads_one_index_page_and_a_fixed_cost_per_owed_entry_never_per_finished_room()
 {
    let idle = run(Owed::Sms, 0, 40).await;
    assert_eq!(
        (idle.of("Query"), idle.reads(), idle.writes()),
        (1, 1, 0),
        "{idle}"
    );
    for owed in [Owed::Compositions, Owed::Sms, Owed::Stuck] {
        let one = run(owed, 1, 0).await;
        let ten = run(owed, 10, 0).await;
        let fifty = run(owed, 50, 0).await;
        let per_entry = (one.reads() - 1, one.writes());
        for (n, counts) in [(10, &ten), (50, &fifty)] {
            assert_eq!(
                counts.of("Query"),
                1,
                "{owed:?} {n}: one index page: {counts}"
            );
            assert_eq!(
                (counts.reads() - 1, counts.writes()),
                (n * per_entry.0, n * per_entry.1),
                "{owed:?}: every entry costs the same: {counts} vs one: {one}"
            );
        }
        let beside_finished = run(owed, 10, 40).await;
        assert_eq!(
            beside_finished, ten,
            "{owed:?}: finished rooms cost nothing"
        );
    }
}

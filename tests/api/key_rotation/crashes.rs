//! A crash after each step of a run (the run stops there, no clean-up code runs, its claims
//! lapse at its deadline), then Lambda's retry of the same event.

use std::collections::HashSet;

use futures::future::join_all;
use key_rotation::Step;

use super::world::{World, scheduled, sweep};
use super::{LATEST, created, did, revoked};

/// After a crash at `step` and Lambda's retry of the same event: one new key, current; every
/// other key the runs made revoked; the old key alive until its grace, then revoked once.
async fn crash_then_retry(step: Step) {
    let w = World::new().await;
    let t0 = w.now();
    let event = scheduled();
    w.crash_after(step, event.clone()).await;
    let retry = w
        .invoke(event.clone())
        .await
        .unwrap_or_else(|e| panic!("{step:?}: {e}"));
    let current = w.current().await;
    let alive: Vec<String> = created(&w)
        .into_iter()
        .filter(|k| w.fake.alive(k))
        .collect();
    assert_eq!(
        alive,
        vec![current.key_sid().to_string()],
        "{step:?}: {retry:?}"
    );
    let orphans: HashSet<String> = created(&w)
        .into_iter()
        .filter(|k| !alive.contains(k))
        .collect();
    assert_eq!(
        revoked(&w).into_iter().collect::<HashSet<_>>(),
        orphans,
        "{step:?}"
    );
    assert_eq!(
        revoked(&w).len(),
        orphans.len(),
        "{step:?}: each revoked once"
    );
    assert!(
        w.fake.alive(&w.first_key),
        "{step:?}: the old key is not revoked early"
    );
    assert_eq!(current.retired()[0].sid, w.first_key, "{step:?}");
    assert_eq!(w.stages().await.pending, None, "{step:?}");
    let again = w.invoke(event).await.unwrap();
    assert!(
        again.already_rotated && !again.rotated,
        "{step:?}: {again:?}"
    );
    assert_eq!(created(&w).len(), orphans.len() + 1, "{step:?}");
    w.set_time(t0 + 120 + LATEST);
    w.invoke(sweep()).await.unwrap();
    let old: Vec<String> = revoked(&w)
        .into_iter()
        .filter(|k| *k == w.first_key)
        .collect();
    assert_eq!(old.len(), 1, "{step:?}");
}

#[tokio::test]
async fn a_crash_after_any_step_is_finished_by_the_next_run_with_one_new_key() {
    let steps = [
        Step::Locked,
        Step::KeyCreated,
        Step::KeyChecked,
        Step::Staged,
        Step::Promoted,
        Step::Unstaged,
        Step::Recorded,
    ];
    join_all(steps.into_iter().map(crash_then_retry)).await;
}

#[tokio::test]
async fn a_crash_after_a_revocation_never_revokes_twice() {
    let w = World::new().await;
    let t0 = w.now();
    w.invoke(scheduled()).await.unwrap();
    w.set_time(t0 + LATEST);
    w.crash_after(Step::Revoked, sweep()).await;
    let report = w.invoke(sweep()).await.unwrap();
    assert_eq!(revoked(&w), vec![w.first_key.clone()]);
    assert_eq!(w.fake.books(|b| b.deletes_of_gone_keys), 0);
    assert!(
        did(&report, "clear_previous_label", &w.first_key),
        "{report:?}"
    );
}

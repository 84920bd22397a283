//! The key rotation function through its Lambda entry point, against moto (Secrets Manager with
//! staging labels, DynamoDB) and a stateful fake Twilio, over simulated time: a full rotation
//! and revocation, a crash after each step, duplicates, Twilio failing, two rotations before a
//! revocation, dry runs, and step-up proofs across rotations.

mod crashes;
pub(crate) mod fake_twilio;
mod proofs;
pub(crate) mod world;

use integration_tests::{event, sid};
use key_rotation::{REVOCATION_MARGIN, Report, RotationError};
use secrecy::ExposeSecret;
use serde_json::Value;
use shared::store::audit::{AuditCursor, AuditLog};
use world::{World, scheduled, sweep};

/// API.md's rule: a retired key may be needed this long after its demotion.
pub(crate) const RULE: i64 = 3600 + 300;
/// By then every run revokes it: the rule, the margin, and the invocation's 30 s budget.
pub(crate) const LATEST: i64 = RULE + REVOCATION_MARGIN.as_secs() as i64 + 32;

pub(crate) fn did(report: &Report, action: &str, sid: &str) -> bool {
    report
        .actions
        .iter()
        .any(|a| a.action == action && a.key_sid.as_deref() == Some(sid))
}

/// The audit entries (action, outcome) of key rotation for `key`.
async fn audit_of(key: &str) -> Vec<(String, String)> {
    let log = integration_tests::dynamo().await;
    let mut out = Vec::new();
    let mut after: Option<AuditCursor> = None;
    loop {
        let page = log
            .list("~system", None, 100, after.as_ref())
            .await
            .unwrap();
        for e in &page.entries {
            if e.key_sid.as_deref() == Some(key) {
                out.push((
                    e.action.as_str().to_string(),
                    e.outcome.as_str().to_string(),
                ));
            }
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    out.sort();
    out
}

pub(crate) fn created(w: &World) -> Vec<String> {
    w.fake
        .books(|b| b.created.iter().map(|k| k.sid.clone()).collect())
}

pub(crate) fn revoked(w: &World) -> Vec<String> {
    w.fake.books(|b| b.revoked.clone())
}

#[tokio::test]
async fn a_rotation_makes_a_checked_key_current_and_revokes_the_old_one_once_its_grace_has_passed()
{
    let w = World::new().await;
    let foreign = sid("SK");
    w.fake.add(
        &foreign,
        "key-rotation 00000000 another-secrets-rotation",
        "x",
    );
    let t0 = w.now();
    let event = scheduled();
    let report = w.invoke(event.clone()).await.unwrap();
    assert!(report.rotated && !report.already_rotated, "{report:?}");

    let made = w.fake.books(|b| b.created.clone());
    assert_eq!(made.len(), 1);
    let new = &made[0];
    assert!(new.name.starts_with("key-rotation "), "{}", new.name);
    assert!(new.name.ends_with(event["id"].as_str().unwrap()));
    let current = w.current().await;
    assert_eq!(report.current_key_sid, new.sid);
    assert_eq!(current.key_sid(), new.sid);
    assert_eq!(
        current.credentials().api_key_secret.expose_secret(),
        new.secret
    );
    assert_eq!(current.rotated_by(), event["id"].as_str());
    let [retired] = current.retired() else {
        panic!("{current:?}")
    };
    assert_eq!(retired.sid, w.first_key);
    assert!((t0..=t0 + 31).contains(&retired.demoted_at));
    // The field rotation does not know is kept.
    let raw = w.current_document().await;
    assert_eq!(raw["owner"], "video-team");
    let stages = w.stages().await;
    assert_eq!(stages.pending, None);
    let previous = stages.previous.expect("the old version is AWSPREVIOUS");
    assert_eq!(w.version(&previous).await.key_sid(), w.first_key);

    // Just before the rule allows it, the old key is alive: tokens it signed may be too.
    w.set_time(t0 + RULE - 1);
    let early = w.invoke(sweep()).await.unwrap();
    assert!(w.fake.alive(&w.first_key));
    assert!(!early.rotated && early.awaiting_revocation[0].key_sid == w.first_key);
    assert!(early.awaiting_revocation[0].due_at >= t0 + RULE);

    w.set_time(t0 + LATEST);
    let due = w.invoke(sweep()).await.unwrap();
    assert!(did(&due, "revoke_api_key", &w.first_key), "{due:?}");
    assert!(did(&due, "clear_previous_label", &w.first_key), "{due:?}");
    assert!(!w.fake.alive(&w.first_key));
    w.set_time(t0 + LATEST + 7200);
    w.invoke(sweep()).await.unwrap();
    assert_eq!(revoked(&w), vec![w.first_key.clone()]);
    assert_eq!(w.fake.books(|b| b.deletes_of_gone_keys), 0);
    assert_eq!(w.stages().await.previous, None);

    assert!(w.fake.alive(&new.sid) && w.fake.alive(&foreign));
    assert_eq!(w.fake.books(|b| b.unexpected.clone()), Vec::<String>::new());
    let trail = |a: &str, o: &str| (a.to_string(), o.to_string());
    assert_eq!(
        audit_of(&new.sid).await,
        vec![
            trail("create_api_key", "allowed"),
            trail("promote_api_key", "allowed")
        ]
    );
    assert_eq!(
        audit_of(&w.first_key).await,
        vec![trail("revoke_api_key", "allowed")]
    );
}

#[tokio::test]
async fn the_same_event_twice_creates_one_key() {
    let w = World::new().await;
    let event = scheduled();
    let first = w.invoke(event.clone()).await.unwrap();
    let second = w.invoke(event.clone()).await.unwrap();
    assert!(first.rotated);
    assert!(!second.rotated && second.already_rotated, "{second:?}");
    assert!(!second.actions.iter().any(|a| a.action == "create_api_key"));
    assert_eq!(created(&w).len(), 1);
    // Two deliveries at once: one rotates; the other waits its turn (an error Lambda retries)
    // or finds the rotation done. Never a second key.
    let (state_a, state_b) = (w.state().await, w.state().await);
    let both = scheduled();
    let (a, b) = tokio::join!(
        w.invoke_on(&state_a, both.clone()),
        w.invoke_on(&state_b, both)
    );
    let rotated = [&a, &b]
        .iter()
        .filter(|r| r.as_ref().is_ok_and(|r| r.rotated))
        .count();
    assert_eq!(rotated, 1, "{a:?} {b:?}");
    for r in [&a, &b] {
        assert!(matches!(r, Ok(_) | Err(RotationError::Busy)), "{r:?}");
    }
    assert_eq!(created(&w).len(), 2);
}

#[tokio::test]
async fn when_the_keys_api_fails_the_run_fails_with_nothing_half_done_and_the_retry_completes() {
    let w = World::new().await;
    let before = w.labels().await;
    w.fake.books(|b| b.failing_creates = 1);
    let event = scheduled();
    let err = w.invoke(event.clone()).await.unwrap_err();
    assert!(matches!(err, RotationError::Twilio(_)), "{err}");
    assert_eq!(w.labels().await, before);
    assert!(created(&w).is_empty());
    assert_eq!(w.current().await.key_sid(), w.first_key);
    // Lambda's retry, at once: the failed run left neither lock nor claim behind.
    let retry = w.invoke(event).await.unwrap();
    assert!(retry.rotated);
    assert_eq!(created(&w).len(), 1);
}

#[tokio::test]
async fn a_new_key_that_does_not_authenticate_is_revoked_and_never_stored() {
    let w = World::new().await;
    let before = w.labels().await;
    w.fake.books(|b| b.reject_video = true);
    let event = scheduled();
    let err = w.invoke(event.clone()).await.unwrap_err();
    assert!(matches!(err, RotationError::Unusable(_)), "{err}");
    assert_eq!(revoked(&w), created(&w));
    assert_eq!(w.labels().await, before);
    w.fake.books(|b| b.reject_video = false);
    assert!(w.invoke(event).await.unwrap().rotated);
}

#[tokio::test]
async fn a_second_rotation_before_the_first_retired_key_is_revoked_keeps_track_of_both() {
    let w = World::new().await;
    let t0 = w.now();
    w.invoke(scheduled()).await.unwrap();
    let k1 = w.current().await.key_sid().to_string();
    w.set_time(t0 + 600);
    w.invoke(scheduled()).await.unwrap();
    let current = w.current().await;
    let retired: Vec<&str> = current.retired().iter().map(|r| r.sid.as_str()).collect();
    assert_eq!(retired, vec![w.first_key.as_str(), k1.as_str()]);
    w.set_time(t0 + LATEST);
    let first_due = w.invoke(sweep()).await.unwrap();
    assert_eq!(revoked(&w), vec![w.first_key.clone()]);
    assert_eq!(first_due.awaiting_revocation[0].key_sid, k1);
    w.set_time(t0 + 600 + LATEST);
    w.invoke(sweep()).await.unwrap();
    assert_eq!(revoked(&w), vec![w.first_key.clone(), k1.clone()]);
    // A third rotation lists only the keys still alive.
    w.invoke(scheduled()).await.unwrap();
    let retired: Vec<String> = w
        .current()
        .await
        .retired()
        .iter()
        .map(|r| r.sid.clone())
        .collect();
    assert_eq!(retired, vec![current.key_sid().to_string()]);
}

/// What a dry run must leave untouched.
async fn snapshot(w: &World) -> (Vec<(String, Vec<String>)>, Vec<String>, usize, usize) {
    let keys = w.fake.books(|b| b.keys.keys().cloned().collect());
    (w.labels().await, keys, created(w).len(), revoked(w).len())
}

#[tokio::test]
async fn a_dry_run_reports_what_a_run_would_do_and_changes_nothing() {
    let w = World::new().await;
    let before = snapshot(&w).await;
    let plan = w.invoke(event("key-rotation-dry-run")).await.unwrap();
    assert!(plan.dry_run && !plan.rotated);
    let actions: Vec<&str> = plan.actions.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, vec!["create_api_key", "promote_api_key"]);
    assert_eq!(snapshot(&w).await, before);

    let t0 = w.now();
    w.invoke(scheduled()).await.unwrap();
    w.set_time(t0 + LATEST);
    let before = snapshot(&w).await;
    let plan = w
        .invoke(event("key-rotation-scheduler-dry-run"))
        .await
        .unwrap();
    assert!(plan.dry_run);
    assert!(did(&plan, "revoke_api_key", &w.first_key), "{plan:?}");
    assert!(plan.actions.iter().any(|a| a.action == "create_api_key"));
    assert_eq!(snapshot(&w).await, before);
    assert!(w.fake.alive(&w.first_key));
}

#[test]
fn the_templates_schedules_send_the_events_of_events() {
    let path = integration_tests::events_dir().join("../template.yaml");
    let template: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let events = &template["Resources"]["KeyRotationFunction"]["Properties"]["Events"];
    let input = events["RevocationSweep"]["Properties"]["Input"]
        .as_str()
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(input).unwrap(),
        event("key-rotation-sweep")
    );
    // The rotation schedule sends EventBridge's own scheduled event, as in the fixture.
    assert!(events["Rotate"]["Properties"].get("Input").is_none());
    assert_eq!(
        event("key-rotation-schedule")["detail"],
        serde_json::json!({})
    );
}

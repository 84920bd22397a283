//! Key rotation's outbound Twilio calls, each under each fault: listing keys (the orphan sweep),
//! creating the new key, checking that it authenticates, and revoking a retired key. A faulted
//! run fails the invocation (so Lambda retries it) with nothing half done; the retry, Twilio
//! back, completes it: one new key current, any key the failed run made revoked, the retired
//! key revoked once.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use integration_tests::ACCOUNT_SID;
use integration_tests::faults::{FaultProxy, Match};
use key_rotation::{Report, RotationError};
use lambda_runtime::{Context, LambdaEvent};
use serde_json::Value;

use super::ALL;
use crate::key_rotation::world::{World, scheduled, sweep};
use crate::key_rotation::{LATEST, created, revoked};

/// Puts a fault proxy between the world's functions and its fake Twilio.
async fn proxied(w: &mut World) -> FaultProxy {
    let upstream = w
        .config
        .api_base_url
        .as_str()
        .trim_end_matches('/')
        .to_string();
    let proxy = FaultProxy::start(&upstream).await;
    let url: url::Url = proxy.uri().parse().unwrap();
    w.config.api_base_url = url.clone();
    w.config.video_base_url = url;
    proxy
}

/// One invocation under a Twilio fault: a short deadline, so that a held answer ends it soon.
async fn faulted(w: &World, event: Value) -> Result<Report, RotationError> {
    invoke(w, event, Duration::from_secs(6)).await
}

/// One invocation with Twilio back: the deadline of the function in `template.yaml` (60 s).
async fn healed(w: &World, event: Value) -> Result<Report, RotationError> {
    invoke(w, event, Duration::from_secs(60)).await
}

async fn invoke(w: &World, event: Value, budget: Duration) -> Result<Report, RotationError> {
    let mut ctx = Context::default();
    ctx.request_id = uuid::Uuid::new_v4().to_string();
    let deadline = SystemTime::now() + budget;
    ctx.deadline = deadline.duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
    let answer = key_rotation::handle(&w.state().await, LambdaEvent::new(event, ctx)).await?;
    Ok(serde_json::from_value(answer).expect("a report"))
}

#[tokio::test]
async fn a_rotation_under_each_twilio_fault_fails_whole_and_its_retry_rotates_once() {
    let keys = format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Keys.json");
    for (call, on) in [
        ("list keys", Match::request("GET", &keys)),
        ("create key", Match::request("POST", &keys)),
        ("check key", Match::request("GET", "/v1/Rooms")),
    ] {
        for fault in ALL {
            let what = format!("{call} under {fault:?}");
            let mut w = World::new().await;
            let proxy = proxied(&mut w).await;
            proxy.fail(on.clone(), fault.fault());
            let event = scheduled();
            let failed = faulted(&w, event.clone()).await;
            assert!(failed.is_err(), "{what}: the invocation fails: {failed:?}");
            assert_eq!(w.current().await.key_sid(), w.first_key, "{what}");
            proxy.heal();
            let retry = healed(&w, event).await.unwrap();
            assert!(retry.rotated, "{what}: {retry:?}");
            let made = created(&w);
            let current = w.current().await.key_sid().to_string();
            assert_eq!(made.last(), Some(&current), "{what}");
            let alive: Vec<&String> = made.iter().filter(|k| w.fake.alive(k)).collect();
            assert_eq!(alive, [&current], "{what}: keys of the failed run revoked");
            assert!(
                w.fake.alive(&w.first_key),
                "{what}: retired, not yet revoked"
            );
        }
    }
}

#[tokio::test]
async fn a_revocation_under_each_twilio_fault_is_retried_by_the_next_sweep_and_done_once() {
    for fault in ALL {
        let what = format!("revoke key under {fault:?}");
        let mut w = World::new().await;
        let proxy = proxied(&mut w).await;
        let t0 = w.now();
        assert!(healed(&w, scheduled()).await.unwrap().rotated, "{what}");
        w.set_time(t0 + LATEST);
        let on = Match::prefix(
            "DELETE",
            &format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Keys/"),
        );
        proxy.fail(on, fault.fault());
        let _ = faulted(&w, sweep()).await;
        assert!(w.fake.alive(&w.first_key), "{what}");
        proxy.heal();
        w.set_time(t0 + LATEST + 3600);
        healed(&w, sweep()).await.unwrap();
        w.set_time(t0 + LATEST + 7200);
        healed(&w, sweep()).await.unwrap();
        assert_eq!(revoked(&w), [w.first_key.clone()], "{what}");
        assert!(!w.fake.alive(&w.first_key), "{what}");
    }
}

//! Floods of duplicate composition callbacks through the composition function's Lambda entry
//! point, against moto (a table of the test's own) and a wiremock Twilio: 100 concurrent
//! deliveries of each event are each answered 200 and processed once; the composition ends up
//! with one record and its owner with one SMS; `composition-hook-failed` is claimed once like
//! the other events (it used to be handled, logged and counted once per delivery).

use std::time::Duration;

use integration_tests::recordings::{
    composition_params, composition_state, composition_status, isolated_backends, message_created,
    messages, own,
};
use integration_tests::webhook::{body, invoke, status};
use integration_tests::{ACCOUNT_SID, sid, unique};
use serde_json::Value;
use shared::store::compositions::{CompositionStatus, SmsState};
use wiremock::MockServer;

const NAME: &str = "acme:class:9f3c2b1a";

/// Delivers `event` `n` times at once; the answers' statuses, each call answered 200.
async fn flood(state: &composition::State, event: &Value, n: usize) -> Vec<String> {
    let deliveries = (0..n).map(|_| invoke(state, event.clone(), None));
    let answers = futures::future::join_all(deliveries).await;
    answers
        .iter()
        .map(|a| {
            assert_eq!(
                status(a),
                200,
                "every signed duplicate is answered 2xx: {a}"
            );
            body(a)["status"].as_str().unwrap_or_default().to_string()
        })
        .collect()
}

fn processed(statuses: &[String]) -> usize {
    statuses.iter().filter(|s| *s == "processed").count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_duplicates_of_each_composition_event_are_processed_once_with_one_sms() {
    let twilio = MockServer::start().await;
    messages()
        .respond_with(message_created(&sid("SM")).set_delay(Duration::from_millis(200)))
        .expect(1)
        .mount(&twilio)
        .await;
    let backends = isolated_backends().await;
    let (room, cj) = (sid("RM"), sid("CJ"));
    own(&backends.store, &room, NAME, "alice", Some("+14155550100")).await;
    let state = composition_state(&twilio, &backends, &[]);
    let events = [
        ("composition-enqueued", "2026-11-26T02:00:00.000Z", vec![]),
        ("composition-started", "2026-11-26T02:00:01.000Z", vec![]),
        (
            "composition-progress",
            "2026-11-26T02:00:02.000Z",
            vec![("PercentageDone", "50"), ("SecondsRemaining", "9")],
        ),
        (
            "composition-available",
            "2026-11-26T02:00:03.000Z",
            vec![("Size", "2048"), ("Duration", "60")],
        ),
    ];
    for (event, timestamp, extra) in events {
        let params = composition_params(&room, &cj, event, timestamp, &extra);
        let delivery = composition_status(&params, Some(&unique("tok-")));
        let statuses = flood(&state, &delivery, 100).await;
        assert_eq!(processed(&statuses), 1, "{event}: {statuses:?}");
    }
    let record = backends.store.composition(&room).await.unwrap().unwrap();
    assert_eq!(record.status, CompositionStatus::Completed);
    assert!(matches!(record.sms, Some(SmsState::Sent(_))), "{record:?}");

    let (failed_room, failed_cj) = (sid("RM"), sid("CJ"));
    let failed = composition_params(
        &failed_room,
        &failed_cj,
        "composition-failed",
        "2026-11-26T02:05:00.000Z",
        &[("FailedOperation", "compose"), ("ErrorMessage", "No media")],
    );
    let statuses = flood(&state, &composition_status(&failed, None), 100).await;
    assert_eq!(processed(&statuses), 1, "{statuses:?}");
    // `.expect(1)` on Messages is checked when the server drops.
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_duplicate_composition_hook_failed_callbacks_are_handled_once() {
    let twilio = MockServer::start().await;
    let backends = isolated_backends().await;
    let state = composition_state(&twilio, &backends, &[]);
    let (room, hook) = (sid("RM"), sid("HK"));
    let params = [
        ("AccountSid", ACCOUNT_SID),
        ("CompositionHookSid", hook.as_str()),
        ("RoomSid", room.as_str()),
        ("StatusCallbackEvent", "composition-hook-failed"),
        ("Timestamp", "2026-11-26T02:00:00.000Z"),
        ("FailedOperation", "compose"),
        ("ErrorMessage", "No media to compose"),
    ];
    // Redeliveries of one delivery carry its token; without a token, the fields identify it.
    for token in [Some(unique("tok-")), None] {
        let delivery = composition_status(&params, token.as_deref());
        let statuses = flood(&state, &delivery, 100).await;
        assert_eq!(processed(&statuses), 1, "token {token:?}: {statuses:?}");
        assert!(
            statuses
                .iter()
                .all(|s| ["processed", "duplicate", "in_progress"].contains(&s.as_str())),
            "{statuses:?}"
        );
    }
    // Another hook's failure is another callback.
    let other = sid("HK");
    let mut params = params;
    params[1] = ("CompositionHookSid", other.as_str());
    let answer = invoke(&state, composition_status(&params, None), None).await;
    assert_eq!(body(&answer)["status"], "processed");
    assert!(backends.store.composition(&room).await.unwrap().is_none());
    assert!(twilio.received_requests().await.unwrap().is_empty());
}

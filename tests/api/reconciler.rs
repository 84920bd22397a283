//! The reconciler against moto (a table of each test's own) and a wiremock Twilio, with the
//! callbacks it backs up: work that Twilio's failures left undone is finished once, a callback
//! and a run that race do each side effect once, a number that cannot receive texts is never
//! tried again, stuck compositions are reported once each, and a run reads only owed work.

use std::time::Duration;

use integration_tests::recordings::{
    available_params, composition, composition_json, composition_state, composition_status,
    isolated_backends, message_created, messages, mount_no_compositions, own, reconciler_state,
    room_composition, webhook_state,
};
use integration_tests::rooms::twilio_error;
use integration_tests::webhook::{body, invoke, room_params, room_status, status};
use integration_tests::{event, sid, unique};
use lambda_runtime::{Context, LambdaEvent};
use serde_json::json;
use shared::clock::now_unix;
use shared::deadline::Deadline;
use shared::store::compositions::{CompositionStatus, SmsState};
use shared::store::due::DueKind;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

const NAME: &str = "acme:class:9f3c2b1a";
const PHONE: &str = "+14155550100";

fn budget() -> Deadline {
    Deadline::after(Duration::from_secs(20))
}

fn composition_created(cj: &str, room: &str) -> ResponseTemplate {
    ResponseTemplate::new(201).set_body_json(composition_json(cj, room, "enqueued"))
}

/// Signed recording-started then room-ended callbacks of a fresh room; returns its SID.
async fn end_recorded_room(
    state: &webhook::State,
    budget: Option<Duration>,
) -> (String, serde_json::Value) {
    let room = sid("RM");
    let started = room_status(
        &room_params(&room, "recording-started", "3", &[]),
        Some(&unique("tok-")),
    );
    assert_eq!(status(&invoke(state, started, None).await), 200);
    let ended = room_status(
        &room_params(&room, "room-ended", "9", &[("RoomDuration", "60")]),
        Some(&unique("tok-")),
    );
    let response = invoke(state, ended, budget).await;
    (room, response)
}

#[tokio::test]
async fn compositions_failing_at_room_ended_are_created_once_by_the_reconciler() {
    let twilio = MockServer::start().await;
    let backends = isolated_backends().await;
    let webhook = webhook_state(&twilio, &backends, &[]);
    let reconciler = reconciler_state(&twilio, &backends, &[]);
    let failing = Mock::given(method("POST"))
        .and(path("/v1/Compositions"))
        .respond_with(twilio_error(500, 20500, "Internal Server Error"))
        .expect(1..)
        .mount_as_scoped(&twilio)
        .await;
    let list = Mock::given(method("GET"))
        .and(path("/v1/Compositions"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"compositions": [], "meta": {}})),
        )
        .mount_as_scoped(&twilio)
        .await;
    let (room, response) = end_recorded_room(&webhook, Some(Duration::from_millis(1500))).await;
    assert_eq!(
        status(&response),
        200,
        "Twilio's failure is not the callback's: {response}"
    );
    assert!(room_composition(&backends.store, &room).await.is_none());
    let early = reconciler.run(now_unix(), budget()).await.unwrap();
    assert_eq!(early.examined, 0, "not due before RECONCILE_AFTER_SECONDS");
    drop((failing, list));

    mount_no_compositions(&twilio, &room).await;
    let cj = sid("CJ");
    Mock::given(method("POST"))
        .and(path("/v1/Compositions"))
        .respond_with(composition_created(&cj, &room))
        .expect(1)
        .mount(&twilio)
        .await;
    let later = now_unix() + 301;
    let report = reconciler.run(later, budget()).await.unwrap();
    assert_eq!(report.composed, std::slice::from_ref(&room), "{report:?}");
    let record = backends.store.room_record(&room).await.unwrap().unwrap();
    assert_eq!(record.composition_sid.as_deref(), Some(cj.as_str()));
    assert_eq!(
        backends
            .store
            .latest_recording(NAME)
            .await
            .unwrap()
            .as_deref(),
        Some(room.as_str())
    );
    let kept = backends.store.composition(&room).await.unwrap().unwrap();
    assert_eq!(
        (kept.status, kept.due_at.is_some()),
        (CompositionStatus::Enqueued, true)
    );
    let again = reconciler.run(later + 1, budget()).await.unwrap();
    assert!(
        again.composed.is_empty() && again.examined == 0,
        "{again:?}"
    );
}

#[tokio::test]
async fn messages_failing_then_the_reconciler_sends_one_sms() {
    let twilio = MockServer::start().await;
    let backends = isolated_backends().await;
    let (room, cj) = (sid("RM"), sid("CJ"));
    own(&backends.store, &room, NAME, "alice", Some(PHONE)).await;
    let callbacks = composition_state(&twilio, &backends, &[]);
    let reconciler = reconciler_state(&twilio, &backends, &[]);
    let failing = messages()
        .respond_with(twilio_error(503, 20503, "Service Unavailable"))
        .expect(1..)
        .mount_as_scoped(&twilio)
        .await;
    let params = available_params(&room, &cj);
    let response = invoke(
        &callbacks,
        composition_status(&params, None),
        Some(Duration::from_secs(2)),
    )
    .await;
    assert_eq!(status(&response), 200, "{response}");
    let owed = backends.store.composition(&room).await.unwrap().unwrap();
    assert_eq!(
        (owed.sms.clone(), owed.sms_attempts),
        (Some(SmsState::Owed), 1)
    );
    drop(failing);

    messages()
        .respond_with(message_created("SM0123456789abcdef0123456789abcdef"))
        .expect(1)
        .mount(&twilio)
        .await;
    let later = now_unix() + 301;
    let report = reconciler.run(later, budget()).await.unwrap();
    assert_eq!(report.notified, std::slice::from_ref(&cj), "{report:?}");
    let sent = backends.store.composition(&room).await.unwrap().unwrap();
    assert_eq!(
        sent.sms,
        Some(SmsState::Sent("SM0123456789abcdef0123456789abcdef".into()))
    );
    assert_eq!(sent.due_at, None);
    assert_eq!(
        reconciler
            .run(later + 600, budget())
            .await
            .unwrap()
            .examined,
        0
    );
    let redelivered = invoke(&callbacks, composition_status(&params, None), None).await;
    assert_eq!(body(&redelivered)["status"], "duplicate");
}

#[tokio::test]
async fn a_number_that_replied_stop_is_recorded_and_never_tried_again() {
    let twilio = MockServer::start().await;
    let backends = isolated_backends().await;
    let (room, cj) = (sid("RM"), sid("CJ"));
    own(&backends.store, &room, NAME, "alice", Some(PHONE)).await;
    messages()
        .respond_with(twilio_error(
            400,
            21610,
            "Attempt to send to unsubscribed recipient",
        ))
        .expect(1)
        .mount(&twilio)
        .await;
    let callbacks = composition_state(&twilio, &backends, &[]);
    let params = available_params(&room, &cj);
    assert_eq!(
        status(&invoke(&callbacks, composition_status(&params, Some("t1")), None).await),
        200
    );
    let record = backends.store.composition(&room).await.unwrap().unwrap();
    assert_eq!(record.sms, Some(SmsState::Undeliverable(21610)));
    assert_eq!(record.due_at, None, "not owed any more");
    let reconciler = reconciler_state(&twilio, &backends, &[]);
    let report = reconciler
        .run(now_unix() + 100_000, budget())
        .await
        .unwrap();
    assert!(
        report.notified.is_empty() && report.examined == 0,
        "{report:?}"
    );
    // Another delivery of the event, under another token: stale, and no second send.
    let other = invoke(&callbacks, composition_status(&params, Some("t2")), None).await;
    assert_eq!(body(&other)["status"], "stale");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_callback_and_reconciler_runs_that_race_do_each_side_effect_once() {
    let twilio = MockServer::start().await;
    let backends = isolated_backends().await;
    // Everything owed is due at once, so every run meets the callbacks' work in flight.
    let now_due = [("RECONCILE_AFTER_SECONDS", "0")];
    let webhook = webhook_state(&twilio, &backends, &now_due);
    let callbacks = composition_state(&twilio, &backends, &now_due);
    let reconciler = reconciler_state(&twilio, &backends, &now_due);
    let (room, cj) = (sid("RM"), sid("CJ"));
    own(&backends.store, &room, NAME, "alice", Some(PHONE)).await;
    mount_no_compositions(&twilio, &room).await;
    Mock::given(method("POST"))
        .and(path("/v1/Compositions"))
        .respond_with(composition_created(&cj, &room).set_delay(Duration::from_millis(400)))
        .expect(1)
        .mount(&twilio)
        .await;
    messages()
        .respond_with(message_created(&sid("SM")).set_delay(Duration::from_millis(400)))
        .expect(1)
        .mount(&twilio)
        .await;
    let runs = || async {
        let reconciler = &reconciler;
        let staggered = (0..4u64).map(|i| async move {
            tokio::time::sleep(Duration::from_millis(120 * i)).await;
            reconciler.run(now_unix(), budget()).await.unwrap()
        });
        futures::future::join_all(staggered).await
    };

    let started = room_status(&room_params(&room, "recording-started", "3", &[]), None);
    assert_eq!(status(&invoke(&webhook, started, None).await), 200);
    let ended = room_status(&room_params(&room, "room-ended", "9", &[]), None);
    let (callback, reports) = tokio::join!(invoke(&webhook, ended, None), runs());
    assert_eq!(status(&callback), 200, "{callback}");
    let composed: usize = reports.iter().map(|r| r.composed.len()).sum();
    assert!(composed <= 4, "{reports:?}");
    assert_eq!(
        room_composition(&backends.store, &room).await.as_deref(),
        Some(cj.as_str())
    );

    let available = available_params(&room, &cj);
    let (callback, reports) = tokio::join!(
        invoke(&callbacks, composition_status(&available, None), None),
        runs()
    );
    assert_eq!(status(&callback), 200, "{callback}");
    let record = backends.store.composition(&room).await.unwrap().unwrap();
    assert!(
        matches!(record.sms, Some(SmsState::Sent(_))),
        "{record:?} {reports:?}"
    );
    let after = reconciler.run(now_unix(), budget()).await.unwrap();
    assert_eq!(after.examined, 0, "{after:?}");
    // One composition POST and one message, whoever won: checked as the server drops.
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stuck_compositions_are_reported_exactly_once_each_and_finished_ones_applied() {
    let twilio = MockServer::start().await;
    let backends = isolated_backends().await;
    let now = now_unix();
    let stuck: Vec<(String, String)> = (0..3).map(|_| (sid("RM"), sid("CJ"))).collect();
    for (room, cj) in &stuck {
        composition(
            &backends.store,
            room,
            cj,
            NAME,
            now,
            Some(CompositionStatus::Processing),
        )
        .await;
    }
    Mock::given(method("GET"))
        .and(path_regex(r"^/v1/Compositions/CJ[0-9a-f]{32}$"))
        .respond_with(|req: &wiremock::Request| {
            let sid = req.url.path().rsplit('/').next().unwrap_or("").to_string();
            ResponseTemplate::new(200).set_body_json(composition_json(&sid, "RM", "processing"))
        })
        .mount(&twilio)
        .await;
    // One Twilio finished long ago while its callback was lost: applied, and its SMS sent.
    let (done_room, done_cj) = (sid("RM"), sid("CJ"));
    composition(&backends.store, &done_room, &done_cj, NAME, now, None).await;
    own(&backends.store, &done_room, NAME, "alice", Some(PHONE)).await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/Compositions/{done_cj}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(composition_json(
            &done_cj,
            &done_room,
            "completed",
        )))
        .with_priority(1)
        .mount(&twilio)
        .await;
    messages()
        .respond_with(message_created(&sid("SM")))
        .expect(1)
        .mount(&twilio)
        .await;
    let reconciler = reconciler_state(&twilio, &backends, &[]);

    let before = reconciler.run(now + 7199, budget()).await.unwrap();
    assert_eq!(before.examined, 0, "not stuck yet: {before:?}");
    let at = now + 7201;
    let (a, b) = tokio::join!(reconciler.run(at, budget()), reconciler.run(at, budget()));
    let (a, b) = (a.unwrap(), b.unwrap());
    let mut reported: Vec<String> = a.stuck.iter().chain(&b.stuck).cloned().collect();
    reported.sort();
    let mut expected: Vec<String> = stuck.iter().map(|(_, cj)| cj.clone()).collect();
    expected.sort();
    assert_eq!(reported, expected, "each once: {a:?} {b:?}");
    let applied: Vec<_> = a.applied.iter().chain(&b.applied).collect();
    assert_eq!(applied, [&done_cj]);
    let done = backends
        .store
        .composition(&done_room)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (done.status, done.size),
        (CompositionStatus::Completed, Some(1024))
    );
    assert!(matches!(done.sms, Some(SmsState::Sent(_))));

    // Looked at again a stuck interval later, never reported again.
    let again = reconciler.run(at + 7201, budget()).await.unwrap();
    assert_eq!((again.examined, again.stuck.len()), (3, 0), "{again:?}");
}

#[tokio::test]
async fn a_run_reads_only_owed_work_however_many_rooms_finished() {
    let twilio = MockServer::start().await;
    let backends = isolated_backends().await;
    let now = now_unix();
    // Forty finished compositions: failed, so they owe nothing.
    for _ in 0..40 {
        composition(
            &backends.store,
            &sid("RM"),
            &sid("CJ"),
            NAME,
            now,
            Some(CompositionStatus::Failed),
        )
        .await;
    }
    let owed = sid("RM");
    backends.store.owe_composition(&owed, now).await.unwrap();
    let page = backends.store.due(now + 10, 100, None).await.unwrap();
    assert_eq!(page.entries.len(), 1);
    assert_eq!(
        (page.entries[0].kind, page.entries[0].room_sid.as_str()),
        (DueKind::Composition, owed.as_str())
    );
    let reconciler = reconciler_state(&twilio, &backends, &[]);
    let report = reconciler.run(now + 10, budget()).await.unwrap();
    // A room that owes nothing after all (no record of it): settled, no Twilio call.
    assert_eq!((report.examined, report.skipped), (1, 1), "{report:?}");
    assert!(
        backends
            .store
            .due(now + 10, 100, None)
            .await
            .unwrap()
            .entries
            .is_empty()
    );
    assert!(twilio.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_scheduled_event_file_runs_the_reconciler_through_its_handler() {
    let twilio = MockServer::start().await;
    let backends = isolated_backends().await;
    let reconciler = reconciler_state(&twilio, &backends, &[]);
    let report = reconciler::handle(
        &reconciler,
        LambdaEvent::new(event("reconciler-scheduled"), Context::default()),
    )
    .await
    .unwrap();
    assert_eq!(report, reconciler::Report::default());
}

#[tokio::test]
async fn the_reconciler_refuses_to_start_without_its_configuration() {
    let backends = integration_tests::backends().await;
    for var in ["TWILIO_MESSAGING_SERVICE_SID", "PUBLIC_BASE_URL"] {
        let config = integration_tests::config(&[(var, "")]);
        let err = reconciler::State::new(&config, &backends)
            .err()
            .expect("refused");
        assert_eq!(err.var, var);
    }
}

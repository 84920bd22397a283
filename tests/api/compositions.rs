//! POST /twilio/composition-status through the composition function's Lambda entry point,
//! against moto's DynamoDB (a table of each test's own) and a wiremock Twilio: the
//! `events/composition-*` fixtures (signed by Twilio's own helper library), Twilio's order of
//! events, rejected callbacks, and the recording-ready SMS sent once.

use std::collections::HashMap;
use std::time::Duration;

use integration_tests::recordings::{
    available_params, composition_params, composition_state, composition_status, isolated_backends,
    message_created, messages, own,
};
use integration_tests::rooms::form;
use integration_tests::webhook::{body, deliver_at_once, invoke, status};
use integration_tests::{MESSAGING_SERVICE_SID, config, event, sid, unique};
use shared::store::compositions::{CompositionStatus, SmsState};
use wiremock::MockServer;

const ROOM: &str = "RM00000000000000000000000000000a11";
const CJ: &str = "CJ00000000000000000000000000000a11";
const NAME: &str = "acme:class:9f3c2b1a";
const PHONE: &str = "+14155550100";

#[tokio::test]
async fn the_fixture_callbacks_record_the_composition_and_text_its_owner_once() {
    let twilio = MockServer::start().await;
    messages()
        .respond_with(message_created("SM00000000000000000000000000000a11"))
        .expect(1)
        .mount(&twilio)
        .await;
    let backends = isolated_backends().await;
    own(&backends.store, ROOM, NAME, "alice", Some(PHONE)).await;
    let state = composition_state(&twilio, &backends, &[]);

    for name in ["enqueued", "progress", "available"] {
        let response = invoke(&state, event(&format!("composition-{name}")), None).await;
        assert_eq!(status(&response), 200, "{name}: {response}");
        assert_eq!(body(&response)["status"], "processed", "{name}");
    }
    let again = invoke(&state, event("composition-available"), None).await;
    assert_eq!(body(&again)["status"], "duplicate");

    let record = backends
        .store
        .composition(ROOM)
        .await
        .unwrap()
        .expect("a record");
    assert_eq!(record.composition_sid, CJ);
    assert_eq!(record.status, CompositionStatus::Completed);
    assert_eq!(
        record.media_uri.as_deref(),
        Some(format!("/v1/Compositions/{CJ}/Media").as_str())
    );
    assert_eq!(record.size, Some(18_734_126));
    assert_eq!(record.duration_seconds, Some(1800));
    assert_eq!(record.percentage_done, Some(40));
    assert_eq!(record.created_at, Some(1_795_658_400));
    assert_eq!(record.completed_at, Some(1_795_658_580));
    assert_eq!(
        record.sms,
        Some(SmsState::Sent("SM00000000000000000000000000000a11".into()))
    );
    assert_eq!(record.due_at, None, "nothing is owed any more");

    let sent = twilio.received_requests().await.unwrap();
    let fields = form(&sent[0]);
    let names: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["MessagingServiceSid", "To", "Body"]);
    let fields: HashMap<_, _> = fields.into_iter().collect();
    assert_eq!(fields["MessagingServiceSid"], MESSAGING_SERVICE_SID);
    assert_eq!(fields["To"], PHONE);
    assert!(
        fields["Body"].contains("class 9f3c2b1a"),
        "{}",
        fields["Body"]
    );
    assert!(!fields["Body"].contains("http") && !fields["Body"].contains("CJ"));
}

#[tokio::test]
async fn an_older_event_never_overwrites_a_newer_state() {
    let twilio = MockServer::start().await;
    messages()
        .respond_with(message_created(&sid("SM")))
        .mount(&twilio)
        .await;
    let backends = isolated_backends().await;
    let state = composition_state(&twilio, &backends, &[]);
    let (room, cj) = (sid("RM"), sid("CJ"));
    let at = |event, timestamp: &'static str, extra: &[(&'static str, &'static str)]| {
        let params = composition_params(&room, &cj, event, timestamp, extra);
        composition_status(&params, Some(&unique("tok-")))
    };
    let started = at("composition-started", "2026-11-26T02:00:05.000Z", &[]);
    let progress = at(
        "composition-progress",
        "2026-11-26T02:00:09.000Z",
        &[("PercentageDone", "70")],
    );
    let late_progress = at(
        "composition-progress",
        "2026-11-26T02:00:07.000Z",
        &[("PercentageDone", "30")],
    );
    let enqueued = at("composition-enqueued", "2026-11-26T02:00:00.000Z", &[]);
    let available = at(
        "composition-available",
        "2026-11-26T02:01:00.000Z",
        &[("Size", "10")],
    );

    for (event, expected) in [
        (progress, "processed"),
        (started, "stale"),
        (late_progress, "stale"),
        (enqueued, "stale"),
        (available, "processed"),
    ] {
        let response = invoke(&state, event, None).await;
        assert_eq!(body(&response)["status"], expected, "{response}");
    }
    let stale_after_final = at(
        "composition-progress",
        "2026-11-26T02:05:00.000Z",
        &[("PercentageDone", "99")],
    );
    assert_eq!(
        body(&invoke(&state, stale_after_final, None).await)["status"],
        "stale"
    );
    let record = backends.store.composition(&room).await.unwrap().unwrap();
    assert_eq!(record.status, CompositionStatus::Completed);
    assert_eq!(record.percentage_done, Some(70));
    assert_eq!(record.size, Some(10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_composition_available_callbacks_send_one_sms() {
    let twilio = MockServer::start().await;
    messages()
        // Slow enough that every delivery meets the one in flight.
        .respond_with(message_created(&sid("SM")).set_delay(Duration::from_millis(300)))
        .expect(1)
        .mount(&twilio)
        .await;
    let backends = isolated_backends().await;
    let (room, cj) = (sid("RM"), sid("CJ"));
    own(&backends.store, &room, NAME, "alice", Some(PHONE)).await;
    let state = composition_state(&twilio, &backends, &[]);
    // Half are redeliveries of one callback (one token); the others carry tokens of their own,
    // so only the record's order and the SMS claim stand between them.
    let shared_token = unique("tok-");
    let params = composition_params(
        &room,
        &cj,
        "composition-available",
        "2026-11-26T02:03:00.000Z",
        &[],
    );
    let responses = deliver_at_once(&state, &shared_token, |token| {
        composition_status(&params, Some(token))
    })
    .await;
    for r in &responses {
        assert_eq!(status(r), 200, "every duplicate is answered 2xx: {r}");
    }
    let record = backends.store.composition(&room).await.unwrap().unwrap();
    assert!(
        matches!(record.sms, Some(SmsState::Sent(_))),
        "{:?}",
        record.sms
    );
    // `.expect(1)` on Messages is checked when the server drops.
}

#[tokio::test]
async fn a_failed_composition_is_recorded_and_owes_nothing() {
    let twilio = MockServer::start().await;
    let backends = isolated_backends().await;
    let state = composition_state(&twilio, &backends, &[]);
    let response = invoke(&state, event("composition-failed"), None).await;
    assert_eq!(status(&response), 200, "{response}");
    let record = backends
        .store
        .composition("RM00000000000000000000000000000fa1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.status, CompositionStatus::Failed);
    assert_eq!(
        record.error.as_deref(),
        Some("compose: No media to compose")
    );
    assert_eq!(record.due_at, None);
    assert_eq!(record.sms, None);
    assert!(twilio.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn rejected_callbacks_are_answered_4xx_and_leave_nothing_behind() {
    let twilio = MockServer::start().await;
    let backends = isolated_backends().await;
    let state = composition_state(&twilio, &backends, &[]);
    for (fixture, expected, code, room) in [
        (
            "tampered",
            403,
            "invalid_signature",
            "RM000000000000000000000000000c0bad",
        ),
        (
            "unsigned",
            400,
            "missing_signature",
            "RM0000000000000000000000000000cb0b",
        ),
    ] {
        let response = invoke(&state, event(&format!("composition-{fixture}")), None).await;
        assert_eq!(status(&response), expected, "{fixture}: {response}");
        assert_eq!(body(&response)["error"]["code"], code);
        assert!(backends.store.composition(room).await.unwrap().is_none());
    }
    let room = sid("RM");
    let no_sid = composition_params(
        &room,
        "",
        "composition-available",
        "2026-11-26T02:00:00Z",
        &[],
    );
    let response = invoke(&state, composition_status(&no_sid, None), None).await;
    assert_eq!(status(&response), 400);
    assert_eq!(body(&response)["error"]["code"], "missing_field");
    let unknown = composition_params(&room, "CJ1", "composition-paused-someday", "x", &[]);
    assert_eq!(
        body(&invoke(&state, composition_status(&unknown, None), None).await)["status"],
        "ignored"
    );
    assert!(backends.store.composition(&room).await.unwrap().is_none());
    assert!(twilio.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_room_without_an_owners_phone_settles_its_sms_as_without_recipient() {
    let twilio = MockServer::start().await;
    let backends = isolated_backends().await;
    let (room, cj) = (sid("RM"), sid("CJ"));
    own(&backends.store, &room, NAME, "alice", None).await;
    let state = composition_state(&twilio, &backends, &[]);
    let params = available_params(&room, &cj);
    assert_eq!(
        status(&invoke(&state, composition_status(&params, None), None).await),
        200
    );
    let record = backends.store.composition(&room).await.unwrap().unwrap();
    assert_eq!(record.sms, Some(SmsState::NoRecipient));
    assert!(twilio.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_function_refuses_to_start_without_a_messaging_service() {
    let backends = integration_tests::backends().await;
    let config = config(&[("TWILIO_MESSAGING_SERVICE_SID", "")]);
    let err = composition::State::new(&config, &backends)
        .err()
        .expect("refused");
    assert_eq!(err.var, "TWILIO_MESSAGING_SERVICE_SID");
}

//! POST /twilio/room-status through the webhook function's Lambda entry point, against moto's
//! DynamoDB and a wiremock Twilio: the `events/room-status-*` fixtures (signed by Twilio's own
//! helper library), rejected callbacks, and compositions created exactly once.

use std::collections::HashMap;
use std::time::Duration;

use integration_tests::webhook::{body, deliver_at_once, invoke, room_params, room_status, status};
use integration_tests::{
    API_KEY_SECRET, API_KEY_SID, backends, config_with_twilio, dynamo, event, sid, unique,
};
use serde_json::{Value, json};
use shared::store::due::DueWork;
use shared::store::rooms::{RoomRecords, RoomStatus};
use wiremock::matchers::{basic_auth, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn state(twilio: &MockServer) -> webhook::State {
    let config = config_with_twilio(&twilio.uri(), &[]);
    webhook::State::new(&config, &backends().await)
}

fn no_compositions() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "compositions": [],
        "meta": {"page": 0, "page_size": 50, "key": "compositions", "next_page_url": null}
    }))
}

fn composition(sid: &str, room_sid: &str) -> ResponseTemplate {
    ResponseTemplate::new(201).set_body_json(json!({
        "sid": sid, "status": "enqueued", "room_sid": room_sid, "format": "mp4"
    }))
}

/// Mounts a Compositions list answering "none" for `room_sid`.
async fn mount_empty_list(twilio: &MockServer, room_sid: &str) {
    Mock::given(method("GET"))
        .and(path("/v1/Compositions"))
        .and(query_param("RoomSid", room_sid))
        .respond_with(no_compositions())
        .mount(twilio)
        .await;
}

fn form(body: &[u8]) -> HashMap<String, Vec<String>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(body) {
        out.entry(k.into_owned()).or_default().push(v.into_owned());
    }
    out
}

async fn stored(room_sid: &str) -> Option<shared::store::rooms::RoomRecord> {
    dynamo().await.room_record(room_sid).await.unwrap()
}

/// A room of a fresh SID that has recorded tracks, ready to end.
async fn recorded_room(state: &webhook::State) -> String {
    let room = sid("RM");
    let started = room_status(
        &room_params(&room, "recording-started", "3", &[]),
        Some(&unique("tok-")),
    );
    assert_eq!(status(&invoke(state, started, None).await), 200);
    room
}

#[tokio::test]
async fn the_fixture_callbacks_record_the_room_and_compose_it_once() {
    let twilio = MockServer::start().await;
    let room = "RM00000000000000000000000000000a11";
    let cj = "CJ00000000000000000000000000000a11";
    mount_empty_list(&twilio, room).await;
    Mock::given(method("POST"))
        .and(path("/v1/Compositions"))
        .and(basic_auth(API_KEY_SID, API_KEY_SECRET))
        .respond_with(composition(cj, room))
        .expect(1)
        .mount(&twilio)
        .await;
    let state = state(&twilio).await;

    for name in [
        "room-created",
        "participant-connected",
        "recording-started",
        "room-ended",
    ] {
        let response = invoke(&state, event(&format!("room-status-{name}")), None).await;
        assert_eq!(status(&response), 200, "{name}: {response}");
        assert_eq!(body(&response)["status"], "processed", "{name}");
    }
    let again = invoke(&state, event("room-status-room-ended"), None).await;
    assert_eq!(status(&again), 200);
    assert_eq!(body(&again)["status"], "duplicate");

    let record = stored(room).await.expect("the room is recorded");
    assert_eq!(record.tenant.as_deref(), Some("acme"));
    assert_eq!(record.unique_name, "acme:class:9f3c2b1a");
    assert_eq!(record.status, RoomStatus::Completed);
    assert!(record.participants.contains("acme:alice:web-1"));
    assert!(record.recorded);
    assert_eq!(record.created_at, Some(1_795_654_860));
    assert_eq!(record.ended_at, Some(1_795_655_340));
    assert_eq!(record.duration_seconds, Some(1800));
    assert_eq!(record.composition_sid.as_deref(), Some(cj));

    let posts: Vec<_> = twilio
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.method.as_str() == "POST")
        .collect();
    let sent = form(&posts[0].body);
    assert_eq!(sent["RoomSid"], [room]);
    assert_eq!(sent["AudioSources"], ["*"]);
    let layout: Value = serde_json::from_str(&sent["VideoLayout"][0]).unwrap();
    assert_eq!(layout, json!({"grid": {"video_sources": ["*"]}}));
    assert_eq!(sent["Format"], ["mp4"]);
    assert_eq!(
        sent["StatusCallback"],
        ["https://video.example.com/twilio/composition-status"]
    );
    assert_eq!(sent["StatusCallbackMethod"], ["POST"]);
}

#[tokio::test]
async fn track_events_are_accepted_and_ignored() {
    let twilio = MockServer::start().await;
    let state = state(&twilio).await;
    let response = invoke(&state, event("room-status-track-added"), None).await;
    assert_eq!(status(&response), 200);
    assert_eq!(body(&response)["status"], "ignored");
    let unknown = room_status(
        &room_params(&sid("RM"), "room-paused-someday", "1", &[]),
        None,
    );
    assert_eq!(
        body(&invoke(&state, unknown, None).await)["status"],
        "ignored"
    );
    assert!(twilio.received_requests().await.unwrap().is_empty());
}

/// Each rejected fixture: its status, its error code, and the room it names, of which nothing
/// may be stored.
#[tokio::test]
async fn rejected_callbacks_are_answered_4xx_and_leave_nothing_behind() {
    let twilio = MockServer::start().await;
    let state = state(&twilio).await;
    for (fixture, expected, code, room) in [
        (
            "tampered",
            403,
            "invalid_signature",
            "RM00000000000000000000000000000bad",
        ),
        (
            "unsigned",
            400,
            "missing_signature",
            "RM00000000000000000000000000000b0b",
        ),
        (
            "signed-for-another-url",
            403,
            "invalid_signature",
            "RM00000000000000000000000000000bb1",
        ),
        (
            "malformed-base64",
            400,
            "malformed_body",
            "RM00000000000000000000000000000bb2",
        ),
        (
            "malformed-form",
            400,
            "malformed_body",
            "RM00000000000000000000000000000bb3",
        ),
    ] {
        let response = invoke(&state, event(&format!("room-status-{fixture}")), None).await;
        assert_eq!(status(&response), expected, "{fixture}: {response}");
        assert_eq!(body(&response)["error"]["code"], code, "{fixture}");
        assert!(stored(room).await.is_none(), "{fixture} stored its room");
    }
    assert!(twilio.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_signed_callback_missing_a_field_it_needs_is_a_400() {
    let twilio = MockServer::start().await;
    let state = state(&twilio).await;
    let room = sid("RM");
    let no_identity = room_status(&room_params(&room, "participant-connected", "2", &[]), None);
    let response = invoke(&state, no_identity, None).await;
    assert_eq!(status(&response), 400);
    assert_eq!(body(&response)["error"]["code"], "missing_field");
    let bad_sid = room_status(&room_params("RMnot-a-sid", "room-created", "1", &[]), None);
    assert_eq!(status(&invoke(&state, bad_sid, None).await), 400);
    assert!(stored(&room).await.is_none());
}

#[tokio::test]
async fn a_rest_api_event_with_a_stage_is_validated_against_the_public_url() {
    let twilio = MockServer::start().await;
    let state = state(&twilio).await;
    let response = invoke(&state, event("room-status-rest-api"), None).await;
    assert_eq!(status(&response), 200, "{response}");
    let record = stored("RM00000000000000000000000000000e57").await.unwrap();
    assert!(record.participants.contains("acme:bob"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_deliveries_of_a_room_ended_create_one_composition() {
    let twilio = MockServer::start().await;
    let state = state(&twilio).await;
    let room = recorded_room(&state).await;
    let cj = sid("CJ");
    mount_empty_list(&twilio, &room).await;
    Mock::given(method("POST"))
        .and(path("/v1/Compositions"))
        // Slow enough that every delivery meets the one in flight.
        .respond_with(composition(&cj, &room).set_delay(Duration::from_millis(300)))
        .expect(1)
        .mount(&twilio)
        .await;

    // Half are redeliveries of one callback (one idempotency token); the other half carry
    // tokens of their own, so only the room's composition claim stands between them.
    let shared_token = unique("tok-");
    let params = room_params(&room, "room-ended", "9", &[("RoomDuration", "60")]);
    let responses = deliver_at_once(&state, &shared_token, |token| {
        room_status(&params, Some(token))
    })
    .await;
    let mut statuses: HashMap<u64, usize> = HashMap::new();
    for r in &responses {
        *statuses.entry(status(r)).or_default() += 1;
    }
    assert_eq!(
        statuses.get(&200).copied(),
        Some(50),
        "every delivery, in flight or not, is answered 200: {statuses:?}"
    );
    let record = stored(&room).await.unwrap();
    assert_eq!(record.composition_sid.as_deref(), Some(cj.as_str()));
    let again = invoke(&state, room_status(&params, Some(&shared_token)), None).await;
    assert_eq!(status(&again), 200);
    // `.expect(1)` on the POST is checked when the server drops.
}

#[tokio::test]
async fn a_composition_that_meets_a_500_is_answered_200_and_left_owed_for_the_reconciler() {
    let twilio = MockServer::start().await;
    let state = state(&twilio).await;
    let room = recorded_room(&state).await;
    mount_empty_list(&twilio, &room).await;
    let ended = room_status(
        &room_params(&room, "room-ended", "9", &[("RoomDuration", "60")]),
        Some(&unique("tok-")),
    );
    Mock::given(method("POST"))
        .and(path("/v1/Compositions"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({
            "code": 20500, "message": "Internal Server Error", "status": 500
        })))
        .expect(1..)
        .mount(&twilio)
        .await;
    // Twilio never redelivers after a 5xx: the answer is 200, and the room stays owed.
    let first = invoke(&state, ended.clone(), Some(Duration::from_millis(1500))).await;
    assert_eq!(status(&first), 200, "{first}");
    assert_eq!(body(&first)["status"], "processed");
    assert!(stored(&room).await.unwrap().composition_sid.is_none());
    let owed = dynamo()
        .await
        .due(shared::clock::now_unix() + 301, 1000, None)
        .await
        .unwrap();
    assert!(
        owed.entries.iter().any(|e| e.room_sid == room),
        "the room is owed"
    );
    let redelivery = invoke(&state, ended, None).await;
    assert_eq!(body(&redelivery)["status"], "duplicate");
}

#[tokio::test]
async fn a_composition_that_already_exists_is_reused_not_created_again() {
    let twilio = MockServer::start().await;
    let state = state(&twilio).await;
    let room = recorded_room(&state).await;
    let cj = sid("CJ");
    Mock::given(method("GET"))
        .and(path("/v1/Compositions"))
        .and(query_param("RoomSid", room.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "compositions": [
                {"sid": sid("CJ"), "status": "failed", "room_sid": room},
                {"sid": cj, "status": "processing", "room_sid": room}
            ],
            "meta": {"page": 0, "page_size": 50, "key": "compositions"}
        })))
        .mount(&twilio)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/Compositions"))
        .respond_with(composition(&sid("CJ"), &room))
        .expect(0)
        .mount(&twilio)
        .await;
    let ended = room_status(
        &room_params(&room, "room-ended", "9", &[]),
        Some(&unique("tok-")),
    );
    assert_eq!(status(&invoke(&state, ended, None).await), 200);
    assert_eq!(
        stored(&room).await.unwrap().composition_sid.as_deref(),
        Some(cj.as_str())
    );
}

#[tokio::test]
async fn a_recording_callback_after_the_room_ended_still_composes_it() {
    let twilio = MockServer::start().await;
    let state = state(&twilio).await;
    let room = sid("RM");
    let cj = sid("CJ");
    mount_empty_list(&twilio, &room).await;
    Mock::given(method("POST"))
        .and(path("/v1/Compositions"))
        .respond_with(composition(&cj, &room))
        .expect(1)
        .mount(&twilio)
        .await;
    let ended = room_status(&room_params(&room, "room-ended", "9", &[]), None);
    assert_eq!(status(&invoke(&state, ended, None).await), 200);
    assert!(stored(&room).await.unwrap().composition_sid.is_none());
    let late = room_status(&room_params(&room, "recording-completed", "8", &[]), None);
    assert_eq!(status(&invoke(&state, late, None).await), 200);
    let record = stored(&room).await.unwrap();
    assert_eq!(record.status, RoomStatus::Completed);
    assert_eq!(record.composition_sid.as_deref(), Some(cj.as_str()));
}

#[tokio::test]
async fn a_room_without_recorded_tracks_is_not_composed() {
    let twilio = MockServer::start().await;
    let state = state(&twilio).await;
    let room = sid("RM");
    let ended = room_status(&room_params(&room, "room-ended", "9", &[]), None);
    assert_eq!(status(&invoke(&state, ended, None).await), 200);
    let record = stored(&room).await.unwrap();
    assert_eq!(record.status, RoomStatus::Completed);
    assert!(!record.recorded);
    assert!(twilio.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_json_body_is_checked_through_its_body_sha256_and_is_not_a_room_status() {
    use shared::twilio::signature::{body_sha256, compute};
    let twilio = MockServer::start().await;
    let state = state(&twilio).await;
    let body =
        r#"{"RoomSid":"RM00000000000000000000000000000c0d","StatusCallbackEvent":"room-ended"}"#;
    let query = format!("bodySHA256={}", body_sha256(body.as_bytes()));
    let signed = format!("{}?{query}", integration_tests::webhook::room_status_url());
    let mut event = event("room-status-room-created");
    event["rawQueryString"] = Value::String(query);
    event["body"] = Value::String(body.to_string());
    event["isBase64Encoded"] = Value::Bool(false);
    event["headers"]["content-type"] = Value::String("application/json".into());
    event["headers"]["x-twilio-signature"] =
        Value::String(compute(integration_tests::AUTH_TOKEN, &signed, &[]));

    // Signed and hashed: it passes the signature check, and is refused as not a form.
    let response = invoke(&state, event.clone(), None).await;
    assert_eq!(status(&response), 400, "{response}");
    assert_eq!(body_of(&response), "invalid_body");
    // The body changed after signing: the hash no longer matches.
    event["body"] = Value::String(body.replace("room-ended", "room-created"));
    let response = invoke(&state, event, None).await;
    assert_eq!(status(&response), 403);
    assert_eq!(body_of(&response), "invalid_signature");
    assert!(stored("RM00000000000000000000000000000c0d").await.is_none());
}

fn body_of(response: &Value) -> String {
    body(response)["error"]["code"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

#[tokio::test]
async fn an_event_lambda_http_cannot_convert_is_a_400_not_a_crash() {
    let twilio = MockServer::start().await;
    let state = state(&twilio).await;
    // lambda_http builds the request URI from the Host header and panics when it cannot.
    let mut bad_host = event("room-status-room-created");
    bad_host["headers"]["host"] = Value::String("video example com".into());
    let response = invoke(&state, bad_host, None).await;
    assert_eq!(status(&response), 400, "{response}");
    assert_eq!(body_of(&response), "malformed_request");
}

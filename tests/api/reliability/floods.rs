//! Floods: Twilio delivering each callback 100 times at once (its redeliveries, retries through
//! proxies, a replayed batch), with and without `I-Twilio-Idempotency-Token`: every copy is
//! answered 200, one is processed, and each side effect happens once (the room's record, one
//! composition per room, one recording-ready SMS, one failure report). And a reconnect storm:
//! 200 clients joining one new room at once, each given a valid token.

use std::time::{Duration, Instant};

use futures::future::join_all;
use integration_tests::recordings::{
    composition_json, composition_params, composition_status, message_created, messages,
    messages_path, own,
};
use integration_tests::verify_token::step_up;
use integration_tests::webhook::{body, invoke, room_params, room_status, status};
use integration_tests::{API_KEY_SECRET, LogCapture, backends, config_with_twilio, sid, unique};
use serde_json::{Value, json};
use shared::clock::now_unix;
use shared::http::Handler;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::reliability::{MOTO, events};

/// Copies of each callback delivered at once.
const COPIES: usize = 100;

/// Delivers `event` `COPIES` times at once; asserts every copy is answered 200 and returns how
/// many were processed (the rest are duplicates, in flight or done).
async fn flood(handler: &dyn Handler, event: &Value, what: &str) -> usize {
    let started = Instant::now();
    let copies = (0..COPIES).map(|_| invoke(handler, event.clone(), Some(Duration::from_secs(15))));
    let answers = join_all(copies).await;
    println!("flood of {COPIES} × {what}: {:?}", started.elapsed());
    let mut processed = 0;
    for answer in &answers {
        assert_eq!(status(answer), 200, "{what}: {answer}");
        match body(answer)["status"].as_str().unwrap_or("") {
            "processed" | "recorded" | "stale" => processed += 1,
            "duplicate" | "in_progress" | "ignored" => {}
            other => panic!("{what}: answered {other}: {answer}"),
        }
    }
    processed
}

#[tokio::test]
async fn a_hundred_copies_of_each_room_callback_at_once_are_processed_once() {
    let _alone = MOTO.write().await;
    let twilio = MockServer::start().await;
    let page = json!({"compositions": [], "meta": {"next_page_url": null}});
    Mock::given(method("GET"))
        .and(path("/v1/Compositions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page))
        .mount(&twilio)
        .await;
    let backends = backends().await;
    let webhook = webhook::State::new(&config_with_twilio(&twilio.uri(), &[]), &backends);
    for tokens in [true, false] {
        let room = sid("RM");
        let cj = sid("CJ");
        Mock::given(method("POST"))
            .and(path("/v1/Compositions"))
            .respond_with(
                ResponseTemplate::new(201).set_body_json(composition_json(&cj, &room, "enqueued")),
            )
            .up_to_n_times(1)
            .mount(&twilio)
            .await;
        let joined = [
            ("ParticipantIdentity", "acme:bob"),
            ("ParticipantSid", "PA0123456789abcdef0123456789abcdef"),
        ];
        let events = [
            ("room-created", "0", &[][..]),
            ("participant-connected", "1", &joined[..]),
            ("recording-started", "2", &[][..]),
            ("track-added", "3", &[][..]),
            ("participant-disconnected", "4", &joined[..]),
            ("recording-completed", "5", &[][..]),
            ("room-ended", "6", &[("RoomDuration", "60")][..]),
        ];
        for (name, sequence, extra) in events {
            let token = tokens.then(|| unique("tok-"));
            let event = room_status(&room_params(&room, name, sequence, extra), token.as_deref());
            let what = format!("{name} (idempotency token: {tokens})");
            let processed = flood(&webhook, &event, &what).await;
            let want = if name == "track-added" { 0 } else { 1 };
            assert_eq!(processed, want, "{what}");
        }
        let record = backends.store.room_record(&room).await.unwrap().unwrap();
        assert!(record.participants.contains("acme:bob"), "{record:?}");
        assert_eq!(record.composition_sid.as_deref(), Some(cj.as_str()));
    }
    let creates = twilio.received_requests().await.unwrap_or_default();
    let creates = creates
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .count();
    assert_eq!(creates, 2, "one composition per room");
}

#[tokio::test]
async fn a_hundred_copies_of_each_composition_callback_at_once_are_processed_once() {
    let _alone = MOTO.write().await;
    let logs = LogCapture::default();
    let _capture = logs.install();
    let twilio = MockServer::start().await;
    messages()
        .respond_with(message_created("SM0123456789abcdef0123456789abcdef"))
        .mount(&twilio)
        .await;
    let backends = backends().await;
    let config = config_with_twilio(&twilio.uri(), &[]);
    let callbacks = composition::State::new(&config, &backends).unwrap();
    for tokens in [true, false] {
        let (room, cj, failing_room, failing) = (sid("RM"), sid("CJ"), sid("RM"), sid("CJ"));
        let hook_sid = sid("HK");
        let hook = [
            ("CompositionHookSid", hook_sid.as_str()),
            ("ErrorMessage", "x"),
        ];
        own(
            &backends.store,
            &room,
            "acme:class:x",
            "alice",
            Some("+14155550100"),
        )
        .await;
        let deliveries = [
            (
                &room,
                &cj,
                "composition-enqueued",
                "2026-11-26T02:00:00Z",
                &[][..],
            ),
            (
                &room,
                &cj,
                "composition-started",
                "2026-11-26T02:01:00Z",
                &[][..],
            ),
            (
                &room,
                &cj,
                "composition-progress",
                "2026-11-26T02:02:00Z",
                &[("PercentageDone", "50")][..],
            ),
            (
                &room,
                &cj,
                "composition-available",
                "2026-11-26T02:03:00Z",
                &[("MediaUri", "/v1/Compositions/x/Media")][..],
            ),
            (
                &failing_room,
                &failing,
                "composition-failed",
                "2026-11-26T02:04:00Z",
                &[("FailedOperation", "compose")][..],
            ),
            (
                &failing_room,
                &failing,
                "composition-hook-failed",
                "2026-11-26T02:05:00Z",
                &hook[..],
            ),
        ];
        for (room, cj, name, at, extra) in deliveries {
            let token = tokens.then(|| unique("tok-"));
            let params = composition_params(room, cj, name, at, extra);
            let event = composition_status(&params, token.as_deref());
            let what = format!("{name} (idempotency token: {tokens})");
            assert_eq!(flood(&callbacks, &event, &what).await, 1, "{what}");
        }
    }
    let sent = twilio.received_requests().await.unwrap_or_default();
    let sent = sent
        .iter()
        .filter(|r| r.url.path() == messages_path())
        .count();
    assert_eq!(sent, 2, "one recording-ready SMS per composition");
    assert_eq!(
        logs.count("composition failed"),
        2,
        "one failure report per composition"
    );
    assert_eq!(
        logs.count("composition hook failed"),
        2,
        "one report per hook failure"
    );
}

/// The claims of an Access Token, its HS256 signature checked with the test API key secret.
fn verified_claims(jwt: &str) -> Value {
    let key = jsonwebtoken::DecodingKey::from_secret(API_KEY_SECRET.as_bytes());
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    jsonwebtoken::decode::<Value>(jwt, &key, &validation)
        .expect("a valid Access Token")
        .claims
}

/// 200 clients joining one new room at once (`ROOM_CREATION=on_join`, the default): the first
/// join creates the room at Twilio, every other one finds it (Twilio's 53113 answers the creates
/// that lose the race), and all 200 get a valid token for it.
#[tokio::test]
async fn a_reconnect_storm_of_200_first_joins_gets_200_valid_tokens_and_creates_the_room_once() {
    let twilio = MockServer::start().await;
    let rooms = integration_tests::rooms::FakeRooms::mount(&twilio).await;
    let id = unique("storm");
    let name = format!("acme:class:{id}");
    let config = config_with_twilio(&twilio.uri(), &[("ROOM_CREATION", "on_join")]);
    let token = token::State::new(&config, &backends().await).unwrap();
    let joins: Vec<(String, Value)> = (0..200)
        .map(|n| {
            let sub = format!("user{n}");
            let proof = step_up("acme", &sub, now_unix(), 600);
            (sub.clone(), events::token("acme", &sub, &proof, &id))
        })
        .collect();
    let started = Instant::now();
    let answers = join_all(joins.iter().map(|(_, e)| invoke(&token, e.clone(), None))).await;
    println!(
        "reconnect storm: 200 tokens, the last after {:?}",
        started.elapsed()
    );
    for ((sub, _), answer) in joins.iter().zip(&answers) {
        assert_eq!(status(answer), 200, "{answer}");
        let claims = verified_claims(body(answer)["token"].as_str().unwrap());
        assert_eq!(claims["grants"]["identity"], format!("acme:{sub}:web-1"));
        assert_eq!(claims["grants"]["video"]["room"], name.as_str());
    }
    assert_eq!(rooms.created(&name).len(), 1, "one room created at Twilio");
}

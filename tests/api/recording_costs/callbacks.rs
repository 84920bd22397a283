//! The DynamoDB requests of each room and composition callback kind, a duplicate of each.

use integration_tests::dynamo_count::{Counter, Counts, counting_backends};
use integration_tests::recordings::{
    composition_params, composition_state, composition_status, own, room_composition, webhook_state,
};
use integration_tests::webhook::{invoke, room_params, room_status, status};
use integration_tests::{ACCOUNT_SID, sid, unique};

use super::{NAME, PHONE, twilio};

/// One invocation's requests, printed under `label`.
async fn cost(
    counter: &Counter,
    label: &str,
    call: impl Future<Output = serde_json::Value>,
) -> Counts {
    counter.take();
    let answer = call.await;
    assert_eq!(status(&answer), 200, "{label}: {answer}");
    let counts = counter.take();
    println!("dynamodb per callback | {label:<34} | {counts}");
    counts
}

#[tokio::test]
async fn each_callback_kind_costs_a_fixed_number_of_requests_and_a_duplicate_one_write() {
    let twilio = twilio().await;
    let (backends, counter) = counting_backends().await;
    let webhook = webhook_state(&twilio, &backends, &[]);
    let callbacks = composition_state(&twilio, &backends, &[]);
    let room = sid("RM");
    own(&backends.store, &room, NAME, "alice", Some(PHONE)).await;
    let ended = room_status(
        &room_params(&room, "room-ended", "9", &[]),
        Some(&unique("t")),
    );
    for (label, event) in [
        (
            "room: participant-connected",
            room_status(
                &room_params(
                    &room,
                    "participant-connected",
                    "2",
                    &[("ParticipantIdentity", "acme:bob")],
                ),
                Some(&unique("t")),
            ),
        ),
        (
            "room: recording-started",
            room_status(
                &room_params(&room, "recording-started", "3", &[]),
                Some(&unique("t")),
            ),
        ),
        ("room: room-ended (composition created)", ended.clone()),
    ] {
        cost(&counter, label, invoke(&webhook, event, None)).await;
    }
    let duplicate = cost(
        &counter,
        "room: room-ended, a duplicate",
        invoke(&webhook, ended, None),
    )
    .await;
    assert_eq!(
        (duplicate.reads(), duplicate.writes()),
        (0, 1),
        "{duplicate}"
    );

    let cj = room_composition(&backends.store, &room).await.unwrap();
    let at = |event, ts, extra: &[(&'static str, &'static str)]| {
        composition_status(
            &composition_params(&room, &cj, event, ts, extra),
            Some(&unique("t")),
        )
    };
    let available = at(
        "composition-available",
        "2026-11-26T02:03:00Z",
        &[("Size", "9")],
    );
    for (label, event) in [
        (
            "composition-enqueued",
            at("composition-enqueued", "2026-11-26T02:00:00Z", &[]),
        ),
        (
            "composition-started",
            at("composition-started", "2026-11-26T02:00:01Z", &[]),
        ),
        (
            "composition-progress",
            at(
                "composition-progress",
                "2026-11-26T02:00:02Z",
                &[("PercentageDone", "50")],
            ),
        ),
        ("composition-available (SMS sent)", available.clone()),
    ] {
        cost(&counter, label, invoke(&callbacks, event, None)).await;
    }
    let duplicate = cost(
        &counter,
        "composition-available, a duplicate",
        invoke(&callbacks, available, None),
    )
    .await;
    assert_eq!(
        (duplicate.reads(), duplicate.writes()),
        (0, 1),
        "{duplicate}"
    );
    let failed = composition_params(
        &room,
        &cj,
        "composition-failed",
        "2026-11-26T02:09:00Z",
        &[],
    );
    let failed = composition_status(&failed, Some(&unique("t")));
    cost(
        &counter,
        "composition-failed (after available)",
        invoke(&callbacks, failed, None),
    )
    .await;
    let hook = [
        ("AccountSid", ACCOUNT_SID),
        ("CompositionHookSid", "HK0123456789abcdef0123456789abcdef"),
        ("RoomSid", room.as_str()),
        ("StatusCallbackEvent", "composition-hook-failed"),
        ("Timestamp", "2026-11-26T02:00:00Z"),
    ];
    let hook = composition_status(&hook, Some(&unique("t")));
    let once = cost(
        &counter,
        "composition-hook-failed",
        invoke(&callbacks, hook.clone(), None),
    )
    .await;
    assert_eq!(once.reads(), 0, "a hook failure reads nothing: {once}");
    let duplicate = cost(
        &counter,
        "composition-hook-failed, a duplicate",
        invoke(&callbacks, hook, None),
    )
    .await;
    assert_eq!(
        (duplicate.reads(), duplicate.writes()),
        (0, 1),
        "{duplicate}"
    );
}

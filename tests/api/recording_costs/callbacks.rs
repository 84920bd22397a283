//! The DynamoDB requests of each room and composition callback kind, a duplicate of each.

use integration_tests::dynamo_count::{Counts, Recorder, recorded_backends};
use integration_tests::fixtures::{OWNER_PHONE, owned_room};
use integration_tests::recordings::{
    Pipeline, composition_params, composition_status, room_composition,
};
use integration_tests::webhook::{invoke, room_params, room_status, status};
use integration_tests::{ACCOUNT_SID, unique};
use serde_json::Value;
use shared::http::Handler;

use super::twilio;

/// One invocation's requests, printed under `label`.
async fn cost(counter: &Recorder, label: &str, call: impl Future<Output = Value>) -> Counts {
    counter.take();
    let answer = call.await;
    assert_eq!(status(&answer), 200, "{label}: {answer}");
    let counts = counter.take_counts();
    println!("dynamodb per callback | {label:<34} | {counts}");
    counts
}

/// A duplicate's requests, printed under `label`: its one conditional claim write, no read.
async fn duplicate(counter: &Recorder, label: &str, call: impl Future<Output = Value>) {
    let counts = cost(counter, label, call).await;
    assert_eq!((counts.reads(), counts.writes()), (0, 1), "{counts}");
}

/// Each of `kinds` delivered once to `handler`, then the last one again: a [`duplicate`],
/// printed under `again`. Each kind's requests, in order.
async fn kinds_then_a_duplicate(
    counter: &Recorder,
    handler: &dyn Handler,
    kinds: &[(&str, Value)],
    again: &str,
) -> Vec<Counts> {
    let mut counts = vec![];
    for (label, event) in kinds {
        counts.push(cost(counter, label, invoke(handler, event.clone(), None)).await);
    }
    let (_, last) = kinds.last().expect("a kind");
    duplicate(counter, again, invoke(handler, last.clone(), None)).await;
    counts
}

#[tokio::test]
async fn each_callback_kind_costs_a_fixed_number_of_requests_and_a_duplicate_one_write() {
    let twilio = twilio().await;
    let (backends, counter) = recorded_backends().await;
    let Pipeline {
        webhook,
        composition: callbacks,
        ..
    } = Pipeline::new(&twilio, &backends, &[]);
    let (room, _) = owned_room(&backends.store, Some(OWNER_PHONE)).await;
    let of_room = |event, seq, extra: &[(&'static str, &'static str)]| {
        room_status(&room_params(&room, event, seq, extra), Some(&unique("t")))
    };
    let bob = [("ParticipantIdentity", "acme:bob")];
    let kinds = [
        (
            "room: participant-connected",
            of_room("participant-connected", "2", &bob),
        ),
        (
            "room: recording-started",
            of_room("recording-started", "3", &[]),
        ),
        (
            "room: room-ended (composition created)",
            of_room("room-ended", "9", &[]),
        ),
    ];
    let again = "room: room-ended, a duplicate";
    kinds_then_a_duplicate(&counter, &webhook, &kinds, again).await;

    let cj = room_composition(&backends.store, &room).await.unwrap();
    let at = |event, ts, extra: &[(&'static str, &'static str)]| {
        composition_status(
            &composition_params(&room, &cj, event, ts, extra),
            Some(&unique("t")),
        )
    };
    let kinds = [
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
        (
            "composition-available (SMS sent)",
            at(
                "composition-available",
                "2026-11-26T02:03:00Z",
                &[("Size", "9")],
            ),
        ),
    ];
    let again = "composition-available, a duplicate";
    kinds_then_a_duplicate(&counter, &callbacks, &kinds, again).await;
    let failed = at("composition-failed", "2026-11-26T02:09:00Z", &[]);
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
    let hook = [(
        "composition-hook-failed",
        composition_status(&hook, Some(&unique("t"))),
    )];
    let again = "composition-hook-failed, a duplicate";
    let once = &kinds_then_a_duplicate(&counter, &callbacks, &hook, again).await[0];
    assert_eq!(once.reads(), 0, "a hook failure reads nothing: {once}");
}

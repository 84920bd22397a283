//! What recordings cost in DynamoDB requests, counted request by request by the SDK's own client
//! (`support/dynamo_count.rs`) on moto, with a wiremock Twilio: each room and composition
//! callback kind, and a reconciler run with N entries owed of each kind. The figures are printed
//! (`--nocapture` shows them; the README quotes them); only bounds that follow from the design
//! are asserted: a duplicate costs its one conditional claim write, an idle run one index read,
//! every owed entry the same, and finished rooms nothing at all.

use std::time::Duration;

use integration_tests::dynamo_count::{Counter, Counts, counting_backends};
use integration_tests::recordings::{
    composition, composition_json, composition_params, composition_state, composition_status,
    ended_room, message_created, messages, own, reconciler_state, webhook_state,
};
use integration_tests::webhook::{invoke, room_params, room_status, status};
use integration_tests::{ACCOUNT_SID, sid, unique};
use shared::aws::Backends;
use shared::clock::now_unix;
use shared::deadline::Deadline;
use shared::store::compositions::CompositionStatus;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const NAME: &str = "acme:class:9f3c2b1a";
const PHONE: &str = "+14155550100";

/// Answers Twilio's composition create, list (none yet), fetch (processing) and Messages create.
async fn twilio() -> MockServer {
    let twilio = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/Compositions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "compositions": [],
            "meta": {"page": 0, "page_size": 50, "key": "compositions", "next_page_url": null}
        })))
        .mount(&twilio)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/Compositions"))
        .respond_with(|req: &Request| {
            let form: Vec<(String, String)> = url::form_urlencoded::parse(&req.body)
                .into_owned()
                .collect();
            let room = form
                .iter()
                .find(|(k, _)| k == "RoomSid")
                .map(|(_, v)| v.clone());
            let created = composition_json(&sid("CJ"), &room.unwrap_or_default(), "enqueued");
            ResponseTemplate::new(201).set_body_json(created)
        })
        .mount(&twilio)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/v1/Compositions/CJ[0-9a-f]{32}$"))
        .respond_with(|req: &Request| {
            let cj = req
                .url
                .path()
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string();
            ResponseTemplate::new(200).set_body_json(composition_json(&cj, "RM", "processing"))
        })
        .mount(&twilio)
        .await;
    messages()
        .respond_with(message_created(&sid("SM")))
        .mount(&twilio)
        .await;
    twilio
}

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

    let cj = backends
        .store
        .room_record(&room)
        .await
        .unwrap()
        .unwrap()
        .composition_sid
        .unwrap();
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

/// What a run owes.
#[derive(Clone, Copy, Debug)]
enum Owed {
    /// Recorded rooms that ended without a composition.
    Compositions,
    /// Available compositions without their SMS.
    Sms,
    /// Compositions unfinished past `COMPOSITION_STUCK_AFTER_SECONDS`.
    Stuck,
}

/// One reconciler run over `n` entries owed as `owed`, beside `finished` compositions that owe
/// nothing, on a fresh table: its requests.
async fn run(owed: Owed, n: usize, finished: usize) -> Counts {
    let twilio = twilio().await;
    let (backends, counter) = counting_backends().await;
    let now = now_unix();
    seed(&backends, owed, n, finished, now).await;
    let reconciler = reconciler_state(&twilio, &backends, &[]);
    let at = match owed {
        Owed::Compositions | Owed::Sms => now + 301,
        Owed::Stuck => now + 7201,
    };
    counter.take();
    let report = reconciler
        .run(at, Deadline::after(Duration::from_secs(120)))
        .await
        .unwrap();
    let counts = counter.take();
    let done = match owed {
        Owed::Compositions => report.composed.len(),
        Owed::Sms => report.notified.len(),
        Owed::Stuck => report.stuck.len(),
    };
    assert_eq!((report.examined, done), (n, n), "{owed:?} {report:?}");
    println!(
        "dynamodb per reconciler run | {owed:?} owed {n:>2}, {finished:>2} finished | {counts}"
    );
    counts
}

async fn seed(backends: &Backends, owed: Owed, n: usize, finished: usize, now: i64) {
    let store = &backends.store;
    for _ in 0..finished {
        let done = Some(CompositionStatus::Failed);
        composition(store, &sid("RM"), &sid("CJ"), NAME, now, done).await;
    }
    for _ in 0..n {
        let room = sid("RM");
        match owed {
            Owed::Compositions => {
                ended_room(store, &room, NAME, &[], now).await;
                store.owe_composition(&room, now).await.unwrap();
            }
            Owed::Sms => {
                own(store, &room, NAME, "alice", Some(PHONE)).await;
                let available = Some(CompositionStatus::Completed);
                composition(store, &room, &sid("CJ"), NAME, now, available).await;
            }
            Owed::Stuck => {
                let processing = Some(CompositionStatus::Processing);
                composition(store, &room, &sid("CJ"), NAME, now, processing).await;
            }
        }
    }
}

#[tokio::test]
async fn a_reconciler_run_reads_one_index_page_and_a_fixed_cost_per_owed_entry_never_per_finished_room()
 {
    let idle = run(Owed::Sms, 0, 40).await;
    assert_eq!(
        (idle.of("Query"), idle.reads(), idle.writes()),
        (1, 1, 0),
        "{idle}"
    );
    for owed in [Owed::Compositions, Owed::Sms, Owed::Stuck] {
        let one = run(owed, 1, 0).await;
        let ten = run(owed, 10, 0).await;
        let fifty = run(owed, 50, 0).await;
        let per_entry = (one.reads() - 1, one.writes());
        for (n, counts) in [(10, &ten), (50, &fifty)] {
            assert_eq!(
                counts.of("Query"),
                1,
                "{owed:?} {n}: one index page: {counts}"
            );
            assert_eq!(
                (counts.reads() - 1, counts.writes()),
                (n * per_entry.0, n * per_entry.1),
                "{owed:?}: every entry costs the same: {counts} vs one: {one}"
            );
        }
        let beside_finished = run(owed, 10, 40).await;
        assert_eq!(
            beside_finished, ten,
            "{owed:?}: finished rooms cost nothing"
        );
    }
}

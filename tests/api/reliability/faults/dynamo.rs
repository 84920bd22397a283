//! DynamoDB throttling and failing, through a proxy in front of moto's server: one throttled
//! write is retried by the SDK and the request succeeds; a store that keeps failing makes a
//! request a clean 503 (with `Retry-After` when throttled) before anything is sent; Verify's
//! send counters are written before any send, so they never count fewer sends than reached
//! Twilio; a signed callback whose writes fail part way is answered 200 (Twilio never
//! redelivers a 5xx), its claim released and nothing half written, so that a redelivery
//! processes it; a reconciler run that cannot read its work fails the invocation (Lambda
//! retries it).

use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use integration_tests::faults::{Fault, FaultProxy, Limits, Match, dynamo_client, moto};
use integration_tests::recordings::{composition_params, composition_status};
use integration_tests::rooms::admin;
use integration_tests::verify_token::{unique_phone, user, verification};
use integration_tests::webhook::{body, invoke, room_params, room_status};
use integration_tests::{VERIFY_SERVICE_SID, backends, dynamo, sid, table_name, unique};
use sha2::{Digest, Sha256};
use shared::aws::Backends;
use shared::clock::now_unix;
use shared::dynamo::DynamoTable;
use shared::store::ratelimit::Window;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer};

use super::BUDGET;
use crate::reliability::{MOTO, answer, events, header, within};

/// The test table through a fault proxy, its client with `limits`, and the test credentials.
async fn proxied_with(limits: Limits) -> (FaultProxy, Backends) {
    let proxy = FaultProxy::start(&moto()).await;
    let table = DynamoTable::new(dynamo_client(&proxy, limits).await, table_name());
    let mut backends = backends().await;
    backends.store = Arc::new(table);
    (proxy, backends)
}

/// The same with the other tests' time limits.
async fn proxied() -> (FaultProxy, Backends) {
    proxied_with(Limits::Moto).await
}

/// A wiremock Twilio whose Verify sends and room creates succeed.
async fn twilio() -> MockServer {
    let twilio = MockServer::start().await;
    let sends = format!("/v2/Services/{VERIFY_SERVICE_SID}/Verifications");
    Mock::given(method("POST"))
        .and(path(sends))
        .respond_with(verification("+14155550100", "sms", "pending"))
        .mount(&twilio)
        .await;
    twilio
}

async fn verifications(twilio: &MockServer) -> usize {
    let received = twilio.received_requests().await.unwrap_or_default();
    received
        .iter()
        .filter(|r| r.url.path().ends_with("/Verifications"))
        .count()
}

#[tokio::test]
async fn a_throttled_dynamodb_write_is_retried_by_the_sdk_and_the_request_succeeds() {
    let (proxy, backends) = proxied().await;
    let twilio = twilio().await;
    let config = integration_tests::config_with_twilio(&twilio.uri(), &[]);
    let verify = verify::State::new(&config, &backends).unwrap();
    let throttled = Fault::dynamo("ProvisionedThroughputExceededException");
    proxy.fail_next(1, Match::aws("UpdateItem"), throttled);
    let claims = user("acme", &unique("u"), &unique_phone(), "a@example.com");
    let response = invoke(&verify, events::verify_start(claims), Some(BUDGET)).await;
    assert_eq!(response["statusCode"], 202, "{response}");
    let updates = proxy.seen_matching(&Match::aws("UpdateItem"));
    let faulted = updates.iter().filter(|s| s.faulted).count();
    assert_eq!(
        (faulted, updates.len()),
        (1, 3),
        "one throttled, retried; then the second counter"
    );
    assert_eq!(verifications(&twilio).await, 1);
}

#[tokio::test]
async fn a_dynamodb_that_keeps_failing_makes_a_clean_503_before_anything_is_sent() {
    let faults = [
        ("throttled", Fault::dynamo("ThrottlingException")),
        (
            "failing",
            Fault::aws_500("com.amazonaws.dynamodb.v20120810#InternalServerError"),
        ),
        ("unreachable", Fault::Drop),
    ];
    for (what, fault) in faults {
        let (proxy, backends) = proxied().await;
        let twilio = twilio().await;
        let config = integration_tests::config_with_twilio(&twilio.uri(), &[]);
        let verify = verify::State::new(&config, &backends).unwrap();
        let rooms = rooms::State::new(&config, &backends).unwrap();
        proxy.fail(Match::any(), fault);
        let claims = user("acme", &unique("u"), &unique_phone(), "a@example.com");
        let response = invoke(&verify, events::verify_start(claims), Some(BUDGET)).await;
        assert_eq!(answer(&response).0, 503, "verify, {what}: {response}");
        if what == "throttled" {
            assert_eq!(header(&response, "retry-after"), Some("1"), "{response}");
        }
        let create = events::admin_create(admin("acme", "carol"), &unique("r"));
        let response = invoke(&rooms, create, Some(BUDGET)).await;
        assert_eq!(answer(&response).0, 503, "admin create, {what}: {response}");
        assert!(body(&response)["error"]["message"].is_string());
        let sent = twilio.received_requests().await.unwrap_or_default();
        assert!(
            sent.is_empty(),
            "{what}: nothing is sent to Twilio: {sent:?}"
        );
        assert!(
            proxy.seen().iter().all(|s| s.faulted),
            "{what}: nothing written"
        );
    }
}

/// The count of Verify's counter `key` in the windows of `length` seconds since `since`.
async fn counted(key: &str, length: u64, since: i64) -> i64 {
    let table = dynamo().await;
    let mut total = 0;
    let mut start = Window::containing(since, length).start;
    while start <= now_unix() {
        let item = table
            .client()
            .get_item()
            .table_name(table_name())
            .key("pk", AttributeValue::S(format!("rl#{key}")))
            .key("sk", AttributeValue::S(format!("w#{start}")))
            .consistent_read(true)
            .send()
            .await
            .unwrap();
        let count = item
            .item()
            .and_then(|i| i.get("count"))
            .and_then(|c| c.as_n().ok());
        total += count.map_or(0, |n| n.parse::<i64>().unwrap());
        start += length as i64;
    }
    total
}

#[tokio::test]
async fn verify_send_counters_are_never_under_counted_when_dynamodb_fails_between_them() {
    let (proxy, backends) = proxied().await;
    let twilio = twilio().await;
    let config = integration_tests::config_with_twilio(&twilio.uri(), &[]);
    let verify = verify::State::new(&config, &backends).unwrap();
    let (sub, phone, since) = (unique("u"), unique_phone(), now_unix());
    let start = || events::verify_start(user("acme", &sub, &phone, "a@example.com"));
    let throttled = Fault::dynamo("ThrottlingException");
    // The user's counter is written, the destination's is not: no send.
    proxy.fail_after(1, 3, Match::aws("UpdateItem"), throttled.clone());
    assert_eq!(answer(&invoke(&verify, start(), Some(BUDGET)).await).0, 503);
    // The user's counter fails: the destination's is never reached, no send.
    proxy.fail_next(3, Match::aws("UpdateItem"), throttled);
    assert_eq!(answer(&invoke(&verify, start(), Some(BUDGET)).await).0, 503);
    proxy.heal();
    assert_eq!(
        invoke(&verify, start(), Some(BUDGET)).await["statusCode"],
        202
    );
    let sends = verifications(&twilio).await as i64;
    let user = counted(&format!("verify:user:acme:{sub}"), 600, since).await;
    let to = format!("verify:dest:{:x}", Sha256::digest(phone.as_bytes()));
    let destination = counted(&to, 3600, since).await;
    assert_eq!(sends, 1);
    assert!(
        user >= sends && destination >= sends,
        "user {user}, destination {destination}"
    );
    assert_eq!(
        (user, destination),
        (2, 1),
        "each counter counts what was written"
    );
}

#[tokio::test]
async fn a_signed_callback_whose_writes_fail_part_way_answers_200_and_a_redelivery_processes_it() {
    let (proxy, backends) = proxied().await;
    let twilio = MockServer::start().await;
    let config = integration_tests::config_with_twilio(&twilio.uri(), &[]);
    let webhook = webhook::State::new(&config, &backends);
    let composition = composition::State::new(&config, &backends).unwrap();
    let (room, cj) = (sid("RM"), sid("CJ"));
    let joined = room_params(
        &room,
        "participant-connected",
        "1",
        &[("ParticipantIdentity", "acme:bob")],
    );
    let joined = room_status(&joined, Some(&unique("tok-")));
    let params = composition_params(
        &room,
        &cj,
        "composition-progress",
        "2026-11-26T02:03:00Z",
        &[("PercentageDone", "40")],
    );
    let progress = composition_status(&params, Some(&unique("tok-")));
    let throttled = Fault::dynamo("ThrottlingException");
    for (what, handler, event, write) in [
        (
            "room callback",
            &webhook as &dyn shared::http::Handler,
            joined,
            "UpdateItem",
        ),
        ("composition callback", &composition, progress, "UpdateItem"),
    ] {
        // The claim is written; the record's update fails on every try.
        proxy.fail(Match::aws(write), throttled.clone());
        let response = invoke(handler, event.clone(), Some(BUDGET)).await;
        assert_eq!(response["statusCode"], 200, "{what}: {response}");
        assert_eq!(body(&response)["status"], "unfinished", "{what}");
        proxy.heal();
        let store = &backends.store;
        assert!(store.room_record(&room).await.unwrap().is_none() || what != "room callback");
        assert!(
            store.composition(&room).await.unwrap().is_none(),
            "{what}: nothing half written"
        );
        // The claim was released: the redelivery is processed, not a duplicate.
        let response = invoke(handler, event, Some(BUDGET)).await;
        assert_eq!(body(&response)["status"], "processed", "{what}: {response}");
    }
    let record = backends.store.room_record(&room).await.unwrap().unwrap();
    assert!(record.participants.contains("acme:bob"), "{record:?}");
}

#[tokio::test]
async fn a_reconciler_run_that_cannot_read_its_work_fails_the_invocation() {
    let (proxy, backends) = proxied().await;
    let twilio = MockServer::start().await;
    let config = integration_tests::config_with_twilio(&twilio.uri(), &[]);
    let reconciler = reconciler::State::new(&config, &backends).unwrap();
    proxy.fail(Match::aws("Query"), Fault::dynamo("ThrottlingException"));
    let event = lambda_runtime::LambdaEvent::new(
        integration_tests::event("reconciler-scheduled"),
        lambda_runtime::Context::default(),
    );
    let run = reconciler::handle(&reconciler, event).await;
    assert!(run.is_err(), "{run:?}");
    assert!(
        twilio
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );
}

/// A Lambda function's timeout in `template.yaml`: the deadline a held answer must not outlast.
const FUNCTION_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

#[tokio::test]
async fn a_dynamodb_that_stops_answering_is_a_503_or_an_unfinished_callback_inside_the_deadline() {
    let _calm = MOTO.read().await;
    let (proxy, backends) = proxied_with(Limits::Deployed).await;
    let twilio = twilio().await;
    let config = integration_tests::config_with_twilio(&twilio.uri(), &[]);
    let verify = verify::State::new(&config, &backends).unwrap();
    let webhook = webhook::State::new(&config, &backends);
    proxy.fail(Match::any(), Fault::held());
    let claims = user("acme", &unique("u"), &unique_phone(), "a@example.com");
    let started = std::time::Instant::now();
    let response = invoke(
        &verify,
        events::verify_start(claims),
        Some(FUNCTION_TIMEOUT),
    )
    .await;
    within(started, FUNCTION_TIMEOUT, "verify");
    assert_eq!(
        answer(&response),
        (503, "service_unavailable".into()),
        "{response}"
    );
    let room = sid("RM");
    let params = room_params(&room, "room-created", "0", &[]);
    let started = std::time::Instant::now();
    let response = invoke(&webhook, room_status(&params, None), Some(FUNCTION_TIMEOUT)).await;
    within(started, FUNCTION_TIMEOUT, "room callback");
    assert_eq!(body(&response)["status"], "unfinished", "{response}");
    assert_eq!(verifications(&twilio).await, 0);
}

//! What a store failure tells its caller: a corrupt item, a conflict, throttling, a store that
//! fails or cannot be reached. Corrupt items and conflicts are provoked on moto's server (and
//! the conflicts on the embedded store too); throttling and 5xx answers, which moto never
//! gives, come from a wiremock server that answers as DynamoDB does, through the real SDK.

use std::time::{Duration, SystemTime};

use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::types::AttributeValue;
use integration_tests::fixtures::on_both_stores;
use integration_tests::{dynamo, sdk, sid, table_name, unique};
use serde_json::json;
use shared::dynamo::DynamoTable;
use shared::store::audit::{AuditAction, AuditEntry, AuditLog, AuditOutcome};
use shared::store::idempotency::{IdempotencyRecord, IdempotencyStore, Status};
use shared::store::owners::RoomOwners;
use shared::store::rooms::RoomRecords;
use shared::store::{Store, StoreError};
use wiremock::matchers::{header, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.into())
}

/// Writes an item straight into the test table, past the adapter.
async fn put_raw(table: &DynamoTable, attrs: &[(&str, AttributeValue)]) {
    let mut put = table.client().put_item().table_name(table_name());
    for (name, value) in attrs {
        put = put.item(*name, value.clone());
    }
    put.send().await.unwrap();
}

fn corrupt_message(result: Result<impl std::fmt::Debug, StoreError>) -> String {
    match result {
        Err(e @ StoreError::Corrupt { .. }) => e.to_string(),
        other => panic!("expected a corrupt item, got {other:?}"),
    }
}

#[tokio::test]
async fn an_item_missing_or_mistyping_an_attribute_reads_as_corrupt_without_its_contents() {
    let table = dynamo().await;
    let room_sid = sid("RM");
    let pk = s(&format!("room#{room_sid}"));
    // An owner without `sub`, holding a phone number that must not reach the message.
    put_raw(
        &table,
        &[
            ("pk", pk.clone()),
            ("sk", s("owner")),
            ("room_sid", s(&room_sid)),
            ("room", s("acme:class:x")),
            ("phone_number", s("+14155550100")),
        ],
    )
    .await;
    let message = corrupt_message(table.owner(&room_sid).await);
    assert!(
        message.contains("owner item") && message.contains("sub"),
        "{message}"
    );
    assert!(
        !message.contains("+1415") && !message.contains(&room_sid),
        "{message}"
    );

    // A room record whose status is a number.
    put_raw(
        &table,
        &[
            ("pk", pk),
            ("sk", s("room")),
            ("room_sid", s(&room_sid)),
            ("unique_name", s("acme:class:x")),
            ("status", AttributeValue::N("1".into())),
        ],
    )
    .await;
    let message = corrupt_message(table.room_record(&room_sid).await);
    assert!(message.contains("status is not a string"), "{message}");
}

#[tokio::test]
async fn a_claim_held_by_a_corrupt_record_is_corrupt_not_a_claim() {
    let table = dynamo().await;
    let key = unique("corrupt");
    let future = (shared::clock::now_unix() + 3_600).to_string();
    put_raw(
        &table,
        &[
            ("pk", s(&format!("idem#{key}"))),
            ("sk", s("idem")),
            ("idem_key", s(&key)),
            ("status", s("SOMETHING_ELSE")),
            ("payload_hash", s("h")),
            ("ttl", AttributeValue::N(future.clone())),
            ("lock_until_ms", AttributeValue::N(future)),
        ],
    )
    .await;
    let record = IdempotencyRecord {
        key,
        status: Status::InProgress,
        claim_token: "t".into(),
        payload_hash: "h".into(),
        expires_at: shared::clock::now_unix() + 60,
        lock_until_ms: 0,
        result: None,
    };
    let message = corrupt_message(table.put_in_progress(&record, SystemTime::now()).await);
    assert!(
        message.contains("idempotency item: attribute status"),
        "{message}"
    );
}

async fn conditional_writes_that_find_the_item_changed_are_conflicts(store: &dyn Store) {
    let tenant = unique("t");
    let pending = AuditEntry::new(&tenant, "alice", AuditAction::CreateRoom);
    store.append(&pending).await.unwrap();
    let again = store.append(&pending).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");

    let mut done = pending.clone();
    done.outcome = AuditOutcome::Allowed;
    done.room_sid = Some(sid("RM"));
    store.settle(&pending, &done).await.unwrap();
    // The second settle is the refiling transaction on DynamoDB: cancelled, for its condition.
    let twice = store.settle(&pending, &done).await;
    assert!(matches!(twice, Err(StoreError::Conflict(_))), "{twice:?}");

    let orphan = store.set_composition(&sid("RM"), "CJ1").await;
    assert!(matches!(orphan, Err(StoreError::Conflict(_))), "{orphan:?}");

    // Against the domain's rules: refused before anything is written.
    let mut moved = done.clone();
    moved.room_sid = Some(sid("RM"));
    let rejected = store.settle(&done, &moved).await;
    assert!(
        matches!(rejected, Err(StoreError::Rejected(_))),
        "{rejected:?}"
    );
}

#[tokio::test]
async fn conditional_writes_that_find_the_item_changed_are_conflicts_on_both_stores() {
    on_both_stores(async |store| {
        conditional_writes_that_find_the_item_changed_are_conflicts(store).await
    })
    .await;
}

/// The adapter on a table served by `endpoint`, without the SDK's retries, so that each
/// answer is the one classified.
async fn table_at(endpoint: &str) -> DynamoTable {
    let config = aws_sdk_dynamodb::config::Builder::from(sdk().await)
        .endpoint_url(endpoint)
        .retry_config(RetryConfig::disabled())
        .timeout_config(
            aws_sdk_dynamodb::config::timeout::TimeoutConfig::builder()
                .operation_timeout(Duration::from_secs(5))
                .build(),
        )
        .build();
    DynamoTable::new(aws_sdk_dynamodb::Client::from_conf(config), "t")
}

/// DynamoDB's answer to operation `target` (`GetItem`, …): `status` with error `body`.
async fn answer(server: &MockServer, target: &str, status: u16, body: serde_json::Value) {
    Mock::given(method("POST"))
        .and(header(
            "x-amz-target",
            format!("DynamoDB_20120810.{target}"),
        ))
        .respond_with(
            ResponseTemplate::new(status)
                .set_body_raw(body.to_string(), "application/x-amz-json-1.0"),
        )
        .mount(server)
        .await;
}

fn error(code: &str) -> serde_json::Value {
    json!({"__type": format!("com.amazonaws.dynamodb.v20120810#{code}"), "message": "m"})
}

#[tokio::test]
async fn throttling_is_throttled_a_5xx_is_unavailable_and_a_refusal_is_rejected() {
    let cases = [
        ("ProvisionedThroughputExceededException", 400, "throttled"),
        ("ThrottlingException", 400, "throttled"),
        ("RequestLimitExceeded", 400, "throttled"),
        ("InternalServerError", 500, "unavailable"),
        ("ResourceNotFoundException", 400, "rejected"),
    ];
    for (code, status, want) in cases {
        let server = MockServer::start().await;
        answer(&server, "GetItem", status, error(code)).await;
        let got = match table_at(&server.uri()).await.owner("RM1").await {
            Err(StoreError::Throttled) => "throttled",
            Err(StoreError::Unavailable(_)) => "unavailable",
            Err(StoreError::Rejected(_)) => "rejected",
            other => panic!("{code}: {other:?}"),
        };
        assert_eq!(got, want, "{code}");
    }
}

#[tokio::test]
async fn a_transaction_cancelled_for_throttling_is_throttled() {
    let server = MockServer::start().await;
    let mut body = error("TransactionCanceledException");
    body["CancellationReasons"] = json!([{"Code": "None"}, {"Code": "ThrottlingError"}]);
    answer(&server, "TransactWriteItems", 400, body).await;
    let table = table_at(&server.uri()).await;
    let pending = AuditEntry::new("acme", "alice", AuditAction::CreateRoom);
    let mut done = pending.clone();
    done.outcome = AuditOutcome::Allowed;
    done.room_sid = Some("RM1".into());
    let result = table.settle(&pending, &done).await;
    assert!(matches!(result, Err(StoreError::Throttled)), "{result:?}");
}

#[tokio::test]
async fn a_store_that_cannot_be_reached_is_unavailable() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let table = table_at(&format!("http://127.0.0.1:{port}")).await;
    let result = table.room_record("RM1").await;
    assert!(
        matches!(result, Err(StoreError::Unavailable(_))),
        "{result:?}"
    );
    assert!(result.unwrap_err().is_transient());
}

//! Helpers for the recordings tests: a table of their own per test (so that one test's
//! reconciler run never meets another's owed work), signed composition callbacks built on the
//! fixtures' shape, the three functions' states, seeded rooms, and Twilio's Compositions,
//! Messages and Media as wiremock answers them.

use std::sync::Arc;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, Projection,
};
use base64::Engine;
use serde_json::{Value, json};
use shared::aws::Backends;
use shared::dynamo::DynamoTable;
use shared::names::E164;
use shared::store::Store;
use shared::store::compositions::{
    CompositionEvent, CompositionStatus, CreatedComposition, Schedule,
};
use shared::store::owners::RoomOwner;
use shared::store::rooms::{RoomChange, RoomUpdate};
use shared::twilio::signature;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE_URL, config_with_twilio, event, sdk, table_name};

/// The URL Twilio signs composition callbacks for in tests.
pub fn composition_status_url() -> String {
    format!("{PUBLIC_BASE_URL}/twilio/composition-status")
}

/// Back ends on a fresh table with the test table's definition (keys, attributes and the due
/// index of `template.yaml`, as `scripts/create_table.py` made it), and the test credentials.
pub async fn isolated_backends() -> Backends {
    let client = aws_sdk_dynamodb::Client::new(sdk().await);
    let name = isolated_table().await;
    let mut backends = crate::backends().await;
    backends.store = Arc::new(DynamoTable::new(client, name));
    backends
}

/// A fresh table with the test table's definition; its name.
pub async fn isolated_table() -> String {
    let client = aws_sdk_dynamodb::Client::new(sdk().await);
    let described = client
        .describe_table()
        .table_name(table_name())
        .send()
        .await
        .expect("the test table exists");
    let t = described.table().expect("a table description");
    let name = crate::unique("recordings-");
    let indexes: Vec<GlobalSecondaryIndex> = t
        .global_secondary_indexes()
        .iter()
        .map(|g| {
            GlobalSecondaryIndex::builder()
                .index_name(g.index_name().unwrap_or_default())
                .set_key_schema(Some(g.key_schema().to_vec()))
                .projection(
                    g.projection()
                        .cloned()
                        .unwrap_or_else(|| Projection::builder().build()),
                )
                .build()
                .expect("an index definition")
        })
        .collect();
    assert!(
        indexes
            .iter()
            .any(|i| i.index_name() == shared::dynamo::DUE_INDEX),
        "the test table lacks the due index: recreate it from template.yaml"
    );
    let keys: Vec<KeySchemaElement> = t.key_schema().to_vec();
    let attributes: Vec<AttributeDefinition> = t.attribute_definitions().to_vec();
    client
        .create_table()
        .table_name(&name)
        .set_key_schema(Some(keys))
        .set_attribute_definitions(Some(attributes))
        .set_global_secondary_indexes(Some(indexes))
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .expect("a fresh table");
    name
}

/// A composition status callback for `params`, as the HTTP API delivers it, signed with the
/// test Auth Token; `token` is its `I-Twilio-Idempotency-Token` (none when `None`).
pub fn composition_status(params: &[(&str, &str)], token: Option<&str>) -> Value {
    let owned: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut event = event("composition-available");
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&owned)
        .finish();
    event["body"] = Value::String(base64::engine::general_purpose::STANDARD.encode(body));
    let headers = event["headers"].as_object_mut().expect("headers");
    headers.insert(
        signature::HEADER.into(),
        Value::String(signature::compute(
            AUTH_TOKEN,
            &composition_status_url(),
            &owned,
        )),
    );
    match token {
        Some(t) => headers.insert("i-twilio-idempotency-token".into(), Value::String(t.into())),
        None => headers.remove("i-twilio-idempotency-token"),
    };
    event
}

/// The fields of a composition callback of `event` at `timestamp`, then `extra`.
pub fn composition_params<'a>(
    room_sid: &'a str,
    composition_sid: &'a str,
    event: &'a str,
    timestamp: &'a str,
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut params = vec![
        ("AccountSid", ACCOUNT_SID),
        ("CompositionSid", composition_sid),
        ("RoomSid", room_sid),
        ("StatusCallbackEvent", event),
        ("Timestamp", timestamp),
    ];
    params.extend_from_slice(extra);
    params
}

/// The fields of the callback saying the composition is available, at the fixtures' 02:03.
pub fn available_params<'a>(
    room_sid: &'a str,
    composition_sid: &'a str,
) -> Vec<(&'a str, &'a str)> {
    let at = "2026-11-26T02:03:00Z";
    composition_params(room_sid, composition_sid, "composition-available", at, &[])
}

/// The composition function on `backends` and the wiremock Twilio.
pub fn composition_state(
    twilio: &MockServer,
    backends: &Backends,
    extra: &[(&str, &str)],
) -> composition::State {
    composition::State::new(&config_with_twilio(&twilio.uri(), extra), backends)
        .expect("composition state")
}

/// The room callback function on `backends` and the wiremock Twilio.
pub fn webhook_state(
    twilio: &MockServer,
    backends: &Backends,
    extra: &[(&str, &str)],
) -> webhook::State {
    webhook::State::new(&config_with_twilio(&twilio.uri(), extra), backends)
}

/// The reconciler on `backends` and the wiremock Twilio.
pub fn reconciler_state(
    twilio: &MockServer,
    backends: &Backends,
    extra: &[(&str, &str)],
) -> reconciler::State {
    reconciler::State::new(&config_with_twilio(&twilio.uri(), extra), backends)
        .expect("reconciler state")
}

/// Records `sub` (with `phone`) as the owner of `room_sid`, named `unique_name`.
pub async fn own(
    store: &Arc<dyn Store>,
    room_sid: &str,
    unique_name: &str,
    sub: &str,
    phone: Option<&str>,
) {
    store
        .set_owner(&RoomOwner {
            room_sid: room_sid.into(),
            room: unique_name.into(),
            sub: sub.into(),
            phone_number: phone.map(|p| E164::parse(p, "phone").expect("an E.164 number")),
        })
        .await
        .expect("owner recorded");
}

/// A room record: `identities` joined, tracks recorded, ended at `ended_at`.
pub async fn ended_room(
    store: &Arc<dyn Store>,
    room_sid: &str,
    unique_name: &str,
    identities: &[&str],
    ended_at: i64,
) {
    let mut changes: Vec<RoomChange> = identities
        .iter()
        .map(|i| RoomChange::ParticipantSeen {
            identity: i.to_string(),
        })
        .collect();
    changes.push(RoomChange::Recorded);
    changes.push(RoomChange::Ended {
        at: ended_at,
        duration_seconds: Some(60),
    });
    for change in changes {
        store
            .apply_room_update(&RoomUpdate {
                room_sid: room_sid.into(),
                unique_name: unique_name.into(),
                tenant: unique_name.split(':').next().map(str::to_string),
                change,
            })
            .await
            .expect("room updated");
    }
}

/// The composition SID the room's record holds, if any (the record must exist).
pub async fn room_composition(store: &Arc<dyn Store>, room_sid: &str) -> Option<String> {
    let record = store.room_record(room_sid).await.expect("room record read");
    record.expect("a room record").composition_sid
}

/// A composition recorded for the room, created at `now`, then (if given) an event of `status`.
pub async fn composition(
    store: &Arc<dyn Store>,
    room_sid: &str,
    composition_sid: &str,
    unique_name: &str,
    now: i64,
    status: Option<CompositionStatus>,
) {
    store
        .composition_created(&CreatedComposition {
            room_sid: room_sid.into(),
            composition_sid: composition_sid.into(),
            unique_name: unique_name.into(),
            room_ended_at: now,
            created_at: now,
            stuck_due: now + 7200,
        })
        .await
        .expect("composition recorded");
    if let Some(status) = status {
        let event = CompositionEvent {
            room_sid: room_sid.into(),
            composition_sid: composition_sid.into(),
            status,
            at_ms: now * 1000,
            stage: if status.is_final() { 4 } else { 2 },
            media_uri: None,
            size: None,
            duration_seconds: None,
            percentage_done: None,
            error: None,
        };
        let schedule = Schedule {
            sms_due: now + 300,
            stuck_due: now + 7200,
        };
        store
            .apply_composition_event(&event, &schedule)
            .await
            .expect("event applied");
    }
}

/// Messages' path for the test account.
pub fn messages_path() -> String {
    format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json")
}

/// A message Twilio accepted.
pub fn message_created(sid: &str) -> ResponseTemplate {
    ResponseTemplate::new(201).set_body_json(json!({
        "sid": sid, "status": "accepted", "account_sid": ACCOUNT_SID,
        "messaging_service_sid": crate::MESSAGING_SERVICE_SID, "to": "+14155550100",
        "body": "…", "num_segments": "1", "direction": "outbound-api",
    }))
}

/// A `Mock` of Messages' create.
pub fn messages() -> wiremock::MockBuilder {
    Mock::given(method("POST")).and(path(messages_path()))
}

/// Answers the room's composition list with none.
pub async fn mount_no_compositions(twilio: &MockServer, room_sid: &str) {
    Mock::given(method("GET"))
        .and(path("/v1/Compositions"))
        .and(query_param("RoomSid", room_sid))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "compositions": [],
            "meta": {"page": 0, "page_size": 50, "key": "compositions", "next_page_url": null}
        })))
        .mount(twilio)
        .await;
}

/// A composition resource of `status`.
pub fn composition_json(sid: &str, room_sid: &str, status: &str) -> Value {
    json!({
        "sid": sid, "room_sid": room_sid, "status": status, "format": "mp4",
        "size": if status == "completed" { json!(1024) } else { Value::Null },
        "duration": if status == "completed" { json!(60) } else { Value::Null },
        "links": {"media": format!("https://video.twilio.com/v1/Compositions/{sid}/Media")},
    })
}

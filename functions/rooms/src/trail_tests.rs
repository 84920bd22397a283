//! What the admin is answered when the outcome of an action cannot be recorded: the one
//! case the integration tests cannot provoke on a real table.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value, json};
use shared::aws::Backends;
use shared::config::Config;
use shared::http::Handler;
use shared::memory::MemoryStore;
use shared::secrets::SecretStore;
use shared::store::StoreError;
use shared::store::audit::{AuditQuery, AuditStorage, Fetched, Settlement};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;

const ROOM: &str = "RM0123456789abcdef0123456789abcdef";

/// Appends work; settling fails, as when DynamoDB becomes unreachable mid-request.
struct SettleFails(MemoryStore);

#[async_trait]
impl AuditStorage for SettleFails {
    async fn insert(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        self.0.insert(entry).await
    }
    async fn replace_pending(&self, _: Settlement<'_>) -> Result<(), StoreError> {
        Err(StoreError::Unavailable("unreachable".into()))
    }
    async fn newest(&self, query: AuditQuery<'_>) -> Result<Fetched, StoreError> {
        self.0.newest(query).await
    }
}

/// Every write is refused for load, as when DynamoDB throttles the table.
struct Throttled;

#[async_trait]
impl AuditStorage for Throttled {
    async fn insert(&self, _: &AuditEntry) -> Result<(), StoreError> {
        Err(StoreError::Throttled)
    }
    async fn replace_pending(&self, _: Settlement<'_>) -> Result<(), StoreError> {
        Err(StoreError::Throttled)
    }
    async fn newest(&self, _: AuditQuery<'_>) -> Result<Fetched, StoreError> {
        Err(StoreError::Throttled)
    }
}

async fn state(twilio: &MockServer) -> State {
    let uri = twilio.uri();
    let config = Config::from_lookup(|name| match name {
        "PUBLIC_BASE_URL" => Some("https://video.example.com".into()),
        "TWILIO_VIDEO_BASE_URL" => Some(uri.clone()),
        _ => None,
    })
    .unwrap();
    let secrets = SecretStore::new(None, None, None, Duration::from_secs(60), |name| {
        Some(
            match name {
                "TWILIO_ACCOUNT_SID" => "AC0123456789abcdef0123456789abcdef",
                "TWILIO_API_KEY" => "SK0123456789abcdef0123456789abcdef",
                "TWILIO_API_SECRET" => "secret",
                _ => return None,
            }
            .to_string(),
        )
    });
    let backends = Backends {
        store: Arc::new(MemoryStore::new()),
        secrets: Arc::new(secrets),
        twilio: shared::twilio::TwilioClient::new(shared::twilio::ATTEMPT_TIMEOUT).unwrap(),
    };
    let mut state = State::new(&config, &backends).unwrap();
    state.audit = Arc::new(SettleFails(MemoryStore::new()));
    state
}

async fn mount_room(twilio: &MockServer, status: &str) {
    let room = json!({"sid": ROOM, "unique_name": "acme:class:x", "status": status});
    Mock::given(method("GET"))
        .and(path(format!("/v1/Rooms/{ROOM}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(room))
        .mount(twilio)
        .await;
    let done = json!({"sid": ROOM, "unique_name": "acme:class:x", "status": "completed"});
    Mock::given(method("POST"))
        .and(path(format!("/v1/Rooms/{ROOM}")))
        .respond_with(ResponseTemplate::new(202).set_body_json(done))
        .mount(twilio)
        .await;
}

fn complete_request() -> lambda_http::Request {
    let event: Value =
        serde_json::from_str(include_str!("../../../events/admin-complete-room.json")).unwrap();
    lambda_http::request::from_str(&event.to_string()).unwrap()
}

fn code(response: &Response<Body>) -> Value {
    let body: Value = serde_json::from_slice(response.body().as_ref()).unwrap();
    body["error"]["code"].clone()
}

#[tokio::test]
async fn a_throttled_audit_log_is_a_503_with_retry_after_and_nothing_is_done() {
    let twilio = MockServer::start().await;
    mount_room(&twilio, "in-progress").await;
    let mut state = state(&twilio).await;
    state.audit = Arc::new(Throttled);
    let response = state.handle(complete_request()).await;
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "1");
    assert_eq!(code(&response), "service_unavailable");
    let calls = twilio.received_requests().await.unwrap();
    assert!(
        calls.is_empty(),
        "no call before the trail is written: {calls:?}"
    );
}

/// `POST /admin/rooms/{room_sid}/complete` of a room Twilio holds as `status`, with the
/// audit log unable to settle.
async fn complete_unrecorded(status: &str) -> Response<Body> {
    let twilio = MockServer::start().await;
    mount_room(&twilio, status).await;
    state(&twilio).await.handle(complete_request()).await
}

#[tokio::test]
async fn an_action_carried_out_whose_outcome_cannot_be_recorded_is_not_reported_as_done() {
    let response = complete_unrecorded("in-progress").await;
    assert_eq!(response.status(), 500);
    assert_eq!(code(&response), "audit_incomplete");
    let text = String::from_utf8_lossy(response.body().as_ref()).to_string();
    assert!(text.contains("carried out"), "{text}");
    assert!(!text.contains("unreachable"), "the cause stays in the logs");
}

#[tokio::test]
async fn a_failure_whose_outcome_cannot_be_recorded_is_still_answered_as_it_is() {
    let response = complete_unrecorded("completed").await;
    assert_eq!(response.status(), 409);
    assert_eq!(code(&response), "room_not_in_progress");
}

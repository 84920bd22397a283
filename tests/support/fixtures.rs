//! Fixtures the route, callback and store tests share: one check of the JSON error shape for
//! every kind of answer a test holds, a refused fixture, a Twilio that must not be called,
//! expected Twilio calls in one line, a recording room, an owned room, a Twilio with a table of
//! the test's own, and a check run on both store implementations.

use std::sync::Arc;
use std::time::Duration;

use lambda_http::{Body, Response};
use serde_json::Value;
use shared::aws::Backends;
use shared::http::Handler;
use shared::memory::MemoryStore;
use shared::store::Store;
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate, Times};

use crate::webhook::{invoke, room_params, room_status, status};
use crate::{sid, unique};

/// The unique name of the fixtures' room.
pub const ROOM_NAME: &str = "acme:class:9f3c2b1a";
/// The phone number of the fixtures' room owner.
pub const OWNER_PHONE: &str = "+14155550100";

/// An answer a test holds: a handler's `Response`, an API Gateway response as
/// [`crate::webhook::invoke`] returns it, or a status and JSON body already read.
pub trait Answer {
    /// The HTTP status.
    fn status_code(&self) -> u16;
    /// The body as JSON (`Null` when it is not JSON).
    fn json(&self) -> Value;
}

impl Answer for Response<Body> {
    fn status_code(&self) -> u16 {
        self.status().as_u16()
    }

    fn json(&self) -> Value {
        crate::json_body(self)
    }
}

impl Answer for Value {
    fn status_code(&self) -> u16 {
        crate::webhook::status(self) as u16
    }

    fn json(&self) -> Value {
        crate::webhook::body(self)
    }
}

impl Answer for (u16, Value) {
    fn status_code(&self) -> u16 {
        self.0
    }

    fn json(&self) -> Value {
        self.1.clone()
    }
}

/// Asserts that `answer` is `status` with the error `code` in the one JSON error shape; its
/// body, for further checks.
#[track_caller]
pub fn assert_error(answer: &impl Answer, status: u16, code: &str) -> Value {
    let body = answer.json();
    assert_eq!(answer.status_code(), status, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    body
}

/// Invokes `handler` with `events/{fixture}.json` and asserts it is refused with `status` and
/// the error `code`.
pub async fn assert_fixture_refused(handler: &dyn Handler, fixture: &str, status: u16, code: &str) {
    let response = invoke(handler, crate::event(fixture), None).await;
    assert_error(&response, status, code);
}

/// A Twilio that fails the test (when dropped) on any request at all; `why` names the
/// expectation in that failure.
pub async fn silent_twilio(why: &str) -> MockServer {
    let twilio = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .named(why)
        .mount(&twilio)
        .await;
    twilio
}

/// A `Mock` of Compositions' create (`POST /v1/Compositions`).
pub fn compositions() -> MockBuilder {
    Mock::given(method("POST")).and(path("/v1/Compositions"))
}

/// Mounts `mock` on `twilio` answering `answer`, expected `times` times (checked when the
/// server drops).
pub async fn expect_calls(
    twilio: &MockServer,
    mock: MockBuilder,
    answer: ResponseTemplate,
    times: impl Into<Times>,
) {
    mock.respond_with(answer).expect(times).mount(twilio).await;
}

/// Twilio's answer to a composition's create: the composition, enqueued.
pub fn composition_created(sid: &str, room_sid: &str) -> ResponseTemplate {
    ResponseTemplate::new(201).set_body_json(crate::recordings::composition_json(
        sid, room_sid, "enqueued",
    ))
}

/// A room of a fresh SID whose signed recording-started callback (a token of its own)
/// `handler` answered 200: a room with recorded tracks, ready to end.
pub async fn recording_room(handler: &dyn Handler) -> String {
    let room = sid("RM");
    let started = room_status(
        &room_params(&room, "recording-started", "3", &[]),
        Some(&unique("tok-")),
    );
    assert_eq!(status(&invoke(handler, started, None).await), 200);
    room
}

/// A fresh room SID and composition SID, the room named [`ROOM_NAME`] and owned by "alice"
/// with `phone`.
pub async fn owned_room(store: &Arc<dyn Store>, phone: Option<&str>) -> (String, String) {
    let (room, cj) = (sid("RM"), sid("CJ"));
    crate::recordings::own(store, &room, ROOM_NAME, "alice", phone).await;
    (room, cj)
}

/// A wiremock Twilio, and back ends on a table of the test's own.
pub async fn twilio_and_own_table() -> (MockServer, Backends) {
    let twilio = MockServer::start().await;
    (twilio, crate::recordings::isolated_backends().await)
}

/// [`twilio_and_own_table`] with a fresh [`owned_room`] (with the owner's phone) and Twilio
/// expecting exactly one SMS, answered after `delay`: the Twilio, the back ends, the room's SID
/// and its composition's.
pub async fn one_sms_expected(delay: Duration) -> (MockServer, Backends, String, String) {
    let (twilio, backends) = twilio_and_own_table().await;
    let sent = crate::recordings::message_created(&sid("SM")).set_delay(delay);
    expect_calls(&twilio, crate::recordings::messages(), sent, 1).await;
    let (room, cj) = owned_room(&backends.store, Some(OWNER_PHONE)).await;
    (twilio, backends, room, cj)
}

/// Runs `check` on the DynamoDB adapter (on moto) and then on the in-memory store.
pub async fn on_both_stores(check: impl AsyncFn(&dyn Store)) {
    check(&crate::dynamo().await).await;
    check(&MemoryStore::new()).await;
}

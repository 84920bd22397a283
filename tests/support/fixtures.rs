//! Fixtures the route, callback and store tests share: one check of the JSON error shape for
//! both kinds of answer a test holds, a Twilio that must not be called, Twilio's Compositions
//! create as a `Mock`, and a check run on both store implementations.

use lambda_http::{Body, Response};
use serde_json::Value;
use shared::memory::MemoryStore;
use shared::store::Store;
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

/// An answer a test holds: a handler's `Response`, or an API Gateway response as
/// [`crate::webhook::invoke`] returns it.
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

/// Asserts that `answer` is `status` with the error `code` in the one JSON error shape; its
/// body, for further checks.
#[track_caller]
pub fn assert_error(answer: &impl Answer, status: u16, code: &str) -> Value {
    let body = answer.json();
    assert_eq!(answer.status_code(), status, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    body
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

/// Runs `check` on the DynamoDB adapter (on moto) and then on the in-memory store.
pub async fn on_both_stores(check: impl AsyncFn(&dyn Store)) {
    check(&crate::dynamo().await).await;
    check(&MemoryStore::new()).await;
}

//! The harness of the bad-input tests: every function of the table over a DynamoDB proxy that
//! records each call and a Twilio with no routes; the one check of a refusal; and the requests
//! spoilt one part at a time.

use std::sync::Arc;

use integration_tests::faults::{FaultProxy, Limits, dynamo_client, moto};
use integration_tests::webhook::{body, invoke};
use integration_tests::{backends, config_with_twilio, table_name};
use serde_json::{Value, json};
use shared::dynamo::DynamoTable;
use shared::http::Handler;
use wiremock::MockServer;

use super::table::{Function, Line};

/// Every function of the table over a recording DynamoDB proxy and a Twilio with no routes.
pub(super) struct Harness {
    store: FaultProxy,
    twilio: MockServer,
    functions: Vec<(Function, Box<dyn Handler>)>,
}

impl Harness {
    pub(super) async fn new() -> Self {
        let store = FaultProxy::start(&moto()).await;
        let mut backends = backends().await;
        backends.store = Arc::new(DynamoTable::new(
            dynamo_client(&store, Limits::Moto).await,
            table_name(),
        ));
        let twilio = MockServer::start().await;
        let config = config_with_twilio(&twilio.uri(), &[]);
        let functions: Vec<(Function, Box<dyn Handler>)> = vec![
            (Function::Health, Box::new(health::Health)),
            (
                Function::Verify,
                Box::new(verify::State::new(&config, &backends).unwrap()),
            ),
            (
                Function::Token,
                Box::new(token::State::new(&config, &backends).unwrap()),
            ),
            (
                Function::Webhook,
                Box::new(webhook::State::new(&config, &backends)),
            ),
            (
                Function::Composition,
                Box::new(composition::State::new(&config, &backends).unwrap()),
            ),
            (
                Function::Rooms,
                Box::new(rooms::State::new(&config, &backends).unwrap()),
            ),
            (
                Function::Presence,
                Box::new(presence::State::new(&config, &backends)),
            ),
        ];
        Self {
            store,
            twilio,
            functions,
        }
    }

    /// Invokes the line's function with `event`; asserts a 4xx in the one error shape, with
    /// `status` when given. `None` for a route whose function is not on this branch.
    pub(super) async fn refused(&self, line: &Line, case: &str, event: Value, status: Option<u64>) {
        let Some((_, handler)) = self.functions.iter().find(|(f, _)| *f == line.function) else {
            return;
        };
        let what = format!("{} {}: {case}", line.method, line.path);
        let response = invoke(handler.as_ref(), event, None).await;
        let got = response["statusCode"].as_u64().unwrap_or(0);
        let shown = |v: &Value| v.to_string().chars().take(400).collect::<String>();
        assert!((400..500).contains(&got), "{what}: {}", shown(&response));
        if let Some(status) = status {
            assert_eq!(got, status, "{what}: {}", shown(&response));
        }
        assert_eq!(
            response["headers"]["content-type"], "application/json",
            "{what}"
        );
        let error = &body(&response)["error"];
        let code = error["code"].as_str().unwrap_or("");
        let snake = !code.is_empty() && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
        assert!(
            snake && error["message"].is_string(),
            "{what}: {}",
            shown(&response)
        );
    }

    /// Asserts that no case wrote to DynamoDB or called Twilio.
    pub(super) async fn left_no_trace(&self) {
        let writes: Vec<_> = self
            .store
            .seen()
            .into_iter()
            .filter(|s| s.is_dynamo_write())
            .collect();
        assert!(writes.is_empty(), "bad input wrote to DynamoDB: {writes:?}");
        let calls = self.twilio.received_requests().await.unwrap_or_default();
        assert!(calls.is_empty(), "bad input called Twilio: {calls:?}");
    }
}

/// `event` with `body` as the client sent it, labelled `content_type`.
pub(super) fn with_raw_body(mut event: Value, body: &str, content_type: Option<&str>) -> Value {
    event["body"] = json!(body);
    event["isBase64Encoded"] = json!(false);
    let headers = event["headers"].as_object_mut().expect("headers");
    headers.remove("content-type");
    if let Some(ct) = content_type {
        headers.insert("content-type".into(), json!(ct));
    }
    event
}

/// `event` with its JSON body's `pointer` set to `value`.
pub(super) fn with_field(mut event: Value, pointer: &str, value: &str) -> Value {
    let mut body: Value = serde_json::from_str(event["body"].as_str().unwrap()).unwrap();
    *body
        .pointer_mut(pointer)
        .expect("the field is in the valid body") = json!(value);
    event["body"] = json!(body.to_string());
    event
}

/// `event` answered on route `method path`.
pub(super) fn routed(mut event: Value, method: &str, path: &str) -> Value {
    event["routeKey"] = json!(format!("{method} {path}"));
    event["requestContext"]["routeKey"] = event["routeKey"].clone();
    event["requestContext"]["http"]["method"] = json!(method);
    event
}

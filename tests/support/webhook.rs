//! Helpers for Twilio's callbacks: signed room status events built on the fixtures' shape, and
//! invocation through the functions' Lambda entry point.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use lambda_http::Context;
use serde_json::Value;
use shared::http::Handler;
use shared::twilio::signature;

use crate::{AUTH_TOKEN, PUBLIC_BASE_URL, event};

/// The URL Twilio signs room status callbacks for in tests.
pub fn room_status_url() -> String {
    format!("{PUBLIC_BASE_URL}/twilio/room-status")
}

/// A room status callback for `params`, as the HTTP API delivers it (body base64), signed with
/// the test Auth Token; `token` is its `I-Twilio-Idempotency-Token` (none when `None`).
pub fn room_status(params: &[(&str, &str)], token: Option<&str>) -> Value {
    let owned: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut event = event("room-status-room-ended");
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&owned)
        .finish();
    event["body"] = Value::String(base64::engine::general_purpose::STANDARD.encode(body));
    event["isBase64Encoded"] = Value::Bool(true);
    let headers = event["headers"].as_object_mut().expect("headers");
    headers.insert(
        signature::HEADER.into(),
        Value::String(signature::compute(AUTH_TOKEN, &room_status_url(), &owned)),
    );
    match token {
        Some(t) => headers.insert(
            "i-twilio-idempotency-token".into(),
            Value::String(t.to_string()),
        ),
        None => headers.remove("i-twilio-idempotency-token"),
    };
    event
}

/// The usual fields of a room status callback for `room_sid` and `event`, then `extra`.
pub fn room_params<'a>(
    room_sid: &'a str,
    event: &'a str,
    sequence: &'a str,
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut params = vec![
        ("AccountSid", crate::ACCOUNT_SID),
        ("RoomName", "acme:class:9f3c2b1a"),
        ("RoomSid", room_sid),
        ("RoomType", "group"),
        ("StatusCallbackEvent", event),
        ("Timestamp", "2026-11-26T01:00:00.000Z"),
        ("SequenceNumber", sequence),
    ];
    params.extend_from_slice(extra);
    params
}

/// Invokes a webhook function as the Lambda runtime would, with `budget` of remaining time
/// (none: no deadline, the handler's local budget applies). Returns the API Gateway response.
pub async fn invoke(handler: &dyn Handler, event: Value, budget: Option<Duration>) -> Value {
    let mut context = Context::default();
    if let Some(budget) = budget {
        let deadline = SystemTime::now() + budget;
        context.deadline = deadline
            .duration_since(UNIX_EPOCH)
            .expect("after 1970")
            .as_millis() as u64;
    }
    let payload = serde_json::from_value(event).expect("an API Gateway event");
    shared::http::invoke(handler, lambda_http::LambdaEvent::new(payload, context))
        .await
        .expect("the entry point answers every API Gateway event")
}

/// Fifty deliveries of one callback at once, as `event` builds one from its idempotency token:
/// the even ones redeliveries carrying `shared_token`, the odd ones a token each of their own.
/// Their responses, in order.
pub async fn deliver_at_once(
    handler: &dyn Handler,
    shared_token: &str,
    event: impl Fn(&str) -> Value,
) -> Vec<Value> {
    let deliveries = (0..50).map(|i| {
        let token = if i % 2 == 0 {
            shared_token.to_string()
        } else {
            crate::unique("tok-")
        };
        invoke(handler, event(&token), None)
    });
    futures::future::join_all(deliveries).await
}

/// The status of an API Gateway response.
pub fn status(response: &Value) -> u64 {
    response["statusCode"].as_u64().expect("statusCode")
}

/// The JSON body of an API Gateway response.
pub fn body(response: &Value) -> Value {
    let text = response["body"].as_str().unwrap_or("null");
    serde_json::from_str(text).unwrap_or(Value::Null)
}

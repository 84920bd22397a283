//! Tests of [`super`]: which events `lambda_http` panics on, that each is a 400 before any handler
//! runs, and that a convertible event reaches its handler with its Lambda context.

use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use lambda_http::{Context, RequestExt, Response};

use super::*;

/// What a case sets in an event.
#[derive(Clone, Copy, Debug)]
enum Part {
    /// The body, flagged base64.
    Base64Body,
    Header(&'static str),
    /// An HTTP API's `rawQueryString` (a REST API event's parameters are re-encoded).
    RawQuery,
}
use Part::{Base64Body, Header, RawQuery};

/// What `lambda_http` 1.3 panics on converting, all set by the client.
const PANICKING: [(Part, &str); 13] = [
    (Base64Body, "not base64!!"),
    (Base64Body, "YT0x\n"),
    (Header("host"), "video example com"),
    (Header("host"), "example.com:99999"),
    (Header("host"), "example.com:x"),
    (Header("host"), "[::1"),
    (Header("x-forwarded-proto"), ""),
    (Header("x-forwarded-proto"), "ht tp"),
    (Header("x-forwarded-proto"), "1https"),
    (RawQuery, "a=\"b\""),
    (RawQuery, "a=b c"),
    (RawQuery, "a=<b>"),
    (RawQuery, "a=\u{7f}"),
];

/// Client-set oddities that `lambda_http` converts.
const CONVERTING: [(Part, &str); 7] = [
    (Base64Body, "YT0x"),
    (Header("x-note"), "é"),
    (Header("host"), "ex%41mple.com"),
    (RawQuery, "a={b}|^`\\"),
    (RawQuery, "a=é"),
    (RawQuery, "a=%ZZ"),
    (RawQuery, "a=b#c"),
];

/// Each case applied to an HTTP API event (`events/health.json`) and to a REST API one
/// where it applies, named.
fn cases(table: &[(Part, &str)]) -> Vec<(String, Value)> {
    let parse = |text: &str| serde_json::from_str::<Value>(text).unwrap();
    let events = [
        (
            "http api",
            parse(include_str!("../../../events/health.json")),
        ),
        (
            "rest api",
            parse(include_str!("../../../events/room-status-rest-api.json")),
        ),
    ];
    let mut out = Vec::new();
    for (format, event) in events {
        out.push((format!("{format}, as it is"), event.clone()));
        for &(part, value) in table {
            let mut event = event.clone();
            match part {
                Base64Body => {
                    event["body"] = value.into();
                    event["isBase64Encoded"] = true.into();
                }
                Header(name) => {
                    for field in ["headers", "multiValueHeaders"] {
                        if let Some(map) = event[field].as_object_mut() {
                            map.retain(|k, _| !k.eq_ignore_ascii_case(name));
                        }
                    }
                    event["headers"][name] = value.into();
                }
                RawQuery if format == "http api" => event["rawQueryString"] = value.into(),
                RawQuery => continue,
            }
            out.push((format!("{format}, {part:?} {value:?}"), event));
        }
    }
    out
}

/// Whether `lambda_http` converts the event (deserialising it first) without panicking.
fn converts(event: &Value) -> bool {
    let text = event.to_string();
    let converted = std::panic::catch_unwind(|| lambda_http::request::from_str(&text));
    matches!(converted, Ok(Ok(_)))
}

#[test]
fn lambda_http_panics_converting_these_client_controlled_events_and_only_these() {
    for (case, event) in cases(&PANICKING) {
        assert_eq!(converts(&event), case.ends_with("as it is"), "{case}");
    }
    for (case, event) in cases(&CONVERTING) {
        assert!(converts(&event), "{case}: expected a request");
    }
}

/// A handler that counts its calls and answers with what it was given.
#[derive(Default)]
struct Probe(AtomicUsize);

#[async_trait]
impl Handler for Probe {
    async fn handle(&self, req: Request) -> Response<Body> {
        self.0.fetch_add(1, Ordering::SeqCst);
        let request_id = req.lambda_context_ref().map(|c| c.request_id.clone());
        let answer = json!({ "route": crate::http::route_key(&req), "request_id": request_id });
        crate::http::json(http::StatusCode::OK, &answer)
    }
}

/// `event` through [`invoke`] to a fresh probe: the response, and how often the probe ran.
async fn run(event: Value) -> (Value, usize) {
    let probe = Probe::default();
    let mut context = Context::default();
    context.request_id = "req-1".into();
    let payload = serde_json::from_value(event).expect("an API Gateway event");
    let response = invoke(&probe, LambdaEvent::new(payload, context)).await;
    (response.unwrap(), probe.0.load(Ordering::SeqCst))
}

fn body(response: &Value) -> Value {
    serde_json::from_str(response["body"].as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn an_event_lambda_http_cannot_convert_is_a_400_and_no_handler_runs() {
    for (case, event) in cases(&PANICKING) {
        if case.ends_with("as it is") {
            continue;
        }
        let (response, calls) = run(event).await;
        assert_eq!(response["statusCode"], 400, "{case}: {response}");
        assert_eq!(response["headers"]["content-type"], "application/json");
        let code = if case.contains("Base64Body") {
            "malformed_body"
        } else {
            "malformed_request"
        };
        assert_eq!(body(&response)["error"]["code"], code, "{case}");
        assert_eq!(calls, 0, "{case}");
        // A REST API refuses a proxy response with any other field as malformed.
        let known = ["statusCode", "headers", "body", "isBase64Encoded"];
        let fields = response.as_object().unwrap().keys();
        assert!(
            fields.clone().all(|f| known.contains(&f.as_str())),
            "{response}"
        );
    }
}

#[tokio::test]
async fn a_convertible_event_reaches_the_handler_with_its_lambda_context() {
    for (case, event) in cases(&CONVERTING) {
        let (response, calls) = run(event).await;
        assert_eq!(response["statusCode"], 200, "{case}: {response}");
        assert_eq!(body(&response)["request_id"], "req-1", "{case}");
        assert_eq!(calls, 1, "{case}");
        let route = if case.starts_with("http") {
            "GET /healthz"
        } else {
            "POST /twilio/room-status"
        };
        assert_eq!(body(&response)["route"], route, "{case}");
    }
}

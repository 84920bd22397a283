//! The Lambda entry point of every HTTP function, and of the local API's routes.
//!
//! `lambda_http` panics, rather than failing, on some events it cannot turn into a request: a body
//! flagged base64 that is not, and a URI it cannot build from the `Host` or `X-Forwarded-Proto`
//! header or from an HTTP API's raw query string (a `"`, `<`, space or control character, which
//! API Gateway passes on as the client sent it). The runtime would report the panic and API
//! Gateway answer 500. So the conversion runs under `catch_unwind` (which needs the release
//! profile's `panic = "unwind"`), and such an event is a 400 in the one error shape, with no
//! handler run. The tests below record which events panic.

use std::panic::AssertUnwindSafe;

use lambda_http::request::LambdaRequest;
use lambda_http::{Adapter, Body, LambdaEvent, Request, Service};
use serde_json::{Map, Value, json};

use super::Handler;
use crate::error::ApiError;

/// Runs `handler` under the Lambda runtime, each event through [`invoke`]: the whole `main` of an
/// HTTP function after its state is built.
pub async fn run_lambda(handler: impl Handler) -> Result<(), lambda_http::Error> {
    let handler = &handler;
    lambda_http::lambda_runtime::run(lambda_http::service_fn(
        move |event: LambdaEvent<LambdaRequest>| invoke(handler, event),
    ))
    .await
}

/// One invocation: the API Gateway event (HTTP API or REST API) in, the API Gateway response out,
/// as JSON. An event `lambda_http` cannot convert is answered 400 without calling `handler`:
/// `malformed_body` for a body flagged base64 that is not, else `malformed_request`.
pub async fn invoke<H: Handler + ?Sized>(
    handler: &H,
    event: LambdaEvent<LambdaRequest>,
) -> Result<Value, lambda_http::Error> {
    let refusal = if !body_decodes(&event.payload) {
        ApiError::bad_request(
            "malformed_body",
            "the body is flagged base64 but is not valid base64",
        )
    } else {
        let service = lambda_http::service_fn(move |req: Request| async move {
            Ok::<_, std::convert::Infallible>(handler.handle(req).await)
        });
        let mut adapter = Adapter::from(service);
        // The conversion happens in `call`; the future only runs the handler.
        match std::panic::catch_unwind(AssertUnwindSafe(|| adapter.call(event))) {
            Ok(answer) => return Ok(serde_json::to_value(answer.await?)?),
            Err(_) => ApiError::bad_request("malformed_request", "the request cannot be read"),
        }
    };
    tracing::warn!(
        code = refusal.code(),
        "request refused: lambda_http cannot convert the event"
    );
    Ok(response_json(refusal))
}

/// Whether the body, when flagged base64, decodes (`lambda_http` panics on one that does not).
fn body_decodes(payload: &LambdaRequest) -> bool {
    use base64::Engine;
    let (flagged, body) = match payload {
        LambdaRequest::ApiGatewayV2(e) => (e.is_base64_encoded, e.body.as_deref()),
        LambdaRequest::ApiGatewayV1(e) => (e.is_base64_encoded, e.body.as_deref()),
        _ => (false, None),
    };
    match body {
        Some(body) if flagged => base64::engine::general_purpose::STANDARD
            .decode(body)
            .is_ok(),
        _ => true,
    }
}

/// An error as the API Gateway response JSON, in the shape both payload formats accept.
fn response_json(error: ApiError) -> Value {
    let (parts, body) = error.into_response().into_parts();
    let headers: Map<String, Value> = parts
        .headers
        .iter()
        .filter_map(|(name, value)| Some((name.to_string(), value.to_str().ok()?.into())))
        .collect();
    let body = match body {
        Body::Text(text) => text,
        other => String::from_utf8_lossy(other.as_ref()).into_owned(),
    };
    json!({
        "statusCode": parts.status.as_u16(),
        "headers": headers,
        "body": body,
        "isBase64Encoded": false,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use async_trait::async_trait;
    use lambda_http::{Context, RequestExt, Response};

    use super::*;

    /// An HTTP API event (`events/health.json`) and a REST API one.
    fn events() -> [(&'static str, Value); 2] {
        let parse = |text: &str| serde_json::from_str::<Value>(text).unwrap();
        [
            (
                "http api",
                parse(include_str!("../../../events/health.json")),
            ),
            (
                "rest api",
                parse(include_str!("../../../events/room-status-rest-api.json")),
            ),
        ]
    }

    /// `event` with header `name` set to `value` (replacing any spelling of it), as both
    /// payload formats carry headers.
    fn with_header(mut event: Value, name: &str, value: &str) -> Value {
        for field in ["headers", "multiValueHeaders"] {
            if let Some(map) = event[field].as_object_mut() {
                map.retain(|k, _| !k.eq_ignore_ascii_case(name));
            }
        }
        event["headers"][name] = value.into();
        event
    }

    fn with_body(mut event: Value, body: &str) -> Value {
        event["body"] = body.into();
        event["isBase64Encoded"] = true.into();
        event
    }

    fn with_raw_query(mut event: Value, query: &str) -> Value {
        event["rawQueryString"] = query.into();
        event
    }

    /// Whether `lambda_http` converts the event (deserialising it first) without panicking.
    fn converts(event: &Value) -> bool {
        let text = event.to_string();
        let converted = std::panic::catch_unwind(|| lambda_http::request::from_str(&text));
        matches!(converted, Ok(Ok(_)))
    }

    /// The events `lambda_http` 1.3 panics on, in both payload formats unless said otherwise.
    fn panicking(event: &Value, http_api: bool) -> Vec<(String, Value)> {
        let mut cases = vec![
            (
                "body not base64".into(),
                with_body(event.clone(), "not base64!!"),
            ),
            (
                "body base64 with a newline".into(),
                with_body(event.clone(), "YT0x\n"),
            ),
        ];
        for host in [
            "video example com",
            "example.com:99999",
            "example.com:x",
            "[::1",
        ] {
            cases.push((
                format!("Host {host}"),
                with_header(event.clone(), "host", host),
            ));
        }
        for proto in ["", "ht tp", "1https"] {
            let case = with_header(event.clone(), "x-forwarded-proto", proto);
            cases.push((format!("X-Forwarded-Proto {proto:?}"), case));
        }
        if http_api {
            // A REST API event's query parameters are re-encoded; an HTTP API's raw one is not.
            for query in ["a=\"b\"", "a=b c", "a=<b>", "a=\u{7f}"] {
                cases.push((
                    format!("query {query:?}"),
                    with_raw_query(event.clone(), query),
                ));
            }
        }
        cases
    }

    /// Client-controlled oddities that `lambda_http` converts.
    fn converting(event: &Value, http_api: bool) -> Vec<(String, Value)> {
        let mut cases = vec![
            ("the fixture".into(), event.clone()),
            ("body base64".into(), with_body(event.clone(), "YT0x")),
            (
                "a non-ASCII header".into(),
                with_header(event.clone(), "x-note", "é"),
            ),
            (
                "an odd but valid Host".into(),
                with_header(event.clone(), "host", "ex%41mple.com"),
            ),
        ];
        if http_api {
            for query in ["a={b}|^`\\", "a=é", "a=%ZZ", "a=b#c"] {
                cases.push((
                    format!("query {query:?}"),
                    with_raw_query(event.clone(), query),
                ));
            }
        }
        cases
    }

    #[test]
    fn lambda_http_panics_converting_these_client_controlled_events_and_only_these() {
        for (format, event) in events() {
            let http_api = format == "http api";
            for (case, bad) in panicking(&event, http_api) {
                assert!(!converts(&bad), "{format}, {case}: expected a panic");
            }
            for (case, good) in converting(&event, http_api) {
                assert!(converts(&good), "{format}, {case}: expected a request");
            }
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

    async fn run(handler: &Probe, event: Value) -> Value {
        let mut context = Context::default();
        context.request_id = "req-1".into();
        let payload = serde_json::from_value(event).expect("an API Gateway event");
        invoke(handler, LambdaEvent::new(payload, context))
            .await
            .unwrap()
    }

    fn body(response: &Value) -> Value {
        serde_json::from_str(response["body"].as_str().unwrap()).unwrap()
    }

    #[tokio::test]
    async fn an_event_lambda_http_cannot_convert_is_a_400_and_no_handler_runs() {
        for (format, event) in events() {
            for (case, bad) in panicking(&event, format == "http api") {
                let probe = Probe::default();
                let response = run(&probe, bad).await;
                assert_eq!(response["statusCode"], 400, "{format}, {case}: {response}");
                assert_eq!(
                    response["headers"]["content-type"], "application/json",
                    "{format}, {case}"
                );
                let code = if case.starts_with("body") {
                    "malformed_body"
                } else {
                    "malformed_request"
                };
                assert_eq!(body(&response)["error"]["code"], code, "{format}, {case}");
                assert_eq!(probe.0.load(Ordering::SeqCst), 0, "{format}, {case}");
            }
        }
    }

    #[tokio::test]
    async fn a_convertible_event_reaches_the_handler_with_its_lambda_context() {
        for (format, event) in events() {
            for (case, good) in converting(&event, format == "http api") {
                let probe = Probe::default();
                let response = run(&probe, good).await;
                assert_eq!(response["statusCode"], 200, "{format}, {case}: {response}");
                assert_eq!(body(&response)["request_id"], "req-1", "{format}, {case}");
                assert_eq!(probe.0.load(Ordering::SeqCst), 1, "{format}, {case}");
            }
        }
        let probe = Probe::default();
        let health = run(&probe, events()[0].1.clone()).await;
        assert_eq!(body(&health)["route"], "GET /healthz");
    }
}

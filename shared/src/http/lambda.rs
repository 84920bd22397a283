//! The Lambda entry point of every HTTP function, and of the local API's routes.
//!
//! `lambda_http` panics, rather than failing, on some events it cannot turn into a request: a body
//! flagged base64 that is not, and a URI it cannot build from the `Host` or `X-Forwarded-Proto`
//! header or from an HTTP API's raw query string (a `"`, `<`, space or control character, which
//! API Gateway passes on as the client sent it). The runtime would report the panic and API
//! Gateway answer 500. So the body is checked first (its own 400 code), the conversion runs under
//! `catch_unwind` (which needs the release profile's `panic = "unwind"`), and such an event is a
//! 400 in the one error shape, with no handler run. The tests below record which events panic.

use std::panic::AssertUnwindSafe;

use lambda_http::request::LambdaRequest;
use lambda_http::{Adapter, Body, LambdaEvent, Request, Service};
use serde_json::{Map, Value, json};

use super::{BODY_LIMIT, Handler, payload_too_large};
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
/// `malformed_body` for a body flagged base64 that is not, else `malformed_request`; a body over
/// [`BODY_LIMIT`] is a 413 `payload_too_large`, also without calling it.
pub async fn invoke<H: Handler + ?Sized>(
    handler: &H,
    event: LambdaEvent<LambdaRequest>,
) -> Result<Value, lambda_http::Error> {
    let refusal = if let Some(refusal) = refuse_body(&event.payload) {
        refusal
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
        "request refused before any handler ran"
    );
    Ok(response_json(refusal))
}

/// Why the body must be refused before the conversion: flagged base64 but not base64
/// (`lambda_http` panics on it), or larger than [`BODY_LIMIT`] once decoded.
fn refuse_body(payload: &LambdaRequest) -> Option<ApiError> {
    use base64::Engine;
    let (flagged, body) = match payload {
        LambdaRequest::ApiGatewayV2(e) => (e.is_base64_encoded, e.body.as_deref()),
        LambdaRequest::ApiGatewayV1(e) => (e.is_base64_encoded, e.body.as_deref()),
        _ => (false, None),
    };
    let body = body?;
    let size = if flagged {
        match base64::engine::general_purpose::STANDARD.decode(body) {
            Ok(bytes) => bytes.len(),
            Err(_) => {
                return Some(ApiError::bad_request(
                    "malformed_body",
                    "the body is flagged base64 but is not valid base64",
                ));
            }
        }
    } else {
        body.len()
    };
    (size > BODY_LIMIT).then(payload_too_large)
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
#[path = "lambda_tests.rs"]
mod tests;

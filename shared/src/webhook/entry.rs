//! The Lambda entry point of functions that take Twilio's callbacks.
//!
//! `lambda_http` turns the API Gateway event into a request, and panics on a body flagged base64
//! that is not (`Body::from_maybe_encoded` expects it to decode); the runtime would report the
//! panic and API Gateway answer 500. Here the event is checked first, so that such a body is a
//! 400 from the handler instead.

use std::panic::AssertUnwindSafe;

use lambda_http::request::LambdaRequest;
use lambda_http::{Adapter, Context, LambdaEvent, Request, Service};
use serde_json::Value;

use crate::http::Handler;

/// A request extension set by [`invoke`] when the event could not be read as sent; the
/// callback is then rejected with a 400 (see [`super::verify`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unreadable {
    /// The body is flagged base64 but is not valid base64; the handler sees no body.
    Body,
    /// `lambda_http` could not convert the event; the handler sees a stripped copy of it.
    Request,
}

/// Runs `handler` under the Lambda runtime, checking each event before `lambda_http` sees it
/// (see [`invoke`]). The whole `main` of a function that takes Twilio callbacks, after its state
/// is built.
pub async fn run_lambda(handler: impl Handler) -> Result<(), lambda_http::Error> {
    let handler = &handler;
    lambda_http::lambda_runtime::run(lambda_http::service_fn(
        move |event: LambdaEvent<Value>| async move {
            invoke(handler, event.payload, event.context).await
        },
    ))
    .await
}

/// One invocation: the API Gateway event (HTTP API or REST API) in, the API Gateway response
/// out, as JSON. A body flagged base64 that does not decode reaches the handler empty, with the
/// [`Unreadable::Body`] extension, so that [`super::verify`] answers 400; should `lambda_http`'s
/// conversion panic on anything else in the event, the handler gets a stripped copy with
/// [`Unreadable::Request`] rather than the client a 500.
pub async fn invoke<H: Handler + ?Sized>(
    handler: &H,
    event: Value,
    context: Context,
) -> Result<Value, lambda_http::Error> {
    let (event, unreadable) = check_body(event);
    let first = convert_and_call(handler, event.clone(), context.clone(), unreadable).await;
    let response = match first {
        Some(response) => response?,
        None => {
            tracing::warn!("the event could not be converted; answering from a stripped copy");
            convert_and_call(handler, stripped(event), context, Some(Unreadable::Request))
                .await
                .ok_or("the event cannot be converted to a request")??
        }
    };
    Ok(response)
}

/// Converts the event and calls the handler; `None` if the conversion panicked.
async fn convert_and_call<H: Handler + ?Sized>(
    handler: &H,
    event: Value,
    context: Context,
    unreadable: Option<Unreadable>,
) -> Option<Result<Value, lambda_http::Error>> {
    let payload: LambdaRequest = match serde_json::from_value(event) {
        Ok(p) => p,
        // Not an API Gateway event at all: an invocation error, as lambda_http would make it.
        Err(e) => return Some(Err(e.into())),
    };
    let service = lambda_http::service_fn(move |mut req: Request| async move {
        if let Some(unreadable) = unreadable {
            req.extensions_mut().insert(unreadable);
        }
        Ok::<_, std::convert::Infallible>(handler.handle(req).await)
    });
    let mut adapter = Adapter::from(service);
    let call = std::panic::catch_unwind(AssertUnwindSafe(|| {
        adapter.call(LambdaEvent::new(payload, context))
    }));
    let future = call.ok()?;
    Some(match future.await {
        Ok(response) => serde_json::to_value(response).map_err(Into::into),
        Err(never) => match never {},
    })
}

/// The event with a body flagged base64 that does not decode replaced by none; and whether
/// that happened.
fn check_body(mut event: Value) -> (Value, Option<Unreadable>) {
    use base64::Engine;
    let flagged = event.get("isBase64Encoded").and_then(Value::as_bool) == Some(true);
    let undecodable = flagged
        && event
            .get("body")
            .and_then(Value::as_str)
            .is_some_and(|b| base64::engine::general_purpose::STANDARD.decode(b).is_err());
    if undecodable {
        event["body"] = Value::Null;
        event["isBase64Encoded"] = Value::Bool(false);
    }
    (event, undecodable.then_some(Unreadable::Body))
}

/// The event without anything a client controls beyond its route: enough to answer a 400.
fn stripped(mut event: Value) -> Value {
    if let Some(map) = event.as_object_mut() {
        for field in [
            "headers",
            "multiValueHeaders",
            "cookies",
            "queryStringParameters",
            "multiValueQueryStringParameters",
            "pathParameters",
        ] {
            map.remove(field);
        }
        map.insert("body".into(), Value::Null);
        map.insert("isBase64Encoded".into(), Value::Bool(false));
        if map.contains_key("rawPath") {
            map.insert("rawPath".into(), Value::String("/".into()));
            map.insert("rawQueryString".into(), Value::String(String::new()));
        }
        if map.contains_key("path") {
            map.insert("path".into(), Value::String("/".into()));
        }
    }
    event
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_body_flagged_base64_that_is_not_is_removed_and_marked() {
        let (event, unreadable) =
            check_body(json!({"body": "not base64!!", "isBase64Encoded": true}));
        assert_eq!(unreadable, Some(Unreadable::Body));
        assert_eq!(event["body"], Value::Null);
        let (event, unreadable) = check_body(json!({"body": "YT0x", "isBase64Encoded": true}));
        assert_eq!(unreadable, None);
        assert_eq!(event["body"], "YT0x");
    }
}

//! HTTP plumbing shared by the HTTP functions: the Lambda entry point ([`run_lambda`]), JSON
//! responses, JSON bodies and route keys.

mod lambda;

use async_trait::async_trait;

use http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response, request::RequestContext};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

pub use lambda::{invoke, run_lambda};

/// The largest request body any route accepts, after base64 decoding: Lambda's 6 MB payload
/// limit for a synchronous invocation (API Gateway's own is 10 MB). The entry point refuses a
/// larger one with [`payload_too_large`] before any handler runs; the local API reads no more.
pub const BODY_LIMIT: usize = 6 * 1024 * 1024;

/// `413 payload_too_large`: the body exceeds [`BODY_LIMIT`].
pub fn payload_too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "the body exceeds 6 MB",
    )
}

/// An HTTP function: what a Lambda entry point and the local API both call.
#[async_trait]
pub trait Handler: Send + Sync {
    /// Answers one request. Errors are already mapped to responses.
    async fn handle(&self, req: Request) -> Response<Body>;
}

/// A JSON response with the given status.
pub fn json(status: StatusCode, value: &impl serde::Serialize) -> Response<Body> {
    let body = serde_json::to_string(value).unwrap_or_else(|_| "{}".to_string());
    Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::CACHE_CONTROL, "no-store")
        .body(Body::Text(body))
        .unwrap_or_default()
}

/// Turns a handler's result into the response, mapping errors through [`ApiError`].
pub fn respond(result: Result<Response<Body>, ApiError>) -> Response<Body> {
    result.unwrap_or_else(ApiError::into_response)
}

/// Parses a JSON body into `T` (a typed request struct); a missing, malformed or mistyped body
/// is a 400 whose message names the field at fault (`room.id is required`,
/// `device_id: invalid type: integer, expected a string`).
pub fn json_body<T: DeserializeOwned>(req: &Request) -> Result<T, ApiError> {
    let bytes: &[u8] = req.body().as_ref();
    if bytes.is_empty() {
        return Err(ApiError::bad_request(
            "invalid_body",
            "a JSON body is required",
        ));
    }
    let not_json = || ApiError::bad_request("invalid_body", "the body is not valid JSON");
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => field_error(&path, &inner.to_string()),
            // serde_json calls some wrong values "syntax" (a number where an enum's name
            // belongs): at a field, the field is at fault.
            serde_json::error::Category::Syntax if path != "." => ApiError::bad_request(
                "invalid_field",
                format!("{path} has a value of the wrong kind"),
            ),
            _ => not_json(),
        }
    })?;
    // Trailing text after the value is not JSON either.
    de.end().map_err(|_| not_json())?;
    Ok(value)
}

/// A 400 for a field that serde refused, named by its whole path.
fn field_error(path: &str, serde_message: &str) -> ApiError {
    // serde_json adds where in the text it stopped; the field's path says it better.
    let message = serde_message
        .split(" at line ")
        .next()
        .unwrap_or(serde_message);
    let join = |field: &str| match path {
        "." | "" => field.to_string(),
        _ => format!("{path}.{field}"),
    };
    let quoted = |prefix: &str| {
        message
            .strip_prefix(prefix)
            .and_then(|rest| rest.split('`').next())
            .map(join)
    };
    if let Some(field) = quoted("missing field `") {
        return ApiError::bad_request("missing_field", format!("{field} is required"));
    }
    if message.starts_with("unknown field `") {
        // Here the path already ends at the unknown field.
        return ApiError::bad_request(
            "unknown_field",
            format!("{path} is not a field of this body"),
        );
    }
    let at = match path {
        "." | "" => "the body",
        _ => path,
    };
    ApiError::bad_request("invalid_field", format!("{at}: {message}"))
}

/// The route as API Gateway names it (`"POST /verify/start"`), from the request context, so a
/// function serving several routes dispatches the same way whatever the stage or custom domain.
/// Falls back to the method and path when no context carries it.
pub fn route_key(req: &Request) -> String {
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx))
            if ctx.route_key.as_deref().is_some_and(|k| k != "$default") =>
        {
            ctx.route_key.clone().unwrap_or_default()
        }
        Some(RequestContext::ApiGatewayV1(ctx)) if ctx.resource_path.is_some() => {
            format!(
                "{} {}",
                req.method(),
                ctx.resource_path.clone().unwrap_or_default()
            )
        }
        _ => format!("{} {}", req.method(), req.uri().path()),
    }
}

/// A path parameter by name; a missing one is a 400 naming it.
pub fn path_param(req: &Request, name: &str) -> Result<String, ApiError> {
    req.path_parameters_ref()
        .and_then(|p| p.first(name))
        .map(str::to_string)
        .ok_or_else(|| {
            ApiError::bad_request(
                "missing_path_parameter",
                format!("missing path parameter {name}"),
            )
        })
}

/// The "no such route" answer of every function.
pub fn no_route(req: &Request) -> ApiError {
    ApiError::not_found("no_route", format!("no route for {}", route_key(req)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct TokenLike {
        room: Room,
        #[serde(default)]
        device_id: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields, expecting = "an object with type and id")]
    #[allow(dead_code)]
    struct Room {
        #[serde(rename = "type")]
        kind: String,
        id: String,
    }

    fn parse(body: &str) -> Result<TokenLike, ApiError> {
        let req: Request = http::Request::new(Body::from(body.to_string()));
        json_body(&req)
    }

    fn message(body: &str) -> (String, String) {
        let e = parse(body).unwrap_err();
        assert_eq!(e.status(), 400, "{body}");
        let r = e.into_response();
        let v: serde_json::Value = serde_json::from_slice(r.body().as_ref()).unwrap();
        (
            v["error"]["code"].as_str().unwrap().to_string(),
            v["error"]["message"].as_str().unwrap().to_string(),
        )
    }

    #[test]
    fn a_bad_field_is_named_by_its_whole_path() {
        assert_eq!(
            message(r#"{"room":{"type":"class"}}"#),
            ("missing_field".into(), "room.id is required".into())
        );
        assert_eq!(
            message("{}"),
            ("missing_field".into(), "room is required".into())
        );
        let (code, text) = message(r#"{"room":{"type":"class","id":7}}"#);
        assert_eq!(code, "invalid_field");
        assert!(
            text.starts_with("room.id: invalid type: integer `7`"),
            "{text}"
        );
        assert!(!text.contains("line"), "{text}");
        assert_eq!(
            message(r#"{"room":{"type":"a","id":"b"},"device_id":[1]}"#).0,
            "invalid_field"
        );
        let (code, text) = message(r#"{"room":"acme:class:1"}"#);
        assert_eq!(code, "invalid_field");
        assert!(text.contains("an object with type and id"), "{text}");
        assert_eq!(
            message(r#"{"room":{"type":"a","id":"b"},"to":"+1"}"#),
            (
                "unknown_field".into(),
                "to is not a field of this body".into()
            )
        );
    }

    #[test]
    fn a_body_that_is_not_json_is_a_400() {
        for body in [
            "",
            "room=1",
            "{\"room\":",
            "{\"room\":{\"type\":\"a\",\"id\":\"b\"}} trailing",
        ] {
            assert_eq!(message(body).0, "invalid_body", "{body}");
        }
        assert!(parse(r#"{"room":{"type":"a","id":"b"}}"#).is_ok());
    }
}

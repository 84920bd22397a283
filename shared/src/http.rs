//! HTTP plumbing shared by the HTTP functions: the Lambda entry point ([`run_lambda`]), JSON
//! responses, JSON bodies, route keys, and the remaining time of the invocation.

mod lambda;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;

use http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response, request::RequestContext};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

pub use lambda::{invoke, run_lambda};

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

/// Parses a JSON body into `T`; a missing, malformed or mistyped body is a 400.
pub fn json_body<T: DeserializeOwned>(req: &Request) -> Result<T, ApiError> {
    let bytes: &[u8] = req.body().as_ref();
    if bytes.is_empty() {
        return Err(ApiError::bad_request(
            "invalid_body",
            "a JSON body is required",
        ));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::bad_request(
            "invalid_body",
            format!("the body is not valid JSON for this route: {e}"),
        )
    })
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

/// How long a claim on a side effect may stay in progress: until the invocation's deadline when
/// running in Lambda, else `fallback` from now (local API, tests).
pub fn invocation_deadline(req: &Request, fallback: Duration) -> SystemTime {
    req.lambda_context_ref()
        .map(|ctx| ctx.deadline)
        .filter(|ms| *ms > 0)
        .map(|ms| UNIX_EPOCH + Duration::from_millis(ms))
        .unwrap_or_else(|| SystemTime::now() + fallback)
}

/// Time kept back from the invocation's deadline to write state and answer.
const ANSWER_MARGIN: Duration = Duration::from_millis(500);

/// The instant by which outbound calls (Twilio) must be done: the invocation's deadline less a
/// margin to answer, or `fallback` from now outside Lambda.
pub fn call_deadline(req: &Request, fallback: Duration) -> tokio::time::Instant {
    let remaining = invocation_deadline(req, fallback)
        .duration_since(SystemTime::now())
        .unwrap_or_default()
        .saturating_sub(ANSWER_MARGIN);
    tokio::time::Instant::now() + remaining
}

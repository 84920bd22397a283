//! The one mapping from errors to HTTP responses, with API.md's JSON shape:
//! `{"error":{"code":"snake_case","message":"…"}}`.
//!
//! Handlers return `Result<Response, ApiError>`. Client-facing errors carry their status, code
//! and message; anything unexpected becomes a 500 whose cause is logged here and never sent.
//! A failed Twilio call becomes an answer through the one table of [`twilio`], a store failure
//! through [`store`].

mod store;
mod twilio;

use std::fmt;

use http::StatusCode;
use lambda_http::{Body, Response};
use serde_json::{Map, Value, json};

/// An error a handler answers with.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_after: Option<u64>,
    extra: Map<String, Value>,
}

impl ApiError {
    /// An error with a status, a stable code and a message for the client.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
            extra: Map::new(),
        }
    }

    /// 400: the request is malformed or a field is invalid.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 401: no usable proof of who the caller is.
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// 403: the caller is known but may not do this.
    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }

    /// 404: nothing here, or nothing the caller may know about.
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    /// 409: the request conflicts with the current state.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    /// 429 with `Retry-After`.
    pub fn too_many_requests(
        code: &'static str,
        message: impl Into<String>,
        retry_after: u64,
    ) -> Self {
        let mut e = Self::new(StatusCode::TOO_MANY_REQUESTS, code, message);
        e.retry_after = Some(retry_after.max(1));
        e
    }

    /// 500 for anything the client cannot act on. The cause is logged here, never sent.
    pub fn internal(cause: impl fmt::Display) -> Self {
        tracing::error!(error = %cause, "unexpected error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "something went wrong on our side",
        )
    }

    /// 503: a dependency is unavailable; the caller should retry later. The cause is logged.
    pub fn unavailable(cause: impl fmt::Display) -> Self {
        tracing::error!(error = %cause, "dependency unavailable");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "service_unavailable",
            "a service we depend on is unavailable; try again later",
        )
    }

    /// Adds `Retry-After` to any error.
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds.max(1));
        self
    }

    /// Adds a top-level field beside `error` (e.g. `"status":"pending"`).
    pub fn with_field(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.extra.insert(name.to_string(), value.into());
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable error code.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The response the client receives.
    pub fn into_response(self) -> Response<Body> {
        let mut body = self.extra;
        body.insert(
            "error".into(),
            json!({ "code": self.code, "message": self.message }),
        );
        let mut response = crate::http::json(self.status, &Value::Object(body));
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(r: &Response<Body>) -> Value {
        serde_json::from_slice(r.body().as_ref()).unwrap()
    }

    #[test]
    fn client_errors_carry_code_and_message() {
        let r = ApiError::bad_request("invalid_room", "room.id must match [A-Za-z0-9_-]{1,64}")
            .into_response();
        assert_eq!(r.status(), 400);
        assert_eq!(r.headers()["content-type"], "application/json");
        assert_eq!(body(&r)["error"]["code"], "invalid_room");
    }

    #[test]
    fn a_500_never_carries_its_cause() {
        let r =
            ApiError::internal("dynamodb: table arn:aws:dynamodb:secret-detail").into_response();
        assert_eq!(r.status(), 500);
        let text = String::from_utf8(r.body().to_vec()).unwrap();
        assert!(!text.contains("secret-detail"));
        assert_eq!(body(&r)["error"]["code"], "internal_error");
    }

    #[test]
    fn extra_fields_and_retry_after_are_kept() {
        let r = ApiError::too_many_requests("rate_limited", "slow down", 30)
            .with_field("status", "pending")
            .into_response();
        assert_eq!(r.status(), 429);
        assert_eq!(r.headers()["retry-after"], "30");
        assert_eq!(body(&r)["status"], "pending");
    }
}

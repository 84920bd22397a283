//! What every API of the fake shares: reading a request (form fields, query, HTTP Basic
//! credentials), making SIDs and times as Twilio writes them, and answering in Twilio's shapes
//! (a JSON resource with a `Twilio-Request-Id`, or `{"code","message","more_info","status"}`).

use std::collections::HashMap;

use axum::body::Body;
use base64::Engine;
use http::{HeaderMap, Response, StatusCode};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::{Rfc2822, Rfc3339};

/// A request's form fields (the body) or query parameters.
pub type Params = HashMap<String, String>;

/// Form fields or query parameters (the last of a repeated name wins).
pub fn params(raw: &[u8]) -> Params {
    url::form_urlencoded::parse(raw).into_owned().collect()
}

/// A field, as a `&str`.
pub fn field<'a>(params: &'a Params, name: &str) -> Option<&'a str> {
    params.get(name).map(String::as_str)
}

/// Whether the request carries HTTP Basic credentials (any: the fake checks none).
pub fn has_basic_auth(headers: &HeaderMap) -> bool {
    headers
        .get(http::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Basic "))
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|pair| {
            pair.split_once(':')
                .map(|(user, pass)| !user.is_empty() && !pass.is_empty())
        })
        .unwrap_or(false)
}

/// A new SID: the prefix and 32 hex digits, as Twilio makes them.
pub fn sid(prefix: &str) -> String {
    format!("{prefix}{:032x}", rand::random::<u128>())
}

/// Now, in Unix milliseconds.
pub fn now_millis() -> i64 {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// `ms` as a callback's `Timestamp` (ISO 8601 with milliseconds, UTC).
pub fn iso_millis(ms: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let whole = t.replace_millisecond(0).unwrap_or(t).format(&Rfc3339);
    // `…T01:00:00Z` → `…T01:00:00.250Z`
    whole.map_or_else(
        |_| String::new(),
        |w| format!("{}.{:03}Z", w.trim_end_matches('Z'), ms.rem_euclid(1000)),
    )
}

/// `unix` as the 2010-04-01 API writes dates (RFC 2822, GMT).
pub fn rfc2822(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc2822).ok())
        .unwrap_or_default()
}

/// A JSON answer with a `Twilio-Request-Id`, as Twilio sends on every answer.
pub fn ok(status: StatusCode, body: Value) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header("Twilio-Request-Id", sid("RQ"))
        .body(Body::from(body.to_string()))
        .unwrap_or_default()
}

/// Twilio's error shape: `{"code","message","more_info","status"}`.
pub fn error(status: StatusCode, code: u32, message: &str) -> Response<Body> {
    let body = json!({
        "code": code, "message": message, "status": status.as_u16(),
        "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
    });
    let mut response = ok(status, body);
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            http::header::WWW_AUTHENTICATE,
            http::HeaderValue::from_static("Basic realm=\"Twilio API\""),
        );
    }
    response
}

/// A 400 with Twilio's `code`.
pub fn bad(code: u32, message: &str) -> Response<Body> {
    error(StatusCode::BAD_REQUEST, code, message)
}

/// Twilio's 404 (20404) for `path`.
pub fn not_found(path: &str) -> Response<Body> {
    let message = format!("The requested resource {path} was not found");
    error(StatusCode::NOT_FOUND, 20404, &message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_timestamps_keep_milliseconds_and_api_dates_are_rfc_2822() {
        assert_eq!(iso_millis(1_795_654_800_250), "2026-11-26T01:00:00.250Z");
        assert_eq!(iso_millis(1_795_654_800_000), "2026-11-26T01:00:00.000Z");
        assert_eq!(rfc2822(1_795_654_800), "Thu, 26 Nov 2026 01:00:00 +0000");
    }
}

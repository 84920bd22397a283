//! An HTTP request as the API Gateway HTTP API (payload format 2.0) event AWS would send: raw path
//! and query, route key and path parameters, and the authorizer's claims in the request context.

use std::collections::HashMap;

use base64::Engine;
use http::request::Parts;
use serde_json::{Value, json};

use crate::auth::Claims;

/// The event of one request; `path_params` are percent-decoded, as API Gateway gives them.
pub fn api_gateway_event(
    parts: &Parts,
    body: &[u8],
    route_key: &str,
    path_params: &HashMap<String, String>,
    claims: Option<&Claims>,
    request_id: &str,
) -> Value {
    let mut headers = serde_json::Map::new();
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        // Payload 2.0 joins repeated headers with commas.
        match headers.get_mut(name.as_str()) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(&value);
            }
            _ => {
                headers.insert(name.as_str().to_string(), Value::String(value));
            }
        }
    }
    let raw_query = parts.uri.query().unwrap_or("");
    let mut query: HashMap<String, String> = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(raw_query.as_bytes()) {
        query
            .entry(k.into_owned())
            .and_modify(|e| {
                e.push(',');
                e.push_str(&v);
            })
            .or_insert_with(|| v.into_owned());
    }
    let (body, is_base64) = match std::str::from_utf8(body) {
        Ok(text) => (text.to_string(), false),
        Err(_) => (base64::engine::general_purpose::STANDARD.encode(body), true),
    };
    let now = time::OffsetDateTime::now_utc();
    let host = parts
        .headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let authorizer = claims.map(|c| json!({ "jwt": { "claims": c.claims, "scopes": c.scopes } }));
    json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": parts.uri.path(),
        "rawQueryString": raw_query,
        "headers": headers,
        "queryStringParameters": if query.is_empty() { Value::Null } else { json!(query) },
        "pathParameters": if path_params.is_empty() { Value::Null } else { json!(path_params) },
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": host,
            "domainPrefix": "local",
            "http": {
                "method": parts.method.as_str(),
                "path": parts.uri.path(),
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": parts.headers.get(http::header::USER_AGENT).and_then(|h| h.to_str().ok()).unwrap_or(""),
            },
            "requestId": request_id,
            "routeKey": route_key,
            "stage": "$default",
            "time": now.format(&time::format_description::well_known::Rfc2822).unwrap_or_default(),
            "timeEpoch": now.unix_timestamp() * 1000,
            "authorizer": authorizer,
        },
        "body": if body.is_empty() { Value::Null } else { Value::String(body) },
        "isBase64Encoded": is_base64,
    })
}

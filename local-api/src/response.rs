//! A function's API Gateway answer as the HTTP response API Gateway makes of it, and a
//! `lambda_http` response as an axum one.

use axum::body::Body as AxumBody;
use base64::Engine;
use http::{HeaderName, HeaderValue, Response, StatusCode};
use lambda_http::Body;
use serde_json::Value;

/// The HTTP response API Gateway makes of a function's response (`statusCode`, `headers`,
/// `multiValueHeaders`, `cookies`, `body`, `isBase64Encoded`).
pub(crate) fn from_api_gateway(answer: Value) -> Response<AxumBody> {
    let text = answer["body"].as_str().unwrap_or_default();
    let body = if answer["isBase64Encoded"] == true {
        let decoded = base64::engine::general_purpose::STANDARD.decode(text);
        decoded.unwrap_or_default()
    } else {
        text.as_bytes().to_vec()
    };
    let mut response = Response::new(AxumBody::from(body));
    *response.status_mut() = answer["statusCode"]
        .as_u64()
        .and_then(|code| StatusCode::from_u16(u16::try_from(code).ok()?).ok())
        .unwrap_or(StatusCode::BAD_GATEWAY);
    let strings = |value: &Value| -> Vec<String> {
        match value {
            Value::String(s) => vec![s.clone()],
            Value::Array(items) => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    };
    let mut headers: Vec<(String, String)> = Vec::new();
    for field in ["headers", "multiValueHeaders"] {
        for (name, values) in answer[field].as_object().into_iter().flatten() {
            headers.extend(strings(values).into_iter().map(|v| (name.clone(), v)));
        }
    }
    let cookies = strings(&answer["cookies"]).into_iter();
    headers.extend(cookies.map(|c| ("set-cookie".to_string(), c)));
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            response.headers_mut().append(name, value);
        }
    }
    response
}

pub(crate) fn into_axum(response: Response<Body>) -> Response<AxumBody> {
    let (parts, body) = response.into_parts();
    Response::from_parts(parts, AxumBody::from(bytes(body)))
}

fn bytes(body: Body) -> Vec<u8> {
    match body {
        Body::Text(text) => text.into_bytes(),
        Body::Binary(bytes) => bytes,
        _ => Vec::new(),
    }
}

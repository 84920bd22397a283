//! API Gateway events of every route, built on the fixtures of `events/`: a caller's claims, a
//! body, path parameters (`rawPath` rebuilt from the route's template, as the client sent it) and
//! query parameters.

use integration_tests::verify_token::with_step_up;
use integration_tests::{event, with_body, with_claims};
use serde_json::{Map, Value, json};

/// `POST /verify/start` by `claims`.
pub(crate) fn verify_start(claims: Value) -> Value {
    with_claims(
        with_body(event("verify-start"), &json!({"channel": "sms"})),
        claims,
    )
}

/// `POST /verify/check` by `claims` with `code`.
pub(crate) fn verify_check(claims: Value, code: &str) -> Value {
    let body = json!({"channel": "sms", "code": code});
    with_claims(with_body(event("verify-check"), &body), claims)
}

/// `POST /admin/rooms` by `claims`, for room `class`/`id`.
pub(crate) fn admin_create(claims: Value, id: &str) -> Value {
    let body = json!({"type": "class", "id": id});
    with_claims(with_body(event("admin-create-room"), &body), claims)
}

/// `POST /admin/rooms/{room_sid}/complete` by `claims`.
pub(crate) fn admin_complete(claims: Value, room_sid: &str) -> Value {
    with_path(
        with_claims(event("admin-complete-room"), claims),
        &[("room_sid", room_sid)],
    )
}

/// `POST /admin/rooms/{room_sid}/participants/{participant_sid}/disconnect` by `claims`.
pub(crate) fn admin_disconnect(claims: Value, room_sid: &str, participant_sid: &str) -> Value {
    with_path(
        with_claims(event("admin-disconnect-participant"), claims),
        &[("room_sid", room_sid), ("participant_sid", participant_sid)],
    )
}

/// `GET /admin/audit?…` by `claims`.
pub(crate) fn admin_audit(claims: Value, query: &[(&str, &str)]) -> Value {
    with_query(with_claims(event("admin-audit"), claims), query)
}

/// `GET /recordings/class/{id}` by `claims`, with the step-up proof `proof`.
pub(crate) fn recording(claims: Value, id: &str, proof: &str) -> Value {
    let event = with_claims(event("recordings-get"), claims);
    with_step_up(with_path(event, &[("type", "class"), ("id", id)]), proof)
}

/// Sets the path parameters, and `rawPath` as the client would have sent it (each value
/// percent-encoded into the route's template).
pub(crate) fn with_path(mut event: Value, params: &[(&str, &str)]) -> Value {
    let route = event["routeKey"].as_str().unwrap_or_default().to_string();
    let mut raw = route.split_once(' ').map_or("", |(_, p)| p).to_string();
    let mut map = Map::new();
    for (name, value) in params {
        let encoded: String =
            percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        raw = raw.replace(&format!("{{{name}}}"), &encoded);
        map.insert(name.to_string(), json!(value));
    }
    event["pathParameters"] = Value::Object(map);
    event["rawPath"] = json!(raw);
    event["requestContext"]["http"]["path"] = json!(raw);
    event
}

/// Sets the query string and its parameters.
pub(crate) fn with_query(mut event: Value, query: &[(&str, &str)]) -> Value {
    let map: Map<String, Value> = query
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    event["rawQueryString"] = json!(serde_urlencoded::to_string(query).unwrap_or_default());
    event["queryStringParameters"] = if map.is_empty() {
        Value::Null
    } else {
        Value::Object(map)
    };
    event
}

/// `POST /video/token` by `sub` of `tenant`, with the step-up proof `proof`, for room
/// `class`/`id` on device `web-1`.
pub(crate) fn token(tenant: &str, sub: &str, proof: &str, id: &str) -> Value {
    let body = json!({"room": {"type": "class", "id": id}, "device_id": "web-1"});
    let claims = json!({"sub": sub, "tenant": tenant, "scope": "openid"});
    with_step_up(with_claims(with_body(event("token"), &body), claims), proof)
}

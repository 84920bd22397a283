//! Helpers for the admin routes' tests: admin claims, Twilio's Video JSON as wiremock answers it,
//! and the form fields of the requests wiremock received.

use serde_json::{Value, json};
use wiremock::matchers::{basic_auth, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{ACCOUNT_SID, API_KEY_SECRET, API_KEY_SID};

/// Claims of an admin of `tenant`, with a phone number the IdP verified.
pub fn admin(tenant: &str, sub: &str) -> Value {
    json!({
        "sub": sub, "tenant": tenant, "scope": "openid video:admin",
        "phone_number": "+14155550100", "phone_number_verified": "true",
    })
}

/// Claims of a user of `tenant` without the admin scope.
pub fn member(tenant: &str, sub: &str) -> Value {
    json!({"sub": sub, "tenant": tenant, "scope": "openid"})
}

/// A Video v1 room resource.
pub fn room_json(sid: &str, unique_name: &str, status: &str) -> Value {
    json!({
        "sid": sid,
        "account_sid": ACCOUNT_SID,
        "unique_name": unique_name,
        "status": status,
        "type": "group",
        "max_participants": 25,
        "record_participants_on_connect": false,
        "status_callback": "https://video.example.com/twilio/room-status",
        "status_callback_method": "POST",
        "date_created": "2026-11-26T01:00:00Z",
        "date_updated": "2026-11-26T01:00:00Z",
        "end_time": null,
        "duration": null,
        "url": format!("https://video.twilio.com/v1/Rooms/{sid}"),
        "links": {"participants": format!("https://video.twilio.com/v1/Rooms/{sid}/Participants")}
    })
}

/// A Video v1 participant resource.
pub fn participant_json(room_sid: &str, sid: &str, identity: &str, status: &str) -> Value {
    json!({
        "sid": sid,
        "room_sid": room_sid,
        "account_sid": ACCOUNT_SID,
        "identity": identity,
        "status": status,
        "date_created": "2026-11-26T01:00:00Z",
        "url": format!("https://video.twilio.com/v1/Rooms/{room_sid}/Participants/{sid}")
    })
}

/// Twilio's error body.
pub fn twilio_error(status: u16, code: u32, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "code": code,
        "message": message,
        "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
        "status": status
    }))
}

/// A JSON answer carrying a `Twilio-Request-Id`.
pub fn twilio_ok(status: u16, body: Value, request_id: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("Twilio-Request-Id", request_id)
        .set_body_json(body)
}

/// Answers `GET /v1/Rooms/{sid}` with the room (only with our API key).
pub async fn mount_room(server: &MockServer, sid: &str, unique_name: &str, status: &str) {
    Mock::given(method("GET"))
        .and(path(format!("/v1/Rooms/{sid}")))
        .and(basic_auth(API_KEY_SID, API_KEY_SECRET))
        .respond_with(twilio_ok(
            200,
            room_json(sid, unique_name, status),
            "RQfetch",
        ))
        .mount(server)
        .await;
}

/// The form fields of a received request, in order.
pub fn form(request: &wiremock::Request) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(&request.body).expect("a form body")
}

/// The received requests of `method` to `path`.
pub async fn received(server: &MockServer, method: &str, path: &str) -> Vec<wiremock::Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.method.as_str() == method && r.url.path() == path)
        .collect()
}

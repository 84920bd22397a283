//! Helpers for the room routes' tests: admin claims, Twilio's Video JSON as wiremock answers it,
//! the form fields of the requests wiremock received, and a fake Rooms API that keeps names
//! unique as Twilio does.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use shared::config::Config;
use tokio::sync::OnceCell;
use wiremock::matchers::{basic_auth, method, path, path_regex};
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

use crate::{ACCOUNT_SID, API_KEY_SECRET, API_KEY_SID, config_with_twilio};

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

/// `GET /admin/audit` with `query` (claims still those of the fixture).
pub fn audit_event(query: &[(&str, &str)]) -> Value {
    let mut event = crate::event("admin-audit");
    let map: serde_json::Map<String, Value> = query
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    event["rawQueryString"] = json!(serde_urlencoded::to_string(query).unwrap());
    event["queryStringParameters"] = Value::Object(map);
    event
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

/// Twilio answering `verb` on `at`, only with our API key, with `answer`: expected exactly once.
pub async fn expect_once(server: &MockServer, verb: &str, at: &str, answer: ResponseTemplate) {
    Mock::given(method(verb))
        .and(path(at))
        .and(basic_auth(API_KEY_SID, API_KEY_SECRET))
        .respond_with(answer)
        .expect(1)
        .mount(server)
        .await;
}

/// Twilio answering `verb` on `at` with `answer`, as often as asked.
pub async fn answer(server: &MockServer, verb: &str, at: &str, answer: ResponseTemplate) {
    Mock::given(method(verb))
        .and(path(at))
        .respond_with(answer)
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

/// Twilio's Rooms API as far as opening rooms needs it, with Twilio's rule that the unique names
/// of in-progress rooms are unique: `POST /v1/Rooms` creates a room (201) unless one of that
/// name is in progress (400, 53113); `GET /v1/Rooms/{Sid or UniqueName}` answers the room (a
/// name resolves to its in-progress room only) or 404.
#[derive(Clone, Default)]
pub struct FakeRooms(Arc<Mutex<FakeState>>);

#[derive(Default)]
struct FakeState {
    /// SID → the room's JSON.
    rooms: HashMap<String, Value>,
    /// Unique name → the SID of its in-progress room.
    open: HashMap<String, String>,
    /// Every room created, in order: (unique name, SID).
    created: Vec<(String, String)>,
}

struct Create(FakeRooms);
struct Fetch(FakeRooms);

impl Respond for Create {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        let fields: HashMap<String, String> = form(request).into_iter().collect();
        let name = fields.get("UniqueName").cloned().unwrap_or_default();
        let mut state = self.0.0.lock().unwrap();
        if state.open.contains_key(&name) {
            return twilio_error(400, 53113, "Room exists");
        }
        let sid = crate::sid("RM");
        let mut room = room_json(&sid, &name, "in-progress");
        room["max_participants"] = json!(fields["MaxParticipants"].parse::<u32>().unwrap());
        room["record_participants_on_connect"] =
            json!(fields["RecordParticipantsOnConnect"] == "true");
        room["status_callback"] = json!(fields["StatusCallback"]);
        state.rooms.insert(sid.clone(), room.clone());
        state.open.insert(name.clone(), sid.clone());
        state.created.push((name, sid));
        twilio_ok(201, room, "RQcreate")
    }
}

impl Respond for Fetch {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        let key = request.url.path().rsplit('/').next().unwrap_or_default();
        let key = key.replace("%3A", ":").replace("%3a", ":");
        let state = self.0.0.lock().unwrap();
        let sid = state.open.get(&key).cloned().unwrap_or(key);
        match state.rooms.get(&sid) {
            Some(room) => twilio_ok(200, room.clone(), "RQfetch"),
            None => twilio_error(404, 20404, "The requested resource was not found"),
        }
    }
}

impl FakeRooms {
    /// A fake with no rooms, answering on `server`.
    pub async fn mount(server: &MockServer) -> Self {
        let fake = Self::default();
        Mock::given(method("POST"))
            .and(path("/v1/Rooms"))
            .respond_with(Create(fake.clone()))
            .mount(server)
            .await;
        Mock::given(method("GET"))
            .and(path_regex(r"^/v1/Rooms/[^/]+$"))
            .respond_with(Fetch(fake.clone()))
            .mount(server)
            .await;
        fake
    }

    /// The SIDs of the rooms created of `unique_name`, oldest first.
    pub fn created(&self, unique_name: &str) -> Vec<String> {
        let state = self.0.lock().unwrap();
        state
            .created
            .iter()
            .filter(|(name, _)| name == unique_name)
            .map(|(_, sid)| sid.clone())
            .collect()
    }

    /// Ends the in-progress room of `unique_name`, as Twilio does when it empties; its SID.
    pub fn end(&self, unique_name: &str) -> Option<String> {
        let mut state = self.0.lock().unwrap();
        let sid = state.open.remove(unique_name)?;
        if let Some(room) = state.rooms.get_mut(&sid) {
            room["status"] = json!("completed");
        }
        Some(sid)
    }
}

/// One wiremock Twilio with [`FakeRooms`], shared by every test that needs rooms to exist but
/// is about something else (the token tests' step-up proofs).
pub async fn shared_twilio() -> &'static (MockServer, FakeRooms) {
    static TWILIO: OnceCell<(MockServer, FakeRooms)> = OnceCell::const_new();
    TWILIO
        .get_or_init(|| async {
            let server = MockServer::start().await;
            let fake = FakeRooms::mount(&server).await;
            (server, fake)
        })
        .await
}

/// Test configuration with Twilio at [`shared_twilio`], then `extra`.
pub async fn rooms_config(extra: &[(&str, &str)]) -> Config {
    config_with_twilio(&shared_twilio().await.0.uri(), extra)
}

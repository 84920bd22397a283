//! An embedded fake Twilio, so that `cargo run -p local-api` works offline with no account.
//!
//! It is served on the local API's own listener under [`PREFIX`], and the local API points its
//! Twilio base URLs there when it runs on the dev credentials (see `defaults.rs`). It answers
//! only the calls our code makes, in Twilio's JSON shapes and with Twilio's error codes where
//! our code acts on them (53113 room exists, 53118 room completed, 20404 not found), so the
//! functions' own handlers take the same paths they take against Twilio:
//!
//! - every call needs HTTP Basic credentials (any), else Twilio's 401 with code 20003;
//! - Verify v2: start a verification (`pending`), check it (`approved` for [`DEV_CODE`], else
//!   still `pending`; a destination with no pending verification is 20404);
//! - Video v1: create, fetch, complete a room; disconnect a participant (there is no media
//!   plane, so any participant SID of an in-progress room is taken as connected);
//! - Video v1: list and create compositions (they stay `enqueued`: nothing is recorded).
//!
//! State is in memory and lasts as long as the process. Nothing is sent anywhere.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Body;
use base64::Engine;
use http::request::Parts;
use http::{HeaderMap, Response, StatusCode};
use percent_encoding::percent_decode_str;
use serde_json::{Value, json};
use shared::clock::{now_unix, rfc3339};
use time::format_description::well_known::Rfc3339;

/// Where the fake is served on the local API's listener.
pub const PREFIX: &str = "/__twilio";
/// The Verify code the fake approves; any other code leaves the verification pending.
pub const DEV_CODE: &str = "123456";

/// The fake, shared by every request.
pub struct FakeTwilio {
    base_url: String,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Pending verifications by (service SID, `To`), as Twilio's JSON.
    verifications: HashMap<(String, String), Value>,
    /// Rooms by SID, as Twilio's JSON.
    rooms: HashMap<String, Value>,
    /// Compositions, oldest first, as Twilio's JSON.
    compositions: Vec<Value>,
}

/// A request's form fields (the body) or query parameters.
type Params = HashMap<String, String>;

impl FakeTwilio {
    /// A fake reached at `base_url` (`http://127.0.0.1:{PORT}/__twilio`).
    pub fn new(base_url: String) -> Self {
        Self {
            base_url,
            state: Mutex::new(State::default()),
        }
    }

    /// Where it is reached.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Answers one request; `path` is what follows [`PREFIX`].
    pub fn handle(&self, parts: &Parts, path: &str, body: &[u8]) -> Response<Body> {
        if !has_basic_auth(&parts.headers) {
            return error(StatusCode::UNAUTHORIZED, 20003, "Authenticate");
        }
        let form = params(body);
        let query = params(parts.uri.query().unwrap_or("").as_bytes());
        let Some(segments) = path
            .trim_matches('/')
            .split('/')
            .map(|s| percent_decode_str(s).decode_utf8().ok())
            .collect::<Option<Vec<_>>>()
        else {
            return not_found(path);
        };
        let segments: Vec<&str> = segments.iter().map(|s| s.as_ref()).collect();
        // A poisoned lock only means another request panicked; the maps are still whole.
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match (parts.method.as_str(), segments.as_slice()) {
            ("POST", ["v2", "Services", service, "Verifications"]) => state.start(service, &form),
            ("POST", ["v2", "Services", service, "VerificationCheck"]) => {
                state.check(service, &form)
            }
            ("POST", ["v1", "Rooms"]) => state.create_room(&form),
            ("GET", ["v1", "Rooms", room]) => match state.room(room) {
                Some(room) => ok(StatusCode::OK, room.clone()),
                None => not_found(path),
            },
            ("POST", ["v1", "Rooms", room]) => state.update_room(room, &form, path),
            ("POST", ["v1", "Rooms", room, "Participants", participant]) => {
                state.disconnect(room, participant, &form, path)
            }
            ("GET", ["v1", "Compositions"]) => state.list_compositions(&query),
            ("POST", ["v1", "Compositions"]) => state.create_composition(&form, path),
            _ => not_found(path),
        }
    }
}

impl State {
    fn start(&mut self, service: &str, form: &Params) -> Response<Body> {
        let (Some(to), Some(channel)) = (form.get("To"), form.get("Channel")) else {
            return bad(60200, "Invalid parameter");
        };
        if !["sms", "call", "whatsapp", "email"].contains(&channel.as_str()) {
            return bad(60200, "Invalid parameter: Channel");
        }
        let now = rfc3339(now_unix());
        // A second start for the same destination resends the same verification, as Twilio does.
        let verification = self
            .verifications
            .entry((service.to_string(), to.clone()))
            .or_insert_with(|| {
                json!({
                    "sid": sid("VE"), "service_sid": service, "to": to, "status": "pending",
                    "valid": false, "date_created": now,
                })
            });
        verification["channel"] = json!(channel);
        verification["date_updated"] = json!(now);
        ok(StatusCode::CREATED, verification.clone())
    }

    fn check(&mut self, service: &str, form: &Params) -> Response<Body> {
        let (Some(to), Some(code)) = (form.get("To"), form.get("Code")) else {
            return bad(60200, "Invalid parameter");
        };
        let key = (service.to_string(), to.clone());
        // An approved verification is gone: checking it again is Twilio's 20404.
        let Some(mut verification) = self.verifications.get(&key).cloned() else {
            return not_found(&format!("/Services/{service}/VerificationCheck"));
        };
        if code == DEV_CODE {
            self.verifications.remove(&key);
            verification["status"] = json!("approved");
            verification["valid"] = json!(true);
        }
        verification["date_updated"] = json!(rfc3339(now_unix()));
        ok(StatusCode::OK, verification)
    }

    /// A room by SID (any status), or by unique name (in progress only, as Twilio resolves it).
    fn room(&self, sid_or_name: &str) -> Option<&Value> {
        self.rooms.get(sid_or_name).or_else(|| {
            self.rooms
                .values()
                .find(|r| r["unique_name"] == sid_or_name && r["status"] == "in-progress")
        })
    }

    fn create_room(&mut self, form: &Params) -> Response<Body> {
        let sid = sid("RM");
        let name = form
            .get("UniqueName")
            .cloned()
            .unwrap_or_else(|| sid.clone());
        if self
            .room(&name)
            .is_some_and(|r| r["status"] == "in-progress")
        {
            return bad(53113, "Room exists");
        }
        let max = match form.get("MaxParticipants").map(|m| m.parse::<u32>()) {
            None => 50,
            Some(Ok(n)) if (1..=50).contains(&n) => n,
            Some(_) => return bad(53107, "MaxParticipants invalid"),
        };
        let now = rfc3339(now_unix());
        let room = json!({
            "sid": sid, "unique_name": name, "status": "in-progress",
            "type": field(form, "Type").unwrap_or("group"), "max_participants": max,
            "record_participants_on_connect":
                form.get("RecordParticipantsOnConnect").is_some_and(|r| r == "true"),
            "status_callback": form.get("StatusCallback"),
            "status_callback_method": field(form, "StatusCallbackMethod").unwrap_or("POST"),
            "date_created": now, "date_updated": now, "end_time": null, "duration": null,
        });
        self.rooms.insert(sid, room.clone());
        ok(StatusCode::CREATED, room)
    }

    fn update_room(&mut self, sid_or_name: &str, form: &Params, path: &str) -> Response<Body> {
        if field(form, "Status") != Some("completed") {
            return bad(53112, "Status is invalid");
        }
        let sid = self.room(sid_or_name).and_then(|r| r["sid"].as_str());
        let Some(room) = sid.map(str::to_string).and_then(|s| self.rooms.get_mut(&s)) else {
            return not_found(path);
        };
        if room["status"] != "in-progress" {
            return bad(53118, "Room completed");
        }
        let now = now_unix();
        let started = room["date_created"]
            .as_str()
            .and_then(|d| time::OffsetDateTime::parse(d, &Rfc3339).ok())
            .map_or(now, |d| d.unix_timestamp());
        room["status"] = json!("completed");
        room["end_time"] = json!(rfc3339(now));
        room["date_updated"] = json!(rfc3339(now));
        room["duration"] = json!(now - started);
        ok(StatusCode::OK, room.clone())
    }

    fn disconnect(
        &self,
        room: &str,
        participant: &str,
        form: &Params,
        path: &str,
    ) -> Response<Body> {
        if field(form, "Status") != Some("disconnected") {
            return bad(53209, "Participant status is invalid");
        }
        match self.room(room) {
            // Only an in-progress room has connected participants to remove.
            Some(room) if room["status"] == "in-progress" => ok(
                StatusCode::OK,
                json!({
                    "sid": participant, "room_sid": room["sid"], "identity": null,
                    "status": "disconnected", "end_time": rfc3339(now_unix()),
                }),
            ),
            _ => not_found(path),
        }
    }

    fn list_compositions(&self, query: &Params) -> Response<Body> {
        let room = query.get("RoomSid");
        let page: Vec<&Value> = self
            .compositions
            .iter()
            .rev()
            .filter(|c| room.is_none_or(|r| c["room_sid"] == r.as_str()))
            .collect();
        ok(
            StatusCode::OK,
            json!({
                "compositions": page,
                "meta": { "page": 0, "page_size": 50, "key": "compositions",
                          "next_page_url": null, "previous_page_url": null },
            }),
        )
    }

    fn create_composition(&mut self, form: &Params, path: &str) -> Response<Body> {
        let Some(room) = form.get("RoomSid") else {
            return bad(20001, "Missing required parameter RoomSid");
        };
        if !self.rooms.contains_key(room) {
            return not_found(path);
        }
        let layout: Value = form
            .get("VideoLayout")
            .and_then(|l| serde_json::from_str(l).ok())
            .unwrap_or_else(|| json!({}));
        let composition = json!({
            "sid": sid("CJ"), "room_sid": room, "status": "enqueued",
            "format": field(form, "Format").unwrap_or("webm"),
            "audio_sources": form.get("AudioSources").into_iter().collect::<Vec<_>>(),
            "video_layout": layout, "status_callback": form.get("StatusCallback"),
            "date_created": rfc3339(now_unix()),
        });
        self.compositions.push(composition.clone());
        ok(StatusCode::CREATED, composition)
    }
}

/// Form fields or query parameters (the last of a repeated name wins).
fn params(raw: &[u8]) -> Params {
    url::form_urlencoded::parse(raw).into_owned().collect()
}

fn field<'a>(params: &'a Params, name: &str) -> Option<&'a str> {
    params.get(name).map(String::as_str)
}

/// Whether the request carries HTTP Basic credentials (any: the fake checks none).
fn has_basic_auth(headers: &HeaderMap) -> bool {
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
fn sid(prefix: &str) -> String {
    format!("{prefix}{:032x}", rand::random::<u128>())
}

/// A JSON answer with a `Twilio-Request-Id`, as Twilio sends on every answer.
fn ok(status: StatusCode, body: Value) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header("Twilio-Request-Id", sid("RQ"))
        .body(Body::from(body.to_string()))
        .unwrap_or_default()
}

/// Twilio's error shape: `{"code","message","more_info","status"}`.
fn error(status: StatusCode, code: u32, message: &str) -> Response<Body> {
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

fn bad(code: u32, message: &str) -> Response<Body> {
    error(StatusCode::BAD_REQUEST, code, message)
}

fn not_found(path: &str) -> Response<Body> {
    let message = format!("The requested resource {path} was not found");
    error(StatusCode::NOT_FOUND, 20404, &message)
}

//! An embedded fake Twilio, so that `cargo run -p local-api` works offline with no account.
//!
//! It is served on the local API's own listener under [`PREFIX`], and the local API points its
//! Twilio base URLs there when it runs on the dev credentials (see `defaults.rs`). It answers
//! only the calls our code makes, in Twilio's JSON shapes and with Twilio's error codes where
//! our code acts on them, so the functions' own handlers take the same paths they take against
//! Twilio; a file per Twilio API:
//!
//! - every call needs HTTP Basic credentials (any), else Twilio's 401 with code 20003;
//! - `verify.rs`: Verify v2 (the code [`DEV_CODE`] approves);
//! - `rooms.rs`, `participants.rs`: Video v1 rooms and participants, and the room status
//!   callbacks Twilio would send; there is no media plane, so `POST {PREFIX}/dev/rooms/{RoomSid}/participants`
//!   (`Identity=…`, no credentials; not a Twilio API) stands in for a client joining;
//! - `compositions.rs`: Video v1 compositions (composed at once, with the composition status
//!   callbacks Twilio would send) and their Media redirect to a short-lived link;
//! - `messages.rs`: Programmable Messaging's Messages (recorded, never sent; Twilio's magic
//!   test numbers fail as they do with test credentials).
//!
//! Callbacks are signed with the dev Auth Token and sent to the `StatusCallback` URLs given
//! (`callbacks.rs`; `LOCAL_FAKE_TWILIO_CALLBACKS`). State is in memory and lasts as long as the
//! process. Nothing is sent anywhere but to the local API.

mod answers;
mod callbacks;
mod compositions;
mod messages;
mod participants;
mod rooms;
mod verify;

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Body;
use http::Response;
use http::request::Parts;
use percent_encoding::percent_decode_str;
use serde_json::Value;

use answers::{has_basic_auth, not_found, params};
pub use callbacks::{Callbacks, Delivered};

/// Where the fake is served on the local API's listener.
pub const PREFIX: &str = "/__twilio";
/// The Verify code the fake approves; any other code leaves the verification pending.
pub const DEV_CODE: &str = "123456";

/// The fake, shared by every request.
pub struct FakeTwilio {
    base_url: String,
    callbacks: Callbacks,
    state: Mutex<State>,
}

/// Everything the fake remembers.
#[derive(Default)]
struct State {
    /// The account its callbacks name (`AccountSid`).
    account_sid: String,
    /// Pending verifications by (service SID, `To`), as Twilio's JSON.
    verifications: HashMap<(String, String), Value>,
    /// Rooms by SID.
    rooms: HashMap<String, rooms::Room>,
    /// Compositions, oldest first, as Twilio's JSON.
    compositions: Vec<Value>,
    /// Short-lived media links: signature → (composition SID, expiry in Unix seconds).
    media_links: HashMap<String, (String, i64)>,
    /// Messages, oldest first, as Twilio's JSON.
    messages: Vec<Value>,
}

impl FakeTwilio {
    /// A fake reached at `base_url` (`http://127.0.0.1:{PORT}/__twilio`), whose callbacks name
    /// `account_sid` and go out through `callbacks`.
    pub fn new(base_url: String, account_sid: String, callbacks: Callbacks) -> Self {
        let state = State {
            account_sid,
            ..State::default()
        };
        Self {
            base_url,
            callbacks,
            state: Mutex::new(state),
        }
    }

    /// Where it is reached.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Which callbacks it delivers.
    pub fn delivered(&self) -> Delivered {
        self.callbacks.delivered()
    }

    /// Answers one request; `path` is what follows [`PREFIX`].
    pub fn handle(&self, parts: &Parts, path: &str, body: &[u8]) -> Response<Body> {
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
        let method = parts.method.as_str();
        // A poisoned lock only means another request panicked; the maps are still whole.
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let out = &self.callbacks;
        // Neither a signed media link nor the stand-in for a client joining takes credentials.
        match (method, segments.as_slice()) {
            ("GET", ["media", file]) => return state.media_file(file, &query, path),
            ("POST", ["dev", "rooms", room, "participants"]) => {
                return state.join(room, &form, path, out);
            }
            _ if !has_basic_auth(&parts.headers) => {
                return answers::error(http::StatusCode::UNAUTHORIZED, 20003, "Authenticate");
            }
            _ => {}
        }
        match (method, segments.as_slice()) {
            ("POST", ["v2", "Services", service, "Verifications"]) => state.start(service, &form),
            ("POST", ["v2", "Services", service, "VerificationCheck"]) => {
                state.check(service, &form)
            }
            ("POST", ["v1", "Rooms"]) => state.create_room(&form, out),
            ("GET", ["v1", "Rooms", room]) => state.fetch_room(room, path),
            ("POST", ["v1", "Rooms", room]) => state.update_room(room, &form, path, out),
            ("POST", ["v1", "Rooms", room, "Participants", participant]) => {
                state.disconnect(room, participant, &form, path, out)
            }
            ("GET", ["v1", "Compositions"]) => state.list_compositions(&query),
            ("POST", ["v1", "Compositions"]) => state.create_composition(&form, path, out),
            ("GET", ["v1", "Compositions", sid]) => state.fetch_composition(sid, path),
            ("GET", ["v1", "Compositions", sid, "Media"]) => {
                state.media(sid, &query, path, &self.base_url)
            }
            ("POST", ["2010-04-01", "Accounts", account, "Messages.json"]) => {
                state.create_message(account, &form)
            }
            ("GET", ["2010-04-01", "Accounts", account, "Messages.json"]) => {
                state.list_messages(account, &query)
            }
            ("GET", ["2010-04-01", "Accounts", account, "Messages", message]) => {
                state.fetch_message(account, message, path)
            }
            _ => not_found(path),
        }
    }
}

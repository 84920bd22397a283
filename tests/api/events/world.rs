//! The world the events run in: a wiremock Twilio that answers every call the functions make,
//! the embedded store (or one given) with the test secrets, each function's HTTP handler, and the
//! recorded room that a recording link presumes.

use std::sync::Arc;

use integration_tests::recordings::{
    composition, composition_json, ended_room, message_created, own,
};
use integration_tests::rooms::{participant_json, room_json};
use integration_tests::verify_token::verification;
use integration_tests::{backends_on, config_with_twilio};
use serde_json::json;
use shared::aws::Backends;
use shared::clock::now_unix;
use shared::http::Handler;
use shared::memory::MemoryStore;
use shared::store::Store;
use shared::store::compositions::CompositionStatus;
use shared::store::rooms::names::RoomEntry;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

pub(crate) const NAME: &str = "acme:class:9f3c2b1a";
pub(crate) const ROOM: &str = "RM0123456789abcdef0123456789abcdef";
pub(crate) const COMPOSITION: &str = "CJ0123456789abcdef0123456789abcdef";

/// A wiremock Twilio that answers every call the functions make in these events: rooms,
/// participants, compositions, media, messages and Verify.
pub(crate) async fn twilio() -> MockServer {
    let server = MockServer::start().await;
    let room = |status: &'static str| {
        move |req: &Request| {
            let sid = req.url.path().split('/').nth(3).unwrap_or(ROOM).to_string();
            let sid = if sid.starts_with("RM") {
                sid
            } else {
                ROOM.to_string()
            };
            ResponseTemplate::new(200).set_body_json(room_json(&sid, NAME, status))
        }
    };
    Mock::given(method("GET"))
        .and(path_regex(r"^/v1/Rooms/[^/]+$"))
        .respond_with(room("in-progress"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/v1/Rooms/RM[0-9a-f]{32}$"))
        .respond_with(room("completed"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/Rooms"))
        .respond_with(ResponseTemplate::new(201).set_body_json(room_json(
            ROOM,
            NAME,
            "in-progress",
        )))
        .mount(&server)
        .await;
    let participant = |status: &'static str| {
        move |req: &Request| {
            let sid = req
                .url
                .path()
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string();
            ResponseTemplate::new(200)
                .set_body_json(participant_json(ROOM, &sid, "acme:bob", status))
        }
    };
    let participants = r"^/v1/Rooms/RM[0-9a-f]{32}/Participants/PA[0-9a-f]{32}$";
    Mock::given(method("GET"))
        .and(path_regex(participants))
        .respond_with(participant("connected"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(participants))
        .respond_with(participant("disconnected"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/Compositions/{COMPOSITION}/Media")))
        .respond_with(ResponseTemplate::new(302).insert_header(
            "Location",
            format!("{}/signed/{COMPOSITION}.mp4?Expires=600", server.uri()),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/Compositions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "compositions": [],
            "meta": {"page": 0, "page_size": 50, "key": "compositions", "next_page_url": null}
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/Compositions"))
        .respond_with(ResponseTemplate::new(201).set_body_json(composition_json(
            COMPOSITION,
            ROOM,
            "enqueued",
        )))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(r"/Messages\.json$"))
        .respond_with(message_created("SM0123456789abcdef0123456789abcdef"))
        .mount(&server)
        .await;
    for (resource, status) in [
        ("Verifications", "pending"),
        ("VerificationCheck", "approved"),
    ] {
        Mock::given(method("POST"))
            .and(path_regex(format!(
                r"^/v2/Services/VA[0-9a-f]{{32}}/{resource}$"
            )))
            .respond_with(verification("+14155550100", "sms", status))
            .mount(&server)
            .await;
    }
    server
}

/// The embedded store, the test secrets from the environment.
pub(crate) fn backends() -> Backends {
    backends_on(Arc::new(MemoryStore::new()))
}

/// `function`'s HTTP handler on `backends` and `twilio`; `None` for a scheduled function.
pub(crate) fn handler(
    function: &str,
    twilio: &MockServer,
    backends: &Backends,
) -> Option<Arc<dyn Handler>> {
    let config = config_with_twilio(&twilio.uri(), &[]);
    let h: Arc<dyn Handler> = match function {
        "health" => Arc::new(health::Health),
        "token" => Arc::new(token::State::new(&config, backends).unwrap()),
        "presence" => Arc::new(presence::State::new(&config, backends)),
        "verify" => Arc::new(verify::State::new(&config, backends).unwrap()),
        "webhook" => Arc::new(webhook::State::new(&config, backends)),
        "composition" => Arc::new(composition::State::new(&config, backends).unwrap()),
        "rooms" => Arc::new(rooms::State::new(&config, backends).unwrap()),
        "reconciler" | "key-rotation" => return None,
        other => panic!("no handler for {other}: add it here"),
    };
    Some(h)
}

/// What a presence read needs: the event's room, in progress, known by its name.
pub(crate) async fn open_room(store: &Arc<dyn Store>) {
    let room = RoomEntry::opened(NAME, ROOM, None, false, false, now_unix());
    store.name_opened(&room).await.unwrap();
}

/// What a recording link needs: an ended, recorded room of the event's user with its
/// composition available.
pub(crate) async fn recorded_room(store: &Arc<dyn Store>) {
    let now = now_unix();
    ended_room(store, ROOM, NAME, &["acme:user-42"], now).await;
    own(store, ROOM, NAME, "user-42", Some("+14155550100")).await;
    composition(
        store,
        ROOM,
        COMPOSITION,
        NAME,
        now,
        Some(CompositionStatus::Completed),
    )
    .await;
}

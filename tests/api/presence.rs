//! GET /rooms/{type}/{id} (functions/presence) against moto, fed by the webhook function's room
//! status callbacks: the tenant matrix, counts under shuffled and duplicated callbacks (the
//! embedded store agreeing with DynamoDB), the `events/` fixtures, the local API serving the
//! route, and the TTL every room item carries.

mod local;
mod retention;
mod shuffled;

use integration_tests::rooms::{FakeRooms, admin, member};
use integration_tests::verify_token::{step_up, token_state, with_step_up};
use integration_tests::webhook::{invoke, room_params, room_status};
use integration_tests::{
    backends, config_with_twilio, dynamo, event, json_body, request, sid, unique, with_body,
    with_claims, without_claims,
};
use serde_json::{Value, json};
use shared::clock::now_unix;
use shared::http::Handler;
use shared::store::rooms::names::{RoomEntry, RoomNames};
use wiremock::MockServer;

async fn presence_state() -> presence::State {
    presence::State::new(&integration_tests::config(&[]), &backends().await)
}

/// `GET /rooms/class/{id}` as `claims` (none: no JWT claims reached the function).
async fn look(state: &presence::State, id: &str, claims: Option<Value>) -> (u16, Value) {
    let mut e = event("presence-get");
    e["pathParameters"]["id"] = json!(id);
    e["rawPath"] = json!(format!("/rooms/class/{id}"));
    let e = match claims {
        Some(c) => with_claims(e, c),
        None => without_claims(e),
    };
    let response = state.handle(request(&e)).await;
    (response.status().as_u16(), json_body(&response))
}

/// A room `acme:class:{id}` recorded as opened now, without Twilio: its SID.
async fn opened(id: &str) -> String {
    let room = sid("RM");
    let entry = RoomEntry::opened(
        &format!("acme:class:{id}"),
        &room,
        None,
        false,
        false,
        now_unix(),
    );
    assert!(dynamo().await.name_opened(&entry).await.unwrap());
    room
}

/// The signed callback of `participant`'s `movement` in `room` at second `at`, with idempotency
/// token `token`.
fn participant_callback(
    room: &str,
    id: &str,
    participant: &str,
    connected: bool,
    at: u32,
    token: &str,
) -> Value {
    let name = format!("acme:class:{id}");
    let identity = format!("acme:{participant}");
    let timestamp = format!("2026-11-26T01:00:{at:02}.000Z");
    let event = if connected {
        "participant-connected"
    } else {
        "participant-disconnected"
    };
    let mut params = room_params(room, event, "1", &[]);
    params.retain(|(k, _)| !matches!(*k, "RoomName" | "Timestamp" | "SequenceNumber"));
    params.extend([
        ("RoomName", name.as_str()),
        ("Timestamp", timestamp.as_str()),
        ("ParticipantSid", participant),
        ("ParticipantIdentity", identity.as_str()),
    ]);
    room_status(&params, Some(token))
}

#[tokio::test]
async fn each_caller_of_the_tenant_matrix_gets_its_answer() {
    let twilio = MockServer::start().await;
    let rooms = FakeRooms::mount(&twilio).await;
    let id = unique("r");
    let tokens =
        token::State::new(&config_with_twilio(&twilio.uri(), &[]), &backends().await).unwrap();
    let body = json!({"room": {"type": "class", "id": id}});
    let e = with_claims(
        with_body(event("token"), &body),
        json!({"sub": "alice", "tenant": "acme"}),
    );
    let joined = tokens
        .handle(request(&with_step_up(
            e,
            &step_up("acme", "alice", now_unix(), 600),
        )))
        .await;
    assert_eq!(joined.status(), 200);
    let room = rooms.created(&format!("acme:class:{id}"))[0].clone();
    let webhook = webhook::State::new(&config_with_twilio(&twilio.uri(), &[]), &backends().await);
    let (alice, bob) = (sid("PA"), sid("PA"));
    for (who, connected, at) in [(&alice, true, 1), (&bob, true, 2), (&bob, false, 3)] {
        let delivered = invoke(
            &webhook,
            participant_callback(&room, &id, who, connected, at, &unique("t")),
            None,
        )
        .await;
        assert_eq!(delivered["statusCode"], 200, "{delivered}");
    }
    let state = presence_state().await;

    let (status, user) = look(&state, &id, Some(member("acme", "carol"))).await;
    assert_eq!(status, 200, "{user}");
    assert_eq!(user["room"], format!("acme:class:{id}"));
    assert_eq!(user["sid"], room);
    assert_eq!(user["status"], "in-progress");
    assert_eq!(user["participant_count"], 1);
    assert_eq!(user["recording"], false);
    assert_eq!(user["ended_at"], Value::Null);
    assert!(user["started_at"].as_str().unwrap().ends_with('Z'));
    assert!(user.get("participants").is_none(), "{user}");

    let (status, boss) = look(&state, &id, Some(admin("acme", "boss"))).await;
    assert_eq!(status, 200);
    assert_eq!(
        boss["participants"],
        json!([{"identity": format!("acme:{alice}"), "sid": alice, "connected_at": "2026-11-26T01:00:01Z"}])
    );

    let (status, other) = look(&state, &id, Some(admin("globex", "boss"))).await;
    let (unknown_status, unknown) = look(&state, &unique("r"), Some(member("acme", "carol"))).await;
    assert_eq!((status, unknown_status), (404, 404));
    assert_eq!(other, unknown, "another tenant's room is an unknown room");
    assert_eq!(other["error"]["code"], "room_not_found");
    assert_eq!(look(&state, &id, None).await.0, 401);
}

#[tokio::test]
async fn the_event_fixtures_answer_as_documented() {
    let tokens = token_state(&[]).await;
    let body = json!({"room": {"type": "class", "id": "9f3c2b1a"}});
    let e = with_claims(
        with_body(event("token"), &body),
        json!({"sub": "user-42", "tenant": "acme"}),
    );
    let joined = tokens
        .handle(request(&with_step_up(
            e,
            &step_up("acme", "user-42", now_unix(), 600),
        )))
        .await;
    assert_eq!(joined.status(), 200);
    let state = presence_state().await;
    let response = state.handle(request(&event("presence-get"))).await;
    assert_eq!(response.status(), 200);
    let answer = json_body(&response);
    assert_eq!(answer["room"], "acme:class:9f3c2b1a");
    assert!(answer["sid"].as_str().unwrap().starts_with("RM"));
    assert!(
        answer.get("participants").is_none(),
        "the fixture's user is no admin"
    );
    let refused = state.handle(request(&event("presence-no-claims"))).await;
    assert_eq!(refused.status(), 401);
    assert!(json_body(&refused)["error"]["code"].is_string());
}

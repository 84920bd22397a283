//! POST /video/token and the rooms it names (`ROOM_CREATION`), against moto's DynamoDB and a
//! wiremock Twilio that keeps unique names unique as Twilio does ([`FakeRooms`]): concurrent
//! first joins create one room, an ended room is replaced, `admin` mode refuses rooms it did not
//! make, a warm join costs one DynamoDB read and no Twilio call, and a lost room-ended callback is
//! noticed.

mod admin_mode;
mod warm;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use integration_tests::rooms::{FakeRooms, admin, form, received};
use integration_tests::verify_token::{step_up, with_step_up};
use integration_tests::webhook::{invoke, room_params, room_status};
use integration_tests::{
    backends, config_with_twilio, dynamo, event, json_body, request, unique, with_body, with_claims,
};
use serde_json::{Value, json};
use shared::clock::now_unix;
use shared::http::Handler;
use shared::store::owners::RoomOwners;
use shared::store::rooms::RoomStatus;
use shared::store::rooms::names::{RoomEntry, RoomNames};
use wiremock::MockServer;

/// A wiremock Twilio with [`FakeRooms`], and the token function configured with `extra` on it.
async fn twilio() -> (MockServer, FakeRooms) {
    let server = MockServer::start().await;
    let rooms = FakeRooms::mount(&server).await;
    (server, rooms)
}

async fn token_state(twilio: &MockServer, extra: &[(&str, &str)]) -> token::State {
    let config = config_with_twilio(&twilio.uri(), extra);
    token::State::new(&config, &backends().await).unwrap()
}

/// A user of `tenant` with a phone number the IdP verified.
fn user(tenant: &str, sub: &str) -> Value {
    json!({"sub": sub, "tenant": tenant, "phone_number": "+14155550123", "phone_number_verified": "true"})
}

/// A join of `sub` (tenant acme) to `acme:class:{id}`, step-up included: status and body.
async fn join(state: &token::State, sub: &str, id: &str) -> (u16, Value) {
    let body = json!({"room": {"type": "class", "id": id}});
    let proof = step_up("acme", sub, now_unix(), 600);
    let e = with_step_up(
        with_claims(with_body(event("token"), &body), user("acme", sub)),
        &proof,
    );
    let response = state.handle(request(&e)).await;
    (response.status().as_u16(), json_body(&response))
}

/// The room a minted token grants.
fn granted_room(answer: &Value) -> String {
    use base64::Engine;
    let payload = answer["token"].as_str().unwrap().split('.').nth(1).unwrap();
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    let claims: Value = serde_json::from_slice(&raw).unwrap();
    claims["grants"]["video"]["room"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn entry(name: &str) -> RoomEntry {
    dynamo()
        .await
        .room_by_name(name)
        .await
        .unwrap()
        .expect("the name is recorded")
}

/// Ends `name`'s room at the fake and delivers its signed room-ended callback.
async fn end_room(twilio: &MockServer, rooms: &FakeRooms, name: &str) -> String {
    let sid = rooms.end(name).expect("a room in progress");
    let config = config_with_twilio(&twilio.uri(), &[]);
    let webhook = webhook::State::new(&config, &backends().await);
    let mut params = room_params(&sid, "room-ended", "9", &[("RoomDuration", "60")]);
    params.retain(|(k, _)| *k != "RoomName");
    params.push(("RoomName", name));
    let delivered = invoke(&webhook, room_status(&params, Some(&unique("tok-"))), None).await;
    assert_eq!(delivered["statusCode"], 200, "{delivered}");
    sid
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_first_joins_create_one_room_and_get_twenty_tokens_for_it() {
    let (twilio, rooms) = twilio().await;
    let state = Arc::new(token_state(&twilio, &[]).await);
    let id = unique("r");
    let name = format!("acme:class:{id}");
    let subs: Vec<String> = (0..20).map(|i| format!("{}-{i}", unique("u"))).collect();
    let started = Instant::now();
    let joins = subs.iter().map(|sub| {
        let (state, sub, id) = (state.clone(), sub.clone(), id.clone());
        tokio::spawn(async move { join(&state, &sub, &id).await })
    });
    let answers = futures::future::join_all(joins).await;
    println!(
        "20 concurrent first joins: last token after {:?}",
        started.elapsed()
    );
    for answer in &answers {
        let (status, body) = answer.as_ref().unwrap();
        assert_eq!(*status, 200, "{body}");
        assert_eq!(granted_room(body), name);
    }
    let created = rooms.created(&name);
    assert_eq!(created.len(), 1, "one room created at Twilio");
    let recorded = entry(&name).await;
    assert_eq!(recorded.room_sid, created[0]);
    assert!(recorded.is_open() && !recorded.by_admin);
    let owner = dynamo()
        .await
        .owner(&created[0])
        .await
        .unwrap()
        .expect("an owner");
    assert!(subs.contains(&owner.sub), "the owner is one of the joiners");
    assert_eq!(owner.room, name);
    assert_eq!(
        owner
            .phone_number
            .map(|p| p.as_str().to_string())
            .as_deref(),
        Some("+14155550123")
    );
}

#[tokio::test]
async fn a_room_created_on_join_carries_exactly_what_an_admin_create_sends() {
    let (twilio, _rooms) = twilio().await;
    let extra = [
        ("RECORD_ROOMS_ON_JOIN", "true"),
        ("VIDEO_MAX_PARTICIPANTS", "10"),
    ];
    let state = token_state(&twilio, &extra).await;
    let (id_join, id_admin) = (unique("j"), unique("a"));
    assert_eq!(join(&state, &unique("u"), &id_join).await.0, 200);
    let config = config_with_twilio(&twilio.uri(), &extra);
    let admin_state = rooms::State::new(&config, &backends().await).unwrap();
    let body = json!({"type": "class", "id": id_admin, "record": true});
    let e = with_claims(
        with_body(event("admin-create-room"), &body),
        admin("acme", "boss"),
    );
    assert_eq!(admin_state.handle(request(&e)).await.status(), 201);
    let creates = received(&twilio, "POST", "/v1/Rooms").await;
    let fields = |i: usize| -> BTreeMap<String, String> {
        let mut f: BTreeMap<_, _> = form(&creates[i]).into_iter().collect();
        f.remove("UniqueName");
        f
    };
    assert_eq!(creates.len(), 2);
    assert_eq!(fields(0), fields(1), "the same room, whoever creates it");
    assert_eq!(fields(0)["MaxParticipants"], "10");
    assert_eq!(fields(0)["RecordParticipantsOnConnect"], "true");
    assert_eq!(
        fields(0)["StatusCallback"],
        "https://video.example.com/twilio/room-status"
    );
    assert!(entry(&format!("acme:class:{id_admin}")).await.by_admin);
    assert!(entry(&format!("acme:class:{id_join}")).await.record);
}

#[tokio::test]
async fn a_join_after_the_room_ended_creates_a_new_room_of_the_same_name() {
    let (twilio, rooms) = twilio().await;
    let state = token_state(&twilio, &[]).await;
    let id = unique("r");
    let name = format!("acme:class:{id}");
    assert_eq!(join(&state, &unique("u"), &id).await.0, 200);
    let first = end_room(&twilio, &rooms, &name).await;
    assert_eq!(entry(&name).await.status, RoomStatus::Completed);
    let (status, body) = join(&state, &unique("u"), &id).await;
    assert_eq!(status, 200, "{body}");
    let created = rooms.created(&name);
    assert_eq!(created.len(), 2);
    assert_eq!(created[0], first);
    let now = entry(&name).await;
    assert_eq!(
        (now.room_sid.as_str(), now.is_open()),
        (created[1].as_str(), true)
    );
    // A late room-ended of the old room does not end the new one.
    let config = config_with_twilio(&twilio.uri(), &[]);
    let webhook = webhook::State::new(&config, &backends().await);
    let mut params = room_params(&first, "room-ended", "10", &[]);
    params.retain(|(k, _)| *k != "RoomName");
    params.push(("RoomName", name.as_str()));
    invoke(&webhook, room_status(&params, Some(&unique("tok-"))), None).await;
    assert!(entry(&name).await.is_open());
}

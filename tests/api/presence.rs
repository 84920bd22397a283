//! GET /rooms/{type}/{id} (functions/presence) against moto, fed by the webhook function's room
//! status callbacks: the tenant matrix, counts under shuffled and duplicated callbacks (the
//! embedded store agreeing with DynamoDB), the `events/` fixtures, the local API serving the
//! route, and the TTL every room item carries.

use std::sync::Arc;

use integration_tests::rooms::{FakeRooms, admin, member};
use integration_tests::verify_token::{step_up, token_state, with_step_up};
use integration_tests::webhook::{invoke, room_params, room_status};
use integration_tests::{
    backends, config_with_twilio, dynamo, event, json_body, request, sdk, sid, table_name, unique,
    with_body, with_claims, without_claims,
};
use serde_json::{Value, json};
use shared::clock::now_unix;
use shared::config::Retention;
use shared::dynamo::DynamoTable;
use shared::http::Handler;
use shared::memory::MemoryStore;
use shared::store::audit::{AuditAction, AuditEntry, AuditLog};
use shared::store::owners::{RoomOwner, RoomOwners};
use shared::store::rooms::names::{RoomEntry, RoomNames};
use shared::store::rooms::participants::{Movement, ParticipantEvent, RoomParticipants};
use shared::store::rooms::{RoomChange, RoomRecords, RoomUpdate};
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

/// A small deterministic shuffle (xorshift), so each seed is a reproducible order.
fn shuffle<T>(items: &mut [T], mut seed: u64) {
    for i in (1..items.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        items.swap(i, (seed % (i as u64 + 1)) as usize);
    }
}

#[tokio::test]
async fn counts_are_right_under_shuffled_and_duplicated_callbacks() {
    let webhook = webhook::State::new(&integration_tests::config(&[]), &backends().await);
    let state = presence_state().await;
    for seed in [1u64, 7, 42, 1_000_003, 0xdead_beef] {
        let id = unique("r");
        let room = opened(&id).await;
        let stay: Vec<String> = (0..3).map(|_| sid("PA")).collect();
        let leave: Vec<String> = (0..3).map(|_| sid("PA")).collect();
        // (participant, connected, second, token): every callback twice, once redelivered with
        // its token and once with another one (so that the store itself must absorb it).
        let mut deliveries = Vec::new();
        for (i, p) in stay.iter().chain(&leave).enumerate() {
            let mut moves = vec![(true, 10 + i as u32)];
            if leave.contains(p) {
                moves.push((false, 30 + i as u32));
            }
            for (connected, at) in moves {
                let token = unique("t");
                deliveries.push((p.clone(), connected, at, token.clone()));
                deliveries.push((p.clone(), connected, at, token));
                deliveries.push((p.clone(), connected, at, unique("t")));
            }
        }
        shuffle(&mut deliveries, seed);
        let memory = MemoryStore::new();
        let sends = deliveries.iter().map(|(p, connected, at, token)| {
            invoke(
                &webhook,
                participant_callback(&room, &id, p, *connected, *at, token),
                None,
            )
        });
        for delivered in futures::future::join_all(sends).await {
            assert_eq!(delivered["statusCode"], 200, "{delivered}");
        }
        for (p, connected, at, _) in &deliveries {
            let movement = if *connected {
                Movement::Connected
            } else {
                Movement::Disconnected
            };
            let e = ParticipantEvent {
                room_sid: room.clone(),
                participant_sid: p.clone(),
                identity: format!("acme:{p}"),
                movement,
                at_ms: 1_795_654_800_000 + i64::from(*at) * 1000,
            };
            memory.participant_event(&e).await.unwrap();
        }
        let (status, seen) = look(&state, &id, Some(admin("acme", "boss"))).await;
        assert_eq!(status, 200, "{seen}");
        assert_eq!(seen["participant_count"], 3, "seed {seed}");
        let mut sids: Vec<String> = seen["participants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["sid"].as_str().unwrap().to_string())
            .collect();
        sids.sort();
        let mut want = stay.clone();
        want.sort();
        assert_eq!(sids, want, "seed {seed}");
        let stored = dynamo().await.presence(&room).await.unwrap().participants;
        assert_eq!(
            memory.presence(&room).await.unwrap().participants,
            stored,
            "seed {seed}"
        );
    }
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

/// The `ttl` attribute of the item at `pk`/`sk`.
async fn ttl_of(pk: &str, sk: &str) -> i64 {
    let client = aws_sdk_dynamodb::Client::new(sdk().await);
    let out = client
        .get_item()
        .table_name(table_name())
        .key("pk", aws_sdk_dynamodb::types::AttributeValue::S(pk.into()))
        .key("sk", aws_sdk_dynamodb::types::AttributeValue::S(sk.into()))
        .send()
        .await
        .unwrap();
    let item = out.item.unwrap_or_else(|| panic!("no item {pk} {sk}"));
    item["ttl"].as_n().unwrap().parse().unwrap()
}

#[tokio::test]
async fn every_room_item_and_audit_entry_carries_the_configured_ttl() {
    const DAY: u64 = 86_400;
    let retention = Retention {
        rooms: std::time::Duration::from_secs(30 * DAY),
        audit: std::time::Duration::from_secs(10 * DAY),
    };
    let table = DynamoTable::new(aws_sdk_dynamodb::Client::new(sdk().await), table_name())
        .with_retention(retention);
    let (room, name, participant) = (sid("RM"), format!("acme:class:{}", unique("r")), sid("PA"));
    let now = now_unix();
    table
        .name_opened(&RoomEntry::opened(&name, &room, None, false, false, now))
        .await
        .unwrap();
    let owner = RoomOwner {
        room_sid: room.clone(),
        room: name.clone(),
        sub: "u".into(),
        phone_number: None,
    };
    table.set_owner(&owner).await.unwrap();
    let update = RoomUpdate {
        room_sid: room.clone(),
        unique_name: name.clone(),
        tenant: Some("acme".into()),
        change: RoomChange::Created { at: now },
    };
    table.apply_room_update(&update).await.unwrap();
    let e = ParticipantEvent {
        room_sid: room.clone(),
        participant_sid: participant.clone(),
        identity: "acme:u".into(),
        movement: Movement::Connected,
        at_ms: now * 1000,
    };
    table.participant_event(&e).await.unwrap();
    let rooms_ttl = now + (30 * DAY) as i64;
    for (pk, sk) in [
        (format!("room#name#{name}"), "name".to_string()),
        (format!("room#{room}"), "owner".to_string()),
        (format!("room#{room}"), "room".to_string()),
        (format!("room#{room}"), format!("participant#{participant}")),
    ] {
        let ttl = ttl_of(&pk, &sk).await;
        assert!(
            (rooms_ttl..rooms_ttl + 5).contains(&ttl),
            "{pk} {sk}: {ttl}"
        );
    }
    let entry = AuditEntry::new(&unique("t"), "u", AuditAction::CreateRoom);
    table.append(&entry).await.unwrap();
    let at = entry.position();
    let ttl = ttl_of(
        &format!("audit#{}#-", entry.tenant),
        &format!("{:017}#{}", at.time_micros, at.id),
    )
    .await;
    assert_eq!(ttl, entry.time.unix_timestamp() + (10 * DAY) as i64);
    // Without configuration, the documented default: 400 days.
    let default = dynamo().await;
    let other = sid("RM");
    default
        .set_owner(&RoomOwner {
            room_sid: other.clone(),
            ..owner
        })
        .await
        .unwrap();
    let ttl = ttl_of(&format!("room#{other}"), "owner").await;
    assert!(ttl >= now + 400 * DAY as i64, "{ttl}");
}

#[tokio::test]
async fn the_local_api_serves_presence_from_its_embedded_store() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let settings = local_api::Settings::new(|_| None, addr);
    let app = Arc::new(local_api::app(&settings).await.unwrap());
    tokio::spawn(local_api::serve(listener, app, std::future::pending()));
    let base = format!("http://{addr}");
    let args: Vec<String> = [
        "--sub",
        "alice",
        "--tenant",
        "acme",
        "--phone",
        "+14155550100",
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    let bearer = local_api::auth::dev_token_from_args(&args, &settings.auth_secret()).unwrap();
    let http = reqwest::Client::new();
    let call = |method: reqwest::Method, path: &str, body: Option<Value>, step_up: Option<&str>| {
        let mut r = http
            .request(method, format!("{base}{path}"))
            .bearer_auth(&bearer);
        if let Some(b) = body {
            r = r.json(&b);
        }
        if let Some(s) = step_up {
            r = r.header("X-Step-Up-Token", s);
        }
        async move {
            let response = r.send().await.unwrap();
            (
                response.status().as_u16(),
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let id = unique("r");
    let path = format!("/rooms/class/{id}");
    let (status, body) = call(reqwest::Method::GET, &path, None, None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("room_not_found"))
    );
    let sms = json!({"channel": "sms"});
    assert_eq!(
        call(reqwest::Method::POST, "/verify/start", Some(sms), None)
            .await
            .0,
        202
    );
    let check = json!({"channel": "sms", "code": "123456"});
    let (_, approved) = call(reqwest::Method::POST, "/verify/check", Some(check), None).await;
    let proof = approved["step_up_token"].as_str().unwrap().to_string();
    let join = json!({"room": {"type": "class", "id": id}});
    let (status, body) = call(
        reqwest::Method::POST,
        "/video/token",
        Some(join),
        Some(&proof),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = call(reqwest::Method::GET, &path, None, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["status"].as_str(), body["participant_count"].as_u64()),
        (Some("in-progress"), Some(0))
    );
    let room = body["sid"].as_str().unwrap().to_string();
    let url = format!("{base}/twilio/room-status");
    let name = format!("acme:class:{id}");
    let params: Vec<(String, String)> = [
        ("RoomSid", room.as_str()),
        ("RoomName", name.as_str()),
        ("StatusCallbackEvent", "participant-connected"),
        ("SequenceNumber", "1"),
        ("Timestamp", "2026-11-26T01:00:00.000Z"),
        ("ParticipantSid", &sid("PA")),
        ("ParticipantIdentity", "acme:alice"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let signature = shared::twilio::signature::compute("local-dev-auth-token", &url, &params);
    let sent = http
        .post(&url)
        .header("X-Twilio-Signature", signature)
        .form(&params)
        .send()
        .await;
    assert_eq!(sent.unwrap().status(), 200);
    let (_, body) = call(reqwest::Method::GET, &path, None, None).await;
    assert_eq!(body["participant_count"], 1, "{body}");
}

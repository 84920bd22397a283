//! The admin routes (functions/rooms) through their Lambda entry point, against moto's DynamoDB
//! and a wiremock Twilio that checks paths, form fields and the API key.

use std::sync::Arc;

use integration_tests::rooms::{
    admin, answer, audit_event, expect_once, form, member, mount_room, participant_json, received,
    room_json, twilio_error, twilio_ok,
};
use integration_tests::{
    PUBLIC_BASE_URL, backends, config_with_twilio, dynamo, event, json_body, request, sid, unique,
    with_body, with_claims, without_claims,
};
use lambda_http::{Body, Response};
use serde_json::{Value, json};
use shared::http::Handler;
use shared::store::owners::RoomOwners;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer};

struct App {
    state: rooms::State,
    twilio: MockServer,
}

async fn app(extra: &[(&str, &str)]) -> App {
    let twilio = MockServer::start().await;
    let config = config_with_twilio(&twilio.uri(), extra);
    let state = rooms::State::new(&config, &backends().await).unwrap();
    App { state, twilio }
}

/// `event` with `claims`, or with none at all.
fn claimed(event: Value, claims: Option<Value>) -> Value {
    match claims {
        Some(c) => with_claims(event, c),
        None => without_claims(event),
    }
}

fn create_event(claims: Option<Value>, body: &Value) -> Value {
    claimed(with_body(event("admin-create-room"), body), claims)
}

fn complete_event(claims: Option<Value>, room_sid: &str) -> Value {
    let mut event = event("admin-complete-room");
    event["pathParameters"]["room_sid"] = json!(room_sid);
    event["rawPath"] = json!(format!("/admin/rooms/{room_sid}/complete"));
    claimed(event, claims)
}

fn disconnect_event(claims: Option<Value>, room_sid: &str, participant_sid: &str) -> Value {
    let mut event = event("admin-disconnect-participant");
    event["pathParameters"] = json!({"room_sid": room_sid, "participant_sid": participant_sid});
    event["rawPath"] = json!(format!(
        "/admin/rooms/{room_sid}/participants/{participant_sid}/disconnect"
    ));
    claimed(event, claims)
}

fn listing_event(claims: Option<Value>, query: &[(&str, &str)]) -> Value {
    claimed(audit_event(query), claims)
}

impl App {
    async fn call(&self, event: Value) -> Response<Body> {
        self.state.handle(request(&event)).await
    }

    async fn audit(&self, claims: Value, room_sid: &str) -> Vec<Value> {
        let response = self
            .call(listing_event(Some(claims), &[("room_sid", room_sid)]))
            .await;
        listed(&response)
    }

    /// The caller's tenant's whole log (no `room_sid`), but for listings.
    async fn audit_all(&self, claims: Value) -> Vec<Value> {
        let response = self.call(listing_event(Some(claims), &[])).await;
        listed(&response)
    }

    /// Twilio's room `room_sid` of `tenant`, named `{tenant}:class:x`, in `status`.
    async fn tenant_room(&self, tenant: &str, room_sid: &str, status: &str) {
        let name = format!("{tenant}:class:x");
        mount_room(&self.twilio, room_sid, &name, status).await;
    }

    async fn twilio_requests(&self) -> usize {
        self.twilio.received_requests().await.unwrap().len()
    }
}

/// A 200 listing's entries, but for listings (the listing audits itself; the tests look at the
/// other entries).
fn listed(response: &Response<Body>) -> Vec<Value> {
    assert_eq!(response.status(), 200);
    json_body(response)["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] != "list_audit")
        .cloned()
        .collect()
}

fn room_id() -> String {
    unique("r")
}

#[tokio::test]
async fn creating_a_room_sends_twilio_the_contracted_form_and_answers_201_with_the_room() {
    let app = app(&[]).await;
    let tenant = unique("t");
    let id = room_id();
    let name = format!("{tenant}:class:{id}");
    let room_sid = sid("RM");
    expect_once(
        &app.twilio,
        "POST",
        "/v1/Rooms",
        twilio_ok(201, room_json(&room_sid, &name, "in-progress"), "RQcreate1"),
    )
    .await;

    let response = app
        .call(create_event(
            Some(admin(&tenant, "alice")),
            &json!({"type": "class", "id": id, "max_participants": 10, "record": true}),
        ))
        .await;

    assert_eq!(response.status(), 201);
    let body = json_body(&response);
    assert_eq!(body["sid"], room_sid);
    assert_eq!(body["unique_name"], name);
    assert_eq!(body["status"], "in-progress");
    assert_eq!(body["room"], json!({"type": "class", "id": id}));
    let sent = received(&app.twilio, "POST", "/v1/Rooms").await;
    assert_eq!(
        form(&sent[0]),
        vec![
            ("UniqueName".to_string(), name.clone()),
            ("Type".to_string(), "group".to_string()),
            ("MaxParticipants".to_string(), "10".to_string()),
            (
                "RecordParticipantsOnConnect".to_string(),
                "true".to_string()
            ),
            (
                "StatusCallback".to_string(),
                format!("{PUBLIC_BASE_URL}/twilio/room-status")
            ),
            ("StatusCallbackMethod".to_string(), "POST".to_string()),
        ]
    );
    let owner = dynamo().await.owner(&room_sid).await.unwrap().unwrap();
    assert_eq!(owner.sub, "alice");
    assert_eq!(owner.room, name);
    assert_eq!(
        owner.phone_number.as_ref().map(|p| p.as_str()),
        Some("+14155550100")
    );
    let entries = app.audit(admin(&tenant, "alice"), &room_sid).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["action"], "create_room");
    assert_eq!(entries[0]["outcome"], "allowed");
    assert_eq!(entries[0]["status"], 201);
    assert_eq!(entries[0]["actor"], "alice");
    assert_eq!(entries[0]["room"], name);
    assert_eq!(entries[0]["twilio_request_id"], "RQcreate1");
}

#[tokio::test]
async fn max_participants_is_capped_by_configuration_and_must_be_a_positive_integer() {
    let app = app(&[
        ("VIDEO_MAX_PARTICIPANTS", "20"),
        ("VIDEO_ROOM_TYPE", "group"),
    ])
    .await;
    let tenant = unique("t");
    answer(
        &app.twilio,
        "POST",
        "/v1/Rooms",
        twilio_ok(
            201,
            room_json(&sid("RM"), &format!("{tenant}:class:x"), "in-progress"),
            "RQ1",
        ),
    )
    .await;
    for bad in [json!(0), json!(-3), json!(2.5), json!("10"), json!(true)] {
        let response = app
            .call(create_event(
                Some(admin(&tenant, "alice")),
                &json!({"type": "class", "id": "x", "max_participants": bad}),
            ))
            .await;
        assert_eq!(response.status(), 400, "{bad}");
        assert_eq!(
            json_body(&response)["error"]["code"],
            "invalid_max_participants"
        );
    }
    assert_eq!(
        app.twilio_requests().await,
        0,
        "no bad request reaches Twilio"
    );

    let response = app
        .call(create_event(
            Some(admin(&tenant, "alice")),
            &json!({"type": "class", "id": "x", "max_participants": 40}),
        ))
        .await;
    assert_eq!(response.status(), 201);
    let sent = received(&app.twilio, "POST", "/v1/Rooms").await;
    let fields = form(&sent[0]);
    assert!(fields.contains(&("MaxParticipants".into(), "20".into())));
    assert!(fields.contains(&("Type".into(), "group".into())));
    assert!(fields.contains(&("RecordParticipantsOnConnect".into(), "false".into())));
}

#[tokio::test]
async fn a_malformed_create_is_a_400_that_never_reaches_twilio() {
    let app = app(&[]).await;
    let tenant = unique("t");
    for body in [
        json!({"type": "cla ss", "id": "x"}),
        json!({"type": "class"}),
        json!({"type": "class", "id": "x", "tenant": "other"}),
        json!({"type": "class", "id": "a".repeat(65)}),
        json!({"type": "class", "id": "x", "record": "yes"}),
    ] {
        let response = app
            .call(create_event(Some(admin(&tenant, "alice")), &body))
            .await;
        assert_eq!(response.status(), 400, "{body}");
        assert!(json_body(&response)["error"]["code"].is_string());
    }
    assert_eq!(app.twilio_requests().await, 0);
}

#[tokio::test]
async fn a_room_already_in_progress_is_answered_with_200_and_that_room() {
    let app = app(&[]).await;
    let tenant = unique("t");
    let id = room_id();
    let name = format!("{tenant}:class:{id}");
    let room_sid = sid("RM");
    Mock::given(method("POST"))
        .and(path("/v1/Rooms"))
        .respond_with(twilio_error(400, 53113, "Room exists"))
        .expect(1)
        .mount(&app.twilio)
        .await;
    // The unique name's ':' is reserved in URLs: it must arrive percent-encoded.
    expect_once(
        &app.twilio,
        "GET",
        &format!("/v1/Rooms/{tenant}%3Aclass%3A{id}"),
        twilio_ok(200, room_json(&room_sid, &name, "in-progress"), "RQfound"),
    )
    .await;

    let response = app
        .call(create_event(
            Some(admin(&tenant, "bob")),
            &json!({"type": "class", "id": id}),
        ))
        .await;

    assert_eq!(response.status(), 200);
    assert_eq!(json_body(&response)["sid"], room_sid);
    // No owner was recorded for it: the admin who found it becomes its owner.
    let owner = dynamo().await.owner(&room_sid).await.unwrap().unwrap();
    assert_eq!(owner.sub, "bob");
    let entries = app.audit(admin(&tenant, "bob"), &room_sid).await;
    assert_eq!(entries[0]["outcome"], "allowed");
    assert_eq!(entries[0]["status"], 200);
    assert_eq!(entries[0]["twilio_request_id"], "RQfound");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_concurrent_creates_of_one_room_all_answer_with_the_same_room() {
    let app = Arc::new(app(&[]).await);
    let tenant = unique("t");
    let id = room_id();
    let name = format!("{tenant}:class:{id}");
    let room_sid = sid("RM");
    // Twilio creates the room once; every later create of the name is refused with 53113.
    Mock::given(method("POST"))
        .and(path("/v1/Rooms"))
        .respond_with(twilio_ok(
            201,
            room_json(&room_sid, &name, "in-progress"),
            "RQnew",
        ))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&app.twilio)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/Rooms"))
        .respond_with(twilio_error(400, 53113, "Room exists"))
        .with_priority(2)
        .mount(&app.twilio)
        .await;
    // The others find the room a little later: after the creator recorded itself as owner, which
    // they must then leave alone.
    answer(
        &app.twilio,
        "GET",
        &format!("/v1/Rooms/{tenant}%3Aclass%3A{id}"),
        twilio_ok(200, room_json(&room_sid, &name, "in-progress"), "RQfound")
            .set_delay(std::time::Duration::from_millis(200)),
    )
    .await;

    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let (app, tenant, id) = (app.clone(), tenant.clone(), id.clone());
            tokio::spawn(async move {
                let response = app
                    .call(create_event(
                        Some(admin(&tenant, &format!("admin{i}"))),
                        &json!({"type": "class", "id": id}),
                    ))
                    .await;
                (i, response.status().as_u16(), json_body(&response))
            })
        })
        .collect();
    let mut created_by = Vec::new();
    for task in tasks {
        let (i, status, body) = task.await.unwrap();
        assert!(status == 201 || status == 200, "{status}: {body}");
        assert_eq!(body["sid"], room_sid, "every answer carries the same room");
        if status == 201 {
            created_by.push(format!("admin{i}"));
        }
    }
    assert_eq!(created_by.len(), 1, "exactly one create made the room");
    assert_eq!(
        received(&app.twilio, "POST", "/v1/Rooms").await.len(),
        10,
        "no create was repeated"
    );
    let owner = dynamo().await.owner(&room_sid).await.unwrap().unwrap();
    assert_eq!(
        owner.sub, created_by[0],
        "the creator owns the room, whoever wrote first"
    );
    let entries = app.audit(admin(&tenant, "admin0"), &room_sid).await;
    assert_eq!(entries.len(), 10);
    assert!(entries.iter().all(|e| e["outcome"] == "allowed"));
}

#[tokio::test]
async fn completing_an_own_room_sends_status_completed_and_answers_with_the_room() {
    let app = app(&[]).await;
    let tenant = unique("t");
    let room_sid = sid("RM");
    let name = format!("{tenant}:class:{}", room_id());
    mount_room(&app.twilio, &room_sid, &name, "in-progress").await;
    expect_once(
        &app.twilio,
        "POST",
        &format!("/v1/Rooms/{room_sid}"),
        twilio_ok(202, room_json(&room_sid, &name, "completed"), "RQdone"),
    )
    .await;

    let response = app
        .call(complete_event(Some(admin(&tenant, "alice")), &room_sid))
        .await;

    assert_eq!(response.status(), 200);
    assert_eq!(json_body(&response)["status"], "completed");
    let sent = received(&app.twilio, "POST", &format!("/v1/Rooms/{room_sid}")).await;
    assert_eq!(form(&sent[0]), vec![("Status".into(), "completed".into())]);
    let entries = app.audit(admin(&tenant, "alice"), &room_sid).await;
    assert_eq!(entries[0]["action"], "complete_room");
    assert_eq!(entries[0]["outcome"], "allowed");
    assert_eq!(entries[0]["room"], name);
    assert_eq!(entries[0]["twilio_request_id"], "RQdone");
}

#[tokio::test]
async fn completing_a_room_that_has_ended_is_a_409_and_sends_no_update() {
    let app = app(&[]).await;
    let tenant = unique("t");
    let room_sid = sid("RM");
    app.tenant_room(&tenant, &room_sid, "completed").await;

    let response = app
        .call(complete_event(Some(admin(&tenant, "alice")), &room_sid))
        .await;

    assert_eq!(response.status(), 409);
    let body = json_body(&response);
    assert_eq!(body["error"]["code"], "room_not_in_progress");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("completed")
    );
    assert!(
        received(&app.twilio, "POST", &format!("/v1/Rooms/{room_sid}"))
            .await
            .is_empty()
    );
    let entries = app.audit(admin(&tenant, "alice"), &room_sid).await;
    assert_eq!(entries[0]["outcome"], "failed");
    assert_eq!(entries[0]["code"], "room_not_in_progress");
}

#[tokio::test]
async fn a_room_that_ends_between_fetch_and_update_is_also_a_409() {
    let app = app(&[]).await;
    let tenant = unique("t");
    let room_sid = sid("RM");
    app.tenant_room(&tenant, &room_sid, "in-progress").await;
    answer(
        &app.twilio,
        "POST",
        &format!("/v1/Rooms/{room_sid}"),
        twilio_error(400, 53118, "Room completed"),
    )
    .await;

    let response = app
        .call(complete_event(Some(admin(&tenant, "alice")), &room_sid))
        .await;

    assert_eq!(response.status(), 409);
    assert_eq!(
        json_body(&response)["error"]["code"],
        "room_not_in_progress"
    );
}

#[tokio::test]
async fn disconnecting_a_participant_sends_status_disconnected() {
    let app = app(&[]).await;
    let tenant = unique("t");
    let (room_sid, participant_sid) = (sid("RM"), sid("PA"));
    app.tenant_room(&tenant, &room_sid, "in-progress").await;
    let participant_path = format!("/v1/Rooms/{room_sid}/Participants/{participant_sid}");
    expect_once(
        &app.twilio,
        "POST",
        &participant_path,
        twilio_ok(
            202,
            participant_json(
                &room_sid,
                &participant_sid,
                &format!("{tenant}:u1"),
                "disconnected",
            ),
            "RQkick",
        ),
    )
    .await;

    let response = app
        .call(disconnect_event(
            Some(admin(&tenant, "alice")),
            &room_sid,
            &participant_sid,
        ))
        .await;

    assert_eq!(response.status(), 200);
    assert_eq!(json_body(&response)["status"], "disconnected");
    let sent = received(&app.twilio, "POST", &participant_path).await;
    assert_eq!(
        form(&sent[0]),
        vec![("Status".into(), "disconnected".into())]
    );
    let entries = app.audit(admin(&tenant, "alice"), &room_sid).await;
    assert_eq!(entries[0]["action"], "disconnect_participant");
    assert_eq!(entries[0]["participant_sid"], participant_sid);
    assert_eq!(entries[0]["outcome"], "allowed");
    assert_eq!(entries[0]["twilio_request_id"], "RQkick");
}

#[tokio::test]
async fn an_unknown_participant_is_a_404_naming_the_participant() {
    let app = app(&[]).await;
    let tenant = unique("t");
    let (room_sid, participant_sid) = (sid("RM"), sid("PA"));
    app.tenant_room(&tenant, &room_sid, "in-progress").await;
    answer(
        &app.twilio,
        "POST",
        &format!("/v1/Rooms/{room_sid}/Participants/{participant_sid}"),
        twilio_error(404, 20404, "The requested resource was not found"),
    )
    .await;

    let response = app
        .call(disconnect_event(
            Some(admin(&tenant, "alice")),
            &room_sid,
            &participant_sid,
        ))
        .await;

    assert_eq!(response.status(), 404);
    assert_eq!(
        json_body(&response)["error"]["code"],
        "participant_not_found"
    );
}

#[tokio::test]
async fn malformed_sids_are_400_and_never_reach_twilio() {
    let app = app(&[]).await;
    let tenant = unique("t");
    let good_room = sid("RM");
    let cases = [
        complete_event(Some(admin(&tenant, "a")), "RM123"),
        complete_event(Some(admin(&tenant, "a")), &sid("PA")),
        disconnect_event(Some(admin(&tenant, "a")), &good_room, &sid("RM")),
        disconnect_event(Some(admin(&tenant, "a")), "room", &sid("PA")),
        listing_event(Some(admin(&tenant, "a")), &[("room_sid", "RM..")]),
    ];
    for case in cases {
        let response = app.call(case).await;
        assert_eq!(response.status(), 400);
        assert!(json_body(&response)["error"]["message"].is_string());
    }
    assert_eq!(app.twilio_requests().await, 0);
}

/// The authorization matrix of the routes that act on an existing room.
#[tokio::test]
async fn room_routes_refuse_no_jwt_401_no_scope_403_other_tenant_404_and_serve_their_tenant() {
    let app = app(&[]).await;
    let (acme, globex) = (unique("t"), unique("t"));
    let room_sid = sid("RM");
    let participant_sid = sid("PA");
    app.tenant_room(&acme, &room_sid, "in-progress").await;
    answer(
        &app.twilio,
        "POST",
        &format!("/v1/Rooms/{room_sid}"),
        twilio_ok(
            202,
            room_json(&room_sid, &format!("{acme}:class:x"), "completed"),
            "RQ",
        ),
    )
    .await;
    answer(
        &app.twilio,
        "POST",
        &format!("/v1/Rooms/{room_sid}/Participants/{participant_sid}"),
        twilio_ok(
            202,
            participant_json(&room_sid, &participant_sid, "x:y", "disconnected"),
            "RQ",
        ),
    )
    .await;
    let missing_room = sid("RM");
    answer(
        &app.twilio,
        "GET",
        &format!("/v1/Rooms/{missing_room}"),
        twilio_error(404, 20404, "The requested resource was not found"),
    )
    .await;
    // A room whose name is not one of ours at all reads like no room too.
    let foreign_room = sid("RM");
    mount_room(&app.twilio, &foreign_room, "legacy-lobby", "in-progress").await;

    type Make = Box<dyn Fn(Option<Value>, &str) -> Value>;
    let routes: Vec<(&str, Make)> = vec![
        ("complete", Box::new(complete_event)),
        (
            "disconnect",
            Box::new(move |c, r| disconnect_event(c, r, &participant_sid)),
        ),
        (
            "audit",
            Box::new(|c, r| listing_event(c, &[("room_sid", r)])),
        ),
    ];
    let mut not_found_bodies = Vec::new();
    for (name, make) in &routes {
        let no_jwt = app.call(make(None, &room_sid)).await;
        assert_eq!(no_jwt.status(), 401, "{name}");

        let no_scope = app.call(make(Some(member(&acme, "eve")), &room_sid)).await;
        assert_eq!(no_scope.status(), 403, "{name}");
        assert_eq!(
            json_body(&no_scope)["error"]["code"],
            "admin_scope_required"
        );

        let other = app
            .call(make(Some(admin(&globex, "mallory")), &room_sid))
            .await;
        let missing = app
            .call(make(Some(admin(&globex, "mallory")), &missing_room))
            .await;
        let foreign = app
            .call(make(Some(admin(&acme, "alice")), &foreign_room))
            .await;
        assert_eq!(other.status(), 404, "{name}");
        assert_eq!(
            other.body().as_ref(),
            missing.body().as_ref(),
            "{name}: another tenant's room reads exactly like no room"
        );
        assert_eq!(foreign.body().as_ref(), missing.body().as_ref(), "{name}");
        not_found_bodies.push(missing.body().as_ref().to_vec());

        let own = app.call(make(Some(admin(&acme, "alice")), &room_sid)).await;
        assert_eq!(own.status(), 200, "{name}");
    }
    assert!(
        not_found_bodies.windows(2).all(|w| w[0] == w[1]),
        "every admin route answers the same 404"
    );
    // Only the own-tenant calls changed anything in Twilio.
    let updates = received(&app.twilio, "POST", &format!("/v1/Rooms/{room_sid}")).await;
    assert_eq!(updates.len(), 1);
}

#[tokio::test]
async fn create_refuses_no_jwt_and_no_scope_and_only_ever_names_the_callers_tenant() {
    let app = app(&[]).await;
    let (acme, globex) = (unique("t"), unique("t"));
    answer(
        &app.twilio,
        "POST",
        "/v1/Rooms",
        twilio_ok(
            201,
            room_json(&sid("RM"), &format!("{globex}:class:x"), "in-progress"),
            "RQ",
        ),
    )
    .await;
    let body = json!({"type": "class", "id": "x"});

    assert_eq!(app.call(create_event(None, &body)).await.status(), 401);
    let no_scope = app
        .call(create_event(Some(member(&acme, "eve")), &body))
        .await;
    assert_eq!(no_scope.status(), 403);
    assert_eq!(app.twilio_requests().await, 0);
    // A body cannot name a tenant; an admin of globex creating "class:x" creates globex's room.
    let own = app
        .call(create_event(Some(admin(&globex, "g")), &body))
        .await;
    assert_eq!(own.status(), 201);
    let sent = received(&app.twilio, "POST", "/v1/Rooms").await;
    assert!(form(&sent[0]).contains(&("UniqueName".into(), format!("{globex}:class:x"))));
}

#[tokio::test]
async fn the_audit_route_refuses_no_jwt_and_no_scope_and_shows_a_tenant_only_its_own_entries() {
    let app = app(&[]).await;
    let (acme, globex) = (unique("t"), unique("t"));
    let room_sid = sid("RM");
    app.tenant_room(&acme, &room_sid, "completed").await;
    // An acme admin's action on the room, and a globex admin's probe of it.
    app.call(complete_event(Some(admin(&acme, "alice")), &room_sid))
        .await;
    let probe = app
        .call(complete_event(Some(admin(&globex, "mallory")), &room_sid))
        .await;
    assert_eq!(probe.status(), 404);

    let query = [("room_sid", room_sid.as_str())];
    assert_eq!(app.call(listing_event(None, &query)).await.status(), 401);
    assert_eq!(
        app.call(listing_event(Some(member(&acme, "eve")), &query))
            .await
            .status(),
        403
    );

    let acme_entries = app.audit(admin(&acme, "alice"), &room_sid).await;
    assert_eq!(acme_entries.len(), 1, "{acme_entries:?}");
    assert_eq!(acme_entries[0]["actor"], "alice");
    assert_eq!(acme_entries[0]["tenant"], acme.as_str());

    // acme's room is not globex's to list: the same 404 as for a room that does not exist.
    let other = app
        .call(listing_event(Some(admin(&globex, "mallory")), &query))
        .await;
    assert_eq!(other.status(), 404);
    assert_eq!(json_body(&other)["error"]["code"], "room_not_found");
    // globex's own log holds its probe (and that refused listing), and nothing of acme's.
    let globex_entries = app.audit_all(admin(&globex, "mallory")).await;
    assert!(
        globex_entries
            .iter()
            .all(|e| e["tenant"] == globex.as_str())
    );
    let globex_entries: Vec<Value> = globex_entries
        .into_iter()
        .filter(|e| e["action"] == "complete_room")
        .collect();
    assert_eq!(globex_entries.len(), 1);
    assert_eq!(globex_entries[0]["actor"], "mallory");
    assert_eq!(globex_entries[0]["outcome"], "denied");
    assert_eq!(globex_entries[0]["status"], 404);
    assert_eq!(
        globex_entries[0]["room"],
        Value::Null,
        "the probe's entry records nothing of the other tenant's room"
    );
}

#[tokio::test]
async fn allowed_and_denied_actions_are_audited_newest_first() {
    let app = app(&[]).await;
    let tenant = unique("t");
    let room_sid = sid("RM");
    let participant_sid = sid("PA");
    app.tenant_room(&tenant, &room_sid, "in-progress").await;
    answer(
        &app.twilio,
        "POST",
        &format!("/v1/Rooms/{room_sid}/Participants/{participant_sid}"),
        twilio_ok(
            202,
            participant_json(&room_sid, &participant_sid, "x:y", "disconnected"),
            "RQkick",
        ),
    )
    .await;

    let denied = app
        .call(complete_event(Some(member(&tenant, "eve")), &room_sid))
        .await;
    assert_eq!(denied.status(), 403);
    let allowed = app
        .call(disconnect_event(
            Some(admin(&tenant, "alice")),
            &room_sid,
            &participant_sid,
        ))
        .await;
    assert_eq!(allowed.status(), 200);

    let response = app
        .call(listing_event(
            Some(admin(&tenant, "alice")),
            &[("room_sid", &room_sid)],
        ))
        .await;
    assert_eq!(response.status(), 200);
    let entries = json_body(&response)["entries"].as_array().unwrap().clone();
    let summary: Vec<(String, String, String)> = entries
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["actor"].as_str().unwrap().to_string(),
                e["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    // The listing's own entry is pending while it reads: its outcome is written after.
    let expected = [
        ("list_audit", "alice", "pending"),
        ("disconnect_participant", "alice", "allowed"),
        ("complete_room", "eve", "denied"),
    ];
    assert_eq!(
        summary,
        expected
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
            .to_vec()
    );
    assert_eq!(entries[2]["status"], 403);
    assert_eq!(entries[2]["code"], "admin_scope_required");
    assert_eq!(entries[1]["twilio_request_id"], "RQkick");
    let times: Vec<&str> = entries
        .iter()
        .map(|e| e["time"].as_str().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");

    // Read again, the first listing has its outcome: allowed, answered 200.
    let again = app
        .call(listing_event(
            Some(admin(&tenant, "alice")),
            &[("room_sid", &room_sid)],
        ))
        .await;
    let entries = json_body(&again)["entries"].as_array().unwrap().clone();
    let first_listing = entries
        .iter()
        .find(|e| e["id"] == json_body(&response)["entries"][0]["id"])
        .expect("the first listing's entry");
    assert_eq!(first_listing["outcome"], "allowed");
    assert_eq!(first_listing["status"], 200);
    assert_eq!(first_listing["room"], format!("{tenant}:class:x"));
}

#[tokio::test]
async fn the_audit_log_pages_through_every_entry_once_with_an_opaque_cursor() {
    let app = app(&[]).await;
    let tenant = unique("t");
    let room_sid = sid("RM");
    app.tenant_room(&tenant, &room_sid, "in-progress").await;
    for i in 0..5 {
        let response = app
            .call(complete_event(
                Some(member(&tenant, &format!("user{i}"))),
                &room_sid,
            ))
            .await;
        assert_eq!(response.status(), 403);
    }
    let mut seen = Vec::new();
    let mut next: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut query = vec![("room_sid", room_sid.clone()), ("limit", "2".to_string())];
        if let Some(cursor) = &next {
            query.push(("next", cursor.clone()));
        }
        let query: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let response = app
            .call(listing_event(Some(admin(&tenant, "alice")), &query))
            .await;
        assert_eq!(response.status(), 200);
        let body = json_body(&response);
        let entries = body["entries"].as_array().unwrap();
        assert!(!entries.is_empty() && entries.len() <= 2);
        seen.extend(entries.iter().cloned());
        pages += 1;
        match body["next"].as_str() {
            Some(cursor) => next = Some(cursor.to_string()),
            None => break,
        }
    }
    // The first listing's own entry, then the five refusals, newest first, none twice.
    assert_eq!(pages, 3);
    let actors: Vec<&str> = seen.iter().map(|e| e["actor"].as_str().unwrap()).collect();
    assert_eq!(
        actors,
        ["alice", "user4", "user3", "user2", "user1", "user0"]
    );
    let mut ids: Vec<&str> = seen.iter().map(|e| e["id"].as_str().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 6);
}

#[tokio::test]
async fn a_bad_cursor_or_limit_is_a_400_and_a_cursor_never_crosses_tenants() {
    let app = app(&[]).await;
    let (acme, globex) = (unique("t"), unique("t"));
    let room_sid = sid("RM");
    for (tenant, who) in [
        (&acme, "a1"),
        (&acme, "a2"),
        (&globex, "g1"),
        (&globex, "g2"),
    ] {
        app.call(complete_event(Some(member(tenant, who)), &room_sid))
            .await;
    }
    for (name, value) in [
        ("next", "not-a-cursor"),
        ("next", "eyJwayI6ImF1ZGl0In0"),
        ("limit", "0"),
        ("limit", "101"),
        ("limit", "ten"),
    ] {
        let response = app
            .call(listing_event(Some(admin(&acme, "alice")), &[(name, value)]))
            .await;
        assert_eq!(response.status(), 400, "{name}={value}");
    }
    // globex's first page (of its whole log) ends at its newest refusal; acme, handed that
    // cursor, still only ever reads acme's own entries.
    let page = app
        .call(listing_event(Some(admin(&globex, "g")), &[("limit", "2")]))
        .await;
    let cursor = json_body(&page)["next"].as_str().unwrap().to_string();
    let response = app
        .call(listing_event(
            Some(admin(&acme, "alice")),
            &[("next", &cursor)],
        ))
        .await;
    assert_eq!(response.status(), 200);
    let body = json_body(&response);
    let entries = body["entries"].as_array().unwrap();
    assert!(!entries.is_empty());
    assert!(
        entries.iter().all(|e| e["tenant"] == acme.as_str()),
        "{entries:?}"
    );
}

#[tokio::test]
async fn nothing_is_done_when_the_audit_log_cannot_be_written() {
    let twilio = MockServer::start().await;
    let config = config_with_twilio(&twilio.uri(), &[("TABLE_NAME", "no-such-table")]);
    let mut backends = backends().await;
    backends.store = Arc::new(shared::dynamo::DynamoTable::new(
        aws_sdk_dynamodb::Client::new(integration_tests::sdk().await),
        "no-such-table",
    ));
    let state = rooms::State::new(&config, &backends).unwrap();
    let tenant = unique("t");
    let room_sid = sid("RM");

    let complete = state
        .handle(request(&complete_event(
            Some(admin(&tenant, "alice")),
            &room_sid,
        )))
        .await;
    let create = state
        .handle(request(&create_event(
            Some(admin(&tenant, "alice")),
            &json!({"type": "class", "id": "x"}),
        )))
        .await;
    let refused = state
        .handle(request(&complete_event(
            Some(member(&tenant, "eve")),
            &room_sid,
        )))
        .await;

    assert_eq!(complete.status(), 503);
    assert_eq!(create.status(), 503);
    assert_eq!(refused.status(), 503, "a refusal that cannot be recorded");
    assert!(
        !String::from_utf8_lossy(complete.body().as_ref()).contains("no-such-table"),
        "the cause stays in the logs"
    );
    assert!(twilio.received_requests().await.unwrap().is_empty());
}

//! GET /admin/audit beyond paging (see `rooms` for that): whose room a room SID is, decided by
//! the store first and Twilio last; the tenant's whole log, refusals that name no room included;
//! and the listing's own entry, settled after the read with how it really ended.

use integration_tests::rooms::{admin, audit_event, member, mount_room, twilio_error};
use integration_tests::{
    backends, config_with_twilio, dynamo, event, json_body, request, sid, unique, with_body,
    with_claims,
};
use lambda_http::{Body, Response};
use serde_json::{Value, json};
use shared::http::Handler;
use shared::store::owners::{RoomOwner, RoomOwners};
use shared::store::rooms::{RoomChange, RoomRecords, RoomUpdate};
use wiremock::MockServer;
use wiremock::matchers::{method, path};

struct App {
    state: rooms::State,
    twilio: MockServer,
}

async fn app() -> App {
    let twilio = MockServer::start().await;
    let config = config_with_twilio(&twilio.uri(), &[]);
    let state = rooms::State::new(&config, &backends().await).unwrap();
    App { state, twilio }
}

impl App {
    async fn list(&self, claims: Value, query: &[(&str, &str)]) -> Response<Body> {
        let event = with_claims(audit_event(query), claims);
        self.state.handle(request(&event)).await
    }

    /// The entries of the tenant's whole log.
    async fn whole_log(&self, claims: Value) -> Vec<Value> {
        let response = self.list(claims, &[]).await;
        assert_eq!(response.status(), 200);
        json_body(&response)["entries"].as_array().unwrap().clone()
    }
}

/// A room record, as the room status webhook keeps it, of `tenant`'s room `unique_name`.
async fn record_room(room_sid: &str, tenant: &str) {
    let update = RoomUpdate {
        room_sid: room_sid.to_string(),
        unique_name: format!("{tenant}:class:x"),
        tenant: Some(tenant.to_string()),
        change: RoomChange::Created { at: 1_795_654_800 },
    };
    dynamo().await.apply_room_update(&update).await.unwrap();
}

#[tokio::test]
async fn a_room_the_store_knows_is_decided_without_calling_twilio() {
    let app = app().await;
    let (acme, globex) = (unique("t"), unique("t"));
    let (recorded, owned) = (sid("RM"), sid("RM"));
    record_room(&recorded, &acme).await;
    let owner = RoomOwner {
        room_sid: owned.clone(),
        room: format!("{acme}:class:y"),
        sub: "alice".into(),
        phone_number: None,
    };
    dynamo().await.set_owner(&owner).await.unwrap();

    for room in [&recorded, &owned] {
        let own = app.list(admin(&acme, "alice"), &[("room_sid", room)]).await;
        assert_eq!(own.status(), 200, "{room}");
        let other = app
            .list(admin(&globex, "mallory"), &[("room_sid", room)])
            .await;
        assert_eq!(other.status(), 404, "{room}");
        assert_eq!(
            json_body(&other),
            json!({"error": {"code": "room_not_found", "message": "no such room"}})
        );
    }
    assert!(
        app.twilio.received_requests().await.unwrap().is_empty(),
        "the store knew both rooms"
    );
}

#[tokio::test]
async fn a_room_unknown_to_the_store_and_to_twilio_is_a_404_and_its_listing_is_denied() {
    let app = app().await;
    let tenant = unique("t");
    let missing = sid("RM");
    wiremock::Mock::given(method("GET"))
        .and(path(format!("/v1/Rooms/{missing}")))
        .respond_with(twilio_error(
            404,
            20404,
            "The requested resource was not found",
        ))
        .expect(1)
        .mount(&app.twilio)
        .await;
    let response = app
        .list(admin(&tenant, "alice"), &[("room_sid", &missing)])
        .await;
    assert_eq!(response.status(), 404);
    assert_eq!(json_body(&response)["error"]["code"], "room_not_found");
    let log = app.whole_log(admin(&tenant, "alice")).await;
    let refused = &log[1];
    assert_eq!(refused["action"], "list_audit");
    assert_eq!(refused["outcome"], "denied");
    assert_eq!(refused["status"], 404);
    assert_eq!(refused["room_sid"], missing.as_str());
}

#[tokio::test]
async fn refusals_that_name_no_room_are_listed_in_the_tenants_log() {
    let app = app().await;
    let (tenant, other) = (unique("t"), unique("t"));
    let create = with_body(
        with_claims(event("admin-create-room"), member(&tenant, "eve")),
        &json!({"type": "class", "id": "x"}),
    );
    assert_eq!(app.state.handle(request(&create)).await.status(), 403);
    let probe = app.list(member(&tenant, "eve"), &[]).await;
    assert_eq!(probe.status(), 403);
    app.list(member(&other, "zed"), &[]).await;

    let log = app.whole_log(admin(&tenant, "alice")).await;
    let summary: Vec<(&str, &str, &str)> = log
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["actor"].as_str().unwrap(),
                e["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("list_audit", "alice", "pending"),
            ("list_audit", "eve", "denied"),
            ("create_room", "eve", "denied"),
        ]
    );
    assert!(log.iter().all(|e| e["tenant"] == tenant.as_str()));
    assert_eq!(log[2]["room_sid"], Value::Null);
    assert_eq!(log[2]["code"], "admin_scope_required");
}

#[tokio::test]
async fn a_listing_that_fails_is_recorded_as_failed_not_allowed() {
    let app = app().await;
    let tenant = unique("t");
    let room = sid("RM");
    wiremock::Mock::given(method("GET"))
        .and(path(format!("/v1/Rooms/{room}")))
        .respond_with(twilio_error(500, 20500, "Internal Server Error"))
        .mount(&app.twilio)
        .await;
    let response = app
        .list(admin(&tenant, "alice"), &[("room_sid", &room)])
        .await;
    assert!(response.status().is_server_error(), "{}", response.status());

    let log = app.whole_log(admin(&tenant, "alice")).await;
    let failed = &log[1];
    assert_eq!(failed["action"], "list_audit");
    assert_eq!(failed["outcome"], "failed");
    assert_eq!(failed["status"], response.status().as_u16());
}

#[tokio::test]
async fn a_listing_of_an_own_room_twilio_knows_names_the_room_once_allowed() {
    let app = app().await;
    let tenant = unique("t");
    let room = sid("RM");
    mount_room(
        &app.twilio,
        &room,
        &format!("{tenant}:class:z"),
        "completed",
    )
    .await;
    let response = app
        .list(admin(&tenant, "alice"), &[("room_sid", &room)])
        .await;
    assert_eq!(response.status(), 200);
    let log = app.whole_log(admin(&tenant, "alice")).await;
    assert_eq!(log[1]["outcome"], "allowed");
    assert_eq!(log[1]["room"], format!("{tenant}:class:z"));
}

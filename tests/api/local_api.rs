//! The local API end to end, offline, as on a fresh machine: over real HTTP on a random port,
//! with the embedded store, the dev credentials and the embedded fake Twilio, running the
//! functions' own handlers; and its routing, which must hand each handler the request API Gateway
//! would. Nothing here needs moto, an AWS account or a Twilio account.

use std::sync::Arc;

use async_trait::async_trait;
use integration_tests::local_api::{LocalApi, answer};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use local_api::App;
use local_api::fake_twilio::DEV_CODE;
use local_api::routes::{self, Proof};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use shared::http::Handler;

/// The local API as on a fresh machine: nothing from the process environment, and so the dev
/// credentials, which use the embedded fake Twilio.
async fn fresh_machine() -> LocalApi {
    let api = LocalApi::start(&[]).await;
    assert!(api.fake_twilio().is_some(), "dev credentials use the fake");
    api
}

/// `routes` alone, without a fake Twilio.
async fn with_routes(routes: Vec<routes::Route>) -> LocalApi {
    let secret = "routing-test-secret".to_string();
    LocalApi::serve_app(App::new(routes, secret.clone(), None), secret).await
}

#[tokio::test]
async fn a_fresh_machine_steps_up_gets_a_video_token_and_moderates_rooms_with_no_twilio_account() {
    let api = fresh_machine().await;
    let (status, health) = api.anonymous(Method::GET, "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(health, json!({"status": "ok"}));

    let user = api.user("alice", "+14155550100");
    let (status, body) = api
        .post("/verify/start", &user, json!({"channel": "sms"}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["status"], "pending");
    assert_eq!(body["channel"], "sms");
    assert_ne!(body["to"], "+14155550100", "the destination is masked");

    // A wrong code, then the one the fake approves.
    let mut checked = Value::Null;
    for (code, want, verification) in [
        ("654321", StatusCode::UNPROCESSABLE_ENTITY, "pending"),
        (DEV_CODE, StatusCode::OK, "approved"),
    ] {
        let check = json!({"channel": "sms", "code": code});
        let (status, body) = api.post("/verify/check", &user, check).await;
        assert_eq!(status, want, "{body}");
        assert_eq!(body["status"], verification);
        checked = body;
    }
    let step_up = checked["step_up_token"].as_str().unwrap().to_string();

    let room = json!({"room": {"type": "class", "id": "9f3c2b1a"}, "device_id": "web-1"});
    let (status, body) = api
        .call(
            Method::POST,
            "/video/token",
            &user,
            &[("X-Step-Up-Token", &step_up)],
            Some(room),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["identity"], "acme:alice:web-1");
    assert_eq!(body["room"], "acme:class:9f3c2b1a");
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_aud = false;
    let token = jsonwebtoken::decode::<Value>(
        body["token"].as_str().unwrap(),
        &DecodingKey::from_secret(api.setting("TWILIO_API_SECRET").as_bytes()),
        &validation,
    )
    .unwrap()
    .claims;
    assert_eq!(token["grants"]["identity"], "acme:alice:web-1");
    assert_eq!(token["grants"]["video"]["room"], "acme:class:9f3c2b1a");

    let admin = api.admin("ops");
    // Another room than the one alice's join has just created (ROOM_CREATION=on_join).
    let new_room = json!({"type": "class", "id": "a1b2c3d4", "record": true});
    let (status, created) = api.post("/admin/rooms", &admin, new_room.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let sid = created["sid"].as_str().unwrap().to_string();
    assert!(sid.starts_with("RM") && sid.len() == 34, "{sid}");
    assert_eq!(created["status"], "in-progress");
    let (status, again) = api.post("/admin/rooms", &admin, new_room).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["sid"], sid.as_str());

    let participant = "PA0123456789abcdef0123456789abcdef";
    let disconnect = format!("/admin/rooms/{sid}/participants/{participant}/disconnect");
    let (status, body) = api.post(&disconnect, &admin, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "disconnected");

    let complete = format!("/admin/rooms/{sid}/complete");
    let (status, body) = api.post(&complete, &admin, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "completed");
    let (status, body) = api.post(&complete, &admin, json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "room_not_in_progress");

    let audit = format!("/admin/audit?room_sid={sid}");
    let (status, body) = api.get(&audit, &admin, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let actions: Vec<(&str, &str)> = body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    for done in ["create_room", "disconnect_participant", "complete_room"] {
        assert!(actions.iter().any(|(a, _)| *a == done), "{actions:?}");
    }
    assert!(
        body["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["status"] == 409),
        "the refused second complete is audited: {body}"
    );
}

#[tokio::test]
async fn a_recorded_room_that_ends_is_composed_once_by_the_fake_twilio() {
    let api = fresh_machine().await;
    let admin = api.admin("ops");
    let (status, room) = api
        .post(
            "/admin/rooms",
            &admin,
            json!({"type": "class", "id": "rec-1"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{room}");
    let sid = room["sid"].as_str().unwrap().to_string();
    let event = |name: &'static str, seq: &'static str| {
        [
            ("StatusCallbackEvent", name),
            ("RoomSid", sid.as_str()),
            ("RoomName", "acme:class:rec-1"),
            ("SequenceNumber", seq),
        ]
    };
    // Twilio redelivers the room-ended; the room gets no second composition.
    for (name, seq) in [
        ("recording-started", "1"),
        ("room-ended", "2"),
        ("room-ended", "2"),
    ] {
        let (status, _) = api.room_status(&event(name, seq)).await;
        assert_eq!(status, StatusCode::OK, "{name}");
    }
    let compositions = format!("/v1/Compositions?RoomSid={sid}");
    let (status, page) = answer(api.twilio(Method::GET, &compositions)).await;
    assert_eq!(status, StatusCode::OK);
    let compositions = page["compositions"].as_array().unwrap();
    assert_eq!(compositions.len(), 1, "{page}");
    assert_eq!(compositions[0]["room_sid"], sid.as_str());
    assert!(compositions[0]["sid"].as_str().unwrap().starts_with("CJ"));
}

#[tokio::test]
async fn the_fake_twilio_refuses_calls_without_credentials_and_unknown_rooms_as_twilio_does() {
    let api = fresh_machine().await;
    let (status, body) = answer(api.http.get(api.url("/__twilio/v1/Rooms"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], 20003);
    assert_eq!(body["status"], 401);

    let unknown = "/v1/Rooms/RM0123456789abcdef0123456789abcdef";
    let (status, body) = answer(api.twilio(Method::GET, unknown)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], 20404);

    let admin = api.admin("ops");
    let (status, body) = api
        .post(
            "/admin/rooms/RM0123456789abcdef0123456789abcdef/complete",
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["code"], "room_not_found");
}

#[tokio::test]
async fn every_route_of_the_table_is_served_and_anything_else_is_a_json_404() {
    let api = fresh_machine().await;
    let (get, post) = (Method::GET, Method::POST);
    let served = [
        (get.clone(), "/healthz", StatusCode::OK),
        (post.clone(), "/verify/start", StatusCode::UNAUTHORIZED),
        (post.clone(), "/verify/check", StatusCode::UNAUTHORIZED),
        (post.clone(), "/video/token", StatusCode::UNAUTHORIZED),
        (post.clone(), "/twilio/room-status", StatusCode::BAD_REQUEST),
        (
            post.clone(),
            "/twilio/composition-status",
            StatusCode::BAD_REQUEST,
        ),
        (get.clone(), "/recordings/class/1", StatusCode::UNAUTHORIZED),
        (post.clone(), "/admin/rooms", StatusCode::UNAUTHORIZED),
        (
            post.clone(),
            "/admin/rooms/RM1/complete",
            StatusCode::UNAUTHORIZED,
        ),
        (
            post.clone(),
            "/admin/rooms/RM1/participants/PA1/disconnect",
            StatusCode::UNAUTHORIZED,
        ),
        (
            get.clone(),
            "/admin/audit?room_sid=RM1",
            StatusCode::UNAUTHORIZED,
        ),
    ];
    for (method, path, expected) in served {
        let (status, body) = api.anonymous(method.clone(), path).await;
        assert_eq!(status, expected, "{method} {path}: {body}");
    }
    for callback in ["/twilio/room-status", "/twilio/composition-status"] {
        let (_, body) = api.anonymous(post.clone(), callback).await;
        assert_eq!(body["error"]["code"], "missing_signature", "{callback}");
    }

    let unserved = [
        (get.clone(), "/verify/start"),
        (post.clone(), "/healthz"),
        (Method::HEAD, "/healthz"),
        (get.clone(), "/healthz/more"),
        (post.clone(), "/admin/rooms//complete"),
        (post.clone(), "/admin/rooms/%FF/complete"),
        (post.clone(), "/recordings/class/1"),
        (get.clone(), "/twilio/composition-status"),
    ];
    for (method, path) in unserved {
        let response = api
            .http
            .request(method.clone(), api.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{method} {path}");
        if method != Method::HEAD {
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["error"]["code"], "no_route", "{method} {path}");
        }
    }
}

/// A handler that answers with what API Gateway would have told it about the request.
struct Echo;

#[async_trait]
impl Handler for Echo {
    async fn handle(&self, req: Request) -> Response<Body> {
        let claims = match req.request_context_ref() {
            Some(RequestContext::ApiGatewayV2(ctx)) => ctx
                .authorizer
                .as_ref()
                .and_then(|a| a.jwt.as_ref())
                .map(|jwt| json!(jwt.claims)),
            _ => None,
        };
        let echo = json!({
            "route": shared::http::route_key(&req),
            "room_sid": req.path_parameters_ref().and_then(|p| p.first("room_sid")),
            "raw_path": req.raw_http_path(),
            "x": req.query_string_parameters_ref().and_then(|q| q.first("x")),
            "request_id": req.lambda_context_ref().map(|c| c.request_id.clone()),
            "claims": claims,
        });
        shared::http::json(http::StatusCode::OK, &echo)
    }
}

#[tokio::test]
async fn a_handler_gets_path_parameters_raw_path_route_key_and_claims_as_api_gateway_sends_them() {
    let echo: Arc<dyn Handler> = Arc::new(Echo);
    let api = with_routes(vec![
        routes::post("/admin/rooms/{room_sid}/complete", Proof::Anyone, &echo),
        routes::get("/admin/audit", Proof::Jwt, &echo),
    ])
    .await;
    let (status, body) = api
        .anonymous(Method::POST, "/admin/rooms/RM%41b/complete?x=1%202")
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["route"], "POST /admin/rooms/{room_sid}/complete");
    assert_eq!(body["room_sid"], "RMAb", "decoded, as API Gateway gives it");
    assert_eq!(body["raw_path"], "/admin/rooms/RM%41b/complete");
    assert_eq!(body["x"], "1 2");
    assert!(
        body["request_id"].as_str().is_some_and(|id| !id.is_empty()),
        "{body}"
    );
    assert_eq!(body["claims"], Value::Null);

    let admin = api.admin("ops");
    let (status, body) = api.get("/admin/audit", &admin, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["route"], "GET /admin/audit");
    assert_eq!(body["claims"]["sub"], "ops");
    assert_eq!(body["claims"]["tenant"], "acme");
    let (status, body) = api.anonymous(Method::GET, "/admin/audit").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "unauthorized");
}

#[tokio::test]
async fn a_request_lambda_http_cannot_convert_is_the_same_400_locally_as_in_lambda() {
    let echo: Arc<dyn Handler> = Arc::new(Echo);
    let api = with_routes(vec![routes::get("/healthz", Proof::Anyone, &echo)]).await;
    let response = api
        .http
        .get(api.url("/healthz"))
        .header("X-Forwarded-Proto", "ht tp")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "malformed_request");
}

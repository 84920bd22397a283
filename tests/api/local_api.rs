//! The local API end to end, offline, as on a fresh machine: over real HTTP on a random port,
//! with the embedded store, the dev credentials and the embedded fake Twilio, running the
//! functions' own handlers; and its routing, which must hand each handler the request API Gateway
//! would. Nothing here needs moto, an AWS account or a Twilio account.

use std::sync::Arc;

use async_trait::async_trait;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use local_api::routes::{self, Proof};
use local_api::{App, Settings};
use reqwest::StatusCode;
use serde_json::{Value, json};
use shared::http::Handler;

/// The dev API key secret that signs Access Tokens on the dev credentials (`defaults.rs`).
const DEV_API_SECRET: &str = "local-dev-api-key-secret";
/// The dev Auth Token that Twilio's callbacks are signed with locally.
const DEV_AUTH_TOKEN: &str = "local-dev-auth-token";

/// A local API served on a random loopback port.
struct LocalApi {
    base: String,
    http: reqwest::Client,
    auth_secret: String,
}

impl LocalApi {
    /// Starts one. It reads nothing from the process environment: `./scripts/test` exports
    /// `TABLE_NAME` and AWS endpoints, and this test is the run on a fresh machine.
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let settings = Settings::new(|_| None, addr);
        assert!(
            settings.fake_twilio().is_some(),
            "dev credentials use the fake"
        );
        let app = local_api::app(&settings).await.unwrap();
        Self::serve(listener, app, settings.auth_secret())
    }

    /// Serves `app`, which accepts bearer tokens signed with `auth_secret`, on `listener`.
    fn serve(listener: tokio::net::TcpListener, app: App, auth_secret: String) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(local_api::serve(
            listener,
            Arc::new(app),
            std::future::pending(),
        ));
        Self {
            base,
            http: reqwest::Client::new(),
            auth_secret,
        }
    }

    /// Serves `routes` alone, without a fake Twilio.
    async fn with_routes(routes: Vec<routes::Route>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let secret = "routing-test-secret".to_string();
        Self::serve(listener, App::new(routes, secret.clone(), None), secret)
    }

    /// A request without credentials; its status and JSON body.
    async fn anonymous(&self, method: reqwest::Method, path: &str) -> (StatusCode, Value) {
        let response = self
            .http
            .request(method, format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// A dev bearer token, as `local-api token …` prints it.
    fn token(&self, args: &[&str]) -> String {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        local_api::auth::dev_token_from_args(&args, &self.auth_secret).unwrap()
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(reqwest::Method::POST, path, token, &[], Some(body))
            .await
    }

    /// A room status callback signed with the dev Auth Token, as Twilio would send it.
    async fn room_status(&self, params: &[(&str, &str)]) -> StatusCode {
        let url = format!("{}/twilio/room-status", self.base);
        let params: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let signature = shared::twilio::signature::compute(DEV_AUTH_TOKEN, &url, &params);
        self.http
            .post(url)
            .header("X-Twilio-Signature", signature)
            .form(&params)
            .send()
            .await
            .unwrap()
            .status()
    }

    /// A call straight to the fake Twilio, as our Twilio client makes it.
    async fn fake_twilio_get(&self, path: &str) -> (StatusCode, Value) {
        let response = self
            .http
            .get(format!("{}/__twilio{path}", self.base))
            .basic_auth("SK00000000000000000000000000000000", Some(DEV_API_SECRET))
            .send()
            .await
            .unwrap();
        (response.status(), response.json().await.unwrap())
    }
}

#[tokio::test]
async fn a_fresh_machine_steps_up_gets_a_video_token_and_moderates_rooms_with_no_twilio_account() {
    let api = LocalApi::start().await;
    let health = api.http.get(format!("{}/healthz", api.base)).send().await;
    let health = health.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(
        health.json::<Value>().await.unwrap(),
        json!({"status": "ok"})
    );

    let user = api.token(&[
        "--sub",
        "alice",
        "--tenant",
        "acme",
        "--phone",
        "+14155550100",
    ]);
    let (status, body) = api
        .post("/verify/start", &user, json!({"channel": "sms"}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["status"], "pending");
    assert_eq!(body["channel"], "sms");
    assert_ne!(body["to"], "+14155550100", "the destination is masked");

    let (status, body) = api
        .post(
            "/verify/check",
            &user,
            json!({"channel": "sms", "code": "654321"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["status"], "pending");
    let (status, body) = api
        .post(
            "/verify/check",
            &user,
            json!({"channel": "sms", "code": "123456"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "approved");
    let step_up = body["step_up_token"].as_str().unwrap().to_string();

    let room = json!({"room": {"type": "class", "id": "9f3c2b1a"}, "device_id": "web-1"});
    let (status, body) = api
        .call(
            reqwest::Method::POST,
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
        &DecodingKey::from_secret(DEV_API_SECRET.as_bytes()),
        &validation,
    )
    .unwrap()
    .claims;
    assert_eq!(token["grants"]["identity"], "acme:alice:web-1");
    assert_eq!(token["grants"]["video"]["room"], "acme:class:9f3c2b1a");

    let admin = api.token(&["--sub", "ops", "--tenant", "acme", "--scope", "video:admin"]);
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
    let (status, body) = api
        .call(reqwest::Method::GET, &audit, &admin, &[], None)
        .await;
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
    let api = LocalApi::start().await;
    let admin = api.token(&["--sub", "ops", "--tenant", "acme", "--scope", "video:admin"]);
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
    assert_eq!(
        api.room_status(&event("recording-started", "1")).await,
        StatusCode::OK
    );
    assert_eq!(
        api.room_status(&event("room-ended", "2")).await,
        StatusCode::OK
    );
    // Twilio redelivers; the room gets no second composition.
    assert_eq!(
        api.room_status(&event("room-ended", "2")).await,
        StatusCode::OK
    );
    let (status, page) = api
        .fake_twilio_get(&format!("/v1/Compositions?RoomSid={sid}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let compositions = page["compositions"].as_array().unwrap();
    assert_eq!(compositions.len(), 1, "{page}");
    assert_eq!(compositions[0]["room_sid"], sid.as_str());
    assert!(compositions[0]["sid"].as_str().unwrap().starts_with("CJ"));
}

#[tokio::test]
async fn the_fake_twilio_refuses_calls_without_credentials_and_unknown_rooms_as_twilio_does() {
    let api = LocalApi::start().await;
    let response = api
        .http
        .get(format!("{}/__twilio/v1/Rooms", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], 20003);
    assert_eq!(body["status"], 401);

    let (status, body) = api
        .fake_twilio_get("/v1/Rooms/RM0123456789abcdef0123456789abcdef")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], 20404);

    let admin = api.token(&["--sub", "ops", "--tenant", "acme", "--scope", "video:admin"]);
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
    let api = LocalApi::start().await;
    let (get, post) = (reqwest::Method::GET, reqwest::Method::POST);
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
        (reqwest::Method::HEAD, "/healthz"),
        (get.clone(), "/healthz/more"),
        (post.clone(), "/admin/rooms//complete"),
        (post.clone(), "/admin/rooms/%FF/complete"),
        (post.clone(), "/recordings/class/1"),
        (get.clone(), "/twilio/composition-status"),
    ];
    for (method, path) in unserved {
        let response = api
            .http
            .request(method.clone(), format!("{}{path}", api.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{method} {path}");
        if method != reqwest::Method::HEAD {
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
    let api = LocalApi::with_routes(vec![
        routes::post("/admin/rooms/{room_sid}/complete", Proof::Anyone, &echo),
        routes::get("/admin/audit", Proof::Jwt, &echo),
    ])
    .await;
    let (status, body) = api
        .anonymous(
            reqwest::Method::POST,
            "/admin/rooms/RM%41b/complete?x=1%202",
        )
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

    let admin = api.token(&["--sub", "ops", "--tenant", "acme", "--scope", "video:admin"]);
    let (status, body) = api
        .call(reqwest::Method::GET, "/admin/audit", &admin, &[], None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["route"], "GET /admin/audit");
    assert_eq!(body["claims"]["sub"], "ops");
    assert_eq!(body["claims"]["tenant"], "acme");
    let (status, body) = api.anonymous(reqwest::Method::GET, "/admin/audit").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "unauthorized");
}

#[tokio::test]
async fn a_request_lambda_http_cannot_convert_is_the_same_400_locally_as_in_lambda() {
    let echo: Arc<dyn Handler> = Arc::new(Echo);
    let api = LocalApi::with_routes(vec![routes::get("/healthz", Proof::Anyone, &echo)]).await;
    let response = api
        .http
        .get(format!("{}/healthz", api.base))
        .header("X-Forwarded-Proto", "ht tp")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "malformed_request");
}

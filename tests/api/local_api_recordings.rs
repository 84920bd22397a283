//! The README's recordings walk-through over HTTP, against the local API on a random port with
//! the embedded store and the fake Twilio, offline: an admin creates a recorded room, a client
//! joins (the fake's stand-in for a media connection), the room is completed, the fake calls
//! back (signed), the room is composed, the composition becomes available, the fake records
//! one recording-ready SMS, and the owner fetches the link with a step-up proof. Then the same
//! with the composition callbacks lost: the local schedule runs the reconciler, which finds the
//! composition finished at the fake and sends the SMS.

use std::sync::Arc;
use std::time::Duration;

use local_api::Settings;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub(crate) const DEV_ACCOUNT: &str = "AC00000000000000000000000000000000";
const OWNER_PHONE: &str = "+14155550100";

/// A local API on a random port, reading only `vars`.
pub(crate) struct Api {
    pub(crate) base: String,
    pub(crate) http: reqwest::Client,
    secret: String,
}

impl Api {
    pub(crate) async fn start(vars: &'static [(&'static str, &'static str)]) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let env = |name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        };
        let settings = Settings::new(env, addr);
        let app = local_api::app(&settings).await.unwrap();
        tokio::spawn(local_api::serve(
            listener,
            Arc::new(app),
            std::future::pending(),
        ));
        Self {
            base: format!("http://{addr}"),
            http: reqwest::Client::new(),
            secret: settings.auth_secret(),
        }
    }

    pub(crate) fn token(&self, args: &[&str]) -> String {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        local_api::auth::dev_token_from_args(&args, &self.secret).unwrap()
    }

    pub(crate) async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        step_up: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        request = request.bearer_auth(token);
        if let Some(proof) = step_up {
            request = request.header("X-Step-Up-Token", proof);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// A step-up proof for `token`'s user, through the fake's Verify.
    async fn step_up(&self, token: &str) -> String {
        let start = Some(json!({"channel": "sms"}));
        let (status, body) = self
            .call(Method::POST, "/verify/start", token, None, start)
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        let check = Some(json!({"channel": "sms", "code": "123456"}));
        let (status, body) = self
            .call(Method::POST, "/verify/check", token, None, check)
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["step_up_token"].as_str().unwrap().to_string()
    }

    /// A recorded room created by `admin`, joined by `identities`, then completed.
    pub(crate) async fn recorded_room_that_ends(
        &self,
        admin: &str,
        id: &str,
        identities: &[&str],
    ) -> String {
        let room = Some(json!({"type": "class", "id": id, "record": true}));
        let (status, room) = self
            .call(Method::POST, "/admin/rooms", admin, None, room)
            .await;
        assert_eq!(status, StatusCode::CREATED, "{room}");
        let sid = room["sid"].as_str().unwrap().to_string();
        for identity in identities {
            let joined = self
                .http
                .post(format!(
                    "{}/__twilio/dev/rooms/{sid}/participants",
                    self.base
                ))
                .form(&[("Identity", identity)])
                .send()
                .await
                .unwrap();
            assert_eq!(joined.status(), StatusCode::CREATED);
        }
        let complete = format!("/admin/rooms/{sid}/complete");
        let (status, body) = self
            .call(Method::POST, &complete, admin, None, Some(json!({})))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        sid
    }

    /// The messages the fake recorded, newest first, as Twilio's Messages list answers.
    async fn messages(&self) -> Vec<Value> {
        let url = format!(
            "{}/__twilio/2010-04-01/Accounts/{DEV_ACCOUNT}/Messages.json",
            self.base
        );
        let response = self
            .http
            .get(url)
            .basic_auth("SK0", Some("dev"))
            .send()
            .await
            .unwrap();
        let page: Value = response.json().await.unwrap();
        page["messages"].as_array().cloned().unwrap_or_default()
    }

    /// Waits (up to a generous bound, never asserted as a time) until the fake holds a message.
    async fn first_message(&self) -> Vec<Value> {
        for _ in 0..300 {
            let messages = self.messages().await;
            if !messages.is_empty() {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no recording-ready SMS reached the fake Twilio");
    }
}

fn admin_args() -> [&'static str; 8] {
    [
        "--sub",
        "ops",
        "--tenant",
        "acme",
        "--scope",
        "video:admin",
        "--phone",
        OWNER_PHONE,
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_room_ends_its_owner_gets_one_sms_and_fetches_the_link_with_a_step_up() {
    let api = Api::start(&[]).await;
    let admin = api.token(&admin_args());
    api.recorded_room_that_ends(&admin, "walk-1", &["acme:bob:web-1"])
        .await;

    let messages = api.first_message().await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    let sms = &messages[0];
    assert_eq!(sms["to"], OWNER_PHONE);
    assert_eq!(
        sms["messaging_service_sid"],
        "MG00000000000000000000000000000000"
    );
    assert_eq!(sms["status"], "accepted");
    let text = sms["body"].as_str().unwrap();
    assert!(
        text.contains("class walk-1") && !text.contains("http"),
        "{text}"
    );

    let proof = api.step_up(&admin).await;
    let path = "/recordings/class/walk-1";
    let (status, body) = api
        .call(Method::GET, path, &admin, Some(&proof), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let url = body["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{}/__twilio/media/CJ", api.base)),
        "{url}"
    );
    assert!(
        body["expires_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z')),
        "{body}"
    );
    let media = api.http.get(url).send().await.unwrap();
    assert_eq!(media.status(), StatusCode::OK);
    assert_eq!(media.headers()["content-type"], "video/mp4");

    // The participant may fetch it too; another user of the tenant may not; no proof, no link.
    let bob = api.token(&[
        "--sub",
        "bob",
        "--tenant",
        "acme",
        "--phone",
        "+14155550101",
    ]);
    let bobs = api.step_up(&bob).await;
    let (status, body) = api.call(Method::GET, path, &bob, Some(&bobs), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let dave = api.token(&[
        "--sub",
        "dave",
        "--tenant",
        "acme",
        "--phone",
        "+14155550102",
    ]);
    let daves = api.step_up(&dave).await;
    let (status, body) = api.call(Method::GET, path, &dave, Some(&daves), None).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (StatusCode::FORBIDDEN, &json!("recording_forbidden"))
    );
    let (status, body) = api.call(Method::GET, path, &admin, None, None).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (StatusCode::UNAUTHORIZED, &json!("step_up_required"))
    );
    assert_eq!(api.messages().await.len(), 1, "still one SMS");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_composition_callbacks_lost_the_local_schedule_repairs_through_the_reconciler() {
    let api = Api::start(&[
        ("LOCAL_FAKE_TWILIO_CALLBACKS", "rooms"),
        ("LOCAL_SCHEDULE_SECONDS", "1"),
        ("COMPOSITION_STUCK_AFTER_SECONDS", "1"),
    ])
    .await;
    let admin = api.token(&admin_args());
    api.recorded_room_that_ends(&admin, "walk-2", &["acme:erin"])
        .await;

    let messages = api.first_message().await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0]["to"], OWNER_PHONE);
    let proof = api.step_up(&admin).await;
    let (status, body) = api
        .call(
            Method::GET,
            "/recordings/class/walk-2",
            &admin,
            Some(&proof),
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the reconciler applied the lost available: {body}"
    );
    // Later runs find nothing owed: still one SMS.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(api.messages().await.len(), 1);
}

//! The local API over real HTTP, as the tests drive it: served on a free loopback port from the
//! variables a test gives (never the process environment: `scripts/test` exports `TABLE_NAME` and
//! AWS endpoints, and these tests are the run on a fresh machine), with a client that carries
//! dev bearer tokens, step-up proofs and signed Twilio callbacks, and reaches the fake Twilio.

use std::sync::Arc;

use local_api::fake_twilio::DEV_CODE;
use local_api::{App, Settings};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::webhook::owned;

/// The header that carries a step-up proof.
pub const STEP_UP: &str = "X-Step-Up-Token";

/// A local API served on a free loopback port; it stops when dropped.
pub struct LocalApi {
    /// `http://127.0.0.1:{port}`.
    pub base: String,
    /// A plain client, for requests the helpers below do not make.
    pub http: reqwest::Client,
    /// What it runs with; `None` for an app served as it was given.
    settings: Option<Settings>,
    auth_secret: String,
    _stop: oneshot::Sender<()>,
}

impl LocalApi {
    /// Starts the local API reading only `vars`. The listener is bound before the app is built
    /// and served, so the first request waits for it rather than failing: nothing to poll.
    pub async fn start(vars: &[(&str, &str)]) -> Self {
        let vars = owned(vars);
        let env = move |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let listener = free_port().await;
        let settings = Settings::new(env, listener.local_addr().expect("a bound address"));
        let app = local_api::app(&settings)
            .await
            .expect("the local API starts");
        let mut api = Self::serve(listener, app, settings.auth_secret());
        api.settings = Some(settings);
        api
    }

    /// Serves `app`, which accepts bearer tokens signed with `auth_secret`.
    pub async fn serve_app(app: App, auth_secret: String) -> Self {
        Self::serve(free_port().await, app, auth_secret)
    }

    fn serve(listener: TcpListener, app: App, auth_secret: String) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let base = format!("http://{}", listener.local_addr().expect("a bound address"));
        let (stop, stopped) = oneshot::channel::<()>();
        let shutdown = async move {
            let _ = stopped.await;
        };
        tokio::spawn(local_api::serve(listener, Arc::new(app), shutdown));
        Self {
            base,
            http: reqwest::Client::new(),
            settings: None,
            auth_secret,
            _stop: stop,
        }
    }

    /// The full URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The value of `name` the local API runs with: the test's, else its local default (the dev
    /// credentials and services).
    pub fn setting(&self, name: &str) -> String {
        let settings = self
            .settings
            .as_ref()
            .expect("a local API started from settings");
        settings
            .lookup(name)
            .unwrap_or_else(|| panic!("{name} has no value"))
    }

    /// The base URL of the embedded fake Twilio, when the settings use it.
    pub fn fake_twilio(&self) -> Option<&str> {
        self.settings.as_ref().and_then(Settings::fake_twilio)
    }

    /// The key that signs the bearer tokens this local API accepts (a secret to the logs).
    pub fn auth_secret(&self) -> &str {
        &self.auth_secret
    }

    /// A dev bearer token, as `local-api token …` prints it for `args`.
    pub fn token(&self, args: &[&str]) -> String {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        local_api::auth::dev_token_from_args(&args, &self.auth_secret).expect("a dev token")
    }

    /// A bearer token of `sub`, a user of tenant acme with `phone`.
    pub fn user(&self, sub: &str, phone: &str) -> String {
        self.token(&["--sub", sub, "--tenant", "acme", "--phone", phone])
    }

    /// A bearer token of `sub`, an admin of tenant acme without a phone number.
    pub fn admin(&self, sub: &str) -> String {
        self.token(&["--sub", sub, "--tenant", "acme", "--scope", "video:admin"])
    }

    /// A request without credentials; its status and JSON body.
    pub async fn anonymous(&self, method: Method, path: &str) -> (StatusCode, Value) {
        answer(self.http.request(method, self.url(path))).await
    }

    /// A request with `bearer`, `headers` and a JSON `body`; its status and JSON body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        bearer: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .http
            .request(method, self.url(path))
            .bearer_auth(bearer);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        answer(request).await
    }

    /// `POST` of a JSON `body` with `bearer`.
    pub async fn post(&self, path: &str, bearer: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, bearer, &[], Some(body)).await
    }

    /// `GET` with `bearer` and `headers`.
    pub async fn get(
        &self,
        path: &str,
        bearer: &str,
        headers: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        self.call(Method::GET, path, bearer, headers, None).await
    }

    /// A step-up proof for `bearer`'s user, through the fake's Verify (start, then the code it
    /// approves).
    pub async fn step_up(&self, bearer: &str) -> String {
        let (status, body) = self
            .post("/verify/start", bearer, json!({"channel": "sms"}))
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        let check = json!({"channel": "sms", "code": DEV_CODE});
        let (status, body) = self.post("/verify/check", bearer, check).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["step_up_token"].as_str().expect("a proof").to_string()
    }

    /// A room status callback of `params` signed with the Auth Token, as Twilio sends it:
    /// its status, and the signature it carried.
    pub async fn room_status(&self, params: &[(&str, &str)]) -> (StatusCode, String) {
        let url = self.url("/twilio/room-status");
        let params = owned(params);
        let auth_token = self.setting("TWILIO_AUTH_TOKEN");
        let signature = shared::twilio::signature::compute(&auth_token, &url, &params);
        let sent = self
            .http
            .post(url)
            .header(shared::twilio::signature::HEADER, &signature)
            .form(&params)
            .send()
            .await
            .expect("the local API answers");
        (sent.status(), signature)
    }

    /// A request to the fake Twilio's `path`, with the API key as our Twilio client sends it.
    pub fn twilio(&self, method: Method, path: &str) -> RequestBuilder {
        let secret = self.setting("TWILIO_API_SECRET");
        self.http
            .request(method, self.url(&format!("/__twilio{path}")))
            .basic_auth(self.setting("TWILIO_API_KEY"), Some(secret))
    }

    /// The account's Messages path at the fake Twilio.
    pub fn messages_path(&self) -> String {
        let account = self.setting("TWILIO_ACCOUNT_SID");
        format!("/2010-04-01/Accounts/{account}/Messages.json")
    }

    /// The messages the fake Twilio recorded, newest first, as Twilio's Messages list answers.
    pub async fn messages(&self) -> Vec<Value> {
        let (status, page) = answer(self.twilio(Method::GET, &self.messages_path())).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        page["messages"].as_array().cloned().unwrap_or_default()
    }

    /// A recorded room created by `admin` as `{"type": "class", "id": id}`, joined at the fake
    /// Twilio by `identities` (its stand-in for a media connection), then completed: its SID.
    pub async fn recorded_room_that_ends(
        &self,
        admin: &str,
        id: &str,
        identities: &[&str],
    ) -> String {
        let room = json!({"type": "class", "id": id, "record": true});
        let (status, room) = self.post("/admin/rooms", admin, room).await;
        assert_eq!(status, StatusCode::CREATED, "{room}");
        let sid = room["sid"].as_str().expect("a room SID").to_string();
        for identity in identities {
            let joined = format!("/__twilio/dev/rooms/{sid}/participants");
            let joined = self
                .http
                .post(self.url(&joined))
                .form(&[("Identity", identity)]);
            let (status, body) = answer(joined).await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
        }
        let complete = format!("/admin/rooms/{sid}/complete");
        let (status, body) = self.post(&complete, admin, json!({})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        sid
    }
}

/// A listener on a free loopback port.
async fn free_port() -> TcpListener {
    TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free loopback port")
}

/// The status and JSON body (`null` when there is none) of `request`'s answer.
pub async fn answer(request: RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.expect("the local API answers");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

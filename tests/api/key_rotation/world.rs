//! One test's world: the API key secret and the auth secret in moto, a fake Twilio holding the
//! secret's first key, a simulated clock, and the key rotation function invoked through its
//! Lambda entry point as the runtime would invoke it.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_secretsmanager::Client;
use integration_tests::secrets::create_secret;
use integration_tests::{ACCOUNT_SID, AUTH_TOKEN, config_with_twilio, dynamo, sdk, sid, unique};
use key_rotation::{Checkpoint, Clock, KeyDoc, Report, RotationError, State, Step};
use lambda_runtime::{Context, LambdaEvent};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use shared::config::Config;
use shared::secrets::SecretStore;
use shared::secrets::versions::{SecretVersions, Stages};
use wiremock::MockServer;

use super::fake_twilio::FakeTwilio;

/// A clock the test moves.
pub struct SimClock(AtomicI64);

impl Clock for SimClock {
    fn now_unix(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// The time budget of an invocation that completes.
const BUDGET: Duration = Duration::from_secs(30);
/// The time budget of an invocation that crashes: its claims lapse this long after it starts.
const CRASH_BUDGET: Duration = Duration::from_secs(5);

pub struct World {
    /// Kept so that the fake Twilio serves as long as the world lives.
    _twilio: MockServer,
    pub fake: FakeTwilio,
    pub sm: Client,
    pub secret_id: String,
    pub first_key: String,
    pub first_secret: String,
    pub clock: Arc<SimClock>,
    pub config: Config,
}

impl World {
    /// A secret whose first key (made by hand) is at the fake Twilio, and whose JSON carries
    /// a field rotation does not know.
    pub async fn new() -> Self {
        let first_key = sid("SK");
        let first_secret = unique("first-secret-");
        let fake = FakeTwilio::with_keys(&[(&first_key, &first_secret)]);
        let twilio = MockServer::start().await;
        wiremock::Mock::given(wiremock::matchers::any())
            .respond_with(fake.clone())
            .mount(&twilio)
            .await;
        let sm = Client::new(sdk().await);
        let value = json!({"account_sid": ACCOUNT_SID, "api_key_sid": first_key,
            "api_key_secret": first_secret, "owner": "video-team"});
        let secret_id = create_secret(&sm, "twilio-api-key-", &value).await;
        let auth = json!({"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN});
        let auth_id = create_secret(&sm, "twilio-auth-", &auth).await;
        let config = config_with_twilio(
            &twilio.uri(),
            &[
                ("TWILIO_SECRET_ID", &secret_id),
                ("TWILIO_AUTH_SECRET_ID", &auth_id),
                ("VIDEO_TOKEN_TTL_SECONDS", "3600"),
                ("SECRETS_CACHE_TTL_SECONDS", "300"),
            ],
        );
        let now = shared::clock::now_unix();
        Self {
            _twilio: twilio,
            fake,
            sm,
            secret_id,
            first_key,
            first_secret,
            clock: Arc::new(SimClock(AtomicI64::new(now))),
            config,
        }
    }

    /// Now on the simulated clock.
    pub fn now(&self) -> i64 {
        self.clock.now_unix()
    }

    /// Moves the simulated clock to `t`.
    pub fn set_time(&self, t: i64) {
        self.clock.0.store(t, Ordering::SeqCst);
    }

    /// The function as a cold start builds it, on the simulated clock.
    pub async fn state(&self) -> State {
        let secrets = Arc::new(SecretStore::new(
            Some(self.sm.clone()),
            None,
            self.config.twilio_auth_secret_id.clone(),
            Duration::from_secs(300),
            |_| None,
        ));
        State::new(
            &self.config,
            Arc::new(dynamo().await),
            secrets,
            self.sm.clone(),
        )
        .expect("rotation state")
        .with_clock(self.clock.clone())
    }

    /// One invocation with `payload`, as Lambda makes it (a fresh request id).
    pub async fn invoke(&self, payload: Value) -> Result<Report, RotationError> {
        self.invoke_on(&self.state().await, payload).await
    }

    /// One invocation on `state`.
    pub async fn invoke_on(&self, state: &State, payload: Value) -> Result<Report, RotationError> {
        let answer =
            key_rotation::handle(state, LambdaEvent::new(payload, context(BUDGET))).await?;
        Ok(serde_json::from_value(answer).expect("the answer is a report"))
    }

    /// An invocation that dies right after `step`, as a crash or a timeout would end it (no
    /// clean-up runs); returns once its claims have lapsed, as they have by Lambda's retry.
    pub async fn crash_after(&self, step: Step, payload: Value) {
        let checkpoint: Checkpoint = Arc::new(move |reached| {
            if reached == step {
                panic!("simulated crash after {reached:?}");
            }
        });
        let state = Arc::new(self.state().await.with_checkpoint(checkpoint));
        let ctx = context(CRASH_BUDGET);
        let lapse = UNIX_EPOCH + Duration::from_millis(ctx.deadline);
        let run = tokio::spawn(async move {
            key_rotation::handle(&state, LambdaEvent::new(payload, ctx))
                .await
                .map(|_| ())
        });
        let outcome = run.await;
        assert!(
            outcome.as_ref().is_err_and(|e| e.is_panic()),
            "the run was to crash after {step:?}: {outcome:?}"
        );
        if let Ok(wait) = lapse.duration_since(SystemTime::now()) {
            tokio::time::sleep(wait + Duration::from_millis(50)).await;
        }
    }

    /// The secret's versions.
    pub fn versions(&self) -> SecretVersions {
        SecretVersions::new(self.sm.clone(), &self.secret_id)
    }

    /// Where the labels are.
    pub async fn stages(&self) -> Stages {
        self.versions().stages().await.unwrap()
    }

    /// The version labelled `AWSCURRENT`.
    pub async fn current(&self) -> KeyDoc {
        self.version(&self.stages().await.current).await
    }

    /// The current version's JSON as stored, fields rotation does not know included.
    pub async fn current_document(&self) -> Value {
        let text = self.versions().value(&self.stages().await.current).await;
        serde_json::from_str(text.unwrap().expose_secret()).unwrap()
    }

    /// Version `id`.
    pub async fn version(&self, id: &str) -> KeyDoc {
        let text: SecretString = self.versions().value(id).await.unwrap();
        KeyDoc::parse(&self.secret_id, &text).unwrap()
    }

    /// Every version's id and labels.
    pub async fn labels(&self) -> Vec<(String, Vec<String>)> {
        let out = self
            .sm
            .describe_secret()
            .secret_id(&self.secret_id)
            .send()
            .await
            .unwrap();
        let mut all: Vec<_> = out
            .version_ids_to_stages()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .collect();
        all.sort();
        all
    }
}

/// A scheduled event (`events/key-rotation-schedule.json`) under a fresh id.
pub fn scheduled() -> Value {
    let mut event = integration_tests::event("key-rotation-schedule");
    event["id"] = unique("evt-").into();
    event
}

/// The hourly revocation sweep's event, as its schedule's input makes it (no id).
pub fn sweep() -> Value {
    integration_tests::event("key-rotation-sweep")
}

fn context(budget: Duration) -> Context {
    let deadline = SystemTime::now() + budget;
    let mut ctx = Context::default();
    ctx.request_id = uuid::Uuid::new_v4().to_string();
    ctx.deadline = deadline.duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
    ctx
}

//! Scheduled rotation of the Twilio API key (API.md, "Key rotation events"), with never a moment
//! without a valid key. A run, under one lock per managed secret:
//!
//! 1. finishes what a crashed run left: a version still `AWSPENDING` is promoted if its key
//!    lives and authenticates (with its retired key's demotion time renewed), else abandoned;
//! 2. revokes orphans: keys this secret's rotations created (their `FriendlyName` says so) that
//!    no version references, such as a key created just before a crash;
//! 3. revokes each retired key whose grace has passed: [`Rules::grace`] after its demotion;
//! 4. rotates, once per event id (the idempotency key): creates a key through the Keys API with
//!    the Auth Token, checks that it authenticates, stores the next version as `AWSPENDING`,
//!    moves `AWSCURRENT` to it (Secrets Manager puts `AWSPREVIOUS` on the old one), and takes
//!    `AWSPENDING` off. The old key is listed in the new version's `retired_keys` with the time
//!    it stopped being current;
//! 5. takes `AWSPREVIOUS` off a version whose key is revoked.
//!
//! Every step is safe to repeat, so a crash anywhere leaves a state the next run finishes. A
//! failed run returns an error, so Lambda retries the invocation; a dry run reports the same
//! steps and changes nothing.

mod audit;
mod doc;
mod error;
mod event;
mod pending;
mod report;
mod run;
mod steps;

use std::sync::Arc;
use std::time::Duration;

use lambda_runtime::LambdaEvent;
use serde_json::Value;
use sha2::{Digest, Sha256};
use shared::aws::StartupError;
use shared::config::{Config, ConfigError};
use shared::idempotency::Idempotency;
use shared::secrets::versions::SecretVersions;
use shared::secrets::{SecretKind, Secrets};
use shared::store::Store;
use shared::store::audit::AuditLog;
use shared::twilio::{ATTEMPT_TIMEOUT, TwilioClient};
use url::Url;

pub use doc::{KeyDoc, Retired};
pub use error::RotationError;
pub use event::Request;
pub use report::{Action, Awaiting, Report};

/// Added to API.md's rule before a retired key is revoked: requests signed with it that are
/// still in flight, and clock skew between us and Twilio.
pub const REVOCATION_MARGIN: Duration = Duration::from_secs(60);
/// How long a completed event is remembered: Lambda and EventBridge redeliver within a day.
const EVENT_MEMORY: Duration = Duration::from_secs(7 * 24 * 3600);

/// When a retired key may be revoked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rules {
    /// `VIDEO_TOKEN_TTL_SECONDS`: a token signed just before demotion lives this long.
    pub token_ttl: Duration,
    /// `SECRETS_CACHE_TTL_SECONDS`: a warm function may sign with the old key this long.
    pub cache_ttl: Duration,
}

impl Rules {
    /// The rules of `config`.
    pub fn of(config: &Config) -> Self {
        Self {
            token_ttl: Duration::from_secs(config.video_token_ttl_seconds),
            cache_ttl: Duration::from_secs(config.secrets_cache_ttl_seconds),
        }
    }

    /// Seconds from a key's demotion to its revocation: token lifetime, cache lifetime, margin.
    pub fn grace(&self) -> i64 {
        (self.token_ttl + self.cache_ttl + REVOCATION_MARGIN).as_secs() as i64
    }
}

/// Where a run takes the time from: the system clock, or a simulated one in tests.
pub trait Clock: Send + Sync {
    /// Now, in Unix seconds.
    fn now_unix(&self) -> i64;
}

/// The system clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix(&self) -> i64 {
        shared::clock::now_unix()
    }
}

/// A step a run has just completed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The secret's lock is held.
    Locked,
    /// A new key exists at Twilio.
    KeyCreated,
    /// The new key authenticates.
    KeyChecked,
    /// The next version is stored, `AWSPENDING`.
    Staged,
    /// The next version is `AWSCURRENT`.
    Promoted,
    /// `AWSPENDING` is off it.
    Unstaged,
    /// A key is revoked at Twilio.
    Revoked,
    /// The event's rotation is recorded as done.
    Recorded,
}

/// Told of each completed step. Production does nothing; tests stop a run there, as a crash
/// would (no clean-up code runs).
pub type Checkpoint = Arc<dyn Fn(Step) + Send + Sync>;

/// The function, built once at cold start.
pub struct State {
    versions: SecretVersions,
    secrets: Arc<dyn Secrets>,
    twilio: TwilioClient,
    api_base: Url,
    video_base: Url,
    idempotency: Idempotency,
    audit: Arc<dyn AuditLog>,
    clock: Arc<dyn Clock>,
    rules: Rules,
    checkpoint: Checkpoint,
    tag: String,
}

fn required(var: &'static str, value: &Option<String>) -> Result<String, ConfigError> {
    value.clone().ok_or_else(|| ConfigError {
        var,
        reason: "is required by the key rotation function".into(),
    })
}

impl State {
    /// Builds the function from `config` on AWS: `TABLE_NAME`, `TWILIO_SECRET_ID` and
    /// `TWILIO_AUTH_SECRET_ID` are required (rotating an environment variable is not possible).
    pub async fn from_config(config: &Config) -> Result<Self, StartupError> {
        required("TABLE_NAME", &config.table_name)?;
        required("TWILIO_AUTH_SECRET_ID", &config.twilio_auth_secret_id)?;
        let sdk = shared::aws::sdk_config().await?;
        let backends = shared::aws::Backends::with_sdk(
            config,
            Some(&sdk),
            Arc::new(shared::memory::MemoryStore::new()),
            |_| None,
            &[SecretKind::Auth],
        )?;
        let client = aws_sdk_secretsmanager::Client::new(&sdk);
        Self::new(config, backends.store, backends.secrets, client)
    }

    /// Builds the function over a store, the secrets it reads the Auth Token from, and a
    /// Secrets Manager client for the secret it rotates (`TWILIO_SECRET_ID`).
    pub fn new(
        config: &Config,
        store: Arc<dyn Store>,
        secrets: Arc<dyn Secrets>,
        secrets_manager: aws_sdk_secretsmanager::Client,
    ) -> Result<Self, StartupError> {
        let secret_id = required("TWILIO_SECRET_ID", &config.twilio_secret_id)?;
        let tag = hex::encode(Sha256::digest(secret_id.as_bytes()))[..8].to_string();
        Ok(Self {
            versions: SecretVersions::new(secrets_manager, secret_id),
            secrets,
            // Every function's attempt timeout: the invocation's deadline, not the attempt's, is what
            // a scheduled run's 60 s allow for (as the reconciler's).
            twilio: TwilioClient::new(ATTEMPT_TIMEOUT)?,
            api_base: config.api_base_url.clone(),
            video_base: config.video_base_url.clone(),
            idempotency: Idempotency::new(store.clone(), EVENT_MEMORY),
            audit: store,
            clock: Arc::new(SystemClock),
            rules: Rules::of(config),
            checkpoint: Arc::new(|_| {}),
            tag,
        })
    }

    /// The same function on another clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The same function, telling `checkpoint` of each step.
    pub fn with_checkpoint(mut self, checkpoint: Checkpoint) -> Self {
        self.checkpoint = checkpoint;
        self
    }

    /// The `FriendlyName` prefix of the keys this secret's rotations create.
    pub fn key_name_prefix(&self) -> String {
        format!("key-rotation {} ", self.tag)
    }
}

/// The Lambda handler: one run for the event, its [`Report`] as the answer.
pub async fn handle(state: &State, event: LambdaEvent<Value>) -> Result<Value, RotationError> {
    let request =
        Request::parse(&event.payload, &event.context.request_id).map_err(RotationError::Event)?;
    tracing::info!(
        event_id = %request.id,
        dry_run = request.dry_run,
        rotate = request.rotate,
        "key rotation run"
    );
    let report = run::execute(state, &request, &event.context).await;
    match &report {
        Ok(report) => tracing::info!(
            event_id = %request.id,
            dry_run = report.dry_run,
            rotated = report.rotated,
            already_rotated = report.already_rotated,
            current_key_sid = %report.current_key_sid,
            actions = ?report.actions,
            "key rotation run done"
        ),
        Err(error) => tracing::error!(event_id = %request.id, %error, "key rotation run failed"),
    }
    Ok(serde_json::to_value(report?).unwrap_or(Value::Null))
}

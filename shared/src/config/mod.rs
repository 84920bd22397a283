//! Configuration from the environment, typed and checked once at cold start.
//!
//! Every variable of API.md is read here. A missing or invalid value stops start-up with an
//! error that names the variable, so a misconfigured function fails its first invocation's init
//! instead of answering requests wrongly.

mod env;
mod recordings;
mod rooms;

use url::Url;

pub use env::ConfigError;
use env::Env;
pub use recordings::RecordingTimes;
pub use rooms::{Retention, RoomCreation, RoomPolicy};

/// Twilio's own cap on an Access Token's lifetime, in seconds.
pub const MAX_VIDEO_TOKEN_TTL_SECONDS: u64 = 86_400;
/// The longest `SECRETS_CACHE_TTL_SECONDS` accepted.
pub const MAX_SECRETS_CACHE_TTL_SECONDS: u64 = 3_600;
/// Twilio's own cap on a group room's participants.
pub const MAX_ROOM_PARTICIPANTS: u32 = 50;

/// The variables of API.md, parsed.
#[derive(Clone, Debug)]
pub struct Config {
    /// `PUBLIC_BASE_URL`, without a trailing slash.
    pub public_base_url: Option<Url>,
    /// `TABLE_NAME`: DynamoDB when set, the embedded store when not.
    pub table_name: Option<String>,
    /// `TWILIO_SECRET_ID`: Secrets Manager when set, the environment when not.
    pub twilio_secret_id: Option<String>,
    /// `TWILIO_AUTH_SECRET_ID`: Secrets Manager when set, `TWILIO_AUTH_TOKEN` when not.
    pub twilio_auth_secret_id: Option<String>,
    /// `TWILIO_VERIFY_SERVICE_SID`.
    pub verify_service_sid: Option<String>,
    /// `TWILIO_MESSAGING_SERVICE_SID`.
    pub messaging_service_sid: Option<String>,
    /// `TWILIO_VIDEO_BASE_URL`.
    pub video_base_url: Url,
    /// `TWILIO_VERIFY_BASE_URL`.
    pub verify_base_url: Url,
    /// `TWILIO_API_BASE_URL`.
    pub api_base_url: Url,
    /// `VIDEO_TOKEN_TTL_SECONDS`, at most 86400.
    pub video_token_ttl_seconds: u64,
    /// `VIDEO_ROOM_TYPE`.
    pub video_room_type: String,
    /// `VIDEO_MAX_PARTICIPANTS`, 1 to 50.
    pub video_max_participants: u32,
    /// `STEP_UP_TTL_SECONDS`.
    pub step_up_ttl_seconds: u64,
    /// `TENANT_CLAIM`.
    pub tenant_claim: String,
    /// `ADMIN_SCOPE`.
    pub admin_scope: String,
    /// `SECRETS_CACHE_TTL_SECONDS`, at most 3600: how long a warm function keeps a secret. Key
    /// rotation waits this long (plus the token lifetime) before it revokes a retired key.
    pub secrets_cache_ttl_seconds: u64,
    /// Our own limits on Verify sends, counted before Twilio is called.
    pub verify_limits: VerifyLimits,
    /// The reconciler's timings.
    pub recording_times: RecordingTimes,
    /// Running inside Lambda (`AWS_LAMBDA_FUNCTION_NAME` is set): nothing there may fall back to
    /// a local stand-in, so a missing `TABLE_NAME` stops start-up.
    pub in_lambda: bool,
    /// `ROOM_CREATION`, `RECORD_ROOMS_ON_JOIN`, `ROOM_CONFIRM_AFTER_SECONDS`.
    pub room_policy: RoomPolicy,
    /// `ROOM_RETENTION_DAYS`, `AUDIT_RETENTION_DAYS`.
    pub retention: Retention,
}

/// Verify send limits (SMS pumping protection): at most `per_user` sends per user in each
/// window of `user_window_seconds`, and `per_destination` sends to one phone number or email in
/// each window of `destination_window_seconds`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifyLimits {
    /// `VERIFY_SENDS_PER_USER`, default 5.
    pub per_user: u32,
    /// `VERIFY_USER_WINDOW_SECONDS`, default 600.
    pub user_window_seconds: u64,
    /// `VERIFY_SENDS_PER_DESTINATION`, default 5.
    pub per_destination: u32,
    /// `VERIFY_DESTINATION_WINDOW_SECONDS`, default 3600.
    pub destination_window_seconds: u64,
}

impl VerifyLimits {
    fn from_env(env: &Env<'_>) -> Result<Self, ConfigError> {
        let positive = |name: &'static str, default: u64, max: u64| {
            let value = env.parse_or(name, default)?;
            if value == 0 || value > max {
                return Err(ConfigError::new(
                    name,
                    format!("must be between 1 and {max}"),
                ));
            }
            Ok(value)
        };
        Ok(Self {
            per_user: positive("VERIFY_SENDS_PER_USER", 5, 1_000)? as u32,
            user_window_seconds: positive("VERIFY_USER_WINDOW_SECONDS", 600, 86_400)?,
            per_destination: positive("VERIFY_SENDS_PER_DESTINATION", 5, 1_000)? as u32,
            destination_window_seconds: positive(
                "VERIFY_DESTINATION_WINDOW_SECONDS",
                3_600,
                86_400,
            )?,
        })
    }
}

/// `VIDEO_ROOM_TYPE`: Twilio now offers only `group`; the deprecated types are refused by
/// name rather than quietly given their old, smaller caps.
fn room_type(env: &Env<'_>) -> Result<String, ConfigError> {
    const DEPRECATED: [&str; 3] = ["go", "peer-to-peer", "group-small"];
    let value = env.one_of(
        "VIDEO_ROOM_TYPE",
        "group",
        &["group", "group-small", "peer-to-peer", "go"],
    )?;
    if DEPRECATED.contains(&value.as_str()) {
        return Err(ConfigError::new(
            "VIDEO_ROOM_TYPE",
            format!("{value} is deprecated by Twilio, which now offers only group rooms"),
        ));
    }
    Ok(value)
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads variables through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env(&lookup);
        let video_token_ttl_seconds = env.parse_or("VIDEO_TOKEN_TTL_SECONDS", 3600u64)?;
        if video_token_ttl_seconds == 0 || video_token_ttl_seconds > MAX_VIDEO_TOKEN_TTL_SECONDS {
            return Err(ConfigError::new(
                "VIDEO_TOKEN_TTL_SECONDS",
                format!("must be between 1 and {MAX_VIDEO_TOKEN_TTL_SECONDS} (Twilio's limit)"),
            ));
        }
        let video_max_participants = env.parse_or("VIDEO_MAX_PARTICIPANTS", 25u32)?;
        if video_max_participants == 0 || video_max_participants > MAX_ROOM_PARTICIPANTS {
            return Err(ConfigError::new(
                "VIDEO_MAX_PARTICIPANTS",
                format!("must be between 1 and {MAX_ROOM_PARTICIPANTS}"),
            ));
        }
        let step_up_ttl_seconds = env.parse_or("STEP_UP_TTL_SECONDS", 600u64)?;
        if step_up_ttl_seconds == 0 || step_up_ttl_seconds > 3600 {
            return Err(ConfigError::new(
                "STEP_UP_TTL_SECONDS",
                "must be between 1 and 3600: a step-up proof is meant to be fresh",
            ));
        }
        let secrets_cache_ttl_seconds = env.parse_or("SECRETS_CACHE_TTL_SECONDS", 300u64)?;
        if secrets_cache_ttl_seconds > MAX_SECRETS_CACHE_TTL_SECONDS {
            return Err(ConfigError::new(
                "SECRETS_CACHE_TTL_SECONDS",
                format!(
                    "must be at most {MAX_SECRETS_CACHE_TTL_SECONDS}: a retired API key stays alive this long"
                ),
            ));
        }
        Ok(Self {
            public_base_url: env
                .optional("PUBLIC_BASE_URL")
                .map(|_| env.url("PUBLIC_BASE_URL", ""))
                .transpose()?,
            table_name: env.optional("TABLE_NAME"),
            twilio_secret_id: env.optional("TWILIO_SECRET_ID"),
            twilio_auth_secret_id: env.optional("TWILIO_AUTH_SECRET_ID"),
            verify_service_sid: env.sid("TWILIO_VERIFY_SERVICE_SID", "VA")?,
            messaging_service_sid: env.sid("TWILIO_MESSAGING_SERVICE_SID", "MG")?,
            video_base_url: env.url("TWILIO_VIDEO_BASE_URL", "https://video.twilio.com")?,
            verify_base_url: env.url("TWILIO_VERIFY_BASE_URL", "https://verify.twilio.com")?,
            api_base_url: env.url("TWILIO_API_BASE_URL", "https://api.twilio.com")?,
            video_token_ttl_seconds,
            video_room_type: room_type(&env)?,
            video_max_participants,
            step_up_ttl_seconds,
            tenant_claim: env
                .optional("TENANT_CLAIM")
                .unwrap_or_else(|| "tenant".into()),
            admin_scope: env
                .optional("ADMIN_SCOPE")
                .unwrap_or_else(|| "video:admin".into()),
            secrets_cache_ttl_seconds,
            verify_limits: VerifyLimits::from_env(&env)?,
            recording_times: RecordingTimes::from_env(&env)?,
            in_lambda: env.optional("AWS_LAMBDA_FUNCTION_NAME").is_some(),
            room_policy: RoomPolicy::from_env(&env)?,
            retention: Retention::from_env(&env)?,
        })
    }

    /// `PUBLIC_BASE_URL`, for the functions that cannot work without it.
    pub fn require_public_base_url(&self) -> Result<&Url, ConfigError> {
        self.public_base_url
            .as_ref()
            .ok_or_else(|| ConfigError::new("PUBLIC_BASE_URL", "is required by this function"))
    }

    /// `TWILIO_VERIFY_SERVICE_SID`, for the functions that cannot work without it.
    pub fn require_verify_service_sid(&self) -> Result<&str, ConfigError> {
        self.verify_service_sid.as_deref().ok_or_else(|| {
            ConfigError::new("TWILIO_VERIFY_SERVICE_SID", "is required by this function")
        })
    }

    /// `TWILIO_MESSAGING_SERVICE_SID`, for the functions that send the recording-ready SMS.
    pub fn require_messaging_service_sid(&self) -> Result<&str, ConfigError> {
        self.messaging_service_sid.as_deref().ok_or_else(|| {
            ConfigError::new(
                "TWILIO_MESSAGING_SERVICE_SID",
                "is required by this function",
            )
        })
    }

    /// A URL under `PUBLIC_BASE_URL`, for status callbacks (`path` starts with `/`).
    pub fn public_url(&self, path: &str) -> Result<String, ConfigError> {
        let base = self.require_public_base_url()?;
        Ok(format!("{}{path}", base.as_str().trim_end_matches('/')))
    }
}

#[cfg(test)]
mod tests;

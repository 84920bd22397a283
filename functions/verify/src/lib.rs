//! POST /verify/start and POST /verify/check (API.md): Twilio Verify on the caller's own phone
//! number or email, and on `approved` a step-up proof for `/video/token`.
//!
//! - The destination is always the caller's own `phone_number` claim (sms, call, whatsapp) or
//!   `email` claim (email). A number or address in the body is never read.
//! - Sends are limited per user and per destination, in DynamoDB, before Twilio is called: a
//!   limited send is a 429 that costs nothing. Never per client IP, which a pumping attacker
//!   rotates for free.
//! - A repeated start is by definition a resend: Twilio sends the same code of the same
//!   verification again and counts it against its own send limits, and ours count it too, so
//!   duplicates are bounded rather than suppressed (a user who did not receive a code must be able
//!   to ask again).

mod destination;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::{Value, json};
use shared::aws::Backends;
use shared::caller::Caller;
use shared::clock::{now_unix, rfc3339};
use shared::config::{Config, ConfigError, VerifyLimits};
use shared::error::ApiError;
use shared::http::{Handler, call_deadline, json, json_body, no_route, respond, route_key};
use shared::secrets::{Secrets, TwilioCredentials};
use shared::stepup::StepUpKey;
use shared::store::ratelimit::{Hit, RateLimitStore, Window};
use shared::twilio::TwilioClient;
use shared::twilio::verify::{self, Channel, Verification, VerifyService};

pub use destination::Destination;

/// Each Twilio attempt's timeout; the invocation's deadline bounds the whole call.
const TWILIO_TIMEOUT: Duration = Duration::from_secs(5);
/// The call deadline outside Lambda (local API, tests), where no invocation deadline exists.
const LOCAL_DEADLINE: Duration = Duration::from_secs(8);

/// The verify function, built once at cold start.
pub struct State {
    tenant_claim: String,
    step_up_ttl_seconds: u64,
    limits: VerifyLimits,
    verify: VerifyService,
    rate_limits: Arc<dyn RateLimitStore>,
    secrets: Arc<dyn Secrets>,
}

impl State {
    /// Builds the state; fails naming the variable when `TWILIO_VERIFY_SERVICE_SID` is unset.
    pub fn new(config: &Config, backends: &Backends) -> Result<Self, ConfigError> {
        let service_sid = config.require_verify_service_sid()?;
        Ok(Self {
            tenant_claim: config.tenant_claim.clone(),
            step_up_ttl_seconds: config.step_up_ttl_seconds,
            limits: config.verify_limits,
            verify: VerifyService::new(
                TwilioClient::new(TWILIO_TIMEOUT),
                &config.verify_base_url,
                service_sid,
            ),
            rate_limits: backends.store.clone(),
            secrets: backends.secrets.clone(),
        })
    }

    async fn start(&self, req: &Request) -> Result<Response<Body>, ApiError> {
        let caller = Caller::from_request(req, &self.tenant_claim)?;
        let body: Value = json_body(req)?;
        let channel = Channel::parse(required_str(&body, "channel")?, "channel")?;
        let to = Destination::for_caller(&caller, channel)?;
        self.count_send(&caller, &to).await?;
        let creds = self.credentials().await?;
        let verification = self
            .verify
            .start(
                &creds,
                to.as_str(),
                channel,
                call_deadline(req, LOCAL_DEADLINE),
            )
            .await
            .map_err(|e| verify::api_error(&e))?;
        log_verification(&caller, channel, &to, &verification, "verification sent");
        Ok(json(
            StatusCode::ACCEPTED,
            &json!({
                "status": verification.status.as_str(),
                "channel": channel.as_str(),
                "to": to.masked(),
            }),
        ))
    }

    async fn check(&self, req: &Request) -> Result<Response<Body>, ApiError> {
        let caller = Caller::from_request(req, &self.tenant_claim)?;
        let body: Value = json_body(req)?;
        let channel = Channel::parse(required_str(&body, "channel")?, "channel")?;
        let code = required_str(&body, "code")?;
        if !(4..=10).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(ApiError::bad_request(
                "invalid_code",
                "code must be 4 to 10 letters or digits",
            ));
        }
        let to = Destination::for_caller(&caller, channel)?;
        let creds = self.credentials().await?;
        let verification = self
            .verify
            .check(
                &creds,
                to.as_str(),
                code,
                call_deadline(req, LOCAL_DEADLINE),
            )
            .await
            .map_err(|e| verify::api_error(&e))?;
        log_verification(&caller, channel, &to, &verification, "verification checked");
        verify::check_outcome(&verification)?;
        let proof = StepUpKey::derive(&creds).issue(&caller, now_unix(), self.step_up_ttl_seconds);
        Ok(json(
            StatusCode::OK,
            &json!({
                "status": "approved",
                "step_up_token": proof.token,
                "expires_at": rfc3339(proof.expires_at),
            }),
        ))
    }

    /// Counts the send against the user's and the destination's windows; the first full one
    /// refuses it with a 429 whose `Retry-After` is the time left in that window.
    async fn count_send(&self, caller: &Caller, to: &Destination) -> Result<(), ApiError> {
        let now = now_unix();
        let limits = [
            (
                format!("verify:user:{}:{}", caller.tenant, caller.sub),
                self.limits.per_user,
                self.limits.user_window_seconds,
                "too many codes were requested for this user; try again later",
            ),
            (
                format!("verify:dest:{}", to.rate_key()),
                self.limits.per_destination,
                self.limits.destination_window_seconds,
                "too many codes were requested for this destination; try again later",
            ),
        ];
        for (key, max, window, message) in limits {
            let window = Window::containing(now, window);
            match self
                .rate_limits
                .hit(&key, window, max)
                .await
                .map_err(ApiError::unavailable)?
            {
                Hit::Counted { .. } => {}
                Hit::Limited { reset_at } => {
                    tracing::warn!(
                        tenant = %caller.tenant,
                        sub = %caller.sub,
                        to = %to.masked(),
                        reset_at,
                        "verify send rate-limited"
                    );
                    let retry_after = (reset_at - now).max(1) as u64;
                    return Err(ApiError::too_many_requests(
                        "rate_limited",
                        message,
                        retry_after,
                    ));
                }
            }
        }
        Ok(())
    }

    async fn credentials(&self) -> Result<Arc<TwilioCredentials>, ApiError> {
        self.secrets.twilio().await.map_err(ApiError::unavailable)
    }
}

/// A required string field of the body; missing or not a string is a 400 naming it.
fn required_str<'a>(body: &'a Value, field: &str) -> Result<&'a str, ApiError> {
    match body.get(field) {
        Some(Value::String(s)) => Ok(s),
        None | Some(Value::Null) => Err(ApiError::bad_request(
            "missing_field",
            format!("{field} is required"),
        )),
        Some(_) => Err(ApiError::bad_request(
            "invalid_field",
            format!("{field} must be a string"),
        )),
    }
}

/// Logs what Twilio answered about the caller's verification: its SID and status, and the
/// destination masked (never the code).
fn log_verification(
    caller: &Caller,
    channel: Channel,
    to: &Destination,
    verification: &Verification,
    message: &'static str,
) {
    tracing::info!(
        tenant = %caller.tenant,
        sub = %caller.sub,
        channel = channel.as_str(),
        to = %to.masked(),
        verification_sid = verification.sid.as_deref().unwrap_or(""),
        status = verification.status.as_str(),
        message
    );
}

#[async_trait]
impl Handler for State {
    async fn handle(&self, req: Request) -> Response<Body> {
        respond(match route_key(&req).as_str() {
            "POST /verify/start" => self.start(&req).await,
            "POST /verify/check" => self.check(&req).await,
            _ => Err(no_route(&req)),
        })
    }
}

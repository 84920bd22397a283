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

mod answers;
mod destination;
mod limits;

use std::sync::Arc;

use async_trait::async_trait;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use serde_json::json;
use shared::aws::Backends;
use shared::caller::{Caller, Callers};
use shared::clock::{now_unix, rfc3339};
use shared::config::{Config, ConfigError, VerifyLimits};
use shared::deadline::Deadline;
use shared::error::ApiError;
use shared::http::{Handler, json, json_body, no_route, respond, route_key};
use shared::secrets::{Secrets, TwilioCredentials};
use shared::stepup::StepUpKey;
use shared::store::ratelimit::RateLimitStore;
use shared::twilio::verify::{Channel, Verification, VerifyService};

use answers::{check_outcome, verify_failure};
pub use destination::Destination;

/// `POST /verify/start`. Open: a client may send more (a `to` is ignored, never used).
#[derive(Deserialize)]
struct StartBody {
    channel: Channel,
}

/// `POST /verify/check`.
#[derive(Deserialize)]
struct CheckBody {
    channel: Channel,
    code: String,
}

/// The verify function, built once at cold start.
pub struct State {
    callers: Callers,
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
            callers: Callers::of(config),
            step_up_ttl_seconds: config.step_up_ttl_seconds,
            limits: config.verify_limits,
            verify: VerifyService::new(
                backends.twilio.clone(),
                &config.verify_base_url,
                service_sid,
            ),
            rate_limits: backends.store.clone(),
            secrets: backends.secrets.clone(),
        })
    }

    async fn start(
        &self,
        caller: Caller,
        body: StartBody,
        deadline: Deadline,
    ) -> Result<Response<Body>, ApiError> {
        let channel = body.channel;
        let to = Destination::for_caller(&caller, channel)?;
        self.count_send(&caller, &to).await?;
        let creds = self.credentials().await?;
        let verification = self
            .verify
            .start(&creds, to.as_str(), channel, deadline.calls_by())
            .await
            .map_err(|e| verify_failure(&e))?;
        log_verification(&caller, channel, &to, &verification, "verification sent");
        shared::metrics::count(
            shared::metrics::VERIFICATIONS_STARTED,
            &[("Channel", channel.as_str())],
        );
        Ok(json(
            StatusCode::ACCEPTED,
            &json!({
                "status": verification.status.as_str(),
                "channel": channel.as_str(),
                "to": to.masked(),
            }),
        ))
    }

    async fn check(
        &self,
        caller: Caller,
        body: CheckBody,
        deadline: Deadline,
    ) -> Result<Response<Body>, ApiError> {
        let (channel, code) = (body.channel, body.code);
        if !(4..=10).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
            // A code that cannot be right is refused like a wrong one (API.md), without asking
            // Twilio: 400, with the verification still pending.
            return Err(ApiError::bad_request(
                "invalid_code",
                "code must be 4 to 10 letters or digits",
            )
            .with_field("status", "pending"));
        }
        let to = Destination::for_caller(&caller, channel)?;
        let creds = self.credentials().await?;
        let verification = self
            .verify
            .check(&creds, to.as_str(), &code, deadline.calls_by())
            .await
            .map_err(|e| verify_failure(&e))?;
        log_verification(&caller, channel, &to, &verification, "verification checked");
        check_outcome(&verification)?;
        shared::metrics::count(
            shared::metrics::VERIFICATIONS_APPROVED,
            &[("Channel", channel.as_str())],
        );
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

    async fn credentials(&self) -> Result<Arc<TwilioCredentials>, ApiError> {
        self.secrets.twilio().await.map_err(ApiError::unavailable)
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

impl State {
    /// Turns the request into the caller, the typed body and the deadline, then does the work.
    async fn route(&self, req: &Request) -> Result<Response<Body>, ApiError> {
        let deadline = Deadline::of(req);
        match route_key(req).as_str() {
            "POST /verify/start" => {
                let caller = self.callers.read(req)?;
                self.start(caller, json_body(req)?, deadline).await
            }
            "POST /verify/check" => {
                let caller = self.callers.read(req)?;
                self.check(caller, json_body(req)?, deadline).await
            }
            _ => Err(no_route(req)),
        }
    }
}

#[async_trait]
impl Handler for State {
    async fn handle(&self, req: Request) -> Response<Body> {
        respond(self.route(&req).await)
    }
}

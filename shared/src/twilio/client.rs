//! One small client for every Twilio REST call.
//!
//! - HTTP Basic auth with the API key SID and secret; callers put the account SID in paths.
//! - A timeout on every attempt, never past the caller's deadline (the invocation's remaining
//!   time less a margin to answer).
//! - 429 and 503 are retried with exponential backoff and full jitter, waiting at least what
//!   `Retry-After` asks, while the deadline allows. Twilio did not act on those requests, so
//!   repeating any of them is safe. A 429 whose Twilio code names a hard limit (Verify's
//!   60202/60203/60212: too many checks or sends for this destination) is not throttling and
//!   would only be refused again; it goes straight back to the caller.
//! - A failure in transit is repeated only when the request cannot have reached Twilio (the
//!   connection was never made) or when the call is marked idempotent (reads, and updates that
//!   set an absolute state such as `Status=completed`). A create that timed out after it was
//!   sent is NOT repeated here: Twilio may have created the resource, and a blind repeat could
//!   create a second room, composition or SMS. It fails with `maybe_sent`, the caller's
//!   idempotency claim is released, and the caller's retry (or Twilio's redelivery) first looks
//!   for what the lost request may have created, where that can be looked up.
//! - Redirects are never followed: the composition Media endpoint answers with one whose
//!   `Location` is the product.
//! - Every call logs method, path, status, attempt and `Twilio-Request-Id`, never the body.

use std::time::Duration;

use secrecy::ExposeSecret;
use tokio::time::Instant;

use super::call::{Call, TwilioResponse};
use super::error::{ErrorBody, TwilioError};
use super::retry::retry_delay;
use crate::secrets::TwilioCredentials;

/// How long one attempt of a Twilio call may take (each function's client uses it); the
/// caller's deadline bounds the whole call.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);
/// Attempts at most, whatever the deadline.
const MAX_ATTEMPTS: u32 = 5;
/// Who we say we are to Twilio.
const USER_AGENT: &str = concat!("twilio-video-backend/", env!("CARGO_PKG_VERSION"));

/// The Twilio REST client. Cheap to clone; build once at cold start.
#[derive(Clone, Debug)]
pub struct TwilioClient {
    http: reqwest::Client,
    timeout: Duration,
}

/// The HTTP client could not be built (its TLS set-up failed). There is no fallback: a default
/// client would lack the timeouts and would follow redirects.
#[derive(Debug, thiserror::Error)]
#[error("the Twilio HTTP client cannot be built: {0}")]
pub struct ClientError(String);

impl TwilioClient {
    /// A client whose attempts each time out after `timeout` (or sooner, at the deadline), and
    /// that never follows a redirect.
    pub fn new(timeout: Duration) -> Result<Self, ClientError> {
        Self::build(timeout, USER_AGENT)
    }

    fn build(timeout: Duration, user_agent: &str) -> Result<Self, ClientError> {
        // reqwest is built without a crypto provider of its own: ring, as for the AWS SDK.
        let _ = rustls::crypto::ring::default_provider().install_default();
        // The process's one TLS configuration and root store (crate::https), shared with the SDK.
        let http = crate::https::client_builder(timeout)
            .user_agent(user_agent)
            .build()
            .map_err(|e| ClientError(e.to_string()))?;
        Ok(Self { http, timeout })
    }

    /// Sends `call`, retrying as the module describes until `deadline`.
    pub async fn send(
        &self,
        creds: &TwilioCredentials,
        call: &Call,
        deadline: Instant,
    ) -> Result<TwilioResponse, TwilioError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self.attempt(creds, call, deadline, attempt).await;
            let retry_in = match &result {
                Ok(_) => return result,
                Err(e) => retry_delay(e, call.is_idempotent(), attempt),
            };
            match retry_in {
                Some(wait) if attempt < MAX_ATTEMPTS && Instant::now() + wait < deadline => {
                    // Twilio's code, never its message: Verify's messages can quote the number.
                    let error = result.as_ref().err();
                    tracing::warn!(
                        method = %call.method(),
                        path = call.url().path(),
                        attempt,
                        wait_ms = wait.as_millis() as u64,
                        twilio_status = error.and_then(TwilioError::status),
                        twilio_code = error.and_then(TwilioError::code),
                        twilio_request_id = error.and_then(TwilioError::request_id).unwrap_or(""),
                        "retrying twilio call"
                    );
                    tokio::time::sleep(wait).await;
                }
                _ => return result,
            }
        }
    }

    async fn attempt(
        &self,
        creds: &TwilioCredentials,
        call: &Call,
        deadline: Instant,
        attempt: u32,
    ) -> Result<TwilioResponse, TwilioError> {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(TwilioError::Transport {
                maybe_sent: false,
                message: "deadline passed before the call".into(),
            });
        }
        let mut request = self
            .http
            .request(call.method().clone(), call.url().clone())
            .basic_auth(
                &creds.api_key_sid,
                Some(creds.api_key_secret.expose_secret()),
            )
            .header(http::header::ACCEPT, "application/json")
            .timeout(self.timeout.min(remaining));
        if let Some(form) = call.form() {
            request = request
                .header(
                    http::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(form.encode());
        }
        let started = std::time::Instant::now();
        let response = request.send().await.map_err(|e| {
            // A connect error means nothing was sent; anything else may have been.
            let maybe_sent = !e.is_connect();
            if e.is_timeout() {
                TwilioError::TimedOut { maybe_sent }
            } else {
                TwilioError::Transport {
                    maybe_sent,
                    message: e.to_string(),
                }
            }
        });
        let response = match response {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(method = %call.method(), path = call.url().path(), attempt, error = %e, "twilio call failed in transit");
                return Err(e);
            }
        };
        let status = response.status();
        let headers = response.headers().clone();
        let request_id = headers
            .get("twilio-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response.bytes().await.map_err(|e| {
            if e.is_timeout() {
                TwilioError::TimedOut { maybe_sent: true }
            } else {
                TwilioError::Transport {
                    maybe_sent: true,
                    message: e.to_string(),
                }
            }
        })?;
        tracing::info!(
            method = %call.method(),
            path = call.url().path(),
            status = status.as_u16(),
            attempt,
            twilio_request_id = request_id.as_deref().unwrap_or(""),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "twilio call"
        );
        if status.is_success() || status.is_redirection() {
            return Ok(TwilioResponse {
                status,
                request_id,
                headers,
                body,
            });
        }
        let parsed: Option<ErrorBody> = serde_json::from_slice(&body).ok();
        let retry_after = headers
            .get(http::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        Err(TwilioError::Api {
            status: status.as_u16(),
            code: parsed.as_ref().and_then(|p| p.code),
            message: parsed
                .as_ref()
                .and_then(|p| p.message.clone())
                .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_string()),
            more_info: parsed.and_then(|p| p.more_info),
            request_id,
            retry_after,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_that_cannot_be_built_is_an_error_not_a_default_client() {
        // A header value with a line break makes reqwest's builder fail, as a TLS set-up that
        // fails would: the error comes back instead of a default client (which would have no
        // timeouts and would follow redirects).
        let err = TwilioClient::build(ATTEMPT_TIMEOUT, "bad\nagent").unwrap_err();
        assert!(err.to_string().contains("cannot be built"), "{err}");
        assert!(TwilioClient::new(ATTEMPT_TIMEOUT).is_ok());
    }
}

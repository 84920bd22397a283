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

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};
use rand::Rng;
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use url::Url;

use super::error::{ErrorBody, TwilioError};
use super::form::Form;
use crate::secrets::TwilioCredentials;

/// The first backoff step; doubled per attempt, capped at [`BACKOFF_CAP`].
const BACKOFF_BASE: Duration = Duration::from_millis(100);
const BACKOFF_CAP: Duration = Duration::from_secs(4);
/// Twilio codes that come with a 429 but are limits, not throttling: repeating cannot succeed.
const HARD_LIMIT_CODES: [u32; 3] = [60202, 60203, 60212];
/// Attempts at most, whatever the deadline.
const MAX_ATTEMPTS: u32 = 5;

/// One request to Twilio.
#[derive(Clone, Debug)]
pub struct Call {
    method: Method,
    url: Url,
    form: Option<Form>,
    idempotent: bool,
}

impl Call {
    /// A GET (idempotent).
    pub fn get(url: Url) -> Self {
        Self {
            method: Method::GET,
            url,
            form: None,
            idempotent: true,
        }
    }

    /// A POST that creates something: not repeated after a possibly-sent failure.
    pub fn create(url: Url, form: Form) -> Self {
        Self {
            method: Method::POST,
            url,
            form: Some(form),
            idempotent: false,
        }
    }

    /// A POST that sets an absolute state (e.g. `Status=completed`): safe to repeat.
    pub fn update(url: Url, form: Form) -> Self {
        Self {
            method: Method::POST,
            url,
            form: Some(form),
            idempotent: true,
        }
    }

    /// A DELETE (idempotent).
    pub fn delete(url: Url) -> Self {
        Self {
            method: Method::DELETE,
            url,
            form: None,
            idempotent: true,
        }
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The URL.
    pub fn url(&self) -> &Url {
        &self.url
    }
}

/// A successful (2xx or 3xx) answer.
#[derive(Debug)]
pub struct TwilioResponse {
    /// HTTP status.
    pub status: StatusCode,
    /// `Twilio-Request-Id`.
    pub request_id: Option<String>,
    /// Response headers (e.g. `Location`).
    pub headers: HeaderMap,
    /// The raw body.
    pub body: Bytes,
}

impl TwilioResponse {
    /// The body as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, TwilioError> {
        serde_json::from_slice(&self.body).map_err(|e| TwilioError::Decode(e.to_string()))
    }
}

/// The Twilio REST client. Cheap to clone; build once at cold start.
#[derive(Clone, Debug)]
pub struct TwilioClient {
    http: reqwest::Client,
    timeout: Duration,
}

impl TwilioClient {
    /// A client whose attempts each time out after `timeout` (or sooner, at the deadline).
    pub fn new(timeout: Duration) -> Self {
        // reqwest is built without a crypto provider of its own: ring, as for the AWS SDK.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(timeout)
            .user_agent(concat!("twilio-video-backend/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        Self { http, timeout }
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
                Err(e) => retry_delay(e, call.idempotent, attempt),
            };
            match retry_in {
                Some(wait) if attempt < MAX_ATTEMPTS && Instant::now() + wait < deadline => {
                    tracing::warn!(
                        method = %call.method,
                        path = call.url.path(),
                        attempt,
                        wait_ms = wait.as_millis() as u64,
                        error = %result.as_ref().err().map(|e| e.to_string()).unwrap_or_default(),
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
            .request(call.method.clone(), call.url.clone())
            .basic_auth(
                &creds.api_key_sid,
                Some(creds.api_key_secret.expose_secret()),
            )
            .header(http::header::ACCEPT, "application/json")
            .timeout(self.timeout.min(remaining));
        if let Some(form) = &call.form {
            request = request
                .header(
                    http::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(form.encode());
        }
        let started = std::time::Instant::now();
        let response = request.send().await.map_err(|e| TwilioError::Transport {
            // A connect error means nothing was sent; anything else may have been.
            maybe_sent: !e.is_connect(),
            message: e.to_string(),
        });
        let response = match response {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(method = %call.method, path = call.url.path(), attempt, error = %e, "twilio call failed in transit");
                return Err(e);
            }
        };
        let status = response.status();
        let headers = response.headers().clone();
        let request_id = headers
            .get("twilio-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response.bytes().await.map_err(|e| TwilioError::Transport {
            maybe_sent: true,
            message: e.to_string(),
        })?;
        tracing::info!(
            method = %call.method,
            path = call.url.path(),
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

/// How long to wait before repeating after `error`, or `None` when it must not be repeated.
fn retry_delay(error: &TwilioError, idempotent: bool, attempt: u32) -> Option<Duration> {
    let retryable = match error {
        TwilioError::Api {
            status: 429, code, ..
        } => code.is_none_or(|c| !HARD_LIMIT_CODES.contains(&c)),
        TwilioError::Api { status: 503, .. } => true,
        TwilioError::Transport { maybe_sent, .. } => idempotent || !maybe_sent,
        _ => false,
    };
    if !retryable {
        return None;
    }
    // Full jitter: a uniform wait between zero and the exponential step.
    let step = BACKOFF_BASE
        .saturating_mul(1 << (attempt - 1).min(16))
        .min(BACKOFF_CAP);
    let jitter = Duration::from_millis(rand::rng().random_range(0..=step.as_millis() as u64));
    let asked = match error {
        TwilioError::Api {
            retry_after: Some(s),
            ..
        } => Duration::from_secs(*s),
        _ => Duration::ZERO,
    };
    Some(jitter.max(asked))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, retry_after: Option<u64>) -> TwilioError {
        TwilioError::Api {
            status,
            code: None,
            message: String::new(),
            more_info: None,
            request_id: None,
            retry_after,
        }
    }

    #[test]
    fn only_throttling_and_unavailability_are_retried_among_api_errors() {
        assert!(retry_delay(&api(429, None), false, 1).is_some());
        assert!(retry_delay(&api(503, None), false, 1).is_some());
        assert!(retry_delay(&api(500, None), true, 1).is_none());
        assert!(retry_delay(&api(400, None), true, 1).is_none());
    }

    #[test]
    fn a_verify_hard_limit_is_not_retried() {
        for code in HARD_LIMIT_CODES {
            let e = TwilioError::Api {
                status: 429,
                code: Some(code),
                message: String::new(),
                more_info: None,
                request_id: None,
                retry_after: None,
            };
            assert!(retry_delay(&e, true, 1).is_none(), "{code}");
        }
        let throttled = TwilioError::Api {
            status: 429,
            code: Some(20429),
            message: String::new(),
            more_info: None,
            request_id: None,
            retry_after: None,
        };
        assert!(retry_delay(&throttled, false, 1).is_some());
    }

    #[test]
    fn retry_after_is_a_floor_and_jitter_stays_under_the_step() {
        assert!(retry_delay(&api(429, Some(3)), false, 1).unwrap() >= Duration::from_secs(3));
        for attempt in 1..6 {
            let d = retry_delay(&api(503, None), false, attempt).unwrap();
            assert!(d <= BACKOFF_CAP);
        }
    }

    #[test]
    fn a_create_that_may_have_been_sent_is_not_repeated() {
        let sent = TwilioError::Transport {
            maybe_sent: true,
            message: String::new(),
        };
        let unsent = TwilioError::Transport {
            maybe_sent: false,
            message: String::new(),
        };
        assert!(retry_delay(&sent, false, 1).is_none());
        assert!(retry_delay(&sent, true, 1).is_some());
        assert!(retry_delay(&unsent, false, 1).is_some());
    }
}

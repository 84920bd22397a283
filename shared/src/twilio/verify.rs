//! Verify v2: send a code, check a code, and turn Twilio's outcomes into clear answers.
//!
//! Paths and form fields follow Twilio's OpenAPI description of Verify v2
//! (`twilio_verify_v2.json`):
//!
//! - `POST /v2/Services/{ServiceSid}/Verifications` with `To` and `Channel` (both required) → 201;
//! - `POST /v2/Services/{ServiceSid}/VerificationCheck` with `To` and `Code` → 200 (or 201), whose
//!   `status` is `approved` for a right code and stays `pending` for a wrong one.
//!
//! Both are creates: the client does not repeat them after a failure that may have reached
//! Twilio (a repeated send would be a second SMS, a repeated check a second attempt).

use http::StatusCode;
use serde::Deserialize;
use tokio::time::Instant;
use url::Url;

use super::{Call, Form, TwilioClient, TwilioError};
use crate::error::ApiError;
use crate::secrets::TwilioCredentials;

/// Max check attempts reached for this verification.
pub const MAX_CHECK_ATTEMPTS: u32 = 60202;
/// Max send attempts reached for this destination.
pub const MAX_SEND_ATTEMPTS: u32 = 60203;
/// Too many concurrent requests for this destination.
pub const TOO_MANY_CONCURRENT: u32 = 60212;
/// Twilio's general "too many requests".
pub const TOO_MANY_REQUESTS: u32 = 20429;
/// The verification was not found: expired, already approved, or never started.
pub const NOT_FOUND: u32 = 20404;
/// The delivery was blocked by Verify's fraud guard.
pub const BLOCKED_FRAUD: u32 = 60410;
/// Delivery to this prefix is blocked (geographic permissions).
pub const BLOCKED_PREFIX: u32 = 60605;
/// A parameter (usually `To` for the channel) is invalid.
pub const INVALID_PARAMETER: u32 = 60200;

/// How long a caller should wait after Verify's own attempt limits, when Twilio does not say:
/// a verification lives ten minutes by default, and its limits reset with it.
const ATTEMPTS_RETRY_AFTER: u64 = 600;
/// How long a caller should wait after a throttle, when Twilio does not say.
const THROTTLE_RETRY_AFTER: u64 = 30;

/// A Verify channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// A text message to the phone number.
    Sms,
    /// A voice call to the phone number.
    Call,
    /// A WhatsApp message to the phone number.
    Whatsapp,
    /// An email to the address.
    Email,
}

impl Channel {
    /// Parses the API's channel name; anything else is a 400 naming `field`.
    pub fn parse(s: &str, field: &str) -> Result<Self, ApiError> {
        match s {
            "sms" => Ok(Self::Sms),
            "call" => Ok(Self::Call),
            "whatsapp" => Ok(Self::Whatsapp),
            "email" => Ok(Self::Email),
            _ => Err(ApiError::bad_request(
                "invalid_channel",
                format!("{field} must be one of sms, call, whatsapp, email"),
            )),
        }
    }

    /// The name Twilio (and our API) uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sms => "sms",
            Self::Call => "call",
            Self::Whatsapp => "whatsapp",
            Self::Email => "email",
        }
    }

    /// Whether the destination is a phone number (else an email address).
    pub fn is_phone(self) -> bool {
        !matches!(self, Self::Email)
    }
}

/// A verification's status, as Twilio reports it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Sent and not yet approved (also: a wrong code was checked).
    Pending,
    /// The right code was checked.
    Approved,
    /// Canceled.
    Canceled,
    /// Too many wrong codes.
    MaxAttemptsReached,
    /// Deleted.
    Deleted,
    /// Failed.
    Failed,
    /// Expired.
    Expired,
    /// A status this code does not know.
    #[serde(other)]
    Unknown,
}

impl Status {
    /// The name Twilio uses.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Canceled => "canceled",
            Self::MaxAttemptsReached => "max_attempts_reached",
            Self::Deleted => "deleted",
            Self::Failed => "failed",
            Self::Expired => "expired",
            Self::Unknown => "unknown",
        }
    }
}

/// A verification (the fields we use; never the destination, which we already know).
#[derive(Clone, Debug, Deserialize)]
pub struct Verification {
    /// `VE…`
    #[serde(default)]
    pub sid: Option<String>,
    /// Its status.
    pub status: Status,
}

/// One Verify service.
#[derive(Clone, Debug)]
pub struct VerifyService {
    client: TwilioClient,
    verifications: Url,
    check: Url,
}

impl VerifyService {
    /// The service `service_sid` under `base` (`TWILIO_VERIFY_BASE_URL`).
    pub fn new(client: TwilioClient, base: &Url, service_sid: &str) -> Self {
        let under = |last: &str| {
            let mut url = base.clone();
            if let Ok(mut segments) = url.path_segments_mut() {
                segments
                    .pop_if_empty()
                    .extend(["v2", "Services", service_sid, last]);
            }
            url
        };
        Self {
            client,
            verifications: under("Verifications"),
            check: under("VerificationCheck"),
        }
    }

    /// Sends a code to `to` over `channel`.
    pub async fn start(
        &self,
        creds: &TwilioCredentials,
        to: &str,
        channel: Channel,
        deadline: Instant,
    ) -> Result<Verification, TwilioError> {
        let form = Form::new().text("To", to).text("Channel", channel.as_str());
        let call = Call::create(self.verifications.clone(), form);
        self.client.send(creds, &call, deadline).await?.json()
    }

    /// Checks `code` for the pending verification of `to`.
    pub async fn check(
        &self,
        creds: &TwilioCredentials,
        to: &str,
        code: &str,
        deadline: Instant,
    ) -> Result<Verification, TwilioError> {
        let form = Form::new().text("To", to).text("Code", code);
        let call = Call::create(self.check.clone(), form);
        self.client.send(creds, &call, deadline).await?.json()
    }
}

/// The answer to a failed Verify call. Twilio's message is never passed on (it may quote the
/// destination); the code, status and request id are logged.
pub fn api_error(err: &TwilioError) -> ApiError {
    let (status, code, retry_after, request_id) = match err {
        TwilioError::Api {
            status,
            code,
            retry_after,
            request_id,
            ..
        } => (*status, *code, *retry_after, request_id.as_deref()),
        TwilioError::Transport { .. } | TwilioError::Credentials(_) => {
            return ApiError::unavailable(err);
        }
        TwilioError::Decode(_) => return bad_gateway(err, None, None, None),
    };
    match code {
        Some(MAX_CHECK_ATTEMPTS) => ApiError::too_many_requests(
            "too_many_attempts",
            "too many wrong codes for this verification; start a new one later",
            retry_after.unwrap_or(ATTEMPTS_RETRY_AFTER),
        ),
        Some(MAX_SEND_ATTEMPTS) => ApiError::too_many_requests(
            "too_many_sends",
            "too many codes were sent to this destination; try again later",
            retry_after.unwrap_or(ATTEMPTS_RETRY_AFTER),
        ),
        Some(TOO_MANY_CONCURRENT | TOO_MANY_REQUESTS) => ApiError::too_many_requests(
            "too_many_requests",
            "too many verification requests; try again later",
            retry_after.unwrap_or(THROTTLE_RETRY_AFTER),
        ),
        Some(NOT_FOUND) => ApiError::new(
            StatusCode::GONE,
            "verification_not_found",
            "no pending verification: it expired, was already used, or was never started; \
             start a new one",
        ),
        Some(BLOCKED_FRAUD | BLOCKED_PREFIX) => ApiError::forbidden(
            "destination_blocked",
            "verification codes cannot be sent to this destination",
        ),
        Some(INVALID_PARAMETER) => ApiError::bad_request(
            "invalid_destination",
            "Twilio Verify refused the destination for this channel",
        ),
        // Twilio's message is left out of the log too: it may quote the destination.
        _ if status >= 500 => ApiError::unavailable(format_args!(
            "twilio verify {status} (code {code:?}, request {})",
            request_id.unwrap_or("-")
        )),
        _ => bad_gateway(
            "twilio verify refused the call",
            Some(status),
            code,
            request_id,
        ),
    }
}

/// The answer to a check whose call succeeded: `Ok` only for `approved`. A wrong code (still
/// `pending`) is a 422 carrying `"status":"pending"`, as API.md asks.
pub fn check_outcome(verification: &Verification) -> Result<(), ApiError> {
    let status = verification.status.as_str();
    match verification.status {
        Status::Approved => Ok(()),
        Status::Pending => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "incorrect_code",
            "the code is not correct",
        )
        .with_field("status", status)),
        Status::MaxAttemptsReached => Err(ApiError::too_many_requests(
            "too_many_attempts",
            "too many wrong codes for this verification; start a new one later",
            ATTEMPTS_RETRY_AFTER,
        )
        .with_field("status", status)),
        Status::Canceled | Status::Deleted | Status::Expired | Status::Failed => {
            Err(ApiError::new(
                StatusCode::GONE,
                "verification_not_found",
                "this verification is no longer pending; start a new one",
            )
            .with_field("status", status))
        }
        Status::Unknown => Err(bad_gateway("unknown verification status", None, None, None)),
    }
}

/// 502 for an answer of Twilio's that we cannot act on; the cause is logged, never sent.
fn bad_gateway(
    cause: impl std::fmt::Display,
    status: Option<u16>,
    code: Option<u32>,
    request_id: Option<&str>,
) -> ApiError {
    tracing::error!(
        error = %cause,
        twilio_status = status,
        twilio_code = code,
        twilio_request_id = request_id,
        "unexpected answer from twilio verify"
    );
    ApiError::new(
        StatusCode::BAD_GATEWAY,
        "upstream_error",
        "the verification service answered unexpectedly; try again later",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: u32, retry_after: Option<u64>) -> TwilioError {
        TwilioError::Api {
            status,
            code: Some(code),
            message: "Invalid parameter `To`: +14155550100".into(),
            more_info: None,
            request_id: Some("RQ1".into()),
            retry_after,
        }
    }

    #[test]
    fn twilios_codes_become_clear_answers() {
        for (status, code, want) in [
            (429, MAX_CHECK_ATTEMPTS, 429),
            (429, MAX_SEND_ATTEMPTS, 429),
            (429, TOO_MANY_CONCURRENT, 429),
            (429, TOO_MANY_REQUESTS, 429),
            (404, NOT_FOUND, 410),
            (403, BLOCKED_FRAUD, 403),
            (400, BLOCKED_PREFIX, 403),
            (400, INVALID_PARAMETER, 400),
            (401, 20003, 502),
            (500, 20500, 503),
        ] {
            let e = api_error(&api(status, code, None));
            assert_eq!(e.status().as_u16(), want, "code {code}");
            let body = String::from_utf8(e.into_response().body().to_vec()).unwrap();
            assert!(!body.contains("4155550100"), "code {code} leaks: {body}");
        }
    }

    #[test]
    fn throttles_carry_twilios_retry_after_or_a_default() {
        let r = api_error(&api(429, TOO_MANY_REQUESTS, Some(7))).into_response();
        assert_eq!(r.headers()["retry-after"], "7");
        let r = api_error(&api(429, MAX_SEND_ATTEMPTS, None)).into_response();
        assert_eq!(r.headers()["retry-after"], "600");
    }

    #[test]
    fn a_wrong_code_is_a_4xx_with_status_pending() {
        let v = Verification {
            sid: None,
            status: Status::Pending,
        };
        let r = check_outcome(&v).unwrap_err().into_response();
        assert!(r.status().is_client_error());
        let body: serde_json::Value = serde_json::from_slice(r.body().as_ref()).unwrap();
        assert_eq!(body["status"], "pending");
        assert_eq!(body["error"]["code"], "incorrect_code");
        let approved = Verification {
            sid: None,
            status: Status::Approved,
        };
        assert!(check_outcome(&approved).is_ok());
        let expired: Verification = serde_json::from_str(r#"{"status":"expired"}"#).unwrap();
        assert_eq!(check_outcome(&expired).unwrap_err().status(), 410);
        let odd: Verification = serde_json::from_str(r#"{"status":"sna-ing"}"#).unwrap();
        assert_eq!(check_outcome(&odd).unwrap_err().status(), 502);
    }

    #[test]
    fn paths_follow_the_verify_v2_spec() {
        let base = Url::parse("https://verify.twilio.com").unwrap();
        let v = VerifyService::new(
            TwilioClient::new(std::time::Duration::from_secs(1)),
            &base,
            "VA0123456789abcdef0123456789abcdef",
        );
        assert_eq!(
            v.verifications.as_str(),
            "https://verify.twilio.com/v2/Services/VA0123456789abcdef0123456789abcdef/Verifications"
        );
        assert_eq!(
            v.check.as_str(),
            "https://verify.twilio.com/v2/Services/VA0123456789abcdef0123456789abcdef/VerificationCheck"
        );
    }
}

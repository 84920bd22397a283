//! Verify v2: send a code and check a code. What the answers mean to a client is the verify
//! function's business (`functions/verify/src/answers.rs`); these are Twilio's codes for it.
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

use serde::Deserialize;
use tokio::time::Instant;
use url::Url;

use super::{Call, Form, TwilioClient, TwilioError};
use crate::secrets::TwilioCredentials;

/// Max check attempts reached for this verification.
pub const MAX_CHECK_ATTEMPTS: u32 = 60202;
/// Max send attempts reached for this destination.
pub const MAX_SEND_ATTEMPTS: u32 = 60203;
/// Too many concurrent requests for this destination.
pub const TOO_MANY_CONCURRENT: u32 = 60212;
/// Twilio's general "too many requests".
pub const TOO_MANY_REQUESTS: u32 = 20429;
/// The delivery was blocked by Verify's fraud guard.
pub const BLOCKED_FRAUD: u32 = 60410;
/// Delivery to this prefix is blocked (geographic permissions).
pub const BLOCKED_PREFIX: u32 = 60605;
/// A parameter (usually `To` for the channel) is invalid.
pub const INVALID_PARAMETER: u32 = 60200;

/// A Verify channel, named in bodies as Twilio names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_read_as_twilio_names_them() {
        let c: Channel = serde_json::from_str("\"whatsapp\"").unwrap();
        assert_eq!(c, Channel::Whatsapp);
        assert!(serde_json::from_str::<Channel>("\"pigeon\"").is_err());
        assert_eq!(Channel::Email.as_str(), "email");
        assert!(!Channel::Email.is_phone());
    }

    #[test]
    fn paths_follow_the_verify_v2_spec() {
        let base = Url::parse("https://verify.twilio.com").unwrap();
        let v = VerifyService::new(
            TwilioClient::new(crate::twilio::ATTEMPT_TIMEOUT).unwrap(),
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

//! Why a callback was turned away, and the answer each reason gets.

use crate::error::ApiError;

/// Why a callback was turned away.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Rejection {
    MissingSignature,
    InvalidSignature,
    MalformedBody,
    UnknownUrl,
    /// `X-Twilio-Webhooks-Signature-Settings` names a shared key we do not hold.
    UnknownSigningKey,
    /// `X-Twilio-Webhooks-Signature-Settings` names an algorithm we do not implement.
    UnsupportedAlgorithm,
    /// `X-Twilio-Webhooks-Signature-Settings` names no key (or is not text).
    InvalidSignatureSettings,
    /// A callback signed with the Auth Token where only shared keys are held.
    SharedKeyRequired,
}

impl Rejection {
    /// The reason, as logged, counted and answered (the error code).
    pub(super) fn reason(self) -> &'static str {
        match self {
            Rejection::MissingSignature => "missing_signature",
            Rejection::InvalidSignature => "invalid_signature",
            Rejection::MalformedBody => "malformed_body",
            Rejection::UnknownUrl => "unknown_url",
            Rejection::UnknownSigningKey => "unknown_signing_key",
            Rejection::UnsupportedAlgorithm => "unsupported_signature_algorithm",
            Rejection::InvalidSignatureSettings => "invalid_signature_settings",
            Rejection::SharedKeyRequired => "shared_key_required",
        }
    }

    /// The answer: 400 for a request that is not a callback at all, 403 for one whose signature
    /// cannot be accepted.
    pub(super) fn into_error(self, detail: &str) -> ApiError {
        let code = self.reason();
        match self {
            Rejection::MissingSignature => {
                ApiError::bad_request(code, "the X-Twilio-Signature header is missing")
            }
            Rejection::InvalidSignature => {
                ApiError::forbidden(code, "the X-Twilio-Signature header does not match")
            }
            Rejection::MalformedBody => ApiError::bad_request(code, detail.to_string()),
            Rejection::UnknownUrl => ApiError::bad_request(
                code,
                "the request's URL cannot be rebuilt: no PUBLIC_BASE_URL and no Host header",
            ),
            Rejection::UnknownSigningKey => ApiError::forbidden(
                code,
                "the shared key named by X-Twilio-Webhooks-Signature-Settings is not one we hold",
            ),
            Rejection::UnsupportedAlgorithm => ApiError::forbidden(
                code,
                "X-Twilio-Webhooks-Signature-Settings names an unsupported algorithm \
                 (HMAC_SHA256 and HMAC_SHA1 are supported)",
            ),
            Rejection::InvalidSignatureSettings => {
                ApiError::forbidden(code, "X-Twilio-Webhooks-Signature-Settings names no key")
            }
            Rejection::SharedKeyRequired => ApiError::forbidden(
                code,
                "this endpoint accepts only callbacks signed with a shared key \
                 (X-Twilio-Webhooks-Signature-Settings)",
            ),
        }
    }
}

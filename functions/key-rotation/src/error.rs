//! Why a run fails: each failure is an invocation error, so Lambda retries the invocation.

use lambda_runtime::Diagnostic;
use shared::idempotency::IdempotencyError;
use shared::secrets::SecretError;
use shared::store::StoreError;
use shared::twilio::TwilioError;

/// Why a run failed. Each is an invocation error, so Lambda retries; none carries a secret.
#[derive(Debug, thiserror::Error)]
pub enum RotationError {
    /// The event is not one this function takes (retrying cannot help; nothing was done).
    #[error("bad event: {0}")]
    Event(String),
    /// Another run holds the secret's lock.
    #[error("another rotation run of this secret is in progress")]
    Busy,
    /// A secret could not be read or written.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// Twilio failed or refused.
    #[error(transparent)]
    Twilio(#[from] TwilioError),
    /// DynamoDB failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The idempotency record could not be used.
    #[error(transparent)]
    Idempotency(IdempotencyError),
    /// A key Twilio just created does not authenticate; it was revoked.
    #[error("new key {0} does not authenticate; revoked")]
    Unusable(String),
}

impl From<IdempotencyError> for RotationError {
    fn from(e: IdempotencyError) -> Self {
        match e {
            IdempotencyError::InProgress => RotationError::Busy,
            other => RotationError::Idempotency(other),
        }
    }
}

impl From<RotationError> for Diagnostic {
    fn from(e: RotationError) -> Self {
        Diagnostic {
            error_type: "KeyRotationError".into(),
            error_message: e.to_string(),
        }
    }
}

//! Twilio's errors, typed. Twilio answers errors with JSON
//! `{"code": 20404, "message": "…", "more_info": "…", "status": 404}`.

use serde::Deserialize;

/// A failed Twilio call.
#[derive(Debug, thiserror::Error)]
pub enum TwilioError {
    /// Twilio answered with an error status.
    #[error("twilio {status} (code {code:?}): {message}")]
    Api {
        /// HTTP status.
        status: u16,
        /// Twilio's error code (e.g. 20404, 53113, 60202).
        code: Option<u32>,
        /// Twilio's message.
        message: String,
        /// Link to Twilio's documentation of the code.
        more_info: Option<String>,
        /// `Twilio-Request-Id`.
        request_id: Option<String>,
        /// `Retry-After` in seconds, when Twilio sent it.
        retry_after: Option<u64>,
    },
    /// The request failed in transit. `maybe_sent` tells whether Twilio may have received it
    /// (a timeout after sending), which makes repeating a create unsafe.
    #[error("twilio transport error (maybe sent: {maybe_sent}): {message}")]
    Transport {
        /// Whether the request may have reached Twilio.
        maybe_sent: bool,
        /// What happened.
        message: String,
    },
    /// The call timed out. `maybe_sent` as for [`TwilioError::Transport`].
    #[error("twilio call timed out (maybe sent: {maybe_sent})")]
    TimedOut {
        /// Whether the request may have reached Twilio.
        maybe_sent: bool,
    },
    /// Twilio answered success with a body we could not read.
    #[error("twilio response could not be decoded: {0}")]
    Decode(String),
    /// Credentials were unavailable.
    #[error(transparent)]
    Credentials(#[from] crate::secrets::SecretError),
}

impl TwilioError {
    /// Twilio's error code, for API errors.
    pub fn code(&self) -> Option<u32> {
        match self {
            TwilioError::Api { code, .. } => *code,
            _ => None,
        }
    }

    /// The HTTP status, for API errors.
    pub fn status(&self) -> Option<u16> {
        match self {
            TwilioError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The `Twilio-Request-Id` of the answer, when Twilio answered.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            TwilioError::Api { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// The `Retry-After` Twilio sent, in seconds.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            TwilioError::Api { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether a call that failed in transit may have reached Twilio (and so have acted).
    pub fn maybe_sent(&self) -> bool {
        matches!(
            self,
            TwilioError::Transport {
                maybe_sent: true,
                ..
            } | TwilioError::TimedOut { maybe_sent: true }
        )
    }

    /// Whether Twilio said "not found" (HTTP 404 or its code 20404).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404) || self.code() == Some(NOT_FOUND)
    }
}

#[cfg(test)]
impl TwilioError {
    /// An API error of `status`, `code` and `retry_after`, with no message or request id.
    pub(crate) fn api(status: u16, code: Option<u32>, retry_after: Option<u64>) -> Self {
        TwilioError::Api {
            status,
            code,
            message: String::new(),
            more_info: None,
            request_id: None,
            retry_after,
        }
    }
}

/// Twilio's error code for "the requested resource was not found".
pub const NOT_FOUND: u32 = 20404;

/// Twilio's error body.
#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    pub code: Option<u32>,
    pub message: Option<String>,
    pub more_info: Option<String>,
}

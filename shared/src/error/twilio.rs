//! The one mapping from a failed Twilio call to the answer a client gets. A route adds only the
//! Twilio codes that mean something special to it (Verify's attempt limits, a room that
//! exists), and hands every other failure to `ApiError::from`.
//!
//! | Twilio's failure | answer |
//! |---|---|
//! | throttled (429) | 503 `twilio_throttled`, `Retry-After` as Twilio asked (else 5 s) |
//! | unavailable (5xx, connection failed, credentials unreadable) | 503 `service_unavailable` |
//! | timed out | 504 `upstream_timeout` |
//! | refused with a Twilio code (other 4xx, our credentials refused included) | 502 `upstream_rejected` |
//! | an answer we cannot decode | 502 `upstream_error` |
//!
//! Twilio's message is never sent and never logged (Verify's can quote the destination): the
//! log line carries its status, code and `Twilio-Request-Id`.

use http::StatusCode;

use super::ApiError;
use crate::twilio::TwilioError;

/// How long a caller should wait after Twilio throttled us, when Twilio does not say.
const THROTTLE_RETRY_AFTER: u64 = 5;

impl From<&TwilioError> for ApiError {
    fn from(error: &TwilioError) -> Self {
        let (status, code, request_id) = (error.status(), error.code(), error.request_id());
        let answer = match error {
            TwilioError::Api { status: 429, .. } => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "twilio_throttled",
                "Twilio is throttling our requests; try again shortly",
            )
            .with_retry_after(error.retry_after().unwrap_or(THROTTLE_RETRY_AFTER)),
            TwilioError::Api { status, .. } if *status >= 500 => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "service_unavailable",
                "a service we depend on is unavailable; try again later",
            ),
            TwilioError::Transport { .. } | TwilioError::Credentials(_) => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "service_unavailable",
                "a service we depend on is unavailable; try again later",
            ),
            TwilioError::TimedOut { .. } => ApiError::new(
                StatusCode::GATEWAY_TIMEOUT,
                "upstream_timeout",
                "Twilio did not answer in time; try again",
            ),
            TwilioError::Api { .. } => ApiError::new(
                StatusCode::BAD_GATEWAY,
                "upstream_rejected",
                "Twilio refused the request",
            ),
            TwilioError::Decode(_) => ApiError::new(
                StatusCode::BAD_GATEWAY,
                "upstream_error",
                "Twilio answered unexpectedly; try again later",
            ),
        };
        let answer = match error.retry_after() {
            Some(seconds) => answer.with_retry_after(seconds),
            None => answer,
        };
        let kind = match error {
            TwilioError::Api { .. } => "api",
            TwilioError::Transport { .. } => "transport",
            TwilioError::TimedOut { .. } => "timed_out",
            TwilioError::Decode(_) => "decode",
            TwilioError::Credentials(_) => "credentials",
        };
        tracing::error!(
            twilio_failure = kind,
            twilio_status = status,
            twilio_code = code,
            twilio_request_id = request_id.unwrap_or(""),
            maybe_sent = error.maybe_sent(),
            answer = answer.status().as_u16(),
            "twilio call failed"
        );
        answer
    }
}

impl From<TwilioError> for ApiError {
    fn from(error: TwilioError) -> Self {
        Self::from(&error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: Option<u32>, retry_after: Option<u64>) -> TwilioError {
        TwilioError::Api {
            status,
            code,
            message: "Invalid parameter `To`: +14155550100".into(),
            more_info: None,
            request_id: Some("RQ1".into()),
            retry_after,
        }
    }

    #[test]
    fn each_kind_of_failure_has_one_answer() {
        let cases = [
            (api(429, Some(20429), None), 503, "twilio_throttled"),
            (api(500, Some(20500), None), 503, "service_unavailable"),
            (api(503, None, None), 503, "service_unavailable"),
            (
                TwilioError::Transport {
                    maybe_sent: false,
                    message: "connection refused".into(),
                },
                503,
                "service_unavailable",
            ),
            (
                TwilioError::TimedOut { maybe_sent: true },
                504,
                "upstream_timeout",
            ),
            (api(400, Some(21211), None), 502, "upstream_rejected"),
            (api(401, Some(20003), None), 502, "upstream_rejected"),
            (
                TwilioError::Decode("expected value".into()),
                502,
                "upstream_error",
            ),
        ];
        for (error, status, code) in cases {
            let answer = ApiError::from(&error);
            assert_eq!(answer.status().as_u16(), status, "{error}");
            assert_eq!(answer.code(), code, "{error}");
            let body = String::from_utf8(answer.into_response().body().to_vec()).unwrap();
            assert!(!body.contains("4155550100"), "{body}");
        }
    }

    #[test]
    fn a_throttle_carries_twilios_retry_after_or_a_default() {
        let r = ApiError::from(api(429, None, Some(7))).into_response();
        assert_eq!(r.headers()["retry-after"], "7");
        let r = ApiError::from(api(429, None, None)).into_response();
        assert_eq!(r.headers()["retry-after"], "5");
    }
}

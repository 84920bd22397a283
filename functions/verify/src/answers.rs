//! What Verify's outcomes mean to a client: the Twilio codes that are special to this route
//! (attempt limits, a verification that is gone, a blocked or refused destination) and the
//! status of a check. Every other failure takes the crate's one mapping (`ApiError::from`).

use http::StatusCode;
use shared::error::ApiError;
use shared::twilio::TwilioError;
use shared::twilio::verify::{
    BLOCKED_FRAUD, BLOCKED_PREFIX, INVALID_PARAMETER, MAX_CHECK_ATTEMPTS, MAX_SEND_ATTEMPTS,
    Status, TOO_MANY_CONCURRENT, TOO_MANY_REQUESTS, Verification,
};

/// How long a caller should wait after Verify's own attempt limits, when Twilio does not say:
/// a verification lives ten minutes by default, and its limits reset with it.
const ATTEMPTS_RETRY_AFTER: u64 = 600;
/// How long a caller should wait after Verify's throttles, when Twilio does not say.
const THROTTLE_RETRY_AFTER: u64 = 30;

/// The answer to a failed Verify call. Twilio's message is never passed on nor logged (it may
/// quote the destination).
pub fn verify_failure(error: &TwilioError) -> ApiError {
    let retry_after = |default| error.retry_after().unwrap_or(default);
    match error.code() {
        Some(MAX_CHECK_ATTEMPTS) => too_many_attempts(retry_after(ATTEMPTS_RETRY_AFTER)),
        Some(MAX_SEND_ATTEMPTS) => ApiError::too_many_requests(
            "too_many_sends",
            "too many codes were sent to this destination; try again later",
            retry_after(ATTEMPTS_RETRY_AFTER),
        ),
        Some(TOO_MANY_CONCURRENT | TOO_MANY_REQUESTS) => ApiError::too_many_requests(
            "too_many_requests",
            "too many verification requests; try again later",
            retry_after(THROTTLE_RETRY_AFTER),
        ),
        _ if error.is_not_found() => gone(
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
        _ => ApiError::from(error),
    }
}

/// The answer to a check whose call succeeded: `Ok` only for `approved`. A wrong code (still
/// `pending`) is a 422 carrying `"status":"pending"`, as API.md asks.
pub fn check_outcome(verification: &Verification) -> Result<(), ApiError> {
    let status = verification.status.as_str();
    let refusal = match verification.status {
        Status::Approved => return Ok(()),
        Status::Pending => incorrect_code(),
        Status::MaxAttemptsReached => too_many_attempts(ATTEMPTS_RETRY_AFTER),
        Status::Canceled | Status::Deleted | Status::Expired | Status::Failed => {
            gone("this verification is no longer pending; start a new one")
        }
        Status::Unknown => {
            return Err(ApiError::from(TwilioError::Decode(
                "unknown verification status".into(),
            )));
        }
    };
    Err(refusal.with_field("status", status))
}

/// A wrong code: the verification stays pending.
fn incorrect_code() -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "incorrect_code",
        "the code is not correct",
    )
}

fn too_many_attempts(retry_after: u64) -> ApiError {
    ApiError::too_many_requests(
        "too_many_attempts",
        "too many wrong codes for this verification; start a new one later",
        retry_after,
    )
}

fn gone(message: &str) -> ApiError {
    ApiError::new(StatusCode::GONE, "verification_not_found", message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::twilio::verify::Status;

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
            (404, 20404, 410),
            (403, BLOCKED_FRAUD, 403),
            (400, BLOCKED_PREFIX, 403),
            (400, INVALID_PARAMETER, 400),
            (401, 20003, 502),
            (500, 20500, 503),
        ] {
            let e = verify_failure(&api(status, code, None));
            assert_eq!(e.status().as_u16(), want, "code {code}");
            let body = String::from_utf8(e.into_response().body().to_vec()).unwrap();
            assert!(!body.contains("4155550100"), "code {code} leaks: {body}");
        }
    }

    #[test]
    fn throttles_carry_twilios_retry_after_or_a_default() {
        let r = verify_failure(&api(429, TOO_MANY_REQUESTS, Some(7))).into_response();
        assert_eq!(r.headers()["retry-after"], "7");
        let r = verify_failure(&api(429, MAX_SEND_ATTEMPTS, None)).into_response();
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
}

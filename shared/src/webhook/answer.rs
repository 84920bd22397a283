//! The answers to a signed callback: a 200 whatever its work came to, since Twilio never
//! redelivers a callback answered 5xx (API.md).

use http::StatusCode;

use crate::error::ApiError;
use crate::idempotency::{IdempotencyError, Outcome, RunError};

/// The answer to a callback that was processed (or deliberately ignored).
pub fn accepted(status: &str) -> lambda_http::Response<lambda_http::Body> {
    crate::http::json(StatusCode::OK, &serde_json::json!({ "status": status }))
}

/// Counts signed callbacks answered [`unfinished`], by `Route`.
pub const UNFINISHED_METRIC: &str = "CallbackUnfinished";

/// The one answer to a signed callback run once ([`crate::idempotency::Idempotency::run_once`]):
/// a 200 whatever happened, since Twilio never redelivers a callback answered 5xx (API.md).
/// `executed` names what a first run did. A duplicate, also while the first delivery is in
/// flight, is `duplicate` or `in_progress` (what the first does not finish, the reconciler does);
/// a failure is [`unfinished`]; only a token reused for another event is refused (409).
pub fn answer_once<T>(
    outcome: Result<Outcome<T>, RunError<ApiError>>,
    route: &str,
    sid: &str,
    event: &str,
    executed: impl FnOnce(T) -> &'static str,
) -> Result<lambda_http::Response<lambda_http::Body>, ApiError> {
    let duplicate = |status| {
        tracing::info!(route, sid, event, status, "duplicate twilio callback");
        Ok(accepted(status))
    };
    match outcome {
        Ok(Outcome::Executed(done)) => Ok(accepted(executed(done))),
        Ok(Outcome::Replayed(_)) => duplicate("duplicate"),
        Err(RunError::Idempotency(IdempotencyError::InProgress)) => duplicate("in_progress"),
        Err(RunError::Idempotency(IdempotencyError::PayloadMismatch)) => Err(ApiError::conflict(
            "idempotency_conflict",
            "this idempotency token was used for another event",
        )),
        Err(RunError::Action(error)) => Ok(unfinished(route, sid, event, &error)),
        Err(RunError::Idempotency(other)) => Ok(unfinished(route, sid, event, &other)),
    }
}

/// The answer to a signed callback whose work failed part way (its store failed): still a 200,
/// `{"status":"unfinished"}`, since Twilio never redelivers a callback answered 5xx (API.md),
/// logged at ERROR and counted as [`UNFINISHED_METRIC`]. Its claim was released, so a redelivery
/// would process it; what it had recorded as owed, the reconciler finishes.
pub fn unfinished(
    route: &str,
    sid: &str,
    event: &str,
    error: &dyn std::fmt::Display,
) -> lambda_http::Response<lambda_http::Body> {
    tracing::error!(route, sid, event, %error, "twilio callback not finished; answered 200, as Twilio never redelivers a 5xx");
    crate::metrics::count(UNFINISHED_METRIC, &[("Route", route)]);
    accepted("unfinished")
}

//! The one mapping from a store failure to the answer a client gets: a transient failure is a
//! 503 the client may retry (throttling with a short `Retry-After`), anything else a 500 whose
//! cause is logged, since repeating the request cannot cure it.

use http::StatusCode;

use super::ApiError;
use crate::store::StoreError;

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Throttled => {
                tracing::warn!(error = %error, "store throttled");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "service_unavailable",
                    "a service we depend on is busy; try again shortly",
                )
                .with_retry_after(1)
            }
            StoreError::Unavailable(_) => ApiError::unavailable(&error),
            StoreError::Conflict(_) | StoreError::Corrupt { .. } | StoreError::Rejected(_) => {
                ApiError::internal(&error)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_store_failures_are_503s_and_the_rest_500s() {
        let throttled = ApiError::from(StoreError::Throttled).into_response();
        assert_eq!(throttled.status(), 503);
        assert_eq!(throttled.headers()["retry-after"], "1");
        assert_eq!(
            ApiError::from(StoreError::Unavailable("timeout".into())).status(),
            503
        );
        for error in [
            StoreError::Conflict("exists"),
            StoreError::corrupt("room item: status"),
            StoreError::Rejected("validation".into()),
        ] {
            assert_eq!(ApiError::from(error).status(), 500);
        }
    }
}

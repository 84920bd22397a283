//! The send limits: each send counted per user and per destination, in DynamoDB, before Twilio
//! is called.

use shared::caller::Caller;
use shared::clock::now_unix;
use shared::error::ApiError;
use shared::store::ratelimit::{Hit, Window};

use crate::{Destination, State};

impl State {
    /// Counts the send against the user's and the destination's windows; the first full one
    /// refuses it with a 429 whose `Retry-After` is the time left in that window.
    pub(crate) async fn count_send(
        &self,
        caller: &Caller,
        to: &Destination,
    ) -> Result<(), ApiError> {
        let now = now_unix();
        let limits = [
            (
                format!("verify:user:{}:{}", caller.tenant, caller.sub),
                self.limits.per_user,
                self.limits.user_window_seconds,
                "too many codes were requested for this user; try again later",
            ),
            (
                format!("verify:dest:{}", to.rate_key()),
                self.limits.per_destination,
                self.limits.destination_window_seconds,
                "too many codes were requested for this destination; try again later",
            ),
        ];
        for (key, max, window, message) in limits {
            let window = Window::containing(now, window);
            match self
                .rate_limits
                .hit(&key, window, max)
                .await
                .map_err(ApiError::from)?
            {
                Hit::Counted { .. } => {}
                Hit::Limited { reset_at } => {
                    let limit = if key.starts_with("verify:user:") {
                        "user"
                    } else {
                        "destination"
                    };
                    shared::metrics::count(
                        shared::metrics::VERIFICATIONS_REFUSED,
                        &[("Limit", limit)],
                    );
                    tracing::warn!(
                        tenant = %caller.tenant,
                        sub = %caller.sub,
                        to = %to.masked(),
                        reset_at,
                        "verify send rate-limited"
                    );
                    let retry_after = (reset_at - now).max(1) as u64;
                    return Err(ApiError::too_many_requests(
                        "rate_limited",
                        message,
                        retry_after,
                    ));
                }
            }
        }
        Ok(())
    }
}

//! GET /recordings/{type}/{id}: a short-lived link to the media of the latest recording of the
//! caller's tenant's room `{tenant}:{type}:{id}`.
//!
//! - A JWT and a valid step-up proof (`X-Step-Up-Token`), checked as `/video/token` checks it.
//! - Who may fetch (API.md): the room's owner, the tenant's admins, and users whose identity
//!   joined the room (its participant callbacks); anyone else of the tenant 403. Another
//!   tenant can only ever name its own tenant's rooms, so it finds nothing: 404.
//! - No composition: 404; still processing: 409 with its status; failed or deleted: 410.
//! - The link is Twilio's: `GET /v1/Compositions/{Sid}/Media?Ttl=…` redirects to it, and the
//!   redirect is read, never followed. The link is never logged.

use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::caller::Caller;
use shared::clock::{now_unix, rfc3339};
use shared::deadline::Deadline;
use shared::error::ApiError;
use shared::http::json;
use shared::names::{CompositionSid, Identity, RoomName};
use shared::stepup::{self, StepUpKey};
use shared::store::compositions::CompositionStatus;

use crate::State;

/// How long a media link lasts, in seconds.
pub const MEDIA_TTL_SECONDS: u64 = 600;

impl State {
    /// The caller, the proof and the room, read off the request; then the link.
    pub(crate) async fn recording(&self, req: &Request) -> Result<Response<Body>, ApiError> {
        let caller = Caller::from_request(req, &self.tenant_claim)?;
        // A missing proof is a 401 before anything is fetched.
        let proof = stepup::present(req)?;
        let deadline = Deadline::of(req);
        let creds = self.secrets.twilio().await.map_err(ApiError::unavailable)?;
        let now = now_unix();
        StepUpKey::derive(&creds).check(proof, &caller, now)?;
        let name = RoomName::in_path(&caller, req)?;
        let not_found = || ApiError::not_found("recording_not_found", "this room has no recording");
        let room_sid = self
            .records
            .latest_recording(&name.to_string())
            .await?
            .ok_or_else(not_found)?;
        self.authorize(&caller, &room_sid).await?;
        let record = self
            .records
            .composition(&room_sid)
            .await?
            .ok_or_else(not_found)?;
        match record.status {
            CompositionStatus::Completed => {}
            CompositionStatus::Enqueued | CompositionStatus::Processing => {
                return Err(ApiError::conflict(
                    "recording_processing",
                    "the recording is still being composed; try again later",
                )
                .with_field("status", record.status.as_str()));
            }
            CompositionStatus::Failed => {
                return Err(gone(
                    "recording_failed",
                    "the recording could not be composed",
                ));
            }
            CompositionStatus::Deleted => {
                return Err(gone(
                    "recording_deleted",
                    "the recording's media was deleted",
                ));
            }
        }
        let sid = CompositionSid::parse(&record.composition_sid, "composition_sid")
            .map_err(ApiError::internal)?;
        let url = self
            .api
            .media_url(&creds, &sid, MEDIA_TTL_SECONDS, deadline.calls_by())
            .await
            .map_err(|e| {
                if e.is_not_found() {
                    gone("recording_deleted", "the recording's media was deleted")
                } else {
                    ApiError::from(&e)
                }
            })?;
        tracing::info!(
            tenant = %caller.tenant,
            sub = %caller.sub,
            room = %name,
            composition_sid = %sid,
            "recording link issued"
        );
        Ok(json(
            StatusCode::OK,
            &json!({
                "url": url.as_str(),
                "expires_at": rfc3339(now + MEDIA_TTL_SECONDS as i64),
            }),
        ))
    }

    /// Passes the tenant's admins, the room's owner and the users who joined it: in that order,
    /// so that each read is made only when the ones before did not decide.
    async fn authorize(&self, caller: &Caller, room_sid: &str) -> Result<(), ApiError> {
        if caller.has_scope(&self.admin_scope) {
            return Ok(());
        }
        let owner = self.owners.owner(room_sid).await?;
        if owner.is_some_and(|o| o.sub == caller.sub) {
            return Ok(());
        }
        let room = self.rooms.room_record(room_sid).await?;
        let joined = room.is_some_and(|r| {
            r.participants.iter().any(|identity| {
                Identity::tenant_and_user(identity) == Some((&caller.tenant, &caller.sub))
            })
        });
        if joined {
            return Ok(());
        }
        Err(ApiError::forbidden(
            "recording_forbidden",
            "only the room's owner, its tenant's admins and its participants may fetch its recording",
        ))
    }
}

fn gone(code: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::GONE, code, message)
}

//! POST /twilio/room-status: Twilio's room status callbacks.
//!
//! 1. The callback's signature is checked ([`shared::webhook::verify`]); nothing else happens
//!    to a callback that fails.
//! 2. Each callback is processed once, keyed by Twilio's `I-Twilio-Idempotency-Token`, else by
//!    room, event and sequence number. A duplicate of a processed callback is answered 200; one
//!    that arrives while the first is still being processed is answered 503, so that Twilio
//!    comes back rather than the only delivery that could still fail being acknowledged.
//! 3. The room's record is updated atomically (see `shared::store::rooms`).
//! 4. Once a room has both ended and recorded tracks, in whichever order those callbacks come,
//!    its composition is created, exactly once per room (see [`State::compose`]).

mod event;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use shared::aws::Backends;
use shared::config::Config;
use shared::deadline::Deadline;
use shared::error::ApiError;
use shared::http::{Handler, no_route, respond, route_key};
use shared::idempotency::{Idempotency, IdempotencyError, Outcome, RunError};
use shared::names::RoomSid;
use shared::secrets::Secrets;
use shared::store::rooms::{RoomRecord, RoomRecords};
use shared::twilio::compositions::{Compositions, Ensured};
use shared::twilio::{ATTEMPT_TIMEOUT, TwilioClient};
use shared::webhook::{Callback, accepted, verify};
use url::Url;

pub use event::RoomEvent;

/// The route this function serves.
pub const ROUTE: &str = "POST /twilio/room-status";
/// Where composition status callbacks go, under the public base URL.
pub const COMPOSITION_STATUS_PATH: &str = "/twilio/composition-status";
const ROOM_STATUS_PATH: &str = "/twilio/room-status";

/// How long a processed callback is remembered: Twilio's redeliveries come within minutes.
const CALLBACK_MEMORY: Duration = Duration::from_secs(24 * 3600);
/// How long a room's composition claim is remembered; the room record keeps the SID for good.
const COMPOSITION_MEMORY: Duration = Duration::from_secs(30 * 24 * 3600);

/// The webhook function: configuration and clients, built once at cold start.
pub struct State {
    public_base: Option<Url>,
    composition_callback: Option<String>,
    secrets: Arc<dyn Secrets>,
    rooms: Arc<dyn RoomRecords>,
    callbacks: Idempotency,
    composition_claims: Idempotency,
    compositions: Compositions,
}

/// What a callback's processing leaves as its result (replayed to duplicates).
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
struct Processed {
    composition_sid: Option<String>,
}

impl State {
    /// Builds the state. `PUBLIC_BASE_URL` is optional: without it the signed URL and the
    /// composition's callback URL are taken from the request's own host.
    pub fn new(config: &Config, backends: &Backends) -> Self {
        Self {
            public_base: config.public_base_url.clone(),
            composition_callback: config.public_url(COMPOSITION_STATUS_PATH).ok(),
            secrets: backends.secrets.clone(),
            rooms: backends.store.clone(),
            callbacks: Idempotency::new(backends.store.clone(), CALLBACK_MEMORY),
            composition_claims: Idempotency::new(backends.store.clone(), COMPOSITION_MEMORY),
            compositions: Compositions::new(
                TwilioClient::new(ATTEMPT_TIMEOUT),
                config.video_base_url.clone(),
            ),
        }
    }

    /// The verified callback and the deadline, read off the request; then the work.
    async fn room_status(&self, req: &Request) -> Result<Response<Body>, ApiError> {
        let deadline = Deadline::of(req);
        let callback = verify(req, self.public_base.as_ref(), self.secrets.as_ref()).await?;
        self.room_callback(&callback, deadline).await
    }

    async fn room_callback(
        &self,
        callback: &Callback,
        deadline: Deadline,
    ) -> Result<Response<Body>, ApiError> {
        let Some(event) = RoomEvent::parse(callback)? else {
            tracing::info!(
                event = callback.param("StatusCallbackEvent").unwrap_or(""),
                room_sid = callback.param("RoomSid").unwrap_or(""),
                "room status callback ignored"
            );
            return Ok(accepted("ignored"));
        };
        let key = format!(
            "room-status:{}",
            callback.idempotency_key(|| event.fallback_key(callback))
        );
        // The fields that identify the event: the same key with other ones is a conflict.
        let payload = (
            event.room_sid.as_str(),
            event.name.as_str(),
            event.sequence.as_deref(),
        );
        let outcome = self
            .callbacks
            .run_once(&key, &payload, deadline.lock_until(), || {
                self.process(callback, &event, deadline)
            })
            .await;
        match outcome {
            Ok(Outcome::Executed(_)) => Ok(accepted("processed")),
            Ok(Outcome::Replayed(_)) => {
                tracing::info!(room_sid = %event.room_sid, event = %event.name, "duplicate room status callback");
                Ok(accepted("duplicate"))
            }
            Err(RunError::Action(error)) => Err(error),
            Err(RunError::Idempotency(IdempotencyError::InProgress)) => Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "callback_in_progress",
                "this callback is being processed; try again shortly",
            )
            .with_retry_after(1)),
            Err(RunError::Idempotency(IdempotencyError::PayloadMismatch)) => {
                Err(ApiError::conflict(
                    "idempotency_conflict",
                    "this idempotency token was used for another event",
                ))
            }
            Err(RunError::Idempotency(other)) => Err(ApiError::unavailable(other)),
        }
    }

    /// Applies the event to the room's record, then composes the room if it is due.
    async fn process(
        &self,
        callback: &Callback,
        event: &RoomEvent,
        deadline: Deadline,
    ) -> Result<Processed, ApiError> {
        let record = self
            .rooms
            .apply_room_update(&event.update)
            .await
            .map_err(ApiError::unavailable)?;
        tracing::info!(
            room_sid = %event.room_sid,
            event = %event.name,
            tenant = record.tenant.as_deref().unwrap_or(""),
            "room status callback processed"
        );
        let composition_sid = if record.needs_composition() {
            self.compose(callback, &record, deadline).await?
        } else {
            record.composition_sid.clone()
        };
        Ok(Processed { composition_sid })
    }

    /// Creates the room's composition exactly once: a claim keyed on the room SID makes one
    /// invocation at a time try, a completed claim is never tried again, and the try itself
    /// looks for an existing composition before creating one. A failure releases the claim and
    /// answers 503, so that Twilio's redelivery of this callback tries again.
    async fn compose(
        &self,
        callback: &Callback,
        record: &RoomRecord,
        deadline: Deadline,
    ) -> Result<Option<String>, ApiError> {
        let room = RoomSid::parse(&record.room_sid, "RoomSid")?;
        let status_callback = self.composition_callback(callback);
        let key = format!("composition:{}", record.room_sid);
        let outcome = self
            .composition_claims
            .run_once(&key, &record.room_sid, deadline.lock_until(), || async {
                let creds = self.secrets.twilio().await.map_err(ApiError::unavailable)?;
                let ensured = self
                    .compositions
                    .ensure(&creds, &room, &status_callback, deadline.calls_by())
                    .await
                    .map_err(|e| {
                        tracing::error!(room_sid = %room, error = %e, "composition could not be created");
                        ApiError::new(
                            StatusCode::SERVICE_UNAVAILABLE,
                            "composition_unavailable",
                            "the composition could not be created yet; try again later",
                        )
                    })?;
                let sid = ensured.composition().sid.clone();
                match &ensured {
                    Ensured::Created(_) => {
                        tracing::info!(room_sid = %room, composition_sid = %sid, "composition created")
                    }
                    Ensured::Found(_) => {
                        tracing::info!(room_sid = %room, composition_sid = %sid, "existing composition reused")
                    }
                }
                self.rooms
                    .set_composition(room.as_str(), &sid)
                    .await
                    .map_err(ApiError::unavailable)?;
                Ok::<_, ApiError>(sid)
            })
            .await;
        match outcome {
            Ok(Outcome::Executed(sid)) => Ok(Some(sid)),
            Ok(Outcome::Replayed(sid)) => {
                // The record may lack it if the claim completed just before a crash.
                self.rooms
                    .set_composition(room.as_str(), &sid)
                    .await
                    .map_err(ApiError::unavailable)?;
                Ok(Some(sid))
            }
            // Another callback of this room (a late recording event beside room-ended) is
            // creating it now; if that fails, its own 503 brings Twilio back.
            Err(RunError::Idempotency(IdempotencyError::InProgress)) => Ok(None),
            Err(RunError::Action(error)) => Err(error),
            Err(RunError::Idempotency(other)) => Err(ApiError::unavailable(other)),
        }
    }

    /// `PUBLIC_BASE_URL/twilio/composition-status`, or without a base URL the same path beside
    /// the URL this callback came to.
    fn composition_callback(&self, callback: &Callback) -> String {
        if let Some(url) = &self.composition_callback {
            return url.clone();
        }
        let url = callback.url();
        let url = url.split(['?', '#']).next().unwrap_or(url);
        match url.strip_suffix(ROOM_STATUS_PATH) {
            Some(prefix) => format!("{prefix}{COMPOSITION_STATUS_PATH}"),
            None => format!("{}{COMPOSITION_STATUS_PATH}", url.trim_end_matches('/')),
        }
    }
}

#[async_trait]
impl Handler for State {
    async fn handle(&self, req: Request) -> Response<Body> {
        let result = match route_key(&req).as_str() {
            ROUTE => self.room_status(&req).await,
            _ => Err(no_route(&req)),
        };
        respond(result)
    }
}

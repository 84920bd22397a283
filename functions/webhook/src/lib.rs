//! POST /twilio/room-status: Twilio's room status callbacks.
//!
//! 1. The callback's signature is checked ([`shared::webhook::verify`]); nothing else happens
//!    to a callback that fails.
//! 2. Each callback is processed once, keyed by Twilio's `I-Twilio-Idempotency-Token`, else by
//!    room, event and sequence number. A duplicate is answered 200, also one that arrives while
//!    the first delivery is still being processed: Twilio does not redeliver after a 5xx, so a
//!    5xx would only be an error in the customer's debugger.
//! 3. A room-ended callback first records the room as possibly owing a composition
//!    (`shared::store::due`); then the room's record is updated atomically (see
//!    `shared::store::rooms`), a participant event also updates that participant's presence
//!    (`shared::store::rooms::participants`, right in any order), and a room-ended marks the
//!    room's name as standing for an ended room (`shared::store::rooms::names`), so the next
//!    join creates a new one.
//! 4. Once a room has both ended and recorded tracks, in whichever order those callbacks come,
//!    its composition is created, exactly once per room (`shared::recordings::compose`). When
//!    Twilio fails, the callback is still answered 200: the room stays owed and the reconciler
//!    finishes it. A store failure is answered 200 too (`unfinished`), its claim released.

mod event;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use shared::aws::Backends;
use shared::clock::now_unix;
use shared::config::Config;
use shared::deadline::Deadline;
use shared::error::ApiError;
use shared::http::{Handler, no_route, respond, route_key};
use shared::idempotency::Idempotency;
use shared::recordings::compose::{Composed, Composer};
use shared::secrets::Secrets;
use shared::store::rooms::names::RoomNames;
use shared::store::rooms::participants::RoomParticipants;
use shared::store::rooms::{RoomChange, RoomRecords};
use shared::twilio::compositions::Compositions;
use shared::webhook::{Callback, accepted, answer_once, verify};
use url::Url;

pub use event::RoomEvent;

/// The route this function serves.
pub const ROUTE: &str = "POST /twilio/room-status";
/// Where composition status callbacks go, under the public base URL.
pub const COMPOSITION_STATUS_PATH: &str = "/twilio/composition-status";
const ROOM_STATUS_PATH: &str = "/twilio/room-status";

/// How long a processed callback is remembered: Twilio's redeliveries come within minutes.
const CALLBACK_MEMORY: Duration = Duration::from_secs(24 * 3600);

/// The webhook function: configuration and clients, built once at cold start.
pub struct State {
    public_base: Option<Url>,
    composition_callback: Option<String>,
    secrets: Arc<dyn Secrets>,
    rooms: Arc<dyn RoomRecords>,
    names: Arc<dyn RoomNames>,
    participants: Arc<dyn RoomParticipants>,
    callbacks: Idempotency,
    composer: Composer,
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
        let api = Compositions::new(backends.twilio.clone(), config.video_base_url.clone());
        Self {
            public_base: config.public_base_url.clone(),
            composition_callback: config.public_url(COMPOSITION_STATUS_PATH).ok(),
            secrets: backends.secrets.clone(),
            rooms: backends.store.clone(),
            names: backends.store.clone(),
            participants: backends.store.clone(),
            callbacks: Idempotency::new(backends.store.clone(), CALLBACK_MEMORY),
            composer: Composer::new(
                api,
                backends.secrets.clone(),
                backends.store.clone(),
                config.recording_times,
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
        answer_once(
            outcome,
            "room-status",
            event.room_sid.as_str(),
            &event.name,
            |_| "processed",
        )
    }

    /// Records what the room may owe, applies the event to the room's record, then composes
    /// the room if it is due.
    async fn process(
        &self,
        callback: &Callback,
        event: &RoomEvent,
        deadline: Deadline,
    ) -> Result<Processed, ApiError> {
        let now = now_unix();
        let ending = matches!(event.update.change, RoomChange::Ended { .. });
        if ending {
            self.composer.owe(&event.room_sid, now).await?;
        }
        let record = self.rooms.apply_room_update(&event.update).await?;
        if let Some(participant) = &event.participant {
            self.participants.participant_event(participant).await?;
        }
        if let RoomChange::Ended { at, .. } = event.update.change {
            self.names
                .name_ended(&event.update.unique_name, event.room_sid.as_str(), at)
                .await?;
        }
        tracing::info!(
            room_sid = %event.room_sid,
            event = %event.name,
            tenant = record.tenant.as_deref().unwrap_or(""),
            "room status callback processed"
        );
        if !record.needs_composition() {
            if ending {
                self.composer.settle(&event.room_sid).await?;
            }
            return Ok(Processed {
                composition_sid: record.composition_sid,
            });
        }
        if !ending {
            // A recording callback after room-ended: the room owes its composition from now.
            self.composer.owe(&event.room_sid, now).await?;
        }
        let status_callback = self.composition_callback(callback);
        let composed = self
            .composer
            .compose(&record, &status_callback, now, deadline)
            .await?;
        Ok(Processed {
            composition_sid: match composed {
                Composed::Done(sid) => Some(sid),
                Composed::InProgress | Composed::Deferred | Composed::Abandoned => None,
            },
        })
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

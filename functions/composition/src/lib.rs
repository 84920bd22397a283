//! The composition function: two routes around one room's recording.
//!
//! - `POST /twilio/composition-status` ([`callback`]): Twilio's composition status callbacks,
//!   checked like the room callbacks (one `shared::webhook::verify`), each processed once,
//!   applied to the room's composition record in Twilio's order, and on
//!   `composition-available` the recording-ready SMS sent once (`shared::recordings::notify`).
//!   Every signed callback is answered 2xx; what a failure leaves undone, the reconciler does.
//! - `GET /recordings/{type}/{id}` ([`access`]): for the room's owner, its tenant's admins and
//!   the users who joined it, with a valid step-up proof: a short-lived link to the media.

mod access;
mod callback;
mod event;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use lambda_http::{Body, Request, Response};
use shared::aws::Backends;
use shared::config::{Config, ConfigError, RecordingTimes};
use shared::http::{Handler, no_route, respond, route_key};
use shared::idempotency::Idempotency;
use shared::recordings::notify::Notifier;
use shared::secrets::Secrets;
use shared::store::compositions::CompositionRecords;
use shared::store::owners::RoomOwners;
use shared::store::rooms::RoomRecords;
use shared::twilio::compositions::Compositions;
use shared::twilio::messages::Messages;
use url::Url;

pub use event::{CompositionCallback, HookFailure, Parsed};

/// The callback route.
pub const CALLBACK_ROUTE: &str = "POST /twilio/composition-status";
/// The access route.
pub const RECORDINGS_ROUTE: &str = "GET /recordings/{type}/{id}";

/// How long a processed callback is remembered: Twilio's redeliveries come within minutes.
const CALLBACK_MEMORY: Duration = Duration::from_secs(24 * 3600);

/// The composition function: configuration and clients, built once at cold start.
pub struct State {
    public_base: Option<Url>,
    tenant_claim: String,
    admin_scope: String,
    times: RecordingTimes,
    secrets: Arc<dyn Secrets>,
    records: Arc<dyn CompositionRecords>,
    rooms: Arc<dyn RoomRecords>,
    owners: Arc<dyn RoomOwners>,
    callbacks: Idempotency,
    notifier: Notifier,
    api: Compositions,
}

impl State {
    /// Builds the state; fails without `TWILIO_MESSAGING_SERVICE_SID`, which the SMS needs.
    pub fn new(config: &Config, backends: &Backends) -> Result<Self, ConfigError> {
        let service = config.require_messaging_service_sid()?;
        let client = backends.twilio.clone();
        let store = backends.store.clone();
        Ok(Self {
            public_base: config.public_base_url.clone(),
            tenant_claim: config.tenant_claim.clone(),
            admin_scope: config.admin_scope.clone(),
            times: config.recording_times,
            secrets: backends.secrets.clone(),
            records: store.clone(),
            rooms: store.clone(),
            owners: store.clone(),
            callbacks: Idempotency::new(store.clone(), CALLBACK_MEMORY),
            notifier: Notifier::new(
                Messages::new(client.clone(), config.api_base_url.clone()),
                service,
                backends.secrets.clone(),
                store,
                config.recording_times,
            ),
            api: Compositions::new(client, config.video_base_url.clone()),
        })
    }
}

#[async_trait]
impl Handler for State {
    async fn handle(&self, req: Request) -> Response<Body> {
        respond(match route_key(&req).as_str() {
            CALLBACK_ROUTE => self.composition_status(&req).await,
            RECORDINGS_ROUTE => self.recording(&req).await,
            _ => Err(no_route(&req)),
        })
    }
}

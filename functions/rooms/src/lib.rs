//! The admin routes of API.md: create a room, complete it, disconnect a participant, and read the
//! tenant's (or a room's) audit log. Every route needs the admin scope, acts only on the caller's own tenant's
//! rooms, and writes the audit log before it answers (see [`trail`]).

mod answers;
mod audit_list;
mod create;
mod moderate;
mod tenancy;
mod trail;

use std::sync::Arc;

use async_trait::async_trait;
use lambda_http::{Body, Request, Response};
use shared::aws::Backends;
use shared::caller::Caller;
use shared::config::{Config, ConfigError};
use shared::error::ApiError;
use shared::http::{Handler, no_route, respond, route_key};
use shared::secrets::Secrets;
use shared::store::audit::{AuditAction, AuditEntry, AuditLog};
use shared::store::owners::RoomOwners;
use shared::store::rooms::RoomRecords;
use shared::store::rooms::names::RoomNames;
use shared::twilio::rooms::Rooms;

/// The rooms function: configuration and clients, built once at cold start.
pub struct State {
    tenant_claim: String,
    admin_scope: String,
    room_type: String,
    max_participants: u32,
    status_callback: String,
    rooms: Rooms,
    secrets: Arc<dyn Secrets>,
    audit: Arc<dyn AuditLog>,
    owners: Arc<dyn RoomOwners>,
    records: Arc<dyn RoomRecords>,
    names: Arc<dyn RoomNames>,
}

impl State {
    /// Builds the state; fails when `PUBLIC_BASE_URL` (for the status callback) is missing.
    pub fn new(config: &Config, backends: &Backends) -> Result<Self, ConfigError> {
        Ok(Self {
            tenant_claim: config.tenant_claim.clone(),
            admin_scope: config.admin_scope.clone(),
            room_type: config.video_room_type.clone(),
            max_participants: config.video_max_participants,
            status_callback: config.public_url("/twilio/room-status")?,
            rooms: Rooms::new(backends.twilio.clone(), config.video_base_url.clone()),
            secrets: backends.secrets.clone(),
            audit: backends.store.clone(),
            owners: backends.store.clone(),
            records: backends.store.clone(),
            names: backends.store.clone(),
        })
    }

    /// Passes an admin; refuses anyone else with 403, after auditing the refusal (`entry` names
    /// what they tried).
    async fn admin(&self, caller: &Caller, entry: &AuditEntry) -> Result<(), ApiError> {
        if caller.has_scope(&self.admin_scope) {
            return Ok(());
        }
        let refusal = ApiError::forbidden(
            "admin_scope_required",
            format!("this route requires the {} scope", self.admin_scope),
        );
        Err(self.refuse(entry.clone(), refusal).await)
    }

    /// The caller and a fresh entry for `action`.
    fn caller(&self, req: &Request, action: AuditAction) -> Result<(Caller, AuditEntry), ApiError> {
        let caller = Caller::from_request(req, &self.tenant_claim)?;
        let entry = AuditEntry::new(&caller.tenant, &caller.sub, action);
        Ok((caller, entry))
    }
}

#[async_trait]
impl Handler for State {
    async fn handle(&self, req: Request) -> Response<Body> {
        let result = match route_key(&req).as_str() {
            "POST /admin/rooms" => self.create(&req).await,
            "POST /admin/rooms/{room_sid}/complete" => self.complete(&req).await,
            "POST /admin/rooms/{room_sid}/participants/{participant_sid}/disconnect" => {
                self.disconnect(&req).await
            }
            "GET /admin/audit" => self.list_audit(&req).await,
            _ => Err(no_route(&req)),
        };
        respond(result)
    }
}

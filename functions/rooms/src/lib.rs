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
use shared::caller::{Caller, Callers};
use shared::config::{Config, ConfigError};
use shared::error::ApiError;
use shared::http::{Handler, no_route, respond, route_key};
use shared::secrets::Secrets;
use shared::store::Store;
use shared::store::audit::{AuditAction, AuditEntry, AuditLog};
use shared::twilio::rooms::{RoomTemplate, Rooms};

/// The rooms function: configuration and clients, built once at cold start.
pub struct State {
    callers: Callers,
    template: RoomTemplate,
    rooms: Rooms,
    secrets: Arc<dyn Secrets>,
    /// The audit trail: the store's, held apart so that a test can make it fail alone.
    audit: Arc<dyn AuditLog>,
    store: Arc<dyn Store>,
}

impl State {
    /// Builds the state; fails when `PUBLIC_BASE_URL` (for the status callback) is missing.
    pub fn new(config: &Config, backends: &Backends) -> Result<Self, ConfigError> {
        Ok(Self {
            callers: Callers::of(config),
            template: RoomTemplate::of(config)?,
            rooms: Rooms::new(backends.twilio.clone(), config.video_base_url.clone()),
            secrets: backends.secrets.clone(),
            audit: backends.store.clone(),
            store: backends.store.clone(),
        })
    }

    /// Passes an admin; refuses anyone else with 403, after auditing the refusal (`entry` names
    /// what they tried).
    async fn admin(&self, caller: &Caller, entry: &AuditEntry) -> Result<(), ApiError> {
        if self.callers.is_admin(caller) {
            return Ok(());
        }
        let refusal = ApiError::forbidden(
            "admin_scope_required",
            format!(
                "this route requires the {} scope",
                self.callers.admin_scope()
            ),
        );
        Err(self.refuse(entry.clone(), refusal).await)
    }

    /// The caller and a fresh entry for `action`.
    fn caller(&self, req: &Request, action: AuditAction) -> Result<(Caller, AuditEntry), ApiError> {
        let caller = self.callers.read(req)?;
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

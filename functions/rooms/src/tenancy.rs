//! Whose room a room SID names, for a route that does not otherwise need Twilio's view of it
//! (the audit listing). What we already hold decides first: the room's record (kept from its
//! status callbacks) and its owner (kept when an admin or a join created it) both carry its
//! unique name, `{tenant}:{type}:{id}`. A room neither knows is fetched from Twilio, as the
//! routes that act on a room do. A room of another tenant, or one of nobody's, is answered
//! exactly like a room that does not exist.

use shared::caller::Caller;
use shared::error::ApiError;
use shared::names::{RoomName, RoomSid};
use tokio::time::Instant;

use crate::State;
use crate::answers::{failed_call, room_not_found};
use crate::trail::Finish;

/// What decided whose the room is.
enum Known {
    /// The tenant our store holds for it (none: a name that is not one of ours), and its name.
    Held {
        tenant: Option<String>,
        name: String,
    },
    /// Not in the store; Twilio's unique name for it (none: Twilio gave it none).
    Fetched {
        name: Option<String>,
        request_id: Option<String>,
    },
}

impl State {
    /// The room's unique name if `sid` is a room of the caller's tenant; otherwise how the
    /// request ends: the 404 of [`room_not_found`] (denied), or a failure to find out.
    pub(crate) async fn tenant_room(
        &self,
        caller: &Caller,
        sid: &RoomSid,
        deadline: Instant,
    ) -> Result<Option<String>, Finish> {
        let (tenant, name, request_id) = match self.known(sid, deadline).await? {
            Known::Held { tenant, name } => (tenant, Some(name), None),
            Known::Fetched { name, request_id } => {
                let tenant = name
                    .as_deref()
                    .and_then(RoomName::parse)
                    .map(|n| n.tenant().to_string());
                (tenant, name, request_id)
            }
        };
        if tenant.as_deref() != Some(caller.tenant.as_str()) {
            // Nothing of the room (not even its name) goes into this tenant's audit log.
            tracing::warn!(room_sid = %sid, tenant = %caller.tenant, "admin named a room that is not their tenant's");
            return Err(Finish::denied(room_not_found()).request_id(request_id));
        }
        Ok(name)
    }

    async fn known(&self, sid: &RoomSid, deadline: Instant) -> Result<Known, Finish> {
        let failed = |e| Finish::failed(ApiError::from(e));
        if let Some(record) = self.store.room_record(sid.as_str()).await.map_err(failed)? {
            return Ok(Known::Held {
                tenant: record.tenant,
                name: record.unique_name,
            });
        }
        if let Some(owner) = self.store.owner(sid.as_str()).await.map_err(failed)? {
            let tenant = RoomName::parse(&owner.room).map(|n| n.tenant().to_string());
            return Ok(Known::Held {
                tenant,
                name: owner.room,
            });
        }
        let creds = self
            .secrets
            .twilio()
            .await
            .map_err(|e| Finish::failed(ApiError::unavailable(e)))?;
        match self.rooms.fetch(&creds, sid, deadline).await {
            Ok(reply) => Ok(Known::Fetched {
                name: reply.value.unique_name,
                request_id: reply.request_id,
            }),
            Err(e) if e.is_not_found() => {
                Err(Finish::denied(room_not_found()).request_id(e.request_id()))
            }
            Err(e) => Err(failed_call(&e, false)),
        }
    }
}

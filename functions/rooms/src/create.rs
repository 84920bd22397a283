//! POST /admin/rooms: `{"type","id","max_participants"?,"record"?}` creates the caller's
//! tenant's room `{tenant}:{type}:{id}`.
//!
//! The room is opened by the one room-creation path (`shared::twilio::rooms::open`): of any
//! number of concurrent creates, one gets 201 and the others Twilio's 53113 ("room exists"),
//! after which they fetch the in-progress room by name and answer 200 with it. The admin whose
//! request created the room is its owner; one who found it in progress becomes owner only if
//! none is recorded (a room created outside this route, or whose creator's request was lost).
//! Then the room is recorded as what its name stands for, marked as made by `/admin/rooms`.

use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use serde_json::Value;
use shared::caller::Caller;
use shared::clock::now_unix;
use shared::deadline::Deadline;
use shared::error::ApiError;
use shared::http::{json, json_body};
use shared::names::{E164, RoomName};
use shared::store::audit::AuditAction;
use shared::store::owners::RoomOwner;
use shared::store::rooms::names::RoomEntry;
use shared::twilio::rooms::{NewRoom, OpenError, Opened};
use tokio::time::Instant;

use crate::State;
use crate::answers::{failed_call, room_view};
use crate::trail::Finish;

/// The body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateRoom {
    #[serde(rename = "type")]
    kind: String,
    id: String,
    #[serde(default)]
    max_participants: Option<Value>,
    #[serde(default)]
    record: Option<bool>,
}

/// The body, checked.
struct Checked {
    name: RoomName,
    max_participants: u32,
    record: bool,
}

impl State {
    /// POST /admin/rooms.
    pub(crate) async fn create(&self, req: &Request) -> Result<Response<Body>, ApiError> {
        let (caller, mut entry) = self.caller(req, AuditAction::CreateRoom)?;
        let body = json_body::<CreateRoom>(req).and_then(|b| self.check(&caller, b));
        entry.room = body.as_ref().ok().map(|b| b.name.to_string());
        self.admin(&caller, &entry).await?;
        let body = body?;
        let pending = self.begin(entry).await?;
        let deadline = Deadline::of(req).calls_by();
        let finish = self.create_room(&caller, &body, deadline).await;
        self.finish(pending, finish).await
    }

    fn check(&self, caller: &Caller, body: CreateRoom) -> Result<Checked, ApiError> {
        let name = RoomName::for_caller(caller, &body.kind, &body.id, "body")?;
        let requested = match body.max_participants {
            None | Some(Value::Null) => self.max_participants,
            Some(value) => value
                .as_u64()
                .filter(|n| *n >= 1)
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "invalid_max_participants",
                        "max_participants must be a positive integer",
                    )
                })?
                .min(u64::from(self.max_participants)) as u32,
        };
        Ok(Checked {
            name,
            max_participants: requested,
            record: body.record.unwrap_or(false),
        })
    }

    async fn create_room(&self, caller: &Caller, body: &Checked, deadline: Instant) -> Finish {
        let creds = match self.secrets.twilio().await {
            Ok(creds) => creds,
            Err(e) => return Finish::failed(ApiError::unavailable(e)),
        };
        let unique_name = body.name.to_string();
        let new_room = NewRoom {
            unique_name: &unique_name,
            room_type: &self.room_type,
            max_participants: body.max_participants,
            record: body.record,
            status_callback: &self.status_callback,
        };
        let opened = match self.rooms.open(&creds, &new_room, deadline).await {
            Ok(opened) => opened,
            Err(OpenError::Create(e)) => return failed_call(&e, true),
            Err(OpenError::Fetch(e)) => return failed_call(&e, false),
            Err(OpenError::Busy) => {
                return Finish::failed(
                    ApiError::conflict(
                        "room_busy",
                        "a room of this name kept ending while it was being created; try again",
                    )
                    .with_retry_after(1),
                );
            }
        };
        self.owned(caller, &opened, body)
            .await
            .request_id(opened.request_id)
    }

    /// Records the owner of the room, then the room as what its name stands for, made by
    /// `/admin/rooms` (so that with `ROOM_CREATION=admin` it gets tokens), and answers with it.
    /// A created room's caller is its owner; else the caller becomes owner only if none is
    /// recorded.
    async fn owned(&self, caller: &Caller, opened: &Opened, body: &Checked) -> Finish {
        let (room, created) = (&opened.room, opened.created);
        let owner = RoomOwner {
            room_sid: room.sid.clone(),
            room: room.unique_name.clone().unwrap_or_default(),
            sub: caller.sub.clone(),
            phone_number: phone(caller),
        };
        let entry = RoomEntry::opened(
            &body.name.to_string(),
            &room.sid,
            opened.created_at(),
            room.record_participants_on_connect.unwrap_or(body.record),
            true,
            now_unix(),
        );
        let recorded = match created {
            true => self.owners.set_owner(&owner).await,
            false => self.owners.claim_owner(&owner).await.map(|_| ()),
        };
        let recorded = match recorded {
            Ok(()) => self.names.name_opened(&entry).await.map(|_| ()),
            Err(e) => Err(e),
        };
        let status = match created {
            true => StatusCode::CREATED,
            false => StatusCode::OK,
        };
        let finish = match recorded {
            Ok(()) => Finish::allowed(json(status, &room_view(room)), created),
            // The room exists but its owner or name is not recorded; a retry finds it in
            // progress and records them then.
            Err(e) => Finish::failed(ApiError::unavailable(e)).maybe_acted(created),
        };
        finish.room(&room.sid, room.unique_name.as_deref())
    }
}

/// The caller's phone claim, when it is a valid E.164 number the IdP verified: the recording
/// notification goes only to such a number (API.md).
fn phone(caller: &Caller) -> Option<E164> {
    let number = caller.verified_phone().cloned();
    if number.is_none() && caller.phone_number.is_some() {
        tracing::warn!(
            "the admin's phone_number claim is not a verified E.164 number; the room's owner has no number for notifications"
        );
    }
    number
}

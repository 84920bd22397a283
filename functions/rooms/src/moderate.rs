//! POST /admin/rooms/{room_sid}/complete and
//! POST /admin/rooms/{room_sid}/participants/{participant_sid}/disconnect.
//!
//! Both first fetch the room: its unique name says whose it is. A room of another tenant (or
//! not one of ours at all) is answered exactly like a room that does not exist. A room that is
//! no longer in progress is a 409: there is nothing left to complete or disconnect.

use std::future::Future;
use std::sync::Arc;

use http::StatusCode;
use lambda_http::{Body, Request, Response};
use shared::caller::Caller;
use shared::deadline::Deadline;
use shared::error::ApiError;
use shared::http::{json, path_param};
use shared::names::{ParticipantSid, RoomName, RoomSid};
use shared::secrets::TwilioCredentials;
use shared::store::audit::AuditAction;
use shared::twilio::rooms::{ROOM_COMPLETED, Room, RoomStatus};
use tokio::time::Instant;

use crate::State;
use crate::answers::{failed_call, participant_view, room_not_found, room_view};
use crate::trail::Finish;

impl State {
    /// POST /admin/rooms/{room_sid}/complete.
    pub(crate) async fn complete(&self, req: &Request) -> Result<Response<Body>, ApiError> {
        let (caller, mut entry) = self.caller(req, AuditAction::CompleteRoom)?;
        let room_sid = path_param(req, "room_sid").and_then(|s| RoomSid::parse(&s, "room_sid"));
        entry.room_sid = room_sid.as_ref().ok().map(RoomSid::to_string);
        let caller = &caller;
        self.audited(
            Deadline::of(req),
            caller,
            entry,
            room_sid,
            |sid, deadline| async move { self.complete_room(caller, &sid, deadline).await },
        )
        .await
    }

    /// POST /admin/rooms/{room_sid}/participants/{participant_sid}/disconnect.
    pub(crate) async fn disconnect(&self, req: &Request) -> Result<Response<Body>, ApiError> {
        let (caller, mut entry) = self.caller(req, AuditAction::DisconnectParticipant)?;
        let room_sid = path_param(req, "room_sid").and_then(|s| RoomSid::parse(&s, "room_sid"));
        let participant_sid = path_param(req, "participant_sid")
            .and_then(|s| ParticipantSid::parse(&s, "participant_sid"));
        entry.room_sid = room_sid.as_ref().ok().map(RoomSid::to_string);
        entry.participant_sid = participant_sid.as_ref().ok().map(ParticipantSid::to_string);
        let sids = room_sid.and_then(|room| Ok((room, participant_sid?)));
        let caller = &caller;
        self.audited(
            Deadline::of(req),
            caller,
            entry,
            sids,
            |(room, participant), deadline| async move {
                self.disconnect_participant(caller, &room, &participant, deadline)
                    .await
            },
        )
        .await
    }

    async fn complete_room(&self, caller: &Caller, sid: &RoomSid, deadline: Instant) -> Finish {
        self.on_own_room(caller, sid, deadline, |creds| async move {
            match self.rooms.complete(&creds, sid, deadline).await {
                Ok(reply) => Finish::allowed(json(StatusCode::OK, &room_view(&reply.value)), true)
                    .request_id(reply.request_id),
                // Ended between our fetch and the update.
                Err(e) if e.code() == Some(ROOM_COMPLETED) => {
                    Finish::failed(not_in_progress(RoomStatus::Completed))
                        .request_id(e.request_id())
                }
                Err(e) => failed_call(&e, true),
            }
        })
        .await
    }

    async fn disconnect_participant(
        &self,
        caller: &Caller,
        room_sid: &RoomSid,
        participant_sid: &ParticipantSid,
        deadline: Instant,
    ) -> Finish {
        self.on_own_room(caller, room_sid, deadline, |creds| async move {
            let result = self
                .rooms
                .disconnect(&creds, room_sid, participant_sid, deadline)
                .await;
            match result {
                Ok(reply) => {
                    Finish::allowed(json(StatusCode::OK, &participant_view(&reply.value)), true)
                        .request_id(reply.request_id)
                }
                Err(e) if e.is_not_found() => Finish::failed(ApiError::not_found(
                    "participant_not_found",
                    "no such participant in this room",
                ))
                .request_id(e.request_id()),
                Err(e) => failed_call(&e, true),
            }
        })
        .await
    }

    /// Runs `act` with the credentials once the room `sid` is known to be the caller's tenant's
    /// and in progress (else ends as [`Self::own_room`] says), and names the room in its end.
    async fn on_own_room<Act, Fut>(
        &self,
        caller: &Caller,
        sid: &RoomSid,
        deadline: Instant,
        act: Act,
    ) -> Finish
    where
        Act: FnOnce(Arc<TwilioCredentials>) -> Fut,
        Fut: Future<Output = Finish>,
    {
        let (creds, room) = match self.own_room(caller, sid, deadline).await {
            Ok(found) => found,
            Err(finish) => return finish,
        };
        act(creds)
            .await
            .room(sid.as_str(), room.unique_name.as_deref())
    }

    /// The room `sid`, if it is the caller's tenant's and in progress, with the credentials to
    /// act on it; else how the action ends.
    async fn own_room(
        &self,
        caller: &Caller,
        sid: &RoomSid,
        deadline: Instant,
    ) -> Result<(Arc<TwilioCredentials>, Room), Finish> {
        let creds = self
            .secrets
            .twilio()
            .await
            .map_err(|e| Finish::failed(ApiError::unavailable(e)))?;
        let reply = match self.rooms.fetch(&creds, sid, deadline).await {
            Ok(reply) => reply,
            Err(e) if e.is_not_found() => {
                return Err(Finish::denied(room_not_found()).request_id(e.request_id()));
            }
            Err(e) => {
                return Err(failed_call(&e, false));
            }
        };
        let room = reply.value;
        let ours = room
            .unique_name
            .as_deref()
            .and_then(RoomName::parse)
            .is_some_and(|name| name.tenant() == caller.tenant);
        if !ours {
            // Nothing of the room (not even its name) goes into this tenant's audit log.
            tracing::warn!(room_sid = %sid, tenant = %caller.tenant, "admin named a room that is not their tenant's");
            return Err(Finish::denied(room_not_found()).request_id(reply.request_id));
        }
        if room.status != RoomStatus::InProgress {
            let name = room.unique_name.clone();
            return Err(Finish::failed(not_in_progress(room.status))
                .request_id(reply.request_id)
                .room(sid.as_str(), name.as_deref()));
        }
        Ok((creds, room))
    }
}

/// The 409 for a room that has ended.
fn not_in_progress(status: RoomStatus) -> ApiError {
    let status = match status {
        RoomStatus::Completed => "completed",
        RoomStatus::Failed => "failed",
        RoomStatus::InProgress | RoomStatus::Unknown => "no longer in progress",
    };
    ApiError::conflict(
        "room_not_in_progress",
        format!("the room is {status}: it is no longer in progress, so there is nothing to do"),
    )
}

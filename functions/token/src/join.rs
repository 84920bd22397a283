//! Which rooms get tokens (API.md, `ROOM_CREATION`): only an in-progress room this system runs,
//! so that no token names a room Twilio would create ad hoc, without our status callback,
//! participant cap or recording policy.
//!
//! What a room name stands for is one item ([`RoomNames`]): a join to a known, in-progress room
//! costs that one read and no Twilio call. Otherwise:
//! - `on_join`: the room is opened by the one room-creation path `/admin/rooms` uses
//!   ([`Rooms::open`]: race-free, an ended room replaced by a new one), the joiner who created
//!   it recorded as its owner, then the room as what its name stands for;
//! - `admin`: `404 room_not_found`, or `409 room_ended` for a room that has ended.
//!
//! An entry last confirmed more than `ROOM_CONFIRM_AFTER_SECONDS` ago is checked with Twilio
//! once (and marked again), so a lost `room-ended` callback cannot leave a name pointing at an
//! ended room for longer than that.

use std::sync::Arc;

use shared::aws::Backends;
use shared::caller::Caller;
use shared::clock::now_unix;
use shared::config::{Config, ConfigError, RoomCreation, RoomPolicy};
use shared::error::ApiError;
use shared::names::{RoomName, RoomSid};
use shared::secrets::TwilioCredentials;
use shared::store::owners::{RoomOwner, RoomOwners};
use shared::store::rooms::RoomStatus;
use shared::store::rooms::names::{RoomEntry, RoomNames};
use shared::twilio::rooms::{NewRoom, OpenError, Opened, RoomStatus as TwilioStatus, Rooms};
use tokio::time::Instant;

/// The join rules and what they need, built once at cold start.
pub(crate) struct Joins {
    policy: RoomPolicy,
    room_type: String,
    max_participants: u32,
    /// The status callback of rooms created on join (none with `ROOM_CREATION=admin`).
    status_callback: Option<String>,
    rooms: Rooms,
    names: Arc<dyn RoomNames>,
    owners: Arc<dyn RoomOwners>,
}

impl Joins {
    /// Reads the rules; creating rooms on join needs `PUBLIC_BASE_URL` (their status callback).
    pub(crate) fn new(config: &Config, backends: &Backends) -> Result<Self, ConfigError> {
        let status_callback = match config.room_policy.creation {
            RoomCreation::OnJoin => Some(config.public_url("/twilio/room-status")?),
            RoomCreation::Admin => None,
        };
        Ok(Self {
            policy: config.room_policy,
            room_type: config.video_room_type.clone(),
            max_participants: config.video_max_participants,
            status_callback,
            rooms: Rooms::new(backends.twilio.clone(), config.video_base_url.clone()),
            names: backends.store.clone(),
            owners: backends.store.clone(),
        })
    }

    /// Passes a join to `name` once an in-progress room of that name is known (or, `on_join`,
    /// has just been opened); refuses it otherwise.
    pub(crate) async fn admit(
        &self,
        caller: &Caller,
        name: &RoomName,
        creds: &TwilioCredentials,
        deadline: Instant,
    ) -> Result<(), ApiError> {
        let unique_name = name.to_string();
        let now = now_unix();
        let mut known = self.names.room_by_name(&unique_name).await?;
        if let Some(entry) = known.as_mut()
            && entry.is_open()
            && entry.is_stale(now, self.policy.confirm_after_seconds)
        {
            self.reconfirm(entry, creds, deadline, now).await?;
        }
        match (self.policy.creation, known) {
            (RoomCreation::OnJoin, Some(entry)) if entry.is_open() => Ok(()),
            (RoomCreation::OnJoin, _) => self.open(caller, &unique_name, creds, deadline).await,
            (RoomCreation::Admin, Some(entry)) if entry.is_open() && entry.by_admin => Ok(()),
            (RoomCreation::Admin, Some(entry)) if !entry.is_open() => Err(ApiError::conflict(
                "room_ended",
                "this room has ended; an admin must create it again",
            )),
            (RoomCreation::Admin, _) => Err(ApiError::not_found("room_not_found", "no such room")),
        }
    }

    /// Asks Twilio whether `entry`'s room is still in progress, and records the answer. A
    /// Twilio failure leaves the entry as it is: the join is not refused for it.
    async fn reconfirm(
        &self,
        entry: &mut RoomEntry,
        creds: &TwilioCredentials,
        deadline: Instant,
        now: i64,
    ) -> Result<(), ApiError> {
        let sid = RoomSid::parse(&entry.room_sid, "room_sid").map_err(ApiError::internal)?;
        let in_progress = match self.rooms.fetch(creds, &sid, deadline).await {
            Ok(reply) => reply.value.status == TwilioStatus::InProgress,
            Err(e) if e.is_not_found() => false,
            Err(e) => {
                tracing::warn!(room_sid = %sid, twilio_status = e.status(), twilio_code = e.code(), "could not confirm that the room is in progress; trusting what is recorded");
                return Ok(());
            }
        };
        if in_progress {
            self.names
                .name_confirmed(&entry.unique_name, &entry.room_sid, now)
                .await?;
        } else {
            tracing::warn!(room_sid = %sid, "a room recorded in progress has ended at Twilio; its room-ended callback was lost");
            self.names
                .name_ended(&entry.unique_name, &entry.room_sid, now)
                .await?;
            entry.status = RoomStatus::Completed;
        }
        Ok(())
    }

    /// Opens the room of `unique_name` as `/admin/rooms` would, with the cap of
    /// `VIDEO_MAX_PARTICIPANTS` and the recording of `RECORD_ROOMS_ON_JOIN`; then records its
    /// owner (the caller, if they created it) and what its name stands for.
    async fn open(
        &self,
        caller: &Caller,
        unique_name: &str,
        creds: &TwilioCredentials,
        deadline: Instant,
    ) -> Result<(), ApiError> {
        let status_callback = self.status_callback.as_deref().unwrap_or_default();
        let room = NewRoom {
            unique_name,
            room_type: &self.room_type,
            max_participants: self.max_participants,
            record: self.policy.record_on_join,
            status_callback,
        };
        let opened = self
            .rooms
            .open(creds, &room, deadline)
            .await
            .map_err(|e| match e {
                OpenError::Create(e) | OpenError::Fetch(e) => ApiError::from(&e),
                OpenError::Busy => ApiError::conflict(
                    "room_busy",
                    "a room of this name kept ending while it was being created; try again",
                )
                .with_retry_after(1),
            })?;
        self.own(caller, unique_name, &opened).await?;
        let entry = RoomEntry::opened(
            unique_name,
            &opened.room.sid,
            opened.created_at(),
            opened
                .room
                .record_participants_on_connect
                .unwrap_or(self.policy.record_on_join),
            false,
            now_unix(),
        );
        let recorded = self.names.name_opened(&entry).await?;
        tracing::info!(
            room_sid = %opened.room.sid,
            room = unique_name,
            created = opened.created,
            recorded,
            twilio_request_id = opened.request_id.as_deref().unwrap_or(""),
            "room opened on join"
        );
        Ok(())
    }

    /// The joiner whose request created the room is its owner. One who found it in progress
    /// becomes owner only if none is recorded: only when its creator's record was lost (the
    /// creator's own write, if it lands later, replaces it).
    async fn own(
        &self,
        caller: &Caller,
        unique_name: &str,
        opened: &Opened,
    ) -> Result<(), ApiError> {
        let owner = RoomOwner {
            room_sid: opened.room.sid.clone(),
            room: unique_name.to_string(),
            sub: caller.sub.clone(),
            phone_number: caller.verified_phone().cloned(),
        };
        match opened.created {
            true => self.owners.set_owner(&owner).await?,
            false => {
                self.owners.claim_owner(&owner).await?;
            }
        }
        Ok(())
    }
}

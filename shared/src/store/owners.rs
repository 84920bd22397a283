//! A room's owner: the admin who created it through POST /admin/rooms, or the user whose join
//! created it (`ROOM_CREATION=on_join`). Their `sub` decides who may fetch the room's recording,
//! and their verified `phone_number` claim is where the recording-ready SMS goes.

use async_trait::async_trait;

use super::StoreError;
use crate::names::E164;

/// The owner of one room.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomOwner {
    /// The room's `RM…`.
    pub room_sid: String,
    /// The room's unique name, `{tenant}:{type}:{id}`.
    pub room: String,
    /// The creator's `sub`.
    pub sub: String,
    /// The creator's `phone_number` claim, when it is a valid E.164 number.
    pub phone_number: Option<E164>,
}

/// Where room owners are kept.
#[async_trait]
pub trait RoomOwners: Send + Sync {
    /// Records the room's creator, replacing any owner recorded before: the admin or joiner
    /// whose request Twilio answered with a new room is its owner.
    async fn set_owner(&self, owner: &RoomOwner) -> Result<(), StoreError>;

    /// Records `owner` unless the room already has one; returns whether it was recorded. For an
    /// admin (or a joiner) who found the room already in progress: they own it only if no one
    /// else does, which is the case only when its creator's own record was lost.
    async fn claim_owner(&self, owner: &RoomOwner) -> Result<bool, StoreError>;

    /// The room's owner, if one is recorded.
    async fn owner(&self, room_sid: &str) -> Result<Option<RoomOwner>, StoreError>;
}

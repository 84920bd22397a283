//! Room owners in DynamoDB: item [`Key::owner`], kept `ROOM_RETENTION_DAYS` after it is written.
//! The same partition holds the room's other items (its record, its participants), which this
//! file never touches.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;

use super::keys::Key;
use super::{Attributes, DynamoTable, Item, TTL, s};
use crate::names::E164;
use crate::store::StoreError;
use crate::store::owners::{RoomOwner, RoomOwners};

fn to_item(owner: &RoomOwner, ttl: AttributeValue) -> Item {
    let mut item = Key::owner(&owner.room_sid).into_item();
    item.extend([
        (TTL.to_string(), ttl),
        ("room_sid".to_string(), s(&owner.room_sid)),
        ("room".to_string(), s(&owner.room)),
        ("sub".to_string(), s(&owner.sub)),
    ]);
    if let Some(phone) = &owner.phone_number {
        item.insert("phone_number".to_string(), s(phone.as_str()));
    }
    item
}

fn from_item(item: &Item) -> Result<RoomOwner, StoreError> {
    let a = Attributes::of("owner", item);
    Ok(RoomOwner {
        room_sid: a.string("room_sid")?.to_string(),
        room: a.string("room")?.to_string(),
        sub: a.string("sub")?.to_string(),
        // Only valid numbers are ever written; one that no longer parses is treated as absent.
        phone_number: a
            .opt_string("phone_number")?
            .and_then(|v| E164::parse(v, "phone_number").ok()),
    })
}

#[async_trait]
impl RoomOwners for DynamoTable {
    async fn set_owner(&self, owner: &RoomOwner) -> Result<(), StoreError> {
        self.put(to_item(owner, self.room_ttl())).await
    }

    async fn claim_owner(&self, owner: &RoomOwner) -> Result<bool, StoreError> {
        // Someone owns it already: the answer (`false`), not a failure.
        self.put_new(to_item(owner, self.room_ttl())).await
    }

    async fn owner(&self, room_sid: &str) -> Result<Option<RoomOwner>, StoreError> {
        let item = self.get(Key::owner(room_sid)).await?;
        item.as_ref().map(from_item).transpose()
    }
}

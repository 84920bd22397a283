//! Room owners in DynamoDB: item `pk = "room#{room_sid}"`, `sk = "owner"`. The same partition
//! holds the room's other items (its status, under `sk = "room"`), which this file never touches.

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::put_item::PutItemError;

use super::{DynamoTable, Item, PK, SK, get_s, s, sdk_error};
use crate::names::E164;
use crate::store::StoreError;
use crate::store::owners::{RoomOwner, RoomOwners};

const OWNER: &str = "owner";

fn pk(room_sid: &str) -> String {
    format!("room#{room_sid}")
}

fn to_item(owner: &RoomOwner) -> Item {
    let mut item = Item::from([
        (PK.to_string(), s(pk(&owner.room_sid))),
        (SK.to_string(), s(OWNER)),
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
    Ok(RoomOwner {
        room_sid: get_s(item, "room_sid")?.to_string(),
        room: get_s(item, "room")?.to_string(),
        sub: get_s(item, "sub")?.to_string(),
        // Only valid numbers are ever written; one that no longer parses is treated as absent.
        phone_number: item
            .get("phone_number")
            .and_then(|v| v.as_s().ok())
            .and_then(|v| E164::parse(v, "phone_number").ok()),
    })
}

#[async_trait]
impl RoomOwners for DynamoTable {
    async fn set_owner(&self, owner: &RoomOwner) -> Result<(), StoreError> {
        self.client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(to_item(owner)))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    async fn claim_owner(&self, owner: &RoomOwner) -> Result<bool, StoreError> {
        let result = self
            .client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(to_item(owner)))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) => match err.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(_)) => Ok(false),
                _ => Err(sdk_error(err)),
            },
        }
    }

    async fn owner(&self, room_sid: &str) -> Result<Option<RoomOwner>, StoreError> {
        let out = self
            .client()
            .get_item()
            .table_name(self.table())
            .key(PK, s(pk(room_sid)))
            .key(SK, s(OWNER))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_error)?;
        out.item().map(from_item).transpose()
    }
}

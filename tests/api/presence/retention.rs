//! Retention: every room item and audit entry carries the table's TTL attribute, as configured
//! (`ROOM_RETENTION_DAYS`, `AUDIT_RETENTION_DAYS`) or by default.

use integration_tests::{dynamo, sdk, sid, table_name, unique};
use shared::clock::now_unix;
use shared::config::Retention;
use shared::dynamo::DynamoTable;
use shared::store::audit::{AuditAction, AuditEntry, AuditLog};
use shared::store::compositions::{CompositionRecords, CreatedComposition};
use shared::store::owners::{RoomOwner, RoomOwners};
use shared::store::rooms::names::{RoomEntry, RoomNames};
use shared::store::rooms::participants::{Movement, ParticipantEvent, RoomParticipants};
use shared::store::rooms::{RoomChange, RoomRecords, RoomUpdate};

/// The `ttl` attribute of the item at `pk`/`sk`.
async fn ttl_of(pk: &str, sk: &str) -> i64 {
    let client = aws_sdk_dynamodb::Client::new(sdk().await);
    let out = client
        .get_item()
        .table_name(table_name())
        .key("pk", aws_sdk_dynamodb::types::AttributeValue::S(pk.into()))
        .key("sk", aws_sdk_dynamodb::types::AttributeValue::S(sk.into()))
        .send()
        .await
        .unwrap();
    let item = out.item.unwrap_or_else(|| panic!("no item {pk} {sk}"));
    item["ttl"].as_n().unwrap().parse().unwrap()
}

#[tokio::test]
async fn every_room_composition_and_audit_item_carries_the_configured_ttl() {
    const DAY: u64 = 86_400;
    let retention = Retention {
        rooms: std::time::Duration::from_secs(30 * DAY),
        audit: std::time::Duration::from_secs(10 * DAY),
    };
    let table = DynamoTable::new(aws_sdk_dynamodb::Client::new(sdk().await), table_name())
        .with_retention(retention);
    let (room, name, participant) = (sid("RM"), format!("acme:class:{}", unique("r")), sid("PA"));
    let now = now_unix();
    table
        .name_opened(&RoomEntry::opened(&name, &room, None, false, false, now))
        .await
        .unwrap();
    let owner = RoomOwner {
        room_sid: room.clone(),
        room: name.clone(),
        sub: "u".into(),
        phone_number: None,
    };
    table.set_owner(&owner).await.unwrap();
    let update = RoomUpdate {
        room_sid: room.clone(),
        unique_name: name.clone(),
        tenant: Some("acme".into()),
        change: RoomChange::Created { at: now },
    };
    table.apply_room_update(&update).await.unwrap();
    let e = ParticipantEvent {
        room_sid: room.clone(),
        participant_sid: participant.clone(),
        identity: "acme:u".into(),
        movement: Movement::Connected,
        at_ms: now * 1000,
    };
    table.participant_event(&e).await.unwrap();
    let created = CreatedComposition {
        room_sid: room.clone(),
        composition_sid: sid("CJ"),
        unique_name: name.clone(),
        room_ended_at: now,
        created_at: now,
        stuck_due: now + 7200,
    };
    table.composition_created(&created).await.unwrap();
    let rooms_ttl = now + (30 * DAY) as i64;
    for (pk, sk) in [
        (format!("room#name#{name}"), "name".to_string()),
        (format!("room#{room}"), "owner".to_string()),
        (format!("room#{room}"), "room".to_string()),
        (format!("room#{room}"), format!("participant#{participant}")),
        (format!("room#{room}"), "composition".to_string()),
        (format!("recording#{name}"), "latest".to_string()),
    ] {
        let ttl = ttl_of(&pk, &sk).await;
        assert!(
            (rooms_ttl..rooms_ttl + 5).contains(&ttl),
            "{pk} {sk}: {ttl}"
        );
    }
    let entry = AuditEntry::new(&unique("t"), "u", AuditAction::CreateRoom);
    table.append(&entry).await.unwrap();
    let at = entry.position();
    let ttl = ttl_of(
        &format!("audit#{}#-", entry.tenant),
        &format!("{:017}#{}", at.time_micros, at.id),
    )
    .await;
    assert_eq!(ttl, entry.time.unix_timestamp() + (10 * DAY) as i64);
    // Without configuration, the documented default: 400 days.
    let default = dynamo().await;
    let other = sid("RM");
    default
        .set_owner(&RoomOwner {
            room_sid: other.clone(),
            ..owner
        })
        .await
        .unwrap();
    let ttl = ttl_of(&format!("room#{other}"), "owner").await;
    assert!(ttl >= now + 400 * DAY as i64, "{ttl}");
}

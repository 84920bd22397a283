//! The audit log and room owners on DynamoDB (moto's server), each scenario also run on the
//! embedded store so that the local API behaves the same.

use aws_sdk_dynamodb::types::AttributeValue;
use integration_tests::fixtures::on_both_stores;
use integration_tests::{dynamo, sid, table_name, unique};
use shared::store::audit::{AuditAction, AuditEntry, AuditLog, AuditOutcome};
use shared::store::owners::{RoomOwner, RoomOwners};

fn entry(tenant: &str, room_sid: Option<&str>, actor: &str) -> AuditEntry {
    let mut e = AuditEntry::new(tenant, actor, AuditAction::CompleteRoom);
    e.room_sid = room_sid.map(str::to_string);
    e
}

fn settled(pending: &AuditEntry, room_sid: Option<&str>) -> AuditEntry {
    let mut done = pending.clone();
    done.outcome = AuditOutcome::Allowed;
    done.status = Some(201);
    done.twilio_request_id = Some("RQ1".into());
    if let Some(sid) = room_sid {
        done.room_sid = Some(sid.to_string());
    }
    done
}

async fn a_pending_entry_settles_once_and_a_created_room_files_it_under_the_room(
    log: &dyn AuditLog,
) {
    let tenant = unique("t");
    let room_sid = sid("RM");
    let mut pending = AuditEntry::new(&tenant, "alice", AuditAction::CreateRoom);
    pending.room = Some(format!("{tenant}:class:x"));
    log.append(&pending).await.unwrap();
    assert!(
        log.append(&pending).await.is_err(),
        "an entry is never replaced"
    );
    assert!(
        log.list(&tenant, Some(&room_sid), 10, None)
            .await
            .unwrap()
            .entries
            .is_empty()
    );

    let done = settled(&pending, Some(&room_sid));
    log.settle(&pending, &done).await.unwrap();
    let page = log.list(&tenant, Some(&room_sid), 10, None).await.unwrap();
    assert_eq!(page.entries, vec![done.clone()], "it reads back exactly");
    assert_eq!(page.next, None);
    let all = log.list(&tenant, None, 10, None).await.unwrap();
    assert_eq!(
        all.entries,
        vec![done.clone()],
        "the tenant's copy settled too"
    );
    assert!(
        log.settle(&pending, &done).await.is_err(),
        "an entry settles once"
    );
}

async fn an_entry_of_a_known_room_settles_in_place(log: &dyn AuditLog) {
    let tenant = unique("t");
    let room_sid = sid("RM");
    let pending = entry(&tenant, Some(&room_sid), "alice");
    log.append(&pending).await.unwrap();
    let listed = log.list(&tenant, Some(&room_sid), 10, None).await.unwrap();
    assert_eq!(listed.entries[0].outcome, AuditOutcome::Pending);
    let done = settled(&pending, None);
    log.settle(&pending, &done).await.unwrap();
    let listed = log.list(&tenant, Some(&room_sid), 10, None).await.unwrap();
    assert_eq!(listed.entries, vec![done.clone()]);
    let all = log.list(&tenant, None, 10, None).await.unwrap();
    assert_eq!(all.entries, vec![done], "both copies settle in one write");
}

async fn a_tenants_whole_log_lists_every_entry_once_rooms_or_none(log: &dyn AuditLog) {
    let tenant = unique("t");
    let (room_a, room_b) = (sid("RM"), sid("RM"));
    let mut refusal = entry(&tenant, None, "eve");
    refusal.outcome = AuditOutcome::Denied;
    refusal.status = Some(403);
    let mut written = Vec::new();
    for e in [
        refusal,
        entry(&tenant, Some(&room_a), "alice"),
        entry(&tenant, Some(&room_b), "bob"),
    ] {
        log.append(&e).await.unwrap();
        written.push(e);
        // Distinct microseconds, so the expected order is the order of writing.
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    // Another tenant's entry never shows.
    log.append(&entry(&unique("t"), None, "x")).await.unwrap();
    written.reverse();
    let all = log.list(&tenant, None, 10, None).await.unwrap();
    assert_eq!(
        all.entries, written,
        "newest first, each once, rooms or none"
    );
    let first = log.list(&tenant, None, 2, None).await.unwrap();
    let rest = log
        .list(&tenant, None, 2, first.next.as_ref())
        .await
        .unwrap();
    assert_eq!(first.entries, written[..2]);
    assert_eq!(rest.entries, written[2..]);
    assert_eq!(rest.next, None);
    let only_a = log.list(&tenant, Some(&room_a), 10, None).await.unwrap();
    assert_eq!(only_a.entries, [written[1].clone()]);
}

async fn pages_are_newest_first_and_the_last_is_never_empty(log: &dyn AuditLog) {
    let tenant = unique("t");
    let room_sid = sid("RM");
    let mut written = Vec::new();
    for i in 0..4 {
        let e = entry(&tenant, Some(&room_sid), &format!("u{i}"));
        log.append(&e).await.unwrap();
        written.push(e);
        // Distinct microseconds, so the expected order is the order of writing.
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    // Another tenant's entries of the same room never show.
    log.append(&entry(&unique("t"), Some(&room_sid), "x"))
        .await
        .unwrap();
    let first = log.list(&tenant, Some(&room_sid), 2, None).await.unwrap();
    let second = log
        .list(&tenant, Some(&room_sid), 2, first.next.as_ref())
        .await
        .unwrap();
    let actors = |p: &shared::store::audit::AuditPage| {
        p.entries
            .iter()
            .map(|e| e.actor.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(actors(&first), ["u3", "u2"]);
    assert_eq!(actors(&second), ["u1", "u0"]);
    assert_eq!(second.next, None, "exactly two pages: no empty third");
}

async fn owners_are_replaced_by_the_creator_and_claimed_only_when_absent(owners: &dyn RoomOwners) {
    let room_sid = sid("RM");
    let owner = |sub: &str| RoomOwner {
        room_sid: room_sid.clone(),
        room: "acme:class:x".into(),
        sub: sub.into(),
        phone_number: Some(shared::names::E164::parse("+14155550100", "phone_number").unwrap()),
    };
    assert_eq!(owners.owner(&room_sid).await.unwrap(), None);
    assert!(owners.claim_owner(&owner("finder")).await.unwrap());
    assert!(!owners.claim_owner(&owner("second")).await.unwrap());
    assert_eq!(
        owners.owner(&room_sid).await.unwrap().unwrap().sub,
        "finder"
    );
    owners.set_owner(&owner("creator")).await.unwrap();
    assert!(!owners.claim_owner(&owner("late")).await.unwrap());
    assert_eq!(
        owners.owner(&room_sid).await.unwrap(),
        Some(owner("creator"))
    );
}

#[tokio::test]
async fn a_pending_entry_settles_once_and_a_created_room_files_it_under_the_room_on_both_stores() {
    on_both_stores(async |store| {
        a_pending_entry_settles_once_and_a_created_room_files_it_under_the_room(store).await
    })
    .await;
}

#[tokio::test]
async fn an_entry_of_a_known_room_settles_in_place_on_both_stores() {
    on_both_stores(async |store| an_entry_of_a_known_room_settles_in_place(store).await).await;
}

#[tokio::test]
async fn a_tenants_whole_log_lists_every_entry_once_rooms_or_none_on_both_stores() {
    on_both_stores(async |store| {
        a_tenants_whole_log_lists_every_entry_once_rooms_or_none(store).await
    })
    .await;
}

#[tokio::test]
async fn audit_pages_are_newest_first_and_the_last_is_never_empty_on_both_stores() {
    on_both_stores(async |store| pages_are_newest_first_and_the_last_is_never_empty(store).await)
        .await;
}

#[tokio::test]
async fn owners_are_replaced_by_the_creator_and_claimed_only_when_absent_on_both_stores() {
    on_both_stores(async |store| {
        owners_are_replaced_by_the_creator_and_claimed_only_when_absent(store).await
    })
    .await;
}

#[tokio::test]
async fn the_owner_item_leaves_the_rooms_other_items_alone() {
    let table = dynamo().await;
    let room_sid = sid("RM");
    let pk = AttributeValue::S(format!("room#{room_sid}"));
    table
        .client()
        .put_item()
        .table_name(table_name())
        .item("pk", pk.clone())
        .item("sk", AttributeValue::S("room".into()))
        .item("status", AttributeValue::S("in-progress".into()))
        .send()
        .await
        .unwrap();
    let owner = RoomOwner {
        room_sid: room_sid.clone(),
        room: "acme:class:x".into(),
        sub: "alice".into(),
        phone_number: None,
    };
    assert!(
        table.claim_owner(&owner).await.unwrap(),
        "another item of the room's partition is not an owner"
    );
    let status = table
        .client()
        .get_item()
        .table_name(table_name())
        .key("pk", pk)
        .key("sk", AttributeValue::S("room".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        status.item().unwrap()["status"],
        AttributeValue::S("in-progress".into())
    );
    assert_eq!(table.owner(&room_sid).await.unwrap(), Some(owner));
}

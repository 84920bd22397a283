//! What a join to a known room costs (one DynamoDB read, no Twilio call), and how a room not
//! confirmed lately is checked with Twilio once, so a lost room-ended callback is noticed.

use std::collections::HashSet;
use std::sync::Arc;

use integration_tests::dynamo_count::Recorder;
use integration_tests::fixtures::silent_twilio;
use integration_tests::{backends_on, config_with_twilio, dynamo, table_name, unique};
use shared::clock::now_unix;
use shared::dynamo::DynamoTable;
use shared::store::rooms::names::RoomNames;

use super::{entry, join, token_state, twilio};

#[tokio::test]
async fn a_warm_join_reads_dynamodb_once_and_calls_no_twilio() {
    let (twilio, _rooms) = twilio().await;
    let id = unique("r");
    assert_eq!(
        join(&token_state(&twilio, &[]).await, &unique("u"), &id)
            .await
            .0,
        200
    );

    let silent = silent_twilio("no Twilio call on a warm join").await;
    let counted = Recorder::default();
    let store = DynamoTable::new(counted.client().await, table_name());
    let backends = backends_on(Arc::new(store));
    let warm = token::State::new(&config_with_twilio(&silent.uri(), &[]), &backends).unwrap();
    let (status, body) = join(&warm, &unique("u"), &id).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(counted.take_counts().0, [("GetItem".to_string(), 1)].into());
}

#[tokio::test]
async fn a_room_not_confirmed_lately_is_checked_once_and_a_lost_room_end_noticed() {
    let (twilio, rooms) = twilio().await;
    let state = token_state(&twilio, &[("ROOM_CONFIRM_AFTER_SECONDS", "60")]).await;
    let names = dynamo().await;
    let (id_alive, id_gone) = (unique("r"), unique("r"));
    for id in [&id_alive, &id_gone] {
        assert_eq!(join(&state, &unique("u"), id).await.0, 200);
        // Last confirmed long ago: as if no one had joined for a while.
        let mut stale = entry(&format!("acme:class:{id}")).await;
        stale.confirmed_at -= 3600;
        assert!(names.name_opened(&stale).await.unwrap());
    }
    // Still in progress at Twilio: confirmed, no new room.
    let alive = format!("acme:class:{id_alive}");
    assert_eq!(join(&state, &unique("u"), &id_alive).await.0, 200);
    assert_eq!(rooms.created(&alive).len(), 1);
    assert!(entry(&alive).await.confirmed_at >= now_unix() - 5);
    // Ended at Twilio, its room-ended callback lost: noticed, and a new room opened.
    let gone = format!("acme:class:{id_gone}");
    let old = rooms.end(&gone).unwrap();
    assert_eq!(join(&state, &unique("u"), &id_gone).await.0, 200);
    let created = rooms.created(&gone);
    assert_eq!(created.len(), 2);
    let now = entry(&gone).await;
    assert!(now.is_open() && now.room_sid != old && now.room_sid == created[1]);
    let distinct: HashSet<_> = created.iter().collect();
    assert_eq!(distinct.len(), 2);
}

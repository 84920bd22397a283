//! A room's participants in DynamoDB: item [`Key::participant`] in the room's partition,
//! attributes `participant_sid`, `identity`, `connected_at_ms`, `disconnected_at_ms` and `ttl`.
//!
//! A callback is one `UpdateItem` that sets its side's time only if none is stored or the stored
//! one is not later (`attribute_not_exists(#at) OR #at <= :at`), so deliveries in any order and
//! number leave the latest time of each side. A room's presence is one `Query` of its partition:
//! the record and every participant.

use async_trait::async_trait;

use super::from_item as record_from_item;
use crate::dynamo::expression::Expression;
use crate::dynamo::keys::{Key, PARTICIPANT_PREFIX, room_partition};
use crate::dynamo::{Attributes, DynamoTable, Item, SK, TTL, n, s, sdk_error};
use crate::store::StoreError;
use crate::store::rooms::participants::{
    Movement, ParticipantEvent, ParticipantState, RoomParticipants, RoomPresence,
};

/// The attribute that keeps the time of `movement`'s side.
fn side(movement: Movement) -> &'static str {
    match movement {
        Movement::Connected => "connected_at_ms",
        Movement::Disconnected => "disconnected_at_ms",
    }
}

fn from_item(item: &Item) -> Result<ParticipantState, StoreError> {
    let a = Attributes::of("participant", item);
    Ok(ParticipantState {
        participant_sid: a.string("participant_sid")?.to_string(),
        identity: a.string("identity")?.to_string(),
        connected_at_ms: a.opt_number("connected_at_ms")?,
        disconnected_at_ms: a.opt_number("disconnected_at_ms")?,
    })
}

#[async_trait]
impl RoomParticipants for DynamoTable {
    async fn participant_event(&self, event: &ParticipantEvent) -> Result<(), StoreError> {
        let at = side(event.movement);
        let mut e = Expression::default();
        e.set("participant_sid", s(&event.participant_sid));
        e.set("identity", s(&event.identity));
        e.set(at, n(event.at_ms));
        e.set(TTL, self.room_ttl());
        let key = Key::participant(&event.room_sid, &event.participant_sid);
        let condition = format!("attribute_not_exists(#{at}) OR #{at} <= :{at}");
        // Not applied: a later time of this side is kept already, this delivery is older news.
        self.update_if(key, e, &condition).await.map(|_| ())
    }

    async fn presence(&self, room_sid: &str) -> Result<RoomPresence, StoreError> {
        let mut presence = RoomPresence::default();
        let mut start = None;
        loop {
            let out = self
                .query_partition(room_partition(room_sid))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(sdk_error)?;
            for item in out.items() {
                let sk = item.get(SK).and_then(|v| v.as_s().ok());
                match sk.map(String::as_str) {
                    Some("room") => presence.record = Some(record_from_item(item)?),
                    Some(sk) if sk.starts_with(PARTICIPANT_PREFIX) => {
                        presence.participants.push(from_item(item)?)
                    }
                    // The owner and the composition record live here too.
                    _ => {}
                }
            }
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(presence),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_participant_item_reads_back_and_each_movement_has_its_own_side() {
        assert_ne!(side(Movement::Connected), side(Movement::Disconnected));
        let mut item = Key::participant("RM1", "PA1").into_item();
        item.extend([
            ("participant_sid".into(), s("PA1")),
            ("identity".into(), s("acme:u1")),
            ("connected_at_ms".into(), n(5)),
        ]);
        let state = from_item(&item).unwrap();
        assert!(state.is_connected());
        assert_eq!(state.disconnected_at_ms, None);
        item.remove("identity");
        assert!(matches!(from_item(&item), Err(StoreError::Corrupt { .. })));
    }
}

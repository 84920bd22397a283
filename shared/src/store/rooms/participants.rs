//! Who is in a room now, from its participant callbacks, kept per participant SID (one SID per
//! connection) with the callbacks' own times, so that the answer does not depend on the order
//! or the number of deliveries: each side (connected, disconnected) keeps the latest time it
//! was reported, and a participant is in the room when it connected after it last disconnected.
//! A disconnect that arrives before its connect, or a connect delivered twice, changes nothing
//! in the result.

use async_trait::async_trait;

use super::RoomRecord;
use crate::store::StoreError;

/// Which way a participant moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Movement {
    /// `participant-connected`.
    Connected,
    /// `participant-disconnected`.
    Disconnected,
}

/// One participant callback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParticipantEvent {
    /// The room's `RM…`.
    pub room_sid: String,
    /// `PA…`.
    pub participant_sid: String,
    /// The participant's identity.
    pub identity: String,
    /// Connected or disconnected.
    pub movement: Movement,
    /// The callback's `Timestamp`, in Unix milliseconds.
    pub at_ms: i64,
}

/// What is known of one participant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParticipantState {
    /// `PA…`.
    pub participant_sid: String,
    /// The participant's identity.
    pub identity: String,
    /// The latest connect reported (Unix milliseconds).
    pub connected_at_ms: Option<i64>,
    /// The latest disconnect reported (Unix milliseconds).
    pub disconnected_at_ms: Option<i64>,
}

impl ParticipantState {
    /// A participant of whom nothing is known yet.
    pub fn new(participant_sid: &str, identity: &str) -> Self {
        Self {
            participant_sid: participant_sid.to_string(),
            identity: identity.to_string(),
            connected_at_ms: None,
            disconnected_at_ms: None,
        }
    }

    /// Applies `event` as the stores do: each side keeps the latest time reported.
    pub fn apply(&mut self, event: &ParticipantEvent) {
        self.identity.clone_from(&event.identity);
        let side = match event.movement {
            Movement::Connected => &mut self.connected_at_ms,
            Movement::Disconnected => &mut self.disconnected_at_ms,
        };
        *side = Some(side.map_or(event.at_ms, |t| t.max(event.at_ms)));
    }

    /// Whether the participant is in the room: connected, and not disconnected since (a
    /// disconnect at the same millisecond counts as after).
    pub fn is_connected(&self) -> bool {
        match (self.connected_at_ms, self.disconnected_at_ms) {
            (Some(connected), Some(disconnected)) => connected > disconnected,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }
}

/// A room's record and its participants, read together.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoomPresence {
    /// The room's record, once a callback has arrived.
    pub record: Option<RoomRecord>,
    /// Every participant seen, connected or not, in SID order.
    pub participants: Vec<ParticipantState>,
}

impl RoomPresence {
    /// The participants in the room now.
    pub fn connected(&self) -> impl Iterator<Item = &ParticipantState> {
        self.participants.iter().filter(|p| p.is_connected())
    }
}

/// Participants of rooms.
#[async_trait]
pub trait RoomParticipants: Send + Sync {
    /// Applies one participant callback atomically; an older time than the one kept for that
    /// side changes nothing.
    async fn participant_event(&self, event: &ParticipantEvent) -> Result<(), StoreError>;

    /// The room's record and participants.
    async fn presence(&self, room_sid: &str) -> Result<RoomPresence, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(movement: Movement, at_ms: i64) -> ParticipantEvent {
        ParticipantEvent {
            room_sid: "RM1".into(),
            participant_sid: "PA1".into(),
            identity: "acme:u1".into(),
            movement,
            at_ms,
        }
    }

    #[test]
    fn any_order_and_any_repetition_of_a_connect_and_a_disconnect_leave_the_participant_out() {
        use Movement::{Connected, Disconnected};
        let orders = [
            vec![event(Connected, 1), event(Disconnected, 2)],
            vec![event(Disconnected, 2), event(Connected, 1)],
            vec![
                event(Connected, 1),
                event(Connected, 1),
                event(Disconnected, 2),
            ],
            vec![
                event(Disconnected, 2),
                event(Connected, 1),
                event(Disconnected, 2),
            ],
        ];
        for order in orders {
            let mut state = ParticipantState::new("PA1", "acme:u1");
            for e in &order {
                state.apply(e);
            }
            assert!(!state.is_connected(), "{order:?}");
            assert_eq!(state.connected_at_ms, Some(1));
        }
        let mut state = ParticipantState::new("PA1", "acme:u1");
        state.apply(&event(Connected, 5));
        state.apply(&event(Connected, 5));
        assert!(state.is_connected());
        state.apply(&event(Disconnected, 5));
        assert!(!state.is_connected(), "a disconnect at the same time wins");
    }
}

//! Presence counts under shuffled, duplicated and concurrent participant callbacks, through the
//! webhook function on moto, with the embedded store applying the same events alike.

use integration_tests::rooms::admin;
use integration_tests::webhook::invoke;
use integration_tests::{backends, dynamo, sid, unique};
use shared::memory::MemoryStore;
use shared::store::rooms::participants::{Movement, ParticipantEvent, RoomParticipants};

use super::{look, opened, participant_callback, presence_state};

/// A small deterministic shuffle (xorshift), so each seed is a reproducible order.
fn shuffle<T>(items: &mut [T], mut seed: u64) {
    for i in (1..items.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        items.swap(i, (seed % (i as u64 + 1)) as usize);
    }
}

#[tokio::test]
async fn counts_are_right_under_shuffled_and_duplicated_callbacks() {
    let webhook = webhook::State::new(&integration_tests::config(&[]), &backends().await);
    let state = presence_state().await;
    for seed in [1u64, 7, 42, 1_000_003, 0xdead_beef] {
        let id = unique("r");
        let room = opened(&id).await;
        let stay: Vec<String> = (0..3).map(|_| sid("PA")).collect();
        let leave: Vec<String> = (0..3).map(|_| sid("PA")).collect();
        // (participant, connected, second, token): every callback twice, once redelivered with
        // its token and once with another one (so that the store itself must absorb it).
        let mut deliveries = Vec::new();
        for (i, p) in stay.iter().chain(&leave).enumerate() {
            let mut moves = vec![(true, 10 + i as u32)];
            if leave.contains(p) {
                moves.push((false, 30 + i as u32));
            }
            for (connected, at) in moves {
                let token = unique("t");
                deliveries.push((p.clone(), connected, at, token.clone()));
                deliveries.push((p.clone(), connected, at, token));
                deliveries.push((p.clone(), connected, at, unique("t")));
            }
        }
        shuffle(&mut deliveries, seed);
        let memory = MemoryStore::new();
        let sends = deliveries.iter().map(|(p, connected, at, token)| {
            invoke(
                &webhook,
                participant_callback(&room, &id, p, *connected, *at, token),
                None,
            )
        });
        for delivered in futures::future::join_all(sends).await {
            assert_eq!(delivered["statusCode"], 200, "{delivered}");
        }
        for (p, connected, at, _) in &deliveries {
            let movement = if *connected {
                Movement::Connected
            } else {
                Movement::Disconnected
            };
            let e = ParticipantEvent {
                room_sid: room.clone(),
                participant_sid: p.clone(),
                identity: format!("acme:{p}"),
                movement,
                at_ms: 1_795_654_800_000 + i64::from(*at) * 1000,
            };
            memory.participant_event(&e).await.unwrap();
        }
        let (status, seen) = look(&state, &id, Some(admin("acme", "boss"))).await;
        assert_eq!(status, 200, "{seen}");
        assert_eq!(seen["participant_count"], 3, "seed {seed}");
        let mut sids: Vec<String> = seen["participants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["sid"].as_str().unwrap().to_string())
            .collect();
        sids.sort();
        let mut want = stay.clone();
        want.sort();
        assert_eq!(sids, want, "seed {seed}");
        let stored = dynamo().await.presence(&room).await.unwrap().participants;
        assert_eq!(
            memory.presence(&room).await.unwrap().participants,
            stored,
            "seed {seed}"
        );
    }
}

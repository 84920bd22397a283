//! The DynamoDB rate-limit counters against moto's server: counted up to the limit, refused
//! beyond it without a write, per key and per window.

use integration_tests::{dynamo, unique};
use shared::store::ratelimit::{Hit, RateLimitStore, Window};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_hits_never_count_past_the_limit() {
    // scripts/moto_server.py applies each request atomically, as DynamoDB applies a conditional
    // update; what is tested here is our update and its condition under real concurrency.
    let store = std::sync::Arc::new(dynamo().await);
    let key = unique("concurrent:");
    let window = Window::containing(shared::clock::now_unix(), 600);
    let hits: Vec<_> = (0..20)
        .map(|_| {
            let (store, key) = (store.clone(), key.clone());
            tokio::spawn(async move { store.hit(&key, window, 5).await.unwrap() })
        })
        .collect();
    let mut counted = Vec::new();
    let mut limited = 0;
    for hit in hits {
        match hit.await.unwrap() {
            Hit::Counted { count } => counted.push(count),
            Hit::Limited { .. } => limited += 1,
        }
    }
    counted.sort();
    assert_eq!(counted, vec![1, 2, 3, 4, 5]);
    assert_eq!(limited, 15);
}

/// Hits, in order, each step's key in its window under its limit, asserting each answer.
async fn assert_hits(store: &impl RateLimitStore, steps: &[(&str, Window, u32, Hit)]) {
    for (i, (key, window, max, expected)) in steps.iter().enumerate() {
        let hit = store.hit(key, *window, *max).await.unwrap();
        assert_eq!(hit, *expected, "step {i}: {key} {window:?} max {max}");
    }
}

#[tokio::test]
async fn hits_count_up_to_the_limit_then_refuse_until_the_window_ends() {
    let store = dynamo().await;
    let key = unique("test:");
    let window = Window::containing(shared::clock::now_unix(), 600);
    let limited = Hit::Limited {
        reset_at: window.end,
    };
    let mut steps: Vec<_> = (1..=5)
        .map(|count| (key.as_str(), window, 5, Hit::Counted { count }))
        .collect();
    steps.extend([(key.as_str(), window, 5, limited); 3]);
    // A refused hit wrote nothing: a higher limit in the same window counts on from 5.
    steps.push((&key, window, 6, Hit::Counted { count: 6 }));
    assert_hits(&store, &steps).await;
}

#[tokio::test]
async fn keys_and_windows_count_apart() {
    let store = dynamo().await;
    let (a, b) = (unique("test:"), unique("test:"));
    let window = Window::containing(1_000_000_000, 600);
    let next = Window::containing(window.end, 600);
    let first = Hit::Counted { count: 1 };
    let limited = Hit::Limited {
        reset_at: window.end,
    };
    assert_hits(
        &store,
        &[
            (&a, window, 1, first),
            (&a, window, 1, limited),
            (&b, window, 1, first),
            (&a, next, 1, first),
        ],
    )
    .await;
}

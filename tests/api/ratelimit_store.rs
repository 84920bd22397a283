//! The DynamoDB rate-limit counters against moto's server: counted up to the limit, refused
//! beyond it without a write, per key and per window.

use integration_tests::{dynamo, unique};
use shared::store::ratelimit::{Hit, RateLimitStore, Window};

// Sequential on purpose: the guarantee that concurrent hits never count past the limit is
// DynamoDB's (a conditional update is atomic per item), and moto's server does not reproduce it:
// under parallel requests it loses updates (two "first" hits both count 1), so a concurrent test
// against moto would measure moto. What is ours, and tested here, is the update and its condition.
#[tokio::test]
async fn hits_count_up_to_the_limit_then_refuse_until_the_window_ends() {
    let store = dynamo().await;
    let key = unique("test:");
    let window = Window::containing(shared::clock::now_unix(), 600);
    for expected in 1..=5 {
        assert_eq!(
            store.hit(&key, window, 5).await.unwrap(),
            Hit::Counted { count: expected }
        );
    }
    for _ in 0..3 {
        assert_eq!(
            store.hit(&key, window, 5).await.unwrap(),
            Hit::Limited {
                reset_at: window.end
            }
        );
    }
    // A refused hit wrote nothing: a higher limit in the same window counts on from 5.
    assert_eq!(
        store.hit(&key, window, 6).await.unwrap(),
        Hit::Counted { count: 6 }
    );
}

#[tokio::test]
async fn keys_and_windows_count_apart() {
    let store = dynamo().await;
    let (a, b) = (unique("test:"), unique("test:"));
    let window = Window::containing(1_000_000_000, 600);
    assert_eq!(
        store.hit(&a, window, 1).await.unwrap(),
        Hit::Counted { count: 1 }
    );
    assert_eq!(
        store.hit(&a, window, 1).await.unwrap(),
        Hit::Limited {
            reset_at: window.end
        }
    );
    assert_eq!(
        store.hit(&b, window, 1).await.unwrap(),
        Hit::Counted { count: 1 }
    );
    let next = Window::containing(window.end, 600);
    assert_eq!(
        store.hit(&a, next, 1).await.unwrap(),
        Hit::Counted { count: 1 }
    );
}

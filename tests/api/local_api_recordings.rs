//! The README's recordings walk-through over HTTP, against the local API on a random port with
//! the embedded store and the fake Twilio, offline: an admin creates a recorded room, a client
//! joins (the fake's stand-in for a media connection), the room is completed, the fake calls
//! back (signed), the room is composed, the composition becomes available, the fake records
//! one recording-ready SMS, and the owner fetches the link with a step-up proof. Then the same
//! with the composition callbacks lost: the local schedule runs the reconciler, which finds the
//! composition finished at the fake and sends the SMS.

use std::time::Duration;

use integration_tests::local_api::{LocalApi, STEP_UP};
use reqwest::StatusCode;
use serde_json::{Value, json};

const OWNER_PHONE: &str = "+14155550100";

/// Waits (up to a generous bound, never asserted as a time) until the fake holds a message.
async fn first_message(api: &LocalApi) -> Vec<Value> {
    for _ in 0..300 {
        let messages = api.messages().await;
        if !messages.is_empty() {
            return messages;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no recording-ready SMS reached the fake Twilio");
}

/// The owner: an admin of acme with a phone number.
fn admin_args() -> [&'static str; 8] {
    [
        "--sub",
        "ops",
        "--tenant",
        "acme",
        "--scope",
        "video:admin",
        "--phone",
        OWNER_PHONE,
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_room_ends_its_owner_gets_one_sms_and_fetches_the_link_with_a_step_up() {
    let api = LocalApi::start(&[]).await;
    let admin = api.token(&admin_args());
    api.recorded_room_that_ends(&admin, "walk-1", &["acme:bob:web-1"])
        .await;

    let messages = first_message(&api).await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    let sms = &messages[0];
    assert_eq!(sms["to"], OWNER_PHONE);
    let service = api.setting("TWILIO_MESSAGING_SERVICE_SID");
    assert_eq!(sms["messaging_service_sid"], service);
    assert_eq!(sms["status"], "accepted");
    let text = sms["body"].as_str().unwrap();
    assert!(
        text.contains("class walk-1") && !text.contains("http"),
        "{text}"
    );

    let proof = api.step_up(&admin).await;
    let path = "/recordings/class/walk-1";
    let (status, body) = api.get(path, &admin, &[(STEP_UP, &proof)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let url = body["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{}/__twilio/media/CJ", api.base)),
        "{url}"
    );
    assert!(
        body["expires_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z')),
        "{body}"
    );
    let media = api.http.get(url).send().await.unwrap();
    assert_eq!(media.status(), StatusCode::OK);
    assert_eq!(media.headers()["content-type"], "video/mp4");

    // The participant may fetch it too; another user of the tenant may not; no proof, no link.
    for (sub, phone, want) in [
        ("bob", "+14155550101", (StatusCode::OK, Value::Null)),
        (
            "dave",
            "+14155550102",
            (StatusCode::FORBIDDEN, json!("recording_forbidden")),
        ),
    ] {
        let user = api.user(sub, phone);
        let proof = api.step_up(&user).await;
        let (status, body) = api.get(path, &user, &[(STEP_UP, &proof)]).await;
        assert_eq!(
            (status, &body["error"]["code"]),
            (want.0, &want.1),
            "{sub}: {body}"
        );
    }
    let (status, body) = api.get(path, &admin, &[]).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (StatusCode::UNAUTHORIZED, &json!("step_up_required"))
    );
    assert_eq!(api.messages().await.len(), 1, "still one SMS");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_composition_callbacks_lost_the_local_schedule_repairs_through_the_reconciler() {
    let api = LocalApi::start(&[
        ("LOCAL_FAKE_TWILIO_CALLBACKS", "rooms"),
        ("LOCAL_SCHEDULE_SECONDS", "1"),
        ("COMPOSITION_STUCK_AFTER_SECONDS", "1"),
    ])
    .await;
    let admin = api.token(&admin_args());
    api.recorded_room_that_ends(&admin, "walk-2", &["acme:erin"])
        .await;

    let messages = first_message(&api).await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0]["to"], OWNER_PHONE);
    let proof = api.step_up(&admin).await;
    let path = "/recordings/class/walk-2";
    let (status, body) = api.get(path, &admin, &[(STEP_UP, &proof)]).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the reconciler applied the lost available: {body}"
    );
    // Later runs find nothing owed: still one SMS.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(api.messages().await.len(), 1);
}

//! What is never logged: a whole scenario through the local API over HTTP (verify with a wrong
//! then the right code, the step-up proof, a token, an admin's room created and completed, the
//! room's signed callbacks, the audit listing, refusals), run in this test's own runtime with
//! every log line captured. No line may hold the API key secret, the Auth Token, the JWT key, a
//! bearer token, a callback signature, the step-up proof, the Access Token, a Verify code or the
//! caller's full phone number. (The composition callbacks and the recording link are not served
//! by the local API on this branch; the recordings branch adds them, and this scenario should
//! then go through them too.)

use integration_tests::LogCapture;
use integration_tests::local_api::{LocalApi, STEP_UP};
use local_api::fake_twilio::DEV_CODE as CODE;
use reqwest::Method;
use serde_json::json;

/// The caller's phone number: its digits must not appear in full anywhere.
const PHONE: &str = "+14155550123";
/// A code the fake Twilio refuses; it approves `123456`.
const WRONG_CODE: &str = "864209";

/// Every secret the scenario handled, to look for in the logs.
#[derive(Default)]
struct Secrets(Vec<String>);

impl Secrets {
    /// Remembers a token and its signature part.
    fn token(&mut self, token: &str) {
        self.0.push(token.to_string());
        if let Some(mac) = token.rsplit('.').next().filter(|m| m.len() >= 16) {
            self.0.push(mac.to_string());
        }
    }
}

#[tokio::test]
async fn a_whole_scenario_through_the_local_api_logs_no_secret_token_code_or_phone_number() {
    let logs = LogCapture::default();
    let _capture = logs.install();
    let c = LocalApi::start(&[]).await;
    let jwt_key = c.auth_secret().to_string();
    let mut secrets = Secrets::default();
    let user = c.user("alice", PHONE);
    let admin = c.token(&[
        "--sub",
        "carol",
        "--tenant",
        "acme",
        "--scope",
        "video:admin",
        "--phone",
        PHONE,
    ]);
    secrets.token(&user);
    secrets.token(&admin);

    let (status, _) = c
        .call(
            Method::POST,
            "/verify/start",
            &user,
            &[],
            Some(json!({"channel": "sms"})),
        )
        .await;
    assert_eq!(status, 202);
    let wrong = json!({"channel": "sms", "code": WRONG_CODE});
    let (status, answer) = c
        .call(Method::POST, "/verify/check", &user, &[], Some(wrong))
        .await;
    assert!(
        status.is_client_error() && answer["status"] == "pending",
        "{status} {answer}"
    );
    let right = json!({"channel": "sms", "code": CODE});
    let (status, answer) = c
        .call(Method::POST, "/verify/check", &user, &[], Some(right))
        .await;
    assert_eq!(status, 200, "{answer}");
    let proof = answer["step_up_token"].as_str().unwrap().to_string();
    secrets.token(&proof);
    let body = json!({"room": {"type": "class", "id": "logs"}, "device_id": "web-1"});
    let step_up = [(STEP_UP, proof.as_str())];
    let (status, answer) = c
        .call(Method::POST, "/video/token", &user, &step_up, Some(body))
        .await;
    assert_eq!(status, 200, "{answer}");
    secrets.token(answer["token"].as_str().unwrap());
    let forged = [(STEP_UP, "v1.forged.mac")];
    let (status, _) = c
        .call(
            Method::POST,
            "/video/token",
            &user,
            &forged,
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 401);
    let (status, _) = c
        .call(Method::GET, "/admin/audit", "not-a-jwt", &[], None)
        .await;
    assert_eq!(status, 401);

    let room = json!({"type": "class", "id": "logs", "record": true});
    let (status, answer) = c
        .call(Method::POST, "/admin/rooms", &admin, &[], Some(room))
        .await;
    assert!(status.is_success(), "{status} {answer}");
    let room_sid = answer["sid"].as_str().unwrap().to_string();
    for (event, sequence) in [("participant-connected", "1"), ("recording-started", "2")] {
        let params = [
            ("AccountSid", "AC00000000000000000000000000000000"),
            ("RoomSid", room_sid.as_str()),
            ("RoomName", "acme:class:logs"),
            ("StatusCallbackEvent", event),
            ("SequenceNumber", sequence),
            ("ParticipantIdentity", "acme:alice:web-1"),
        ];
        let (status, signature) = c.room_status(&params).await;
        assert_eq!(status, 200, "{event}");
        secrets.0.push(signature);
    }
    let complete = format!("/admin/rooms/{room_sid}/complete");
    let (status, answer) = c.call(Method::POST, &complete, &admin, &[], None).await;
    assert_eq!(status, 200, "{answer}");
    let ended = [
        ("AccountSid", "AC00000000000000000000000000000000"),
        ("RoomSid", room_sid.as_str()),
        ("RoomName", "acme:class:logs"),
        ("StatusCallbackEvent", "room-ended"),
        ("SequenceNumber", "3"),
    ];
    let (status, signature) = c.room_status(&ended).await;
    assert_eq!(status, 200);
    secrets.0.push(signature);
    let audit = format!("/admin/audit?room_sid={room_sid}");
    let (status, answer) = c.get(&audit, &admin, &[]).await;
    assert_eq!(status, 200, "{answer}");

    let text = logs.text();
    let lines = logs.lines();
    for message in [
        "verification sent",
        "verification checked",
        "access token minted",
        "twilio call",
        "room status callback processed",
    ] {
        assert!(
            lines.iter().any(|l| l["message"] == message),
            "the capture lacks {message:?}:\n{text}"
        );
    }
    assert!(
        lines.len() >= 15,
        "a non-trivial capture: {} lines",
        lines.len()
    );
    let mut forbidden: Vec<(String, String)> = vec![
        ("the API key secret".into(), c.setting("TWILIO_API_SECRET")),
        ("the Auth Token".into(), c.setting("TWILIO_AUTH_TOKEN")),
        ("the JWT key".into(), jwt_key.clone()),
        ("a Verify code".into(), CODE.into()),
        ("a Verify code".into(), WRONG_CODE.into()),
        ("the phone number".into(), PHONE[1..].into()),
        ("the phone number".into(), PHONE[2..].into()),
    ];
    forbidden.extend(
        secrets
            .0
            .iter()
            .map(|s| ("a token or signature".to_string(), s.clone())),
    );
    for (what, secret) in forbidden {
        let found = text.lines().find(|l| l.contains(&secret));
        assert!(
            found.is_none(),
            "{what} is logged: {}",
            found.unwrap_or_default()
        );
    }
}

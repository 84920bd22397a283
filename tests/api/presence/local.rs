//! The local API serves the route, from its embedded store and fake Twilio, over HTTP.

use integration_tests::local_api::{LocalApi, STEP_UP};
use integration_tests::{sid, unique};
use serde_json::json;

#[tokio::test]
async fn the_local_api_serves_presence_from_its_embedded_store() {
    let api = LocalApi::start(&[]).await;
    let bearer = api.user("alice", "+14155550100");
    let id = unique("r");
    let path = format!("/rooms/class/{id}");
    let (status, body) = api.get(&path, &bearer, &[]).await;
    assert_eq!(
        (status.as_u16(), body["error"]["code"].as_str()),
        (404, Some("room_not_found"))
    );
    let proof = api.step_up(&bearer).await;
    let join = json!({"room": {"type": "class", "id": id}});
    let (status, body) = api
        .call(
            reqwest::Method::POST,
            "/video/token",
            &bearer,
            &[(STEP_UP, &proof)],
            Some(join),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = api.get(&path, &bearer, &[]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["status"].as_str(), body["participant_count"].as_u64()),
        (Some("in-progress"), Some(0))
    );
    let room = body["sid"].as_str().unwrap().to_string();
    let name = format!("acme:class:{id}");
    let (status, _) = api
        .room_status(&[
            ("RoomSid", room.as_str()),
            ("RoomName", name.as_str()),
            ("StatusCallbackEvent", "participant-connected"),
            ("SequenceNumber", "1"),
            ("Timestamp", "2026-11-26T01:00:00.000Z"),
            ("ParticipantSid", &sid("PA")),
            ("ParticipantIdentity", "acme:alice"),
        ])
        .await;
    assert_eq!(status, 200);
    let (_, body) = api.get(&path, &bearer, &[]).await;
    assert_eq!(body["participant_count"], 1, "{body}");
}

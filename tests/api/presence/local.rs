//! The local API serves the route, from its embedded store and fake Twilio, over HTTP.

use integration_tests::{sid, unique};
use serde_json::{Value, json};

use crate::local_api_recordings::Api;

#[tokio::test]
async fn the_local_api_serves_presence_from_its_embedded_store() {
    let api = Api::start(&[]).await;
    let bearer = api.token(&[
        "--sub",
        "alice",
        "--tenant",
        "acme",
        "--phone",
        "+14155550100",
    ]);
    let call = |method: reqwest::Method, path: &str, body: Option<Value>, step_up: Option<&str>| {
        let (api, bearer) = (&api, &bearer);
        let (path, step_up) = (path.to_string(), step_up.map(str::to_string));
        async move {
            let (status, body) = api
                .call(method, &path, bearer, step_up.as_deref(), body)
                .await;
            (status.as_u16(), body)
        }
    };
    let id = unique("r");
    let path = format!("/rooms/class/{id}");
    let (status, body) = call(reqwest::Method::GET, &path, None, None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("room_not_found"))
    );
    let sms = json!({"channel": "sms"});
    assert_eq!(
        call(reqwest::Method::POST, "/verify/start", Some(sms), None)
            .await
            .0,
        202
    );
    let check = json!({"channel": "sms", "code": "123456"});
    let (_, approved) = call(reqwest::Method::POST, "/verify/check", Some(check), None).await;
    let proof = approved["step_up_token"].as_str().unwrap().to_string();
    let join = json!({"room": {"type": "class", "id": id}});
    let (status, body) = call(
        reqwest::Method::POST,
        "/video/token",
        Some(join),
        Some(&proof),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = call(reqwest::Method::GET, &path, None, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["status"].as_str(), body["participant_count"].as_u64()),
        (Some("in-progress"), Some(0))
    );
    let room = body["sid"].as_str().unwrap().to_string();
    let url = format!("{}/twilio/room-status", api.base);
    let name = format!("acme:class:{id}");
    let params: Vec<(String, String)> = [
        ("RoomSid", room.as_str()),
        ("RoomName", name.as_str()),
        ("StatusCallbackEvent", "participant-connected"),
        ("SequenceNumber", "1"),
        ("Timestamp", "2026-11-26T01:00:00.000Z"),
        ("ParticipantSid", &sid("PA")),
        ("ParticipantIdentity", "acme:alice"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let signature = shared::twilio::signature::compute("local-dev-auth-token", &url, &params);
    let sent = api
        .http
        .post(&url)
        .header("X-Twilio-Signature", signature)
        .form(&params)
        .send()
        .await;
    assert_eq!(sent.unwrap().status(), 200);
    let (_, body) = call(reqwest::Method::GET, &path, None, None).await;
    assert_eq!(body["participant_count"], 1, "{body}");
}

//! Tests of [`super`]: the unique name as one path segment, and a room decoded from Twilio's JSON.

use super::*;

#[test]
fn a_unique_name_is_one_percent_encoded_path_segment() {
    let base = Url::parse("https://video.twilio.com").unwrap();
    let url = url_under(&base, &["v1", "Rooms", "acme:class:9f3c-2b_1a"]);
    assert_eq!(
        url.as_str(),
        "https://video.twilio.com/v1/Rooms/acme%3Aclass%3A9f3c-2b_1a"
    );
    let prefixed = Url::parse("http://127.0.0.1:9/twilio/").unwrap();
    assert_eq!(
        url_under(&prefixed, &["v1", "Rooms"]).as_str(),
        "http://127.0.0.1:9/twilio/v1/Rooms"
    );
    assert_eq!(
        url_under(&base, &["a/b?c#d"]).path(),
        "/a%2Fb%3Fc%23d",
        "a segment never adds path levels, a query or a fragment"
    );
}

#[test]
fn a_room_decodes_from_twilios_json_and_unknown_statuses_are_kept_apart() {
    let room: Room = serde_json::from_value(serde_json::json!({
        "sid": "RM0123456789abcdef0123456789abcdef",
        "unique_name": "acme:class:1",
        "status": "in-progress",
        "type": "group",
        "max_participants": 25,
        "record_participants_on_connect": true,
        "date_created": "2026-11-26T01:00:00Z",
        "end_time": null,
        "links": {"participants": "https://video.twilio.com/v1/Rooms/RM…/Participants"}
    }))
    .unwrap();
    assert_eq!(room.status, RoomStatus::InProgress);
    assert_eq!(room.room_type.as_deref(), Some("group"));
    assert_eq!(room.record_participants_on_connect, Some(true));
    let odd: RoomStatus = serde_json::from_str("\"paused\"").unwrap();
    assert_eq!(odd, RoomStatus::Unknown);
    assert_eq!(
        serde_json::to_string(&RoomStatus::InProgress).unwrap(),
        "\"in-progress\""
    );
}

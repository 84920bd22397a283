//! `ROOM_CREATION=admin`: only in-progress rooms that `/admin/rooms` made get tokens.

use integration_tests::rooms::{admin, received};
use integration_tests::{
    backends, config_with_twilio, dynamo, event, request, unique, with_body, with_claims,
};
use serde_json::json;
use shared::http::Handler;
use shared::store::owners::RoomOwners;

use super::{end_room, join, token_state, twilio};

#[tokio::test]
async fn with_admin_creation_only_in_progress_rooms_an_admin_created_get_tokens() {
    let (twilio, rooms) = twilio().await;
    let state = token_state(&twilio, &[("ROOM_CREATION", "admin")]).await;
    let unknown = join(&state, &unique("u"), &unique("r")).await;
    assert_eq!(unknown.0, 404, "{}", unknown.1);
    assert_eq!(unknown.1["error"]["code"], "room_not_found");
    assert!(
        received(&twilio, "POST", "/v1/Rooms").await.is_empty(),
        "nothing created"
    );

    // A room an on_join token function created is not an admin's.
    let joined = unique("r");
    let on_join = token_state(&twilio, &[]).await;
    assert_eq!(join(&on_join, &unique("u"), &joined).await.0, 200);
    assert_eq!(join(&state, &unique("u"), &joined).await.0, 404);

    let id = unique("r");
    let config = config_with_twilio(&twilio.uri(), &[]);
    let admin_state = rooms::State::new(&config, &backends().await).unwrap();
    let body = json!({"type": "class", "id": id});
    let e = with_claims(
        with_body(event("admin-create-room"), &body),
        admin("acme", "boss"),
    );
    assert_eq!(admin_state.handle(request(&e)).await.status(), 201);
    let (status, body) = join(&state, &unique("u"), &id).await;
    assert_eq!(status, 200, "{body}");
    // The admin who created it owns it, not the joiner.
    let sid = rooms.created(&format!("acme:class:{id}"))[0].clone();
    assert_eq!(
        dynamo().await.owner(&sid).await.unwrap().unwrap().sub,
        "boss"
    );

    end_room(&twilio, &rooms, &format!("acme:class:{id}")).await;
    let ended = join(&state, &unique("u"), &id).await;
    assert_eq!(ended.0, 409, "{}", ended.1);
    assert_eq!(ended.1["error"]["code"], "room_ended");
    assert_eq!(
        rooms.created(&format!("acme:class:{id}")).len(),
        1,
        "no new room"
    );
}

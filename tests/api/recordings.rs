//! GET /recordings/{type}/{id} through the composition function, with `events/recordings-get.json`:
//! who may fetch (owner, admin, participant; another user of the tenant, another tenant), the
//! step-up proof (none, expired, another user's), and the composition's state (processing,
//! failed, none, deleted at Twilio), against moto and a wiremock Twilio whose Media endpoint
//! redirects, which the function must never follow.

use integration_tests::fixtures::{assert_error, twilio_and_own_table};
use integration_tests::recordings::{Pipeline, composition, ended_room, own};
use integration_tests::rooms::twilio_error;
use integration_tests::verify_token::{step_up, with_step_up, without_step_up};
use integration_tests::{event, json_body, request, sid, with_claims};
use serde_json::{Value, json};
use shared::aws::Backends;
use shared::clock::{now_unix, rfc3339};
use shared::http::Handler;
use shared::store::compositions::CompositionStatus;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

const NAME: &str = "acme:class:9f3c2b1a";

struct Room {
    twilio: MockServer,
    backends: Backends,
    cj: String,
    media: String,
}

/// A recorded room of `acme`, owned by alice, joined by bob, its composition in `status`; the
/// Media endpoint redirects to a signed URL on the same mock server.
async fn room(status: CompositionStatus) -> Room {
    let (twilio, backends) = twilio_and_own_table().await;
    let (rm, cj) = (sid("RM"), sid("CJ"));
    let now = now_unix();
    ended_room(
        &backends.store,
        &rm,
        NAME,
        &["acme:bob:web-1", "acme:erin"],
        now,
    )
    .await;
    own(&backends.store, &rm, NAME, "alice", Some("+14155550100")).await;
    composition(&backends.store, &rm, &cj, NAME, now, Some(status)).await;
    let media = format!("{}/signed/{cj}.mp4?Expires=600&Signature=abc", twilio.uri());
    media_of(&cj)
        .and(query_param("Ttl", "600"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("Location", media.as_str())
                .set_body_json(json!({ "redirect_to": media })),
        )
        .mount(&twilio)
        .await;
    Room {
        twilio,
        backends,
        cj,
        media,
    }
}

/// A `Mock` of the Media of the composition `cj`.
fn media_of(cj: &str) -> MockBuilder {
    Mock::given(method("GET")).and(path(format!("/v1/Compositions/{cj}/Media")))
}

fn claims(tenant: &str, sub: &str, scope: &str) -> Value {
    json!({"sub": sub, "tenant": tenant, "scope": scope})
}

/// The fixture as `sub` of `tenant` with `scope`, carrying a fresh proof of theirs.
fn get(tenant: &str, sub: &str, scope: &str) -> Value {
    let proof = step_up(tenant, sub, now_unix(), 600);
    with_step_up(
        with_claims(event("recordings-get"), claims(tenant, sub, scope)),
        &proof,
    )
}

/// [`get`] as `sub` of `tenant` with `scope`, answered.
async fn ask(room: &Room, tenant: &str, sub: &str, scope: &str) -> (u16, Value) {
    answer(room, get(tenant, sub, scope)).await
}

async fn answer(room: &Room, event: Value) -> (u16, Value) {
    let state = Pipeline::new(&room.twilio, &room.backends, &[]).composition;
    let response = state.handle(request(&event)).await;
    (response.status().as_u16(), json_body(&response))
}

#[tokio::test]
async fn the_owner_an_admin_and_a_participant_get_a_short_lived_link() {
    let room = room(CompositionStatus::Completed).await;
    for (who, event) in [
        ("owner", get("acme", "alice", "openid")),
        ("admin", get("acme", "carol", "openid video:admin")),
        ("participant on a device", get("acme", "bob", "openid")),
        ("participant", get("acme", "erin", "openid")),
    ] {
        let before = now_unix();
        let (status, body) = answer(&room, event).await;
        assert_eq!(status, 200, "{who}: {body}");
        assert_eq!(body["url"], room.media.as_str(), "{who}");
        let expires = body["expires_at"].as_str().unwrap();
        assert!(
            (before + 600..=now_unix() + 600).any(|t| rfc3339(t) == expires),
            "{who}: {expires}"
        );
    }
    let received = room.twilio.received_requests().await.unwrap();
    assert_eq!(received.len(), 4);
    assert!(
        received
            .iter()
            .all(|r| r.url.path() == format!("/v1/Compositions/{}/Media", room.cj)),
        "the redirect is read, never followed"
    );
}

#[tokio::test]
async fn anyone_else_is_refused_and_another_tenant_finds_nothing() {
    let room = room(CompositionStatus::Completed).await;
    // The same user name in another tenant names that tenant's room, which has no recording.
    for (tenant, sub, scope, status, code) in [
        ("acme", "dave", "openid", 403, "recording_forbidden"),
        (
            "globex",
            "alice",
            "openid video:admin",
            404,
            "recording_not_found",
        ),
    ] {
        assert_error(&ask(&room, tenant, sub, scope).await, status, code);
    }
    assert!(room.twilio.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_missing_expired_or_borrowed_step_up_is_refused_before_anything_is_read() {
    let room = room(CompositionStatus::Completed).await;
    let owner = with_claims(event("recordings-get"), claims("acme", "alice", "openid"));
    let expired = step_up("acme", "alice", now_unix() - 700, 600);
    let bobs = step_up("acme", "bob", now_unix(), 600);
    for (event, status, code) in [
        (without_step_up(owner.clone()), 401, "step_up_required"),
        (
            with_step_up(owner.clone(), &expired),
            403,
            "step_up_expired",
        ),
        (with_step_up(owner.clone(), &bobs), 403, "step_up_mismatch"),
    ] {
        assert_error(&answer(&room, event).await, status, code);
    }
    let (status, _) = answer(&room, with_step_up(owner, "v1.forged.mac")).await;
    assert_eq!(status, 401);
    assert!(room.twilio.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_composition_in_progress_is_a_409_with_its_status_and_a_failed_one_a_410() {
    let processing = room(CompositionStatus::Processing).await;
    let asked = ask(&processing, "acme", "alice", "openid").await;
    let body = assert_error(&asked, 409, "recording_processing");
    assert_eq!(body["status"], "processing");
    let failed = room(CompositionStatus::Failed).await;
    assert_error(
        &ask(&failed, "acme", "alice", "openid").await,
        410,
        "recording_failed",
    );
    assert!(failed.twilio.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_room_without_a_recording_is_a_404_and_a_bad_name_a_400() {
    let (twilio, backends) = twilio_and_own_table().await;
    let room = Room {
        twilio,
        backends,
        cj: String::new(),
        media: String::new(),
    };
    assert_error(
        &ask(&room, "acme", "alice", "openid").await,
        404,
        "recording_not_found",
    );
    let mut bad = get("acme", "alice", "openid");
    bad["pathParameters"]["id"] = Value::String("no:colons".into());
    assert_error(&answer(&room, bad).await, 400, "invalid_room");
}

#[tokio::test]
async fn media_deleted_at_twilio_is_a_410_and_a_json_redirect_is_read_too() {
    let room = room(CompositionStatus::Completed).await;
    room.twilio.reset().await;
    media_of(&room.cj)
        .respond_with(twilio_error(
            404,
            20404,
            "The requested resource was not found",
        ))
        .up_to_n_times(1)
        .mount(&room.twilio)
        .await;
    assert_error(
        &ask(&room, "acme", "alice", "openid").await,
        410,
        "recording_deleted",
    );
    media_of(&room.cj)
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "redirect_to": "https://media.example.com/c.mp4?sig=1"
        })))
        .mount(&room.twilio)
        .await;
    let (status, body) = ask(&room, "acme", "alice", "openid").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["url"], "https://media.example.com/c.mp4?sig=1");
}

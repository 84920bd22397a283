//! POST /video/token through the token function's handler, with `events/token.json`: the
//! step-up proof (missing, forged, expired, another user's or tenant's), the body's fields, the
//! answer, and a warm path that needs neither Secrets Manager nor Twilio.

use std::time::Duration;

use aws_sdk_secretsmanager::Client;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use integration_tests::rooms::rooms_config;
use integration_tests::secrets::{api_key_store, create_secret, delete_secret};
use integration_tests::verify_token::{step_up, token_state, with_step_up, without_step_up};
use integration_tests::{
    ACCOUNT_SID, API_KEY_SECRET, API_KEY_SID, dynamo, event, json_body, request, sdk, unique,
    with_body, with_claims, without_claims,
};
use serde_json::{Value, json};
use shared::clock::now_unix;
use shared::http::Handler;
use shared::secrets::SecretStore;
use shared::stepup::StepUpKey;

/// The token function on moto with `secrets`.
async fn token_with_secrets(
    config: &shared::config::Config,
    secrets: std::sync::Arc<SecretStore>,
) -> token::State {
    let store = std::sync::Arc::new(dynamo().await);
    let backends = shared::aws::Backends {
        store,
        secrets,
        ..integration_tests::backends().await
    };
    token::State::new(config, &backends).unwrap()
}

fn claims(tenant: &str, sub: &str) -> Value {
    json!({"sub": sub, "tenant": tenant})
}

/// The token event for `tenant`/`sub` carrying `proof`, with `body`.
fn token_event(tenant: &str, sub: &str, proof: &str, body: Value) -> Value {
    with_step_up(
        with_claims(with_body(event("token"), &body), claims(tenant, sub)),
        proof,
    )
}

fn room_body() -> Value {
    json!({"room": {"type": "class", "id": "9f3c2b1a"}, "device_id": "web-1"})
}

fn claims_of(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

#[tokio::test]
async fn a_valid_step_up_gives_a_token_for_the_tenants_room() {
    let state = token_state(&[("VIDEO_TOKEN_TTL_SECONDS", "900")]).await;
    let sub = unique("user-");
    let proof = step_up("acme", &sub, now_unix(), 600);
    let before = now_unix();
    let response = state
        .handle(request(&token_event("acme", &sub, &proof, room_body())))
        .await;
    assert_eq!(response.status(), 200, "{}", json_body(&response));
    let answer = json_body(&response);
    assert_eq!(answer["identity"], format!("acme:{sub}:web-1"));
    assert_eq!(answer["room"], "acme:class:9f3c2b1a");
    let claims = claims_of(answer["token"].as_str().unwrap());
    assert_eq!(claims["grants"]["identity"], answer["identity"]);
    assert_eq!(claims["grants"]["video"]["room"], "acme:class:9f3c2b1a");
    assert_eq!(claims["iss"], API_KEY_SID);
    assert_eq!(claims["sub"], ACCOUNT_SID);
    let exp = claims["exp"].as_i64().unwrap();
    assert!((before + 900..=now_unix() + 900).contains(&exp));
    assert_eq!(
        answer["expires_at"],
        shared::clock::rfc3339(exp),
        "expires_at is the token's exp in RFC 3339"
    );
    assert_eq!(response.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn the_event_file_with_its_users_proof_gets_a_token_without_a_device() {
    let state = token_state(&[]).await;
    let proof = step_up("acme", "user-42", now_unix(), 600);
    let mut e = with_step_up(event("token"), &proof);
    e = with_body(e, &json!({"room": {"type": "class", "id": "9f3c2b1a"}}));
    let response = state.handle(request(&e)).await;
    assert_eq!(response.status(), 200, "{}", json_body(&response));
    assert_eq!(json_body(&response)["identity"], "acme:user-42");
}

#[tokio::test]
async fn without_a_step_up_proof_the_answer_is_401() {
    let state = token_state(&[]).await;
    let response = state
        .handle(request(&without_step_up(event("token"))))
        .await;
    assert_eq!(response.status(), 401);
    assert_eq!(json_body(&response)["error"]["code"], "step_up_required");
    let empty = with_step_up(event("token"), " ");
    assert_eq!(state.handle(request(&empty)).await.status(), 401);
    // And without the caller's claims at all.
    let response = state.handle(request(&without_claims(event("token")))).await;
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn a_forged_proof_is_401() {
    let state = token_state(&[]).await;
    let sub = unique("user-");
    let genuine = step_up("acme", &sub, now_unix(), 600);
    // Signed with another key (e.g. guessed, or a retired API key's).
    let other_key = StepUpKey::from_secret(b"not-the-api-key-secret")
        .issue(
            &integration_tests::verify_token::caller("acme", &sub),
            now_unix(),
            600,
        )
        .token;
    // The genuine proof's claims rewritten to a longer life, keeping its MAC.
    let parts: Vec<&str> = genuine.split('.').collect();
    let stretched = URL_SAFE_NO_PAD.encode(
        json!({"ten": "acme", "sub": sub, "exp": now_unix() + 86_400, "jti": "x"}).to_string(),
    );
    let rewritten = format!("v1.{stretched}.{}", parts[2]);
    // The API key secret itself is not the proof key.
    let raw_secret = format!("v1.{}.{}", parts[1], URL_SAFE_NO_PAD.encode(API_KEY_SECRET));
    for forged in [
        other_key.as_str(),
        rewritten.as_str(),
        raw_secret.as_str(),
        "v1.e30.AAAA",
        "garbage",
    ] {
        let response = state
            .handle(request(&token_event("acme", &sub, forged, room_body())))
            .await;
        assert_eq!(response.status(), 401, "{forged}");
        assert_eq!(
            json_body(&response)["error"]["code"],
            "invalid_step_up_token"
        );
    }
}

#[tokio::test]
async fn an_expired_proof_is_403() {
    let state = token_state(&[]).await;
    let sub = unique("user-");
    let expired = step_up("acme", &sub, now_unix() - 700, 600);
    let response = state
        .handle(request(&token_event("acme", &sub, &expired, room_body())))
        .await;
    assert_eq!(response.status(), 403);
    assert_eq!(json_body(&response)["error"]["code"], "step_up_expired");
}

#[tokio::test]
async fn another_users_or_another_tenants_proof_is_403() {
    let state = token_state(&[]).await;
    let sub = unique("user-");
    let alices = step_up("acme", &sub, now_unix(), 600);
    for (tenant, caller) in [("acme", unique("mallory-")), ("globex", sub.clone())] {
        let response = state
            .handle(request(&token_event(tenant, &caller, &alices, room_body())))
            .await;
        assert_eq!(response.status(), 403, "{tenant}:{caller}");
        assert_eq!(json_body(&response)["error"]["code"], "step_up_mismatch");
    }
}

#[tokio::test]
async fn invalid_room_fields_are_400s_naming_the_field() {
    let state = token_state(&[]).await;
    let sub = unique("user-");
    let proof = step_up("acme", &sub, now_unix(), 600);
    for (body, field) in [
        (json!({}), "room"),
        (json!({"room": "acme:class:1"}), "room"),
        (json!({"room": {"id": "1"}}), "room.type"),
        (json!({"room": {"type": "class"}}), "room.id"),
        (json!({"room": {"type": "cl:ass", "id": "1"}}), "room.type"),
        (json!({"room": {"type": "class", "id": "a b"}}), "room.id"),
        (json!({"room": {"type": "class", "id": 7}}), "room.id"),
        (
            json!({"room": {"type": "class", "id": "x".repeat(65)}}),
            "room.id",
        ),
        (
            json!({"room": {"type": "c".repeat(64), "id": "x".repeat(64)}}),
            "room",
        ),
        (
            json!({"room": {"type": "class", "id": "1"}, "device_id": "web:1"}),
            "device_id",
        ),
        (
            json!({"room": {"type": "class", "id": "1"}, "device_id": 1}),
            "device_id",
        ),
    ] {
        let response = state
            .handle(request(&token_event("acme", &sub, &proof, body.clone())))
            .await;
        assert_eq!(response.status(), 400, "{body}");
        let message = json_body(&response)["error"]["message"].to_string();
        assert!(message.contains(field), "{body}: {message}");
    }
    let mut not_json = token_event("acme", &sub, &proof, json!({}));
    not_json["body"] = Value::String("room=1".into());
    assert_eq!(state.handle(request(&not_json)).await.status(), 400);
}

#[tokio::test]
async fn a_warm_function_mints_without_calling_secrets_manager_again() {
    // The API key in Secrets Manager (moto), read once by the first request.
    let client = Client::new(sdk().await);
    let key = json!({"account_sid": ACCOUNT_SID, "api_key_sid": API_KEY_SID, "api_key_secret": API_KEY_SECRET});
    let id = create_secret(&client, "twilio-", &key).await;
    let secrets = std::sync::Arc::new(api_key_store(&client, &id, Duration::from_secs(300)));
    let config = rooms_config(&[]).await;
    let state = token_with_secrets(&config, secrets).await;
    let sub = unique("user-");
    let proof = step_up("acme", &sub, now_unix(), 600);
    let mint = || request(&token_event("acme", &sub, &proof, room_body()));
    assert_eq!(state.handle(mint()).await.status(), 200);
    // With the secret gone, only a cached copy can sign: the warm path never asks again.
    delete_secret(&client, &id).await;
    assert_eq!(state.handle(mint()).await.status(), 200);
    // A cold function cannot: the secret really is gone.
    let cold = token_with_secrets(
        &config,
        std::sync::Arc::new(SecretStore::new(
            Some(client),
            Some(id),
            None,
            Duration::from_secs(300),
            |_| None,
        )),
    )
    .await;
    assert_eq!(cold.handle(mint()).await.status(), 503);
}

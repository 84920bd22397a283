//! What a rotation must not break: step-up proofs (on a function that has refreshed its cached
//! secret and on one that has not), and the promise that logs carry key SIDs, never a secret.

use std::sync::Arc;
use std::time::Duration;

use integration_tests::verify_token::{caller, with_step_up};
use integration_tests::{AUTH_TOKEN, event, json_body, request, unique, with_body, with_claims};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use shared::clock::now_unix;
use shared::http::Handler;
use shared::secrets::{SecretStore, Secrets};
use shared::stepup::StepUpKey;

use super::world::{World, scheduled};

/// The token function over the rotated secret, caching it for `ttl` (its rooms at the shared
/// fake Twilio).
async fn token_function(w: &World, ttl: Duration) -> (token::State, Arc<SecretStore>) {
    let secrets = Arc::new(SecretStore::new(
        Some(w.sm.clone()),
        Some(w.secret_id.clone()),
        None,
        ttl,
        |_| None,
    ));
    let config = integration_tests::rooms::rooms_config(&[]).await;
    let backends = shared::aws::Backends {
        store: Arc::new(integration_tests::dynamo().await),
        secrets: secrets.clone(),
        ..integration_tests::backends().await
    };
    (token::State::new(&config, &backends).unwrap(), secrets)
}

/// A proof as `/verify/check` issues it on a function that has just read the secret.
async fn proof_now(w: &World, sub: &str) -> String {
    let (_, secrets) = token_function(w, Duration::ZERO).await;
    let creds = secrets.twilio().await.unwrap();
    StepUpKey::derive(&creds)
        .issue(&caller("acme", sub), now_unix(), 600)
        .token
}

/// Asks `function` for a token with `proof`: the status, and the key that signed the token.
async fn mint(function: &token::State, sub: &str, proof: &str) -> (u16, Value) {
    let body = json!({"room": {"type": "class", "id": "9f3c2b1a"}});
    let e = with_claims(
        with_body(event("token"), &body),
        json!({"sub": sub, "tenant": "acme"}),
    );
    let response = function.handle(request(&with_step_up(e, proof))).await;
    let answer = json_body(&response);
    let iss = answer["token"]
        .as_str()
        .and_then(|jwt| jwt.split('.').nth(1))
        .map(|p| {
            use base64::Engine;
            let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .unwrap();
            serde_json::from_slice::<Value>(&raw).unwrap()["iss"].clone()
        })
        .unwrap_or(Value::Null);
    (response.status().as_u16(), iss)
}

#[tokio::test]
async fn step_up_proofs_issued_before_a_rotation_pass_after_it_on_refreshed_and_stale_functions() {
    let w = World::new().await;
    let sub = unique("user-");
    let (stale, _) = token_function(&w, Duration::from_secs(3600)).await;
    let (fresh, _) = token_function(&w, Duration::ZERO).await;
    let before = proof_now(&w, &sub).await;
    // The stale function reads (and caches) the secret before the rotation.
    assert_eq!(mint(&stale, &sub, &before).await.0, 200);

    w.invoke(scheduled()).await.unwrap();
    let new_key = w.current().await.key_sid().to_string();
    assert_eq!(mint(&fresh, &sub, &before).await, (200, json!(new_key)));
    assert_eq!(mint(&stale, &sub, &before).await, (200, json!(w.first_key)));
    // A proof fresh from a refreshed function passes on the stale one, and the other way round.
    let after = proof_now(&w, &sub).await;
    assert_eq!(mint(&stale, &sub, &after).await.0, 200);
    assert_eq!(mint(&fresh, &sub, &after).await.0, 200);

    w.invoke(scheduled()).await.unwrap();
    for proof in [&before, &after] {
        assert_eq!(mint(&fresh, &sub, proof).await.0, 200);
        assert_eq!(mint(&stale, &sub, proof).await.0, 200);
    }
    // Still a proof only of ours: a forged one is refused on both.
    let forged = StepUpKey::from_secret(b"not ours").issue(&caller("acme", &sub), now_unix(), 600);
    assert_eq!(mint(&fresh, &sub, &forged.token).await.0, 401);
    assert_eq!(mint(&stale, &sub, &forged.token).await.0, 401);
}

#[tokio::test]
async fn a_run_logs_key_sids_and_never_a_secret() {
    let buffer = integration_tests::logs::captured();
    let w = World::new().await;
    let event = scheduled();
    let report = w.invoke(event.clone()).await.unwrap();
    let logs = buffer.text();
    let id = event["id"].as_str().unwrap();
    let ours: Vec<&str> = logs.lines().filter(|l| l.contains(id)).collect();
    let current = w.current().await;
    let raw = w.current_document().await;
    for sid in [current.key_sid(), w.first_key.as_str()] {
        assert!(ours.iter().any(|l| l.contains(sid)), "{sid} in {ours:?}");
    }
    assert!(report.rotated);
    for secret in [
        current.credentials().api_key_secret.expose_secret(),
        w.first_secret.as_str(),
        AUTH_TOKEN,
        raw["step_up_key"].as_str().unwrap(),
    ] {
        assert!(!logs.contains(secret), "a secret was logged");
    }
}

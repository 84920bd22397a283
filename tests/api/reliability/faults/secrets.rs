//! Secrets Manager unreachable: while a function is warm, the cached secret is served and the
//! failed refresh logged; at a cold start, a clean 503 in the one error shape (no panic, no
//! detail), and the next invocation recovers once Secrets Manager is back. Both secrets: the
//! API key (the token function) and the Auth Token (the room callback).

use std::sync::Arc;
use std::time::{Duration, Instant};

use integration_tests::faults::{Fault, FaultProxy, Limits, Match, moto, secrets_client};
use integration_tests::verify_token::step_up;
use integration_tests::webhook::{body, invoke, room_params, room_status};
use integration_tests::{
    ACCOUNT_SID, API_KEY_SECRET, API_KEY_SID, AUTH_TOKEN, LogCapture, config, sdk, sid, unique,
};
use serde_json::{Value, json};
use shared::clock::now_unix;
use shared::secrets::SecretStore;
use shared::store::rooms::names::RoomEntry;

use super::BUDGET;
use crate::reliability::{MOTO, answer, embedded, events, within};

/// The two secrets in moto, with the test credentials; their ids.
async fn secrets_in_moto() -> (String, String) {
    let sm = aws_sdk_secretsmanager::Client::new(sdk().await);
    let mut ids = Vec::new();
    for value in [
        json!({"account_sid": ACCOUNT_SID, "api_key_sid": API_KEY_SID, "api_key_secret": API_KEY_SECRET}),
        json!({"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN}),
    ] {
        let id = unique("reliability-secret-");
        let created = sm
            .create_secret()
            .name(&id)
            .secret_string(value.to_string());
        created.send().await.unwrap();
        ids.push(id);
    }
    (ids.remove(0), ids.remove(0))
}

/// The token and room callback functions, reading both secrets through `proxy`, cached `ttl`.
async fn functions(proxy: &FaultProxy, ttl: Duration) -> (token::State, webhook::State) {
    let (api_key, auth) = secrets_in_moto().await;
    let client = secrets_client(proxy, Limits::Deployed).await;
    let secrets = SecretStore::new(Some(client), Some(api_key), Some(auth), ttl, |_| None);
    let mut backends = embedded().await;
    backends.secrets = Arc::new(secrets);
    // The requests' room is known in progress: a join then needs no Twilio call.
    let room = RoomEntry::opened(
        "acme:class:9f3c2b1a",
        &sid("RM"),
        None,
        false,
        false,
        now_unix(),
    );
    backends.store.name_opened(&room).await.unwrap();
    let config = config(&[]);
    (
        token::State::new(&config, &backends).unwrap(),
        webhook::State::new(&config, &backends),
    )
}

/// A token request of a fresh user, and a signed participant callback of a fresh room.
fn requests() -> (Value, Value) {
    let sub = unique("u");
    let proof = step_up("acme", &sub, now_unix(), 600);
    let token = events::token("acme", &sub, &proof, "9f3c2b1a");
    let room = sid("RM");
    let params = room_params(
        &room,
        "participant-connected",
        "1",
        &[("ParticipantIdentity", "acme:bob")],
    );
    (token, room_status(&params, Some(&unique("tok-"))))
}

#[tokio::test]
async fn at_a_cold_start_with_secrets_manager_unreachable_each_route_answers_a_clean_503_and_the_next_recovers()
 {
    for fault in [
        Fault::aws_500("InternalServiceError"),
        Fault::Drop,
        Fault::held(),
    ] {
        let proxy = FaultProxy::start(&moto()).await;
        let (token, webhook) = functions(&proxy, Duration::from_secs(300)).await;
        proxy.fail(Match::aws("GetSecretValue"), fault.clone());
        let (mint, callback) = requests();
        for (what, handler, event) in [
            ("token", &token as &dyn shared::http::Handler, mint),
            ("room callback", &webhook, callback),
        ] {
            let started = Instant::now();
            let response = invoke(handler, event.clone(), Some(BUDGET)).await;
            within(started, BUDGET, what);
            let expected = (503, "service_unavailable".to_string());
            assert_eq!(answer(&response), expected, "{what} {fault:?}: {response}");
            let message = body(&response)["error"]["message"]
                .as_str()
                .unwrap()
                .to_string();
            assert!(
                !message.contains("secret") && !message.contains("fault"),
                "{message}"
            );
            proxy.heal();
            let response = invoke(handler, event, Some(BUDGET)).await;
            assert_eq!(response["statusCode"], 200, "{what} recovers: {response}");
            proxy.fail(Match::aws("GetSecretValue"), fault.clone());
        }
    }
}

#[tokio::test]
async fn while_warm_with_secrets_manager_unreachable_the_cached_secrets_are_served_and_the_failure_logged()
 {
    let _calm = MOTO.read().await;
    let logs = LogCapture::default();
    let _capture = logs.install();
    let proxy = FaultProxy::start(&moto()).await;
    let ttl = Duration::from_millis(300);
    let (token, webhook) = functions(&proxy, ttl).await;
    let (mint, callback) = requests();
    assert_eq!(invoke(&token, mint.clone(), None).await["statusCode"], 200);
    assert_eq!(invoke(&webhook, callback, None).await["statusCode"], 200);
    proxy.fail(
        Match::aws("GetSecretValue"),
        Fault::aws_500("InternalServiceError"),
    );
    tokio::time::sleep(ttl + Duration::from_millis(100)).await;
    let (_, callback) = requests();
    assert_eq!(invoke(&token, mint, Some(BUDGET)).await["statusCode"], 200);
    assert_eq!(
        invoke(&webhook, callback, Some(BUDGET)).await["statusCode"],
        200
    );
    let refreshes = proxy.seen_matching(&Match::aws("GetSecretValue"));
    assert!(
        refreshes.iter().any(|s| s.faulted),
        "a refresh was tried and failed"
    );
    let logged = logs.count("secret refresh failed; serving the cached value");
    assert_eq!(logged, 2, "one warning per secret:\n{}", logs.text());
    assert!(!logs.text().contains(API_KEY_SECRET) && !logs.text().contains(AUTH_TOKEN));
}

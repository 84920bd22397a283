//! The webhook function with shared-key signatures: a callback carrying
//! `X-Twilio-Webhooks-Signature-Settings: key=…,algorithm=HMAC_SHA256` is checked with the shared
//! key the auth secret's `webhook_keys` holds (from the environment or Secrets Manager), so the
//! function needs no Auth Token; a key we do not hold, an unsupported algorithm, or an Auth Token
//! signature where none is held is a logged 403 that leaves nothing behind.

use std::sync::Arc;
use std::time::Duration;

use integration_tests::secrets::create_secret;
use integration_tests::webhook::{body, invoke, room_params, room_status, status};
use integration_tests::{
    ACCOUNT_SID, API_KEY_SECRET, API_KEY_SID, backends, config, dynamo, sdk, sid,
};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use shared::secrets::{SecretStore, Secrets};
use shared::store::rooms::RoomRecords;
use shared::twilio::signature::{self, Algorithm, compute_with};
use shared::twilio::signature_settings;

/// The shared key's id, shaped as Twilio's webhook configuration names them.
const KEY_ID: &str = "webhooks_sharedkey_0123456789abcdef";
/// The shared key's secret.
const KEY: &str = "test-shared-key-secret";

/// The environment of a callback function that holds only a shared key: no Auth Token at all.
fn shared_key_only_env(name: &str) -> Option<String> {
    Some(
        match name {
            "TWILIO_ACCOUNT_SID" => ACCOUNT_SID.to_string(),
            "TWILIO_API_KEY" => API_KEY_SID.to_string(),
            "TWILIO_API_SECRET" => API_KEY_SECRET.to_string(),
            "TWILIO_WEBHOOK_KEYS" => json!({ KEY_ID: KEY }).to_string(),
            _ => return None,
        }
        .to_string(),
    )
}

/// The webhook function over `secrets` (the test table, no Twilio call needed).
async fn webhook_over(secrets: Arc<dyn Secrets>) -> webhook::State {
    let mut backends = backends().await;
    backends.secrets = secrets;
    webhook::State::new(&config(&[]), &backends)
}

async fn shared_key_webhook() -> webhook::State {
    let secrets = SecretStore::new(
        None,
        None,
        None,
        Duration::from_secs(300),
        shared_key_only_env,
    );
    webhook_over(Arc::new(secrets)).await
}

/// A room-created callback for `room` signed with `key` under `algorithm`, carrying
/// `settings` as `X-Twilio-Webhooks-Signature-Settings` (none when `None`).
fn shared_key_callback(
    room: &str,
    key: &str,
    algorithm: Algorithm,
    settings: Option<&str>,
) -> Value {
    let params = room_params(room, "room-created", "0", &[]);
    let mut event = room_status(&params, None);
    let owned: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let url = integration_tests::webhook::room_status_url();
    let headers = event["headers"].as_object_mut().expect("headers");
    headers.insert(
        signature::HEADER.into(),
        compute_with(algorithm, key.as_bytes(), &url, &owned).into(),
    );
    if let Some(settings) = settings {
        headers.insert(signature_settings::HEADER.into(), settings.into());
    }
    event
}

fn settings(algorithm: &str) -> String {
    format!("key={KEY_ID},algorithm={algorithm}")
}

#[tokio::test]
async fn a_callback_signed_with_a_shared_key_is_accepted_by_a_function_holding_no_auth_token() {
    let state = shared_key_webhook().await;
    let room = sid("RM");
    let event = shared_key_callback(
        &room,
        KEY,
        Algorithm::HmacSha256,
        Some(&settings("HMAC_SHA256")),
    );
    let response = invoke(&state, event, None).await;
    assert_eq!(status(&response), 200, "{response}");
    assert!(
        dynamo().await.room_record(&room).await.unwrap().is_some(),
        "the callback was processed"
    );
}

#[tokio::test]
async fn a_key_we_do_not_hold_an_unsupported_algorithm_or_an_auth_token_signature_is_a_403() {
    let logs = integration_tests::logs::captured();
    let state = shared_key_webhook().await;
    let unknown = "key=webhooks_sharedkey_unknown,algorithm=HMAC_SHA256".to_string();
    let cases: [(&str, &str, Algorithm, Option<String>); 5] = [
        (
            "unknown_signing_key",
            KEY,
            Algorithm::HmacSha256,
            Some(unknown),
        ),
        (
            "unsupported_signature_algorithm",
            KEY,
            Algorithm::HmacSha256,
            Some(settings("HMAC_MD5")),
        ),
        (
            "invalid_signature_settings",
            KEY,
            Algorithm::HmacSha256,
            Some("algorithm=HMAC_SHA256".into()),
        ),
        // Signed with the Auth Token's MAC, no settings header: we hold no Auth Token.
        ("shared_key_required", KEY, Algorithm::HmacSha1, None),
        // The right settings, the wrong key.
        (
            "invalid_signature",
            "not-the-key",
            Algorithm::HmacSha256,
            Some(settings("HMAC_SHA256")),
        ),
    ];
    for (code, key, algorithm, settings) in cases {
        let room = sid("RM");
        let event = shared_key_callback(&room, key, algorithm, settings.as_deref());
        let signature = event["headers"][signature::HEADER]
            .as_str()
            .unwrap()
            .to_string();
        let response = invoke(&state, event, None).await;
        assert_eq!(status(&response), 403, "{code}: {response}");
        assert_eq!(body(&response)["error"]["code"], code, "{response}");
        assert!(
            dynamo().await.room_record(&room).await.unwrap().is_none(),
            "{code}: nothing stored"
        );
        let text = logs.text();
        let line = text
            .lines()
            .find(|l| l.contains(code) && l.contains("twilio callback rejected"))
            .unwrap_or_else(|| panic!("{code} is logged"));
        assert!(
            !text.contains(&signature),
            "{code}: the signature is not logged"
        );
        if code == "unknown_signing_key" {
            assert!(line.contains("webhooks_sharedkey_unknown"), "{line}");
        }
    }
    assert!(!logs.text().contains(KEY), "the shared key is never logged");
}

#[tokio::test]
async fn the_auth_secret_may_hold_webhook_keys_alone_in_secrets_manager() {
    let client = aws_sdk_secretsmanager::Client::new(sdk().await);
    let document = json!({"account_sid": ACCOUNT_SID, "webhook_keys": { KEY_ID: KEY }});
    let id = create_secret(&client, "twilio-auth-", &document).await;
    let secrets = SecretStore::new(
        Some(client),
        None,
        Some(id),
        Duration::from_secs(300),
        integration_tests::test_secret_env,
    );
    let auth = secrets.auth().await.unwrap();
    assert!(auth.auth_token.is_none());
    assert_eq!(auth.webhook_keys[KEY_ID].expose_secret(), KEY);
    assert!(
        !format!("{auth:?}").contains(KEY),
        "Debug shows key ids only"
    );

    let state = webhook_over(Arc::new(secrets)).await;
    let room = sid("RM");
    let signed = shared_key_callback(
        &room,
        KEY,
        Algorithm::HmacSha256,
        Some(&settings("HMAC_SHA256")),
    );
    assert_eq!(status(&invoke(&state, signed, None).await), 200);
    let by_token = shared_key_callback(
        &sid("RM"),
        integration_tests::AUTH_TOKEN,
        Algorithm::HmacSha1,
        None,
    );
    let response = invoke(&state, by_token, None).await;
    assert_eq!(status(&response), 403, "{response}");
    assert_eq!(body(&response)["error"]["code"], "shared_key_required");
}

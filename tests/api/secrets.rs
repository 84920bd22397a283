//! The Secrets Manager adapter against moto's server: read, cache, refresh, stale on failure.

use std::time::Duration;

use aws_sdk_secretsmanager::Client;
use integration_tests::secrets::{
    api_key_secret, api_key_store, create_secret, delete_secret, replace_secret,
};
use integration_tests::{ACCOUNT_SID, API_KEY_SID, sdk, unique};
use serde_json::{Value, json};
use shared::secrets::{SecretStore, Secrets};

fn twilio_json(secret: &str) -> Value {
    json!({"account_sid": ACCOUNT_SID, "api_key_sid": API_KEY_SID, "api_key_secret": secret})
}

#[tokio::test]
async fn the_api_key_is_read_from_secrets_manager_and_cached() {
    let client = Client::new(sdk().await);
    let id = create_secret(&client, "twilio-", &twilio_json("first")).await;
    let store = api_key_store(&client, &id, Duration::from_secs(300));
    assert_eq!(api_key_secret(&store).await, "first");
    replace_secret(&client, &id, &twilio_json("second")).await;
    // Within the TTL the cached value is served: no call to Secrets Manager.
    assert_eq!(api_key_secret(&store).await, "first");
}

#[tokio::test]
async fn after_the_ttl_the_secret_is_refreshed() {
    let client = Client::new(sdk().await);
    let id = create_secret(&client, "twilio-", &twilio_json("first")).await;
    let store = api_key_store(&client, &id, Duration::from_millis(200));
    assert_eq!(api_key_secret(&store).await, "first");
    replace_secret(&client, &id, &twilio_json("second")).await;
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(api_key_secret(&store).await, "second");
}

#[tokio::test]
async fn when_a_refresh_fails_the_cached_value_is_served() {
    let client = Client::new(sdk().await);
    let id = create_secret(&client, "twilio-", &twilio_json("kept")).await;
    let store = api_key_store(&client, &id, Duration::from_millis(200));
    assert_eq!(api_key_secret(&store).await, "kept");
    delete_secret(&client, &id).await;
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(api_key_secret(&store).await, "kept");
}

#[tokio::test]
async fn a_missing_or_malformed_secret_is_an_error_without_its_value() {
    let client = Client::new(sdk().await);
    let store = SecretStore::new(
        Some(client.clone()),
        None,
        Some(unique("absent-")),
        Duration::from_secs(1),
        |_| None,
    );
    assert!(store.auth().await.is_err());
    let bad = json!({"account_sid": "AC-bad", "auth_token": "hunter2"});
    let id = create_secret(&client, "twilio-", &bad).await;
    let store = SecretStore::new(Some(client), None, Some(id), Duration::from_secs(1), |_| {
        None
    });
    let err = store.auth().await.unwrap_err().to_string();
    assert!(err.contains("account_sid"), "{err}");
    assert!(!err.contains("hunter2"));
}

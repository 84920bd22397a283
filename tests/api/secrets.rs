//! The Secrets Manager adapter against moto's server: read, cache, refresh, stale on failure.

use std::time::Duration;

use aws_sdk_secretsmanager::Client;
use integration_tests::{ACCOUNT_SID, API_KEY_SID, sdk, unique};
use secrecy::ExposeSecret;
use shared::secrets::{SecretStore, Secrets};

fn twilio_json(secret: &str) -> String {
    serde_json::json!({"account_sid": ACCOUNT_SID, "api_key_sid": API_KEY_SID, "api_key_secret": secret}).to_string()
}

async fn create(client: &Client, value: &str) -> String {
    let name = unique("twilio-");
    client
        .create_secret()
        .name(&name)
        .secret_string(value)
        .send()
        .await
        .unwrap();
    name
}

#[tokio::test]
async fn the_api_key_is_read_from_secrets_manager_and_cached() {
    let client = Client::new(sdk().await);
    let id = create(&client, &twilio_json("first")).await;
    let store = SecretStore::new(
        Some(client.clone()),
        Some(id.clone()),
        None,
        Duration::from_secs(300),
        |_| None,
    );
    assert_eq!(
        store.twilio().await.unwrap().api_key_secret.expose_secret(),
        "first"
    );
    client
        .put_secret_value()
        .secret_id(&id)
        .secret_string(twilio_json("second"))
        .send()
        .await
        .unwrap();
    // Within the TTL the cached value is served: no call to Secrets Manager.
    assert_eq!(
        store.twilio().await.unwrap().api_key_secret.expose_secret(),
        "first"
    );
}

#[tokio::test]
async fn after_the_ttl_the_secret_is_refreshed() {
    let client = Client::new(sdk().await);
    let id = create(&client, &twilio_json("first")).await;
    let store = SecretStore::new(
        Some(client.clone()),
        Some(id.clone()),
        None,
        Duration::from_millis(200),
        |_| None,
    );
    assert_eq!(
        store.twilio().await.unwrap().api_key_secret.expose_secret(),
        "first"
    );
    client
        .put_secret_value()
        .secret_id(&id)
        .secret_string(twilio_json("second"))
        .send()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(
        store.twilio().await.unwrap().api_key_secret.expose_secret(),
        "second"
    );
}

#[tokio::test]
async fn when_a_refresh_fails_the_cached_value_is_served() {
    let client = Client::new(sdk().await);
    let id = create(&client, &twilio_json("kept")).await;
    let store = SecretStore::new(
        Some(client.clone()),
        Some(id.clone()),
        None,
        Duration::from_millis(200),
        |_| None,
    );
    assert_eq!(
        store.twilio().await.unwrap().api_key_secret.expose_secret(),
        "kept"
    );
    client
        .delete_secret()
        .secret_id(&id)
        .force_delete_without_recovery(true)
        .send()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(
        store.twilio().await.unwrap().api_key_secret.expose_secret(),
        "kept"
    );
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
    let id = create(
        &client,
        r#"{"account_sid":"AC-bad","auth_token":"hunter2"}"#,
    )
    .await;
    let store = SecretStore::new(Some(client), None, Some(id), Duration::from_secs(1), |_| {
        None
    });
    let err = store.auth().await.unwrap_err().to_string();
    assert!(err.contains("account_sid"), "{err}");
    assert!(!err.contains("hunter2"));
}

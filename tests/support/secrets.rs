//! Secrets Manager on moto as the tests drive it: a secret made under a fresh name, replaced or
//! deleted behind a store's back, and the API key secret a store reads.

use std::time::Duration;

use aws_sdk_secretsmanager::Client;
use secrecy::ExposeSecret;
use serde_json::Value;
use shared::secrets::{SecretStore, Secrets};

use crate::unique;

/// A new secret holding `document`, named `prefix` and something unique; its name.
pub async fn create_secret(client: &Client, prefix: &str, document: &Value) -> String {
    let name = unique(prefix);
    client
        .create_secret()
        .name(&name)
        .secret_string(document.to_string())
        .send()
        .await
        .unwrap();
    name
}

/// A new version of the secret `id`, holding `document`.
pub async fn replace_secret(client: &Client, id: &str, document: &Value) {
    client
        .put_secret_value()
        .secret_id(id)
        .secret_string(document.to_string())
        .send()
        .await
        .unwrap();
}

/// The secret `id` gone at once, with no recovery window.
pub async fn delete_secret(client: &Client, id: &str) {
    client
        .delete_secret()
        .secret_id(id)
        .force_delete_without_recovery(true)
        .send()
        .await
        .unwrap();
}

/// A store reading the API key from the secret `id`, caching it for `ttl`.
pub fn api_key_store(client: &Client, id: &str, ttl: Duration) -> SecretStore {
    SecretStore::new(Some(client.clone()), Some(id.into()), None, ttl, |_| None)
}

/// The API key secret `store` hands out now.
pub async fn api_key_secret(store: &SecretStore) -> String {
    let credentials = store.twilio().await.unwrap();
    credentials.api_key_secret.expose_secret().to_string()
}

//! The functions' SDK configuration (`shared::aws::sdk_config_from`) reaching moto's server
//! through the service-specific endpoint variables alone: `AWS_ENDPOINT_URL` names a port where
//! nothing listens, `AWS_ENDPOINT_URL_DYNAMODB` and `AWS_ENDPOINT_URL_SECRETS_MANAGER` name moto,
//! and the back ends a function builds from it read and write both services.

use std::sync::Arc;

use integration_tests::faults::moto;
use integration_tests::secrets::{create_secret, delete_secret};
use integration_tests::{ACCOUNT_SID, API_KEY_SECRET, API_KEY_SID, sdk, sid, unique};
use secrecy::ExposeSecret;
use serde_json::json;
use shared::aws::{Backends, sdk_config_from};
use shared::clock::now_unix;
use shared::memory::MemoryStore;
use shared::secrets::SecretKind;
use shared::store::rooms::names::RoomEntry;

/// A loopback URL on which nothing listens (the port was free a moment ago).
fn nowhere() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}", listener.local_addr().unwrap())
}

/// The test environment, with `AWS_ENDPOINT_URL` pointing nowhere and, when `specific`, the
/// DynamoDB and Secrets Manager variables pointing at moto.
fn environment(specific: bool) -> impl Fn(&str) -> Option<String> {
    let (nowhere, moto) = (nowhere(), moto());
    move |name| match name {
        "AWS_ENDPOINT_URL" => Some(nowhere.clone()),
        "AWS_ENDPOINT_URL_DYNAMODB" | "AWS_ENDPOINT_URL_SECRETS_MANAGER" if specific => {
            Some(moto.clone())
        }
        "AWS_ENDPOINT_URL_DYNAMODB" | "AWS_ENDPOINT_URL_SECRETS_MANAGER" => None,
        _ => std::env::var(name).ok(),
    }
}

/// The back ends of a function configured with the test table and the API key secret `secret`.
fn backends(specific: bool, secret: &str) -> Backends {
    let sdk = sdk_config_from(environment(specific));
    let config = integration_tests::config(&[("TWILIO_SECRET_ID", secret)]);
    let memory = Arc::new(MemoryStore::new());
    Backends::with_sdk(&config, Some(&sdk), memory, |_| None, &[SecretKind::ApiKey])
        .expect("the back ends")
}

#[tokio::test]
async fn the_service_specific_endpoint_variables_alone_reach_dynamodb_and_secrets_manager() {
    let client = aws_sdk_secretsmanager::Client::new(sdk().await);
    let document = json!({
        "account_sid": ACCOUNT_SID,
        "api_key_sid": API_KEY_SID,
        "api_key_secret": API_KEY_SECRET,
    });
    let secret = create_secret(&client, "sdk-endpoints-", &document).await;
    let name = format!("acme:class:{}", unique("endpoints-"));
    let entry = RoomEntry::opened(&name, &sid("RM"), None, false, false, now_unix());

    let backends = backends(true, &secret);
    assert!(backends.store.name_opened(&entry).await.unwrap());
    let stored = backends.store.room_by_name(&name).await.unwrap();
    assert_eq!(stored.map(|e| e.room_sid), Some(entry.room_sid.clone()));
    let credentials = backends.secrets.twilio().await.unwrap();
    assert_eq!(credentials.api_key_sid, API_KEY_SID);
    assert_eq!(credentials.api_key_secret.expose_secret(), API_KEY_SECRET);

    // Without them the same back ends go to AWS_ENDPOINT_URL, where nothing answers.
    let backends = self::backends(false, &secret);
    assert!(backends.store.room_by_name(&name).await.is_err());
    assert!(backends.secrets.twilio().await.is_err());
    delete_secret(&client, &secret).await;
}

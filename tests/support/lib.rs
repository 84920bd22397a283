//! What every integration test shares: the AWS SDK configuration pointing at the moto server
//! that `scripts/test` starts, the test table, test credentials, configuration, and API Gateway
//! events from `events/` turned into `lambda_http` requests.

pub mod dynamo_count;
pub mod faults;
pub mod logs;
pub use logs::LogCapture;
pub mod python;
pub mod recordings;
pub mod rooms;
pub mod secrets;
pub mod verify_token;
pub mod webhook;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use aws_config::SdkConfig;
use lambda_http::{Body, Request, Response};
use serde_json::Value;
use shared::aws::Backends;
use shared::config::Config;
use shared::dynamo::DynamoTable;
use shared::secrets::SecretStore;
use tokio::sync::OnceCell;

/// Test account SID.
pub const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
/// Test API key SID.
pub const API_KEY_SID: &str = "SK0123456789abcdef0123456789abcdef";
/// Test API key secret.
pub const API_KEY_SECRET: &str = "test-api-key-secret";
/// Test Auth Token.
pub const AUTH_TOKEN: &str = "test-auth-token";
/// Test Verify service.
pub const VERIFY_SERVICE_SID: &str = "VA0123456789abcdef0123456789abcdef";
/// Test Messaging service.
pub const MESSAGING_SERVICE_SID: &str = "MG0123456789abcdef0123456789abcdef";
/// The public base URL tests configure.
pub const PUBLIC_BASE_URL: &str = "https://video.example.com";

/// The SDK configuration for the moto server started by `scripts/test`: the functions' own
/// (`shared::aws::sdk_config`) but for its time limits, made for DynamoDB's milliseconds. moto
/// serves one request at a time, so a flood of concurrent callbacks queues requests for seconds
/// there; the tests of those limits use [`deployed_sdk`].
pub async fn sdk() -> &'static SdkConfig {
    static SDK: OnceCell<SdkConfig> = OnceCell::const_new();
    SDK.get_or_init(|| async {
        let moto = aws_config::timeout::TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(5))
            .operation_attempt_timeout(Duration::from_secs(30))
            .operation_timeout(Duration::from_secs(60))
            .build();
        deployed_sdk()
            .await
            .clone()
            .into_builder()
            .timeout_config(moto)
            .build()
    })
    .await
}

/// The SDK configuration exactly as the functions load it, for moto's server.
pub async fn deployed_sdk() -> &'static SdkConfig {
    static SDK: OnceCell<SdkConfig> = OnceCell::const_new();
    SDK.get_or_init(|| async {
        assert!(
            std::env::var("AWS_ENDPOINT_URL").is_ok(),
            "AWS_ENDPOINT_URL is not set: run the tests with ./scripts/test, which starts moto's server"
        );
        shared::aws::sdk_config()
            .await
            .expect("the SDK configuration for moto")
    })
    .await
}

/// The table `scripts/test` created from `template.yaml`.
pub fn table_name() -> String {
    std::env::var("TABLE_NAME").expect("TABLE_NAME is not set: run the tests with ./scripts/test")
}

/// The DynamoDB adapter on the test table.
pub async fn dynamo() -> DynamoTable {
    DynamoTable::new(aws_sdk_dynamodb::Client::new(sdk().await), table_name())
}

/// Configuration for tests: the test table, public base URL and service SIDs, then `extra`.
pub fn config(extra: &[(&str, &str)]) -> Config {
    let table = table_name();
    let base: Vec<(&str, String)> = vec![
        ("TABLE_NAME", table),
        ("PUBLIC_BASE_URL", PUBLIC_BASE_URL.to_string()),
        ("TWILIO_VERIFY_SERVICE_SID", VERIFY_SERVICE_SID.to_string()),
        (
            "TWILIO_MESSAGING_SERVICE_SID",
            MESSAGING_SERVICE_SID.to_string(),
        ),
    ];
    Config::from_lookup(|name| {
        extra
            .iter()
            .rev()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
            .or_else(|| {
                base.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.clone())
            })
    })
    .expect("test configuration is valid")
}

/// Configuration with every Twilio base URL pointing at `twilio` (a wiremock server's URI).
pub fn config_with_twilio(twilio: &str, extra: &[(&str, &str)]) -> Config {
    let mut vars = vec![
        ("TWILIO_VIDEO_BASE_URL", twilio),
        ("TWILIO_VERIFY_BASE_URL", twilio),
        ("TWILIO_API_BASE_URL", twilio),
    ];
    vars.extend_from_slice(extra);
    config(&vars)
}

/// Back ends for tests: DynamoDB on moto, and the test credentials as environment secrets.
pub async fn backends() -> Backends {
    backends_on(Arc::new(dynamo().await))
}

/// Back ends for tests on `store`, the test credentials as environment secrets.
pub fn backends_on(store: Arc<dyn shared::store::Store>) -> Backends {
    let secrets = Arc::new(SecretStore::new(
        None,
        None,
        None,
        Duration::from_secs(300),
        test_secret_env,
    ));
    Backends {
        store,
        secrets,
        twilio: shared::twilio::TwilioClient::new(shared::twilio::ATTEMPT_TIMEOUT)
            .expect("the Twilio client"),
    }
}

/// The test credentials, as the environment would hold them.
pub fn test_secret_env(name: &str) -> Option<String> {
    Some(
        match name {
            "TWILIO_ACCOUNT_SID" => ACCOUNT_SID,
            "TWILIO_API_KEY" => API_KEY_SID,
            "TWILIO_API_SECRET" => API_KEY_SECRET,
            "TWILIO_AUTH_TOKEN" => AUTH_TOKEN,
            _ => return None,
        }
        .to_string(),
    )
}

/// The repository's `events/` folder.
pub fn events_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events")
}

/// An event from `events/{name}.json`.
pub fn event(name: &str) -> Value {
    let path = events_dir().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// An API Gateway event as the `lambda_http` request the runtime would hand the handler.
pub fn request(event: &Value) -> Request {
    lambda_http::request::from_str(&event.to_string()).expect("a valid API Gateway event")
}

/// Replaces the JWT authorizer's claims of an HTTP API event.
pub fn with_claims(mut event: Value, claims: Value) -> Value {
    event["requestContext"]["authorizer"] =
        serde_json::json!({ "jwt": { "claims": claims, "scopes": null } });
    event
}

/// Removes the authorizer (a request that reached the function without a JWT).
pub fn without_claims(mut event: Value) -> Value {
    if let Some(ctx) = event["requestContext"].as_object_mut() {
        ctx.remove("authorizer");
    }
    event
}

/// Sets a JSON body.
pub fn with_body(mut event: Value, body: &Value) -> Value {
    event["body"] = Value::String(body.to_string());
    event["isBase64Encoded"] = Value::Bool(false);
    event
}

/// A response's body as JSON.
pub fn json_body(response: &Response<Body>) -> Value {
    serde_json::from_slice(response.body().as_ref()).unwrap_or(Value::Null)
}

/// A fresh name for test data, so tests sharing the table never meet.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::new_v4().simple())
}

/// A fresh Twilio-shaped SID with `prefix`.
pub fn sid(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::new_v4().simple())
}

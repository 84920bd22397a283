//! The SDK configuration from the environment: what it reads, and where each client it
//! configures sends its requests (captured, never sent).

use super::*;
use aws_credential_types::provider::ProvideCredentials;

fn lambda(name: &str) -> Option<String> {
    match name {
        "AWS_REGION" => Some("eu-west-1".into()),
        "AWS_DEFAULT_REGION" => Some("us-east-1".into()),
        "AWS_ACCESS_KEY_ID" => Some("ASIAEXAMPLE".into()),
        "AWS_SECRET_ACCESS_KEY" => Some("secret".into()),
        "AWS_SESSION_TOKEN" => Some("session".into()),
        "AWS_ENDPOINT_URL" => Some("http://127.0.0.1:5000".into()),
        _ => None,
    }
}

#[tokio::test]
async fn the_sdk_configuration_comes_from_the_variables_lambda_sets() {
    let sdk = sdk_config_from(lambda);
    assert_eq!(sdk.region().map(|r| r.as_ref()), Some("eu-west-1"));
    assert_eq!(sdk.endpoint_url(), Some("http://127.0.0.1:5000"));
    let credentials = sdk
        .credentials_provider()
        .expect("credentials from the environment")
        .provide_credentials()
        .await
        .unwrap();
    assert_eq!(credentials.access_key_id(), "ASIAEXAMPLE");
    assert_eq!(credentials.session_token(), Some("session"));
    assert!(sdk.http_client().is_some());
}

#[test]
fn the_default_region_stands_in_and_no_credentials_means_no_provider() {
    let sdk = sdk_config_from(|name| match name {
        "AWS_DEFAULT_REGION" => Some("us-east-1".into()),
        "AWS_ACCESS_KEY_ID" => Some("only-half".into()),
        _ => None,
    });
    assert_eq!(sdk.region().map(|r| r.as_ref()), Some("us-east-1"));
    assert!(sdk.credentials_provider().is_none());
    assert!(sdk.endpoint_url().is_none());
}

/// Where a client built from `sdk` sends its first request: an HTTP client that records the
/// URL and answers nothing, and no retries.
mod capture {
    use std::sync::{Arc, Mutex};

    use aws_smithy_runtime_api::client::http::{
        HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
        SharedHttpConnector,
    };
    use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
    use aws_smithy_runtime_api::client::result::ConnectorError;
    use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

    #[derive(Clone, Debug, Default)]
    pub struct Capture(Arc<Mutex<Vec<String>>>);

    impl Capture {
        pub fn client(&self) -> SharedHttpClient {
            SharedHttpClient::new(self.clone())
        }
        /// The URL of every request, in order.
        pub fn all(&self) -> Vec<String> {
            self.0.lock().unwrap().clone()
        }
    }

    impl HttpClient for Capture {
        fn http_connector(
            &self,
            _: &HttpConnectorSettings,
            _: &RuntimeComponents,
        ) -> SharedHttpConnector {
            SharedHttpConnector::new(self.clone())
        }
    }

    impl HttpConnector for Capture {
        fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
            self.0.lock().unwrap().push(request.uri().to_string());
            HttpConnectorFuture::ready(Err(ConnectorError::other("captured".into(), None)))
        }
    }
}

/// Asserts where the DynamoDB and the Secrets Manager client built from `sdk` send their first
/// request (each URL starts with the given prefix).
async fn assert_endpoints(sdk: &SdkConfig, dynamodb: &str, secrets_manager: &str) {
    let capture = capture::Capture::default();
    let config = aws_sdk_dynamodb::config::Builder::from(sdk)
        .http_client(capture.client())
        .retry_config(RetryConfig::disabled());
    let client = aws_sdk_dynamodb::Client::from_conf(config.build());
    client.list_tables().send().await.unwrap_err();
    let config = aws_sdk_secretsmanager::config::Builder::from(sdk)
        .http_client(capture.client())
        .retry_config(RetryConfig::disabled());
    let client = aws_sdk_secretsmanager::Client::from_conf(config.build());
    client.list_secrets().send().await.unwrap_err();
    let urls = capture.all();
    assert!(
        urls[0].starts_with(dynamodb),
        "DynamoDB: {}, expected {dynamodb}",
        urls[0]
    );
    assert!(
        urls[1].starts_with(secrets_manager),
        "Secrets Manager: {}, expected {secrets_manager}",
        urls[1]
    );
}

/// Lambda's variables, then `extra` over them.
fn with(extra: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
    move |name| {
        extra
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
            .or_else(|| lambda(name))
    }
}

/// `AWS_ENDPOINT_URL` in [`lambda`]: every service's endpoint unless its own variable says otherwise.
const GENERAL_ENDPOINT: &str = "http://127.0.0.1:5000";
const DYNAMODB_EU: &str = "https://dynamodb.eu-west-1.amazonaws.com";
const SECRETS_MANAGER_EU: &str = "https://secretsmanager.eu-west-1.amazonaws.com";

#[tokio::test]
async fn a_service_specific_endpoint_wins_over_aws_endpoint_url_for_its_service_only() {
    let sdk = sdk_config_from(with(&[(
        "AWS_ENDPOINT_URL_DYNAMODB",
        "http://127.0.0.1:8000",
    )]));
    assert_endpoints(&sdk, "http://127.0.0.1:8000", GENERAL_ENDPOINT).await;

    let sdk = sdk_config_from(with(&[(
        "AWS_ENDPOINT_URL_SECRETS_MANAGER",
        "http://127.0.0.1:4566",
    )]));
    assert_endpoints(&sdk, GENERAL_ENDPOINT, "http://127.0.0.1:4566").await;
}

#[tokio::test]
async fn without_endpoint_variables_each_client_goes_to_its_regional_aws_endpoint() {
    let sdk = sdk_config_from(with(&[("AWS_ENDPOINT_URL", "")]));
    assert!(sdk.endpoint_url().is_none());
    assert_endpoints(&sdk, DYNAMODB_EU, SECRETS_MANAGER_EU).await;
}

#[tokio::test]
async fn aws_ignore_configured_endpoint_urls_turns_every_endpoint_variable_off() {
    let sdk = sdk_config_from(with(&[
        ("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000"),
        ("AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://127.0.0.1:4566"),
        ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE"),
    ]));
    assert!(sdk.endpoint_url().is_none());
    assert_endpoints(&sdk, DYNAMODB_EU, SECRETS_MANAGER_EU).await;

    let sdk = sdk_config_from(with(&[
        ("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000"),
        ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false"),
    ]));
    assert_endpoints(&sdk, "http://127.0.0.1:8000", GENERAL_ENDPOINT).await;
}

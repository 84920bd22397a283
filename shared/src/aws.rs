//! The production back ends, built once at cold start: the AWS SDK configuration (from the
//! environment, on the one HTTPS stack of [`crate::https`]), the store and the secrets.

use std::sync::Arc;
use std::time::Duration;

use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_runtime_api::client::behavior_version::BehaviorVersion;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::SdkConfig;
use aws_types::region::Region;

use crate::config::Config;
use crate::dynamo::DynamoTable;
use crate::memory::MemoryStore;
use crate::secrets::{SecretStore, Secrets};
use crate::store::Store;

/// The SDK configuration from the process environment: see [`sdk_config_from`].
pub async fn sdk_config() -> SdkConfig {
    sdk_config_from(|name| std::env::var(name).ok())
}

/// The SDK configuration from the variables Lambda sets: the region (`AWS_REGION`, else
/// `AWS_DEFAULT_REGION`), the execution role's credentials (`AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`) and `AWS_ENDPOINT_URL` when set (moto in the
/// tests), with the SDK's standard retries and aws-config's 3.1 s connect timeout.
///
/// Not `aws_config::load_defaults`: its chains look for profile files, SSO, web identity, ECS
/// and IMDS, none of which a Lambda function has, and bring the STS client into every binary.
/// Without credentials in the environment the SDK's calls fail, naming the missing credentials
/// (run locally against AWS with `eval "$(aws configure export-credentials --format env)"`).
pub fn sdk_config_from(env: impl Fn(&str) -> Option<String>) -> SdkConfig {
    let var = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let mut builder = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(
            var("AWS_REGION")
                .or_else(|| var("AWS_DEFAULT_REGION"))
                .map(Region::new),
        )
        .http_client(crate::https::sdk_http_client())
        .retry_config(RetryConfig::standard())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_millis(3100))
                .build(),
        );
    if let (Some(id), Some(secret)) = (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) {
        let credentials =
            Credentials::new(id, secret, var("AWS_SESSION_TOKEN"), None, "Environment");
        builder.set_credentials_provider(Some(SharedCredentialsProvider::new(credentials)));
    }
    builder.set_endpoint_url(var("AWS_ENDPOINT_URL"));
    builder.build()
}

/// The store and secrets a function works with.
#[derive(Clone)]
pub struct Backends {
    /// DynamoDB when `TABLE_NAME` is set, else the embedded store.
    pub store: Arc<dyn Store>,
    /// Secrets Manager for each secret whose id is set, else the environment.
    pub secrets: Arc<dyn Secrets>,
}

impl Backends {
    /// Builds what `config` asks for. The SDK configuration is loaded only when an AWS service
    /// is configured, so a local run needs no AWS account.
    pub async fn from_config(config: &Config) -> Self {
        Self::from_config_with(config, |name| std::env::var(name).ok()).await
    }

    /// As [`Backends::from_config`], reading environment secrets through `env` (the local API
    /// supplies its dev defaults this way).
    pub async fn from_config_with(config: &Config, env: impl Fn(&str) -> Option<String>) -> Self {
        let needs_aws = config.table_name.is_some()
            || config.twilio_secret_id.is_some()
            || config.twilio_auth_secret_id.is_some();
        let sdk = if needs_aws {
            Some(sdk_config().await)
        } else {
            None
        };
        Self::with_sdk(config, sdk.as_ref(), Arc::new(MemoryStore::new()), env)
    }

    /// Builds the back ends from an already loaded SDK configuration; `memory` is the embedded
    /// store used when no table is configured; `env` reads environment secrets.
    pub fn with_sdk(
        config: &Config,
        sdk: Option<&SdkConfig>,
        memory: Arc<MemoryStore>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Self {
        let store: Arc<dyn Store> = match (&config.table_name, sdk) {
            (Some(table), Some(sdk)) => {
                Arc::new(DynamoTable::new(aws_sdk_dynamodb::Client::new(sdk), table))
            }
            _ => memory,
        };
        let sm = sdk
            .filter(|_| config.twilio_secret_id.is_some() || config.twilio_auth_secret_id.is_some())
            .map(aws_sdk_secretsmanager::Client::new);
        let secrets = Arc::new(SecretStore::new(
            sm,
            config.twilio_secret_id.clone(),
            config.twilio_auth_secret_id.clone(),
            Duration::from_secs(config.secrets_cache_ttl_seconds),
            env,
        ));
        Self { store, secrets }
    }
}

#[cfg(test)]
mod sdk_config_tests {
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
}

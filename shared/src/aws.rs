//! The production back ends, built once at cold start: the AWS SDK configuration (rustls on
//! ring, see the README's cold-start figures), the store and the secrets.

use std::sync::Arc;
use std::time::Duration;

use aws_config::{BehaviorVersion, SdkConfig};
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};

use crate::config::Config;
use crate::dynamo::DynamoTable;
use crate::memory::MemoryStore;
use crate::secrets::{SecretStore, Secrets};
use crate::store::Store;

/// How long one attempt of a DynamoDB or Secrets Manager call may take, and the whole call with
/// the SDK's retries. Their answers take milliseconds; without these bounds (the SDK sets none
/// but for connecting) a service that stops answering holds the invocation until Lambda kills it
/// at its 10 s timeout, and the client gets API Gateway's bare 500 instead of our 503, a callback
/// no answer within Twilio's 15 s.
const AWS_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);
const AWS_CALL_TIMEOUT: Duration = Duration::from_secs(4);

/// Loads the SDK configuration (region, credentials, endpoints from the SDK's own variables)
/// with an HTTPS client on rustls and ring, and time limits on every call.
pub async fn sdk_config() -> SdkConfig {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(AWS_ATTEMPT_TIMEOUT)
        .operation_attempt_timeout(AWS_ATTEMPT_TIMEOUT)
        .operation_timeout(AWS_CALL_TIMEOUT)
        .build();
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .timeout_config(timeouts)
        .load()
        .await
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

//! The production back ends, built once at cold start: the AWS SDK configuration (from the
//! environment, on the one HTTPS stack of [`crate::https`]), the store, the secrets and the
//! Twilio HTTP client. Whatever cannot be built stops start-up, naming what to fix: nothing falls
//! back to a weaker stand-in (inside Lambda, the embedded store would hold rate limits and
//! exactly-once per container only).

use std::sync::Arc;
use std::time::Duration;

use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_runtime_api::client::behavior_version::BehaviorVersion;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::SdkConfig;
use aws_types::region::Region;

use crate::config::{Config, ConfigError};
use crate::dynamo::DynamoTable;
use crate::memory::MemoryStore;
use crate::secrets::{SecretKind, SecretStore, Secrets};
use crate::store::Store;
use crate::twilio::{ATTEMPT_TIMEOUT, ClientError, TwilioClient};

/// How long one attempt of a DynamoDB or Secrets Manager call may take, and the whole call with
/// the SDK's retries. Their answers take milliseconds; without these bounds (the SDK sets none
/// but for connecting) a service that stops answering holds the invocation until Lambda kills it
/// at its 10 s timeout, and the client gets API Gateway's bare 500 instead of our 503, a callback
/// no answer within Twilio's 15 s.
const AWS_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);
const AWS_CALL_TIMEOUT: Duration = Duration::from_secs(4);

/// The SDK configuration from the process environment (see [`sdk_config_from`]); an error when
/// it is not usable ([`check_sdk`]).
pub async fn sdk_config() -> Result<SdkConfig, ConfigError> {
    let sdk = sdk_config_from(|name| std::env::var(name).ok());
    check_sdk(&sdk)?;
    Ok(sdk)
}

/// The SDK configuration from the variables Lambda sets: the region (`AWS_REGION`, else
/// `AWS_DEFAULT_REGION`), the execution role's credentials (`AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`) and `AWS_ENDPOINT_URL` when set (moto in the
/// tests), with the SDK's standard retries and time limits on every call.
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
                .connect_timeout(AWS_ATTEMPT_TIMEOUT)
                .operation_attempt_timeout(AWS_ATTEMPT_TIMEOUT)
                .operation_timeout(AWS_CALL_TIMEOUT)
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

/// Whether an SDK configuration can make requests: it has a region (the default chain always
/// sets a credentials provider; credentials themselves are resolved on the first call). Without
/// one, every DynamoDB or Secrets Manager call would fail, request after request.
pub fn check_sdk(sdk: &SdkConfig) -> Result<(), ConfigError> {
    match sdk.region() {
        Some(_) => Ok(()),
        None => Err(ConfigError::new(
            "AWS_REGION",
            "the AWS SDK configuration has no region (set AWS_REGION or AWS_DEFAULT_REGION)",
        )),
    }
}

/// Why a function could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// A variable is missing or wrong (the error names it).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The Twilio HTTP client could not be built.
    #[error(transparent)]
    TwilioClient(#[from] ClientError),
}

/// The store, secrets and Twilio client a function works with.
#[derive(Clone)]
pub struct Backends {
    /// DynamoDB when `TABLE_NAME` is set, else (outside Lambda only) the embedded store.
    pub store: Arc<dyn Store>,
    /// Secrets Manager for each secret whose id is set, else the environment.
    pub secrets: Arc<dyn Secrets>,
    /// The Twilio REST client ([`ATTEMPT_TIMEOUT`] per attempt, redirects never followed).
    pub twilio: TwilioClient,
}

impl Backends {
    /// Builds what `config` asks for; `uses` names the secrets the function reads, whose
    /// environment variables are then checked now rather than on the first request. The SDK
    /// configuration is loaded only when an AWS service is configured, so a local run needs no
    /// AWS account.
    pub async fn from_config(config: &Config, uses: &[SecretKind]) -> Result<Self, StartupError> {
        Self::from_config_with(config, |name| std::env::var(name).ok(), uses).await
    }

    /// As [`Backends::from_config`], reading environment secrets through `env` (the local API
    /// supplies its dev defaults this way).
    pub async fn from_config_with(
        config: &Config,
        env: impl Fn(&str) -> Option<String>,
        uses: &[SecretKind],
    ) -> Result<Self, StartupError> {
        let needs_aws = config.table_name.is_some()
            || config.twilio_secret_id.is_some()
            || config.twilio_auth_secret_id.is_some();
        let sdk = match needs_aws {
            true => Some(sdk_config().await?),
            false => None,
        };
        Self::with_sdk(
            config,
            sdk.as_ref(),
            Arc::new(MemoryStore::new()),
            env,
            uses,
        )
    }

    /// Builds the back ends from an already loaded SDK configuration; `memory` is the embedded
    /// store used when no table is configured (refused inside Lambda); `env` reads environment
    /// secrets, of which those of `uses` must be complete.
    pub fn with_sdk(
        config: &Config,
        sdk: Option<&SdkConfig>,
        memory: Arc<MemoryStore>,
        env: impl Fn(&str) -> Option<String>,
        uses: &[SecretKind],
    ) -> Result<Self, StartupError> {
        let store: Arc<dyn Store> = match (&config.table_name, sdk) {
            (Some(table), Some(sdk)) => Arc::new(
                DynamoTable::new(aws_sdk_dynamodb::Client::new(sdk), table)
                    .with_retention(config.retention),
            ),
            (Some(_), None) => {
                return Err(ConfigError::new(
                    "TABLE_NAME",
                    "is set, but no AWS SDK configuration was given to reach it",
                )
                .into());
            }
            (None, _) if config.in_lambda => {
                return Err(ConfigError::new(
                    "TABLE_NAME",
                    "is required inside Lambda: the embedded store would keep rate limits and \
                     exactly-once per container only",
                )
                .into());
            }
            (None, _) => memory,
        };
        let sm = sdk
            .filter(|_| config.twilio_secret_id.is_some() || config.twilio_auth_secret_id.is_some())
            .map(aws_sdk_secretsmanager::Client::new);
        let secrets = SecretStore::new(
            sm,
            config.twilio_secret_id.clone(),
            config.twilio_auth_secret_id.clone(),
            Duration::from_secs(config.secrets_cache_ttl_seconds),
            env,
        );
        for kind in uses {
            secrets.check(*kind)?;
        }
        Ok(Self {
            store,
            secrets: Arc::new(secrets),
            twilio: TwilioClient::new(ATTEMPT_TIMEOUT)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_sdk_configuration_without_a_region_is_refused_by_name() {
        let bare = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .build();
        assert_eq!(check_sdk(&bare).unwrap_err().var, "AWS_REGION");
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

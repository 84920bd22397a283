//! The production back ends, built once at cold start: the AWS SDK configuration (from the
//! environment, on the one HTTPS stack of [`crate::https`]), the store, the secrets and the
//! Twilio HTTP client. Whatever cannot be built stops start-up, naming what to fix: nothing falls
//! back to a weaker stand-in (inside Lambda, the embedded store would hold rate limits and
//! exactly-once per container only).

use std::sync::Arc;
use std::time::Duration;

use aws_types::SdkConfig;

use crate::config::{Config, ConfigError};
use crate::dynamo::DynamoTable;
use crate::memory::MemoryStore;
use crate::secrets::{SecretKind, SecretStore, Secrets};
use crate::store::Store;
use crate::twilio::{ATTEMPT_TIMEOUT, ClientError, TwilioClient};

pub use crate::sdk_env::sdk_config_from;

/// The SDK configuration from the process environment (see [`sdk_config_from`]); an error when
/// it is not usable ([`check_sdk`]).
pub async fn sdk_config() -> Result<SdkConfig, ConfigError> {
    let sdk = sdk_config_from(|name| std::env::var(name).ok());
    check_sdk(&sdk)?;
    Ok(sdk)
}

/// Whether an SDK configuration can make requests: it has a region (credentials are used on the
/// first call). Without one, every DynamoDB or Secrets Manager call would fail, request after
/// request.
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
    use aws_smithy_runtime_api::client::behavior_version::BehaviorVersion;

    #[test]
    fn an_sdk_configuration_without_a_region_is_refused_by_name() {
        let bare = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .build();
        assert_eq!(check_sdk(&bare).unwrap_err().var, "AWS_REGION");
    }
}

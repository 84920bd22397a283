//! The AWS SDK configuration from the environment variables Lambda sets, and the SDK's own
//! endpoint variables, without `aws-config` (README, Configuration and Performance).

use std::time::Duration;

use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_runtime_api::client::behavior_version::BehaviorVersion;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::SdkConfig;
use aws_types::region::Region;
use aws_types::service_config::{LoadServiceConfig, ServiceConfigKey};

/// How long one attempt of a DynamoDB or Secrets Manager call may take, and the whole call with
/// the SDK's retries. Their answers take milliseconds; without these bounds (the SDK sets none
/// but for connecting) a service that stops answering holds the invocation until Lambda kills it
/// at its 10 s timeout, and the client gets API Gateway's bare 500 instead of our 503, a callback
/// no answer within Twilio's 15 s.
const AWS_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);
const AWS_CALL_TIMEOUT: Duration = Duration::from_secs(4);

/// The SDK's service ids of the clients we build, as their `AWS_ENDPOINT_URL_*` variables
/// spell them (upper case, spaces as underscores): `DynamoDB` and `Secrets Manager`.
const SERVICES: [&str; 2] = ["DYNAMODB", "SECRETS_MANAGER"];

/// The SDK configuration from the variables Lambda sets: the region (`AWS_REGION`, else
/// `AWS_DEFAULT_REGION`), the execution role's credentials (`AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), with the SDK's standard retries and time
/// limits on every call; and the endpoints as the SDK's own variables set them:
/// `AWS_ENDPOINT_URL_DYNAMODB` and `AWS_ENDPOINT_URL_SECRETS_MANAGER` for their service, else
/// `AWS_ENDPOINT_URL` for both, none of them when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`.
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
    // The SDK's setting is a boolean ("true"/"false", any case); anything else leaves it off.
    let ignore = var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    if !ignore {
        builder.set_endpoint_url(var("AWS_ENDPOINT_URL"));
        let endpoints = SERVICES
            .iter()
            .filter_map(|service| {
                let name = format!("AWS_ENDPOINT_URL_{service}");
                var(&name).map(|url| (name, url))
            })
            .collect();
        builder.set_service_config(Some(ServiceEndpoints(endpoints)));
    }
    builder.build()
}

/// The service-specific endpoint variables that were set, read once. Each SDK client asks its
/// SDK configuration's service config for its own (`Builder::from(&SdkConfig)` does, with
/// `AWS_ENDPOINT_URL` as the key and its service id) before it falls back to the shared
/// endpoint, so `Client::new(&sdk)` honours them wherever a client is built.
#[derive(Debug)]
struct ServiceEndpoints(Vec<(String, String)>);

impl LoadServiceConfig for ServiceEndpoints {
    fn load_config(&self, key: ServiceConfigKey<'_>) -> Option<String> {
        let name = format!(
            "{}_{}",
            key.env(),
            key.service_id().to_uppercase().replace(' ', "_")
        );
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, url)| url.clone())
    }
}

#[cfg(test)]
mod tests;
